// test-alone: npm pack + install into a temporary project (heavy disk and CPU, long timeouts)
// The package as another project gets it: `npm pack`, then `npm install <tarball>` into a fresh `npm init -y`
// project (CommonJS by default) with no overrides, then the README's lookup from an .mjs file, from an .mts file
// and from a CommonJS .ts file (both compiled by TypeScript with the consumer's `nodenext` settings), the notebook
// helpers' message without plotly.js-dist, and the `tpu-embeddings` CLI (--help, a bad command and flag, `train`
// without plotly.js-dist, `serve` answering a prediction). npm reads the local cache first (--prefer-offline);
// the registry is reached only for what is not cached. Runs against dist/ as `npm test` builds it (`npm run build`
// first when running this file alone).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-install-'));
const consumer = path.join(work, 'consumer');
after(() => fs.rmSync(work, { recursive: true, force: true }));

// Under `npm test`, npm exports the repository's package and prefix to scripts (npm_package_*, npm_lifecycle_*,
// npm_config_local_prefix): the consumer's npm must not see them, as if run from its own shell.
const ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_(package_|lifecycle_|config_local_prefix$|command$)/.test(k)),
) as NodeJS.ProcessEnv;

function run(cmd: string, args: string[], options: SpawnSyncOptions & { timeout: number }) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: ENV, ...options });
  const out = `${cmd} ${args.join(' ')} → exit ${r.status} ${r.signal ?? ''}\n${String(r.stdout).slice(-3000)}\n${String(r.stderr).slice(-3000)}`;
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr), out };
}

/** Newest modification time under `dir` (files only). */
function newest(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((t, e) => {
    const p = path.join(dir, e.name);
    return Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }, 0);
}

// The consumer's code: the README's example (an embedding lookup on the CPU backend) printing what it found.
const LOOKUP_BODY = `
  const choice = await chooseBackend({ force: 'cpu', log: () => {} });
  const movies = tableConfig({ vocabularySize: 64, dim: 4, name: 'movie_id' });
  const emb = new TPUEmbedding({
    features: { movie_id: featureConfig({ table: movies }) },
    optimizer: new Adagrad({ learningRate: 0.1 }),
    topology: 'v4-8',
  });
  const acts = emb.lookup({ movie_id: [1, 50, 50, 7] });
  const rows = acts.movie_id.arraySync() as number[][];
  return { backend: choice.name, shape: acts.movie_id.shape, rows, inputError: typeof InputError };`;
const IMPORTS = `{ chooseBackend, tableConfig, featureConfig, TPUEmbedding, Adagrad, InputError }`;
const FILES: Record<string, string> = {
  // ESM JavaScript: top-level await.
  'plain.mjs': `import ${IMPORTS} from 'tpu-embeddings';
async function lookup() {${LOOKUP_BODY.replace(' as number[][]', '')}
}
console.log(JSON.stringify({ form: 'mjs', ...(await lookup()) }));
`,
  // ESM TypeScript (.mts → typed.mjs).
  'typed.mts': `import ${IMPORTS} from 'tpu-embeddings';
async function lookup() {${LOOKUP_BODY}
}
console.log(JSON.stringify({ form: 'mts', ...(await lookup()) }));
`,
  // CommonJS TypeScript (.ts in a default package → require): no top-level await, the README's CJS form.
  'cjs.ts': `import ${IMPORTS} from 'tpu-embeddings';
import { lineFigure, saveHtml, RankingModel, registerFileSystemRouter } from 'tpu-embeddings';
import { writeFileSync } from 'node:fs';
async function lookup() {${LOOKUP_BODY}
}
async function main(): Promise<void> {
  const result = await lookup();
  // A notebook/figure helper without the optional peer plotly.js-dist: the error names the install command.
  let plotly = '';
  try {
    saveHtml(lineFigure({ title: 't', xTitle: 'x', yTitle: 'y', series: [{ name: 's', y: [1, 2] }] }), 'figure.html');
  } catch (e) {
    plotly = \`\${(e as Error).name}/\${(e as { kind?: string }).kind}: \${(e as Error).message}\`;
  }
  // A serving export for the CLI's serve command, and the prediction it must give.
  const model = new RankingModel({ topology: 'cpu', placement: 'cpu', userVocabularySize: 64, movieVocabularySize: 64, embeddingDim: 8, hiddenUnits: [4] });
  const prediction = model.predict({ user_id: [30], movie_id: [10] })[0];
  registerFileSystemRouter();
  const exported = model.exportServingModel();
  await exported.save('file://' + process.cwd() + '/export');
  writeFileSync('prediction.json', JSON.stringify({ prediction }));
  console.log(JSON.stringify({ form: 'cjs', ...result, plotly, prediction }));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
`,
  // A consumer with @types/node (ours, as the consumer installs none) and TypeScript's Node settings.
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      skipLibCheck: true,
      typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      types: ['node'],
      lib: ['ES2022', 'DOM'],
    },
    files: ['typed.mts', 'cjs.ts'],
  }),
};

let tarball = '';
let install = { status: 0 as number | null, stdout: '', stderr: '', out: '' };

before(() => {
  for (const f of ['index.js', 'index.mjs', 'index.d.ts', 'index.d.mts', 'cli/cli.js']) {
    assert.ok(fs.existsSync(path.join(ROOT, 'dist', f)), `dist/${f} is missing: run \`npm run build\` first`);
  }
  assert.ok(newest(path.join(ROOT, 'dist')) >= newest(path.join(ROOT, 'src')) - 1000, 'dist/ is older than src/: run `npm run build` first');
  // `--ignore-scripts`: prepack would rebuild dist/, which `npm test` has just done.
  const pack = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, timeout: 60_000 });
  assert.equal(pack.status, 0, pack.out);
  tarball = path.join(work, (JSON.parse(pack.stdout) as { filename: string }[])[0].filename);
  fs.mkdirSync(consumer);
  const init = run('npm', ['init', '-y'], { cwd: consumer, timeout: 30_000 });
  assert.equal(init.status, 0, init.out);
  for (const [name, text] of Object.entries(FILES)) fs.writeFileSync(path.join(consumer, name), text);
  // --omit=optional: tfjs-node's install downloads libtensorflow from outside the npm registry (not reachable in
  // CI); the library falls back to wasm/cpu without it. --foreground-scripts: the postinstall's output is shown.
  install = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=optional', '--foreground-scripts', tarball], {
    cwd: consumer,
    timeout: 240_000,
    env: { ...ENV, npm_config_loglevel: 'warn' },
  });
});

describe('npm pack + npm install into a fresh project', () => {
  it('installs without overrides; postinstall exits quietly; no notebook-only packages', () => {
    assert.equal(install.status, 0, install.out);
    const installed = path.join(consumer, 'node_modules', PKG.name);
    assert.ok(fs.existsSync(path.join(installed, 'dist', 'index.js')));
    assert.doesNotMatch(install.stdout + install.stderr, /setup:/, 'the postinstall printed something in a consumer install');
    // The install script builds the native kernels from the shipped sources (a failed build would not fail the install).
    assert.match(install.stdout, /^build-native: built build\/Release\/tpu_embeddings_native\.node/m, install.out);
    assert.ok(fs.existsSync(path.join(installed, 'build', 'Release', 'tpu_embeddings_native.node')));
    for (const notebookOnly of ['tslab', 'plotly.js-dist', 'zeromq', 'typescript', 'playwright-core']) {
      assert.ok(!fs.existsSync(path.join(consumer, 'node_modules', notebookOnly)), `${notebookOnly} was installed`);
    }
    assert.ok(!fs.existsSync(path.join(installed, 'dist', 'vendor')), 'dist/vendor (the minified plotly.js) is not shipped');
  });

  it('imports it from .mjs, .mts and CommonJS .ts and looks up embeddings; figure helpers name plotly.js-dist', () => {
    const tsc = run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: consumer, timeout: 120_000 });
    assert.equal(tsc.status, 0, tsc.out);
    assert.match(fs.readFileSync(path.join(consumer, 'cjs.js'), 'utf8'), /require\("tpu-embeddings"\)/, 'cjs.ts compiles to require()');
    assert.match(fs.readFileSync(path.join(consumer, 'typed.mjs'), 'utf8'), /from 'tpu-embeddings'/, 'typed.mts compiles to import');
    const results = (['plain.mjs', 'typed.mjs', 'cjs.js'] as const).map((file) => {
      const r = run(process.execPath, [file], { cwd: consumer, timeout: 60_000 });
      assert.equal(r.status, 0, r.out);
      return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { form: string; backend: string; shape: number[]; rows: number[][]; inputError: string; plotly?: string; prediction?: number };
    });
    assert.deepEqual(results.map((r) => r.form), ['mjs', 'mts', 'cjs']);
    for (const r of results) {
      assert.equal(r.backend, 'cpu');
      assert.deepEqual(r.shape, [4, 4]); // 4 ids, dim 4
      assert.deepEqual(r.rows[1], r.rows[2], `${r.form}: the same id (50) gives the same row`);
      assert.notDeepEqual(r.rows[0], r.rows[1], `${r.form}: ids 1 and 50 give different rows`);
      assert.ok(r.rows.flat().every(Number.isFinite) && r.rows[0].some((x) => x !== 0));
      assert.equal(r.inputError, 'function', 'the error classes are exported');
    }
    // Same default initializer seed in each form → the same table rows whatever the module system.
    assert.deepEqual(results[0].rows, results[2].rows);
    assert.deepEqual(results[1].rows, results[2].rows);
    assert.match(results[2].plotly!, /^ConfigError\/plotly_missing: viz: plotly\.js-dist is not installed.*`npm install plotly\.js-dist`/);
    assert.ok(!fs.existsSync(path.join(consumer, 'figure.html')), 'no file written when plotly.js is missing');
  });

  it('runs the CLI: --help, a bad command and flag named with exit code 2, and serve answering a prediction', async () => {
    const bin = path.join(consumer, 'node_modules', '.bin', 'tpu-embeddings');
    const help = run(bin, ['--help'], { cwd: consumer, timeout: 60_000 });
    assert.equal(help.status, 0, help.out);
    assert.match(help.stdout, /^usage: tpu-embeddings <command>/);
    assert.match(help.stdout, /^ {2}train +the tutorial end to end/m);
    assert.match(help.stdout, /^ {2}serve +serve an exported model/m);
    const trainHelp = run(bin, ['train', '--help'], { cwd: consumer, timeout: 60_000 });
    assert.equal(trainHelp.status, 0, trainHelp.out);
    assert.match(trainHelp.stdout, /--epochs N/);
    const badCommand = run(bin, ['trian'], { cwd: consumer, timeout: 60_000 });
    assert.equal(badCommand.status, 2, badCommand.out);
    assert.match(badCommand.stderr, /^tpu-embeddings: unknown command 'trian'\. Expected one of train, evaluate, export, serve/);
    const badFlag = run(bin, ['train', '--epoch', '3'], { cwd: consumer, timeout: 60_000 });
    assert.equal(badFlag.status, 2, badFlag.out);
    assert.match(badFlag.stderr, /^tpu-embeddings: train: unknown option --epoch\b/);
    assert.match(help.stdout, /^ {2}evaluate +a saved checkpoint's test RMSE/m);
    // export's parser lives in dist/cli/checkpoint-commands.js: a bad command line reaching it shows it shipped.
    const badExport = run(bin, ['export', 'only-one-dir'], { cwd: consumer, timeout: 60_000 });
    assert.equal(badExport.status, 2, badExport.out);
    assert.match(badExport.stderr, /^tpu-embeddings: export: expected a checkpoint directory and an output directory, but got 1 argument/);
    const badPort = run(bin, ['serve', 'export', '--port', 'x'], { cwd: consumer, timeout: 60_000 });
    assert.equal(badPort.status, 2, badPort.out);
    assert.match(badPort.stderr, /serve: expected --port to be an integer ≥ 0, but got 'x'/);
    // train writes loss figures: without the optional peer plotly.js-dist it stops before training, saying why.
    const noPlotly = run(bin, ['train', '--quick', '--outputs', 'train-out'], { cwd: consumer, timeout: 60_000 });
    assert.equal(noPlotly.status, 1, noPlotly.out);
    assert.match(noPlotly.stderr, /^tpu-embeddings: ConfigError: viz: plotly\.js-dist is not installed.*`npm install plotly\.js-dist`/m);
    assert.ok(!fs.existsSync(path.join(consumer, 'train-out')), 'nothing written before the check');
    const missing = run(bin, ['serve', 'no-such-dir', '--port', '0'], { cwd: consumer, timeout: 60_000 });
    assert.equal(missing.status, 1, missing.out);
    assert.match(missing.stderr, /^tpu-embeddings: \w+Error: .*no-such-dir/m);

    const expected = (JSON.parse(fs.readFileSync(path.join(consumer, 'prediction.json'), 'utf8')) as { prediction: number }).prediction;
    const child = spawn(bin, ['serve', 'export', '--port', '0', '--name', 'ranking'], { cwd: consumer, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /at (http:\/\/127\.0\.0\.1:\d+)\/v1\/models\/ranking/.exec(out);
          if (m) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`serve exited early with ${code}: ${out}`)));
      });
      const res = await fetch(`${url}/v1/models/ranking:predict`, { method: 'POST', body: JSON.stringify({ instances: [{ user_id: 30, movie_id: 10 }] }) });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { predictions: number[][] | number[] };
      assert.ok(Math.abs(Number(body.predictions.flat()[0]) - expected) < 1e-5, `served ${JSON.stringify(body)}, model predicted ${expected}`);
      const code = await new Promise<number | null>((resolve) => {
        child.on('exit', (c) => resolve(c));
        child.kill('SIGTERM');
      });
      assert.equal(code, 0);
    } finally {
      clearTimeout(guard);
      child.kill('SIGKILL');
    }
  });
});

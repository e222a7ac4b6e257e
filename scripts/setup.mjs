#!/usr/bin/env node
// Setup, run by `npm install` (postinstall) and `npm run setup`, in the repository only (skipped when the
// package is installed as someone's dependency). Steps, each printing one progress line:
//   1. build dist/ (CommonJS + .d.ts, then the ESM entry and the CLI)          (required: fails the install)
//   2. minify plotly.js into dist/vendor/plotly.min.js for inline figures       (optional)
//   3. link notebooks/node_modules/tpu-embeddings -> ../.. so notebooks import the package by name
//   4. Debian packages Jupyter needs to execute notebooks (apt-get as root)     (optional: says what to run)
//   5. register the tslab Jupyter kernel                                         (optional: says what to run)
// Environment: TPU_EMBEDDINGS_SKIP_APT=1 skips step 4 (never calls apt-get).
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, accessSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

/** Debian packages needed to execute notebooks headless and register kernels (jupyter-core gives `jupyter`). */
export const DEBIAN_PACKAGES = ['jupyter-core', 'jupyter-nbconvert', 'python3-nbclient', 'python3-ipykernel', 'jupyter-client', 'python3-zmq'];

const problems = [];
const say = (line) => console.log(`setup: ${line}`);
const warn = (what, fix) => {
  problems.push({ what, fix });
  console.log(`setup: MISSING ${what}\n       fix: ${fix}`);
};

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: opts.inherit ? 'inherit' : 'pipe', env: { ...process.env, ...opts.env } });
}

function onPath(bin) {
  if (bin.includes('/')) return existsSync(bin) ? bin : null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, bin);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

// 0. Only in the repository itself. Installed as someone's dependency (inside node_modules, or without the
//    repository's build files), the package ships dist/ already: exit at once, silently, before anything heavy.
if (root.split(path.sep).includes('node_modules') || !existsSync(path.join(root, 'tsconfig.build.json'))) {
  process.exit(0);
}
const t0 = Date.now();
say(`in ${root} (node ${process.version})`);

// 1. Build dist/ with the project's TypeScript (not node_modules/.bin/tsc, which may be tslab's older copy).
{
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc');
  } catch {
    tsc = null;
  }
  if (!tsc) {
    console.error('setup: FAILED typescript is not installed (dev dependency). Run `npm install` without --omit=dev.');
    process.exit(1);
  }
  say('building dist/ (tsc -p tsconfig.build.json) …');
  const t = Date.now();
  run(process.execPath, [path.join(root, 'scripts', 'clean-dist.mjs')], { inherit: true });
  const r = run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { inherit: true });
  if (r.status !== 0) {
    console.error('setup: FAILED the TypeScript build; fix the errors above, then run `npm run setup`.');
    process.exit(1);
  }
  const e = run(process.execPath, [path.join(root, 'scripts', 'build-package.mjs')], { inherit: true });
  if (e.status !== 0) {
    console.error('setup: FAILED scripts/build-package.mjs (the ESM entry and the CLI in dist/); fix the error above, then run `npm run setup`.');
    process.exit(1);
  }
  say(`built dist/ in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

// 2. Minified plotly.js for figures (plotly.js-dist ships only an 11 MB unminified bundle).
{
  const out = path.join(root, 'dist', 'vendor', 'plotly.min.js');
  try {
    const src = require.resolve('plotly.js-dist');
    const stamp = `${src}:${readFileSync(path.join(path.dirname(src), 'package.json'), 'utf8').match(/"version":\s*"([^"]+)"/)?.[1]}`;
    const stampFile = `${out}.source`;
    if (existsSync(out) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
      say('plotly.js already minified (dist/vendor/plotly.min.js)');
    } else {
      const esbuild = require('esbuild');
      const code = esbuild.transformSync(readFileSync(src, 'utf8'), { minify: true, legalComments: 'eof' }).code;
      mkdirSync(path.dirname(out), { recursive: true });
      writeFileSync(out, code);
      writeFileSync(stampFile, stamp);
      say(`minified plotly.js to dist/vendor/plotly.min.js (${(code.length / 1e6).toFixed(1)} MB)`);
    }
  } catch (e) {
    console.log(`setup: note: could not minify plotly.js (${String(e.message ?? e).split('\n')[0]}); figures inline the unminified bundle (11 MB).`);
  }
}

// 3. Notebooks import the package by name: notebooks/node_modules/tpu-embeddings -> ../.. (relative link).
{
  const dir = path.join(root, 'notebooks', 'node_modules');
  const link = path.join(dir, 'tpu-embeddings');
  const target = path.join('..', '..');
  let ok = false;
  try {
    ok = lstatSync(link).isSymbolicLink() && readlinkSync(link) === target;
  } catch {
    ok = false;
  }
  if (ok) {
    say('link notebooks/node_modules/tpu-embeddings -> ../.. already in place');
  } else {
    mkdirSync(dir, { recursive: true });
    rmSync(link, { recursive: true, force: true });
    symlinkSync(target, link, 'dir');
    say('linked notebooks/node_modules/tpu-embeddings -> ../..');
  }
}

// 4. Debian packages for Jupyter (nbconvert executes notebooks through nbclient + jupyter-client).
{
  const hasDpkg = onPath('dpkg-query') !== null;
  const missing = hasDpkg
    ? DEBIAN_PACKAGES.filter((p) => !/^install ok installed$/m.test(run('dpkg-query', ['-W', '-f=${Status}\n', p]).stdout ?? ''))
    : [];
  const installCmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!hasDpkg) {
    if (onPath('jupyter')) say('not a Debian system; using the jupyter on PATH');
    else warn('Jupyter (no dpkg here)', 'install Jupyter with nbconvert, nbclient and ipykernel (e.g. `pip install nbconvert nbclient ipykernel`)');
  } else if (missing.length === 0) {
    say(`Debian packages present: ${DEBIAN_PACKAGES.join(', ')}`);
  } else if (process.env.TPU_EMBEDDINGS_SKIP_APT === '1') {
    warn(`Debian packages ${missing.join(', ')} (TPU_EMBEDDINGS_SKIP_APT=1)`, installCmd);
  } else if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    warn(`Debian packages ${missing.join(', ')} (not root or no apt-get)`, `sudo sh -c '${installCmd}'`);
  } else {
    say(`installing Debian packages ${missing.join(', ')} (apt-get) …`);
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    const u = run('apt-get', ['update'], { inherit: true, env });
    const i = u.status === 0 ? run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { inherit: true, env }) : u;
    if (i.status === 0) say(`installed ${missing.join(', ')}`);
    else warn(`Debian packages ${missing.join(', ')} (apt-get failed, status ${i.status})`, installCmd);
  }
}

// 5. The tslab kernel. Kept when a registered tslab kernel starts a binary that exists; else (re)installed
//    system-wide (root) or per user, pointing at this checkout's tslab.
{
  const jupyter = onPath('jupyter');
  if (!jupyter) {
    warn('the `jupyter` command, so the tslab kernel is not registered', 'install the Debian packages above, then run `npm run setup`');
  } else {
    const registered = () => {
      const r = run(jupyter, ['kernelspec', 'list', '--json']);
      try {
        return JSON.parse(r.stdout).kernelspecs?.tslab ?? null;
      } catch {
        return null;
      }
    };
    const spec = registered();
    const bin = spec?.spec?.argv?.[0];
    if (spec && bin && onPath(bin)) {
      say(`tslab kernel registered (${spec.resource_dir}, starts ${bin})`);
    } else {
      // tslab's installer needs the Python that runs Jupyter (not a pyenv/venv python3 first on PATH).
      const python = ['/usr/bin/python3', 'python3'].find((p) => onPath(p) && run(p, ['-c', 'import jupyter_client']).status === 0);
      const tslabBin = path.join(root, 'node_modules', 'tslab', 'bin', 'tslab');
      const cmd = `node ${tslabBin} install --python=${python ?? '/usr/bin/python3'} --binary=${tslabBin}`;
      if (!python || !existsSync(tslabBin)) {
        warn('the tslab kernel (no Python with jupyter_client, or tslab not installed)', `install Jupyter, then: ${cmd}`);
      } else {
        say(`registering the tslab kernel: ${cmd}`);
        const r = run(process.execPath, [tslabBin, 'install', `--python=${python}`, `--binary=${tslabBin}`], { inherit: true });
        const again = registered();
        if (r.status === 0 && again) say(`tslab kernel registered (${again.resource_dir})`);
        else warn('the tslab kernel (registration failed)', cmd);
      }
    }
  }
}

const secs = ((Date.now() - t0) / 1000).toFixed(1);
if (problems.length === 0) {
  say(`done in ${secs} s: dist/ built, notebooks link, Jupyter and the tslab kernel ready`);
} else {
  console.log(`setup: done in ${secs} s with ${problems.length} missing part(s); the library works, notebooks need:`);
  for (const p of problems) console.log(`  - ${p.what}\n    run: ${p.fix}`);
}

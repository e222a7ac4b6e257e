// `tpu-embeddings bench` (scripts/cli.ts → scripts/bench-command.ts), run as a user runs it, in child processes:
// from the repository it hands the names and --quick to bench/run.ts (the same runner as `npm run bench`); in a
// package root without bench/ (what npm installs: package.json `files` has no bench/) it says the benchmarks run from
// a clone and how. The runs use a copy of the repository's layout — the real cli.ts, bench-command.ts and
// bench/run.ts, src/ and node_modules linked — with two tiny benchmarks, so a run takes seconds, not the suite's minutes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const cliAt = (root: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'cli.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });

/** A package root like the repository's (or, without bench/, like an installed package's), sharing src/ and node_modules. */
function layout(dir: string, withBench: boolean): string {
  mkdirSync(path.join(dir, 'scripts'), { recursive: true });
  for (const f of ['package.json', 'tsconfig.json', 'scripts/cli.ts', 'scripts/bench-command.ts']) copyFileSync(path.join(ROOT, f), path.join(dir, f));
  symlinkSync(path.join(ROOT, 'src'), path.join(dir, 'src'), 'dir');
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  if (withBench) {
    mkdirSync(path.join(dir, 'bench'));
    copyFileSync(path.join(ROOT, 'bench', 'run.ts'), path.join(dir, 'bench', 'run.ts'));
    // run.ts passes { quick: true } to a benchmark it has no special options for.
    writeFileSync(
      path.join(dir, 'bench', 'tiny.ts'),
      'export async function runTinyBench(o: { quick?: boolean } = {}) {\n' +
        "  return { rows: [{ case: o.quick ? 'quick' : 'full', items: o.quick ? 10 : 1000 }] };\n}\n",
    );
    writeFileSync(path.join(dir, 'bench', 'broken.ts'), "export async function runBrokenBench() {\n  throw new Error('broken on purpose');\n}\n");
  }
  return dir;
}

describe('tpu-embeddings bench', () => {
  let tmp: string;
  let clone: string;
  let installed: string;

  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'tpu-emb-cli-bench-'));
    clone = layout(path.join(tmp, 'clone'), true);
    installed = layout(path.join(tmp, 'installed'), false);
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('is listed by --help and has its own --help (names, --quick, where it runs)', () => {
    const help = cliAt(ROOT, '--help');
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^ {2}bench +run the benchmarks .*as `npm run bench` does/m);
    const benchHelp = cliAt(ROOT, 'bench', '--help');
    assert.equal(benchHelp.status, 0, benchHelp.stderr);
    assert.match(benchHelp.stdout, /^usage: tpu-embeddings bench \[names…\] \[--quick\]/);
    assert.match(benchHelp.stdout, /--quick +a smaller version of each/);
    assert.match(benchHelp.stdout, /clone of the repository/);
  });

  it('a bad option exits 2 naming it; an unknown benchmark exits 2 listing the repository\'s benchmarks', () => {
    const badFlag = cliAt(ROOT, 'bench', '--quik');
    assert.equal(badFlag.status, 2, badFlag.stderr);
    assert.match(badFlag.stderr, /^tpu-embeddings: bench: unknown option --quik; expected benchmark names and --quick\./);
    const badName = cliAt(ROOT, 'bench', 'no-such-bench');
    assert.equal(badName.status, 2, badName.stderr);
    assert.match(badName.stderr, /benchmark names among loader, embedding, training, .*but got no-such-bench/);
  });

  it('runs the named benchmarks with --quick through bench/run.ts: a table, and bench/results/<name>.quick.json', () => {
    const r = cliAt(clone, 'bench', 'tiny', '--quick');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /=== tiny \(quick\) ===/);
    assert.match(r.stdout, /^case +items$/m);
    assert.match(r.stdout, /^quick +10$/m);
    assert.doesNotMatch(r.stdout, /broken/);
    const written = JSON.parse(readFileSync(path.join(clone, 'bench', 'results', 'tiny.quick.json'), 'utf8'));
    assert.deepEqual(written, { benchmark: 'tiny', quick: true, rows: [{ case: 'quick', items: 10 }] });
    assert.ok(!existsSync(path.join(clone, 'bench', 'results', 'tiny.json')), 'a quick run never writes the full result');
  });

  it('without names runs every benchmark; one failing is reported, the others still run, and the exit code is 1', () => {
    const r = cliAt(clone, 'bench');
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /broken failed after .*broken on purpose/s);
    const written = JSON.parse(readFileSync(path.join(clone, 'bench', 'results', 'tiny.json'), 'utf8'));
    assert.deepEqual(written.rows, [{ case: 'full', items: 1000 }]);
    assert.equal(written.quick, false);
  });

  it('in a package without bench/ (as npm installs it) exits 1 saying the benchmarks run from a clone, and how', () => {
    const r = cliAt(installed, 'bench', '--quick');
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^tpu-embeddings: ConfigError: bench: the benchmarks \(bench\/\*\.ts\) do not ship in the npm package/);
    assert.match(r.stderr, /clone of the tpu-embeddings repository: clone it, run `npm install` there, then `npx tpu-embeddings bench \[names…\] \[--quick\]`/);
    assert.ok(!existsSync(path.join(installed, 'bench')), 'nothing written');
  });
});

// scripts/build-kernels.mjs --check: the committed src/kernels/*.wasm.ts are what their AssemblyScript sources
// compile to, and a stale one is caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const SCRIPT = path.resolve('scripts/build-kernels.mjs');

test('build-kernels --check: every committed kernel is compiled from its committed AssemblyScript source', () => {
  const r = spawnSync(process.execPath, [SCRIPT, '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('build-kernels --check: fails and names the file when a generated kernel differs from its source', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'build-kernels-'));
  try {
    // One kernel (its source and generated file, fresh as the first test shows) is enough and compiles faster.
    const source = readdirSync('src/kernels').filter((f) => f.endsWith('.as.ts')).sort()[0];
    const generated = source.replace(/\.as\.ts$/, '.wasm.ts');
    mkdirSync(path.join(dir, 'src', 'kernels'), { recursive: true });
    for (const f of [source, generated]) cpSync(path.join('src/kernels', f), path.join(dir, 'src', 'kernels', f));
    appendFileSync(path.join(dir, 'src', 'kernels', generated), '// edited by hand\n');
    const r = spawnSync(process.execPath, [SCRIPT, '--check'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`build-kernels: src/kernels/${generated.replace(/\./g, '\\.')} is stale; run npm run build:kernels`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// scripts/build-native.mjs, the package's `install` script, on a copy of the addon's sources in a temp dir: a build
// that cannot compile (CXX=/bin/false, as on a machine without a compiler) prints one FAILED line and exits 0 so
// the install goes on (the WebAssembly kernels run); --strict (npm run build:native) exits 1; TPU_EMBEDDINGS_NATIVE=0
// skips the build. The successful build is the repository's own (`npm install`), checked in native-kernels.test.ts.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadNativeKernels } from '../../src/kernels/native-kernels';

const ROOT = path.resolve(__dirname, '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'build-native-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

function copyPackage(): string {
  const dir = path.join(work, `pkg-${fs.readdirSync(work).length}`);
  fs.mkdirSync(path.join(dir, 'scripts'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'src', 'kernels'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'src', 'kernels', 'native'), path.join(dir, 'src', 'kernels', 'native'), { recursive: true });
  for (const f of ['binding.gyp', 'package.json', 'scripts/build-native.mjs']) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

const build = (dir: string, env: Record<string, string>, args: string[] = []) =>
  spawnSync(process.execPath, ['scripts/build-native.mjs', ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });

describe('scripts/build-native.mjs', () => {
  it('a failed compile prints one FAILED line and exits 0 (the install goes on); --strict exits 1', () => {
    const dir = copyPackage();
    const r = build(dir, { CXX: '/bin/false', CC: '/bin/false' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^build-native: FAILED \(node-gyp exited \d+\); the WebAssembly kernels will run\./m);
    const addon = path.join(dir, 'build', 'Release', 'tpu_embeddings_native.node');
    assert.equal(fs.existsSync(addon), false);
    const { kernels, status } = loadNativeKernels({ path: addon, env: {} });
    assert.equal(kernels, null);
    assert.match(status.line, /^tpu-embeddings: kernels: WebAssembly \(native addon not built/);
    const strict = build(dir, { CXX: '/bin/false', CC: '/bin/false' }, ['--strict']);
    assert.equal(strict.status, 1);
  });

  it('TPU_EMBEDDINGS_NATIVE=0 skips the build', () => {
    const dir = copyPackage();
    const r = build(dir, { TPU_EMBEDDINGS_NATIVE: '0' });
    assert.equal(r.status, 0);
    assert.equal(r.stdout.trim(), 'build-native: skipped (TPU_EMBEDDINGS_NATIVE=0); the WebAssembly kernels will run.');
    assert.equal(fs.existsSync(path.join(dir, 'build')), false);
  });
});

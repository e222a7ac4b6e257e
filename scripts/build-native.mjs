#!/usr/bin/env node
// Builds the native kernels (binding.gyp → build/Release/tpu_embeddings_native.node) with node-gyp: the package's
// `install` script, so `npm install` / `npm ci` builds them in this repository and in a consumer's node_modules.
// Never fails the install: without a compiler, headers or node-gyp it prints one line and the library runs its
// WebAssembly kernels (src/kernels/native-kernels.ts says which path is active).
// Environment: TPU_EMBEDDINGS_NATIVE=0 skips the build. Exit code 0 always, unless --strict (then 1 on failure).
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.argv.includes('--strict');
const say = (line) => console.log(`build-native: ${line}`);

function finish(ok, line) {
  say(line);
  process.exit(ok || !strict ? 0 : 1);
}

if (process.env.TPU_EMBEDDINGS_NATIVE === '0') finish(true, 'skipped (TPU_EMBEDDINGS_NATIVE=0); the WebAssembly kernels will run.');
if (!existsSync(path.join(root, 'binding.gyp'))) finish(true, 'no binding.gyp here; the WebAssembly kernels will run.');

/** node-gyp's entry: the one npm hands to install scripts, else npm's bundled copy, else `node-gyp` on PATH. */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const npm = path.join(dir, 'npm');
    if (!existsSync(npm)) continue;
    try {
      const bundled = path.join(path.dirname(path.dirname(realpathSync(npm))), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
      if (existsSync(bundled)) return [process.execPath, bundled];
    } catch {
      /* not a link into npm */
    }
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (existsSync(path.join(dir, 'node-gyp'))) return [path.join(dir, 'node-gyp')];
  }
  return null;
}

const gyp = nodeGyp();
if (!gyp) finish(false, 'node-gyp not found (it comes with npm); the WebAssembly kernels will run.');
const args = [...gyp.slice(1), 'rebuild', '--release'];
// Use the running Node's own headers when they are installed beside it (no download; builds offline).
const prefix = path.dirname(path.dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const t0 = Date.now();
const r = spawnSync(gyp[0], args, { cwd: root, encoding: 'utf8', env: { ...process.env, JOBS: process.env.JOBS ?? '2' } });
const addon = path.join(root, 'build', 'Release', 'tpu_embeddings_native.node');
if (r.status !== 0 || !existsSync(addon)) {
  const log = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').filter((l) => /error|not found|ERR!/i.test(l)).slice(0, 5).join('\n  ');
  finish(false, `FAILED (${r.error?.message ?? `node-gyp exited ${r.status}`}); the WebAssembly kernels will run.${log ? `\n  ${log}` : ''}`);
}
const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
finish(true, `built ${path.relative(root, addon)} for tpu-embeddings ${version} in ${((Date.now() - t0) / 1000).toFixed(1)} s.`);

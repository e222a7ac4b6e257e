// Backend selection: the automatic choice is one of BACKENDS, forcing cpu and wasm works, an unknown forced
// name fails with a message naming the variable and the allowed values.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { BACKENDS, chooseBackend, resetBackendChoice } from '../src/backend';

const saved = process.env.TPU_EMBEDDINGS_BACKEND;
afterEach(() => {
  resetBackendChoice();
  if (saved === undefined) delete process.env.TPU_EMBEDDINGS_BACKEND;
  else process.env.TPU_EMBEDDINGS_BACKEND = saved;
});

test('the automatic choice is one of BACKENDS, is active, logs one line and is cached', async () => {
  delete process.env.TPU_EMBEDDINGS_BACKEND;
  const lines: string[] = [];
  const choice = await chooseBackend({ log: (l) => lines.push(l) });
  assert.ok((BACKENDS as readonly string[]).includes(choice.name), choice.name);
  assert.equal(tf.getBackend(), choice.name);
  assert.equal(lines.length, 1);
  assert.match(lines[0], new RegExp(`^tpu-embeddings: .+; using ${choice.name}$`));
  // tfjs-node is not installed here, so the reason says so (and wasm is next in line)
  let hasNode = true;
  try {
    require.resolve('@tensorflow/tfjs-node');
  } catch {
    hasNode = false;
  }
  if (!hasNode) assert.match(choice.reason, /tfjs-node not installed/);
  const again = await chooseBackend({ log: (l) => lines.push(l) });
  assert.equal(again, choice);
  assert.equal(lines.length, 1, 'the second call does not log again');
});

for (const name of ['cpu', 'wasm'] as const) {
  test(`forcing ${name} (option and TPU_EMBEDDINGS_BACKEND) makes it the active backend`, async () => {
    const byOption = await chooseBackend({ force: name, log: () => {} });
    assert.deepEqual(byOption, { name, reason: 'forced by option' });
    assert.equal(tf.getBackend(), name);
    resetBackendChoice();
    process.env.TPU_EMBEDDINGS_BACKEND = name;
    const byEnv = await chooseBackend({ log: () => {} });
    assert.deepEqual(byEnv, { name, reason: 'forced by TPU_EMBEDDINGS_BACKEND' });
    // the backend computes: 1 + 2 = 3, and no tensor is left behind
    const before = tf.memory().numTensors;
    const sum = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]);
    assert.equal(sum, 3);
    assert.equal(tf.memory().numTensors, before);
  });
}

test('an unknown forced backend is an error naming the variable, the allowed values and the fix', async () => {
  process.env.TPU_EMBEDDINGS_BACKEND = 'gpu';
  await assert.rejects(chooseBackend({ log: () => {} }), {
    name: 'ConfigError',
    kind: 'backend_unavailable',
    message: /^chooseBackend: expected TPU_EMBEDDINGS_BACKEND to be one of tensorflow, wasm, cpu \(or node\), but got 'gpu'\. Unset it/,
  });
});

test('a failed forced choice is not cached: the next call with a valid choice works', async () => {
  // pick() sets `chosen = null` on failure so a bad TPU_EMBEDDINGS_BACKEND can be corrected without a restart
  process.env.TPU_EMBEDDINGS_BACKEND = 'gpu';
  await assert.rejects(chooseBackend({ log: () => {} }), /got 'gpu'/);
  delete process.env.TPU_EMBEDDINGS_BACKEND;
  const ok = await chooseBackend({ force: 'cpu', log: () => {} });
  assert.equal(ok.name, 'cpu');
});

// tfjs-backend-wasm's Emscripten glue registers process listeners that rethrow every uncaught error: the process
// then exits with code 7 under a header pointing into tf-backend-wasm.node.js. After chooseBackend, an uncaught
// error or rejection of a script must get Node's own report (exit code 1, the error's name and message) and a
// script's own handler must decide the exit code.
const script = (tail: string) => `
const { chooseBackend, InputError } = require(${JSON.stringify(require.resolve('../src'))});
chooseBackend({ force: 'wasm', log: () => {} }).then(() => { ${tail} });`;

for (const [what, tail] of [
  ['an uncaught error', `setTimeout(() => { throw new InputError('bad_value', 'demo: expected 1, but got 2.'); }, 0);`],
  ['an unhandled rejection', `Promise.reject(new InputError('bad_value', 'demo: expected 1, but got 2.'));`],
] as const) {
  test(`after choosing wasm, ${what} exits with code 1 and its own message, not the wasm glue's (code 7)`, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script(tail)], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, `exit ${r.status}\n${r.stderr.slice(-1500)}`);
    assert.match(r.stderr, /InputError: demo: expected 1, but got 2\./);
    assert.doesNotMatch(r.stderr, /tf-backend-wasm/);
  });
}

test("after choosing wasm, a script's own uncaughtException handler sets the exit code and message", () => {
  const tail = `process.on('uncaughtException', (e) => { console.error('my-script: ' + e.message); process.exit(3); });
    setTimeout(() => { throw new InputError('bad_value', 'demo: expected 1, but got 2.'); }, 0);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script(tail)], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 3, `exit ${r.status}\n${r.stderr.slice(-1500)}`);
  assert.equal(r.stderr.trim(), 'my-script: demo: expected 1, but got 2.');
});

// DLRM's dot interaction and the DCN-v2 cross layer against values worked out by hand (derivations in comments).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../../src/backend';
import { InputError } from '../../../src/errors';
import { crossLayer, dotInteraction } from '../../../src/models/beyond';

before(async () => {
  await chooseBackend();
});

const close = (a: ArrayLike<number>, b: readonly number[]): void => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test('dotInteraction: every pair once, in DLRM order (1,0), (2,0), (2,1)', () => {
  // Example 0: a = [1, 2], b = [3, 4], c = [−1, 0.5]  → b·a = 3+8 = 11, c·a = −1+1 = 0, c·b = −3+2 = −1.
  // Example 1: a = [0, 1], b = [2, −1], c = [5, 5]    → b·a = −1,      c·a = 5,       c·b = 10−5 = 5.
  const a = tf.tensor2d([[1, 2], [0, 1]]);
  const b = tf.tensor2d([[3, 4], [2, -1]]);
  const c = tf.tensor2d([[-1, 0.5], [5, 5]]);
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => dotInteraction([a, b, c]));
  assert.deepEqual(out.shape, [2, 3]);
  close(out.dataSync(), [11, 0, -1, -1, 5, 5]);
  out.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  tf.dispose([a, b, c]);
});

test('dotInteraction: the gradient of Σ (a·b) with respect to a is b', () => {
  const a = tf.tensor2d([[1, 2]]);
  const b = tf.tensor2d([[3, 4]]);
  const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(dotInteraction([x as tf.Tensor2D, y as tf.Tensor2D])))([a, b]);
  close(ga.dataSync(), [3, 4]);
  close(gb.dataSync(), [1, 2]);
  tf.dispose([a, b, ga, gb]);
});

test('dotInteraction: fewer than two vectors or mismatched widths are refused', () => {
  const a = tf.tensor2d([[1, 2]]);
  const w = tf.tensor2d([[1, 2, 3]]);
  assert.throws(() => dotInteraction([a]), (e: unknown) => e instanceof InputError && e.kind === 'bad_shape' && /at least 2 vectors/.test(e.message));
  assert.throws(() => dotInteraction([a, w]), (e: unknown) => e instanceof InputError && /\[1, 2\], \[1, 3\]/.test(e.message));
  tf.dispose([a, w]);
});

test('crossLayer: x0 ⊙ (x_l W + b) + x_l', () => {
  // x0 = [1, 2], x_l = [3, −1], W = [[1, 0], [2, 1]], b = [0.5, −1]
  // x_l W = [3·1 + (−1)·2, 3·0 + (−1)·1] = [1, −1]; + b = [1.5, −2]; x0 ⊙ … = [1.5, −4]; + x_l = [4.5, −5].
  // Second example: x0 = [0, 1], x_l = [1, 1] → x_l W = [3, 1]; + b = [3.5, 0]; ⊙ x0 = [0, 0]; + x_l = [1, 1].
  const x0 = tf.tensor2d([[1, 2], [0, 1]]);
  const xl = tf.tensor2d([[3, -1], [1, 1]]);
  const W = tf.tensor2d([[1, 0], [2, 1]]);
  const b = tf.tensor1d([0.5, -1]);
  const out = tf.tidy(() => crossLayer(x0, xl, W, b));
  close(out.dataSync(), [4.5, -5, 1, 1]);
  // d Σ out / d b = Σ_examples x0 = [1, 2] + [0, 1] = [1, 3]; d Σ out / d W[i][j] = Σ_examples x_l[i] · x0[j]
  // = [[3·1 + 1·0, 3·2 + 1·1], [−1·1 + 1·0, −1·2 + 1·1]] = [[3, 7], [−1, −1]].
  const [gW, gb] = tf.grads((w: tf.Tensor, bb: tf.Tensor) => tf.sum(crossLayer(x0, xl, w as tf.Tensor2D, bb as tf.Tensor1D)))([W, b]);
  close(gb.dataSync(), [1, 3]);
  close(gW.dataSync(), [3, 7, -1, -1]);
  tf.dispose([x0, xl, W, b, out, gW, gb]);
});

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { ConfigError } from '../../src/errors';
import { Adagrad, AdagradMomentum, Adam, FTRL, SGD, denseOptimizerFor, kerasAdagrad, type EmbeddingOptimizer } from '../../src/optimizers';

before(async () => {
  await chooseBackend();
});

/**
 * Trains a dense [2, 2] variable for 3 steps with the tfjs optimizer and the same table with applyRows
 * (both rows touched every step, same gradients), and returns the largest difference.
 */
async function denseVsSparse(opt: EmbeddingOptimizer): Promise<number> {
  const init = [0.5, -1, 2, 0.25];
  const grads = [
    [0.3, -0.2, 1, 0.5],
    [-0.1, 0.4, 0.2, -0.3],
    [0.05, 0.05, -0.6, 0.9],
  ];
  const dense = denseOptimizerFor(opt);
  const initial = tf.tensor2d(init, [2, 2]);
  const v = tf.variable(initial, true, `dense_${opt.className}_${Math.random()}`);
  initial.dispose();
  const table = Float32Array.from(init);
  const slots = opt.slotSpecs().map((s) => new Float32Array(4).fill(s.initialValue));
  for (let s = 0; s < grads.length; s++) {
    tf.tidy(() => dense.applyGradients({ [v.name]: tf.tensor2d(grads[s], [2, 2]) }));
    opt.applyRows({ weights: table, slots, rowOffsets: Int32Array.of(0, 2), count: 2, grads: Float32Array.from(grads[s]), dim: 2, step: s + 1 });
  }
  const got = await v.data();
  dense.dispose();
  v.dispose();
  return Math.max(...Array.from(got, (x, i) => Math.abs(x - table[i])));
}

test('SGD and Adagrad: the dense tfjs optimizer updates like the tables', async () => {
  const start = tf.memory().numTensors;
  assert.ok((await denseVsSparse(new SGD({ learningRate: 0.1 }))) < 1e-6);
  // tfjs Adagrad divides by √(acc + 1e-7) instead of √acc: with acc ≥ 0.1 the relative difference is ≤ 5e-7
  assert.ok((await denseVsSparse(kerasAdagrad({ learningRate: 0.1 }))) < 1e-5);
  assert.equal(tf.memory().numTensors, start, 'no tensor leaks');
});

test('Adam: tfjs applies Keras bias correction, the TPU tables do not (documented difference)', async () => {
  const start = tf.memory().numTensors;
  const diff = await denseVsSparse(new Adam({ learningRate: 0.01 }));
  // step 1 alone: tables move lr·(1−β1)/√(1−β2) = 0.0316 per element, tfjs moves lr = 0.01
  assert.ok(diff > 1e-3, `expected a visible difference, got ${diff}`);
  assert.equal(tf.memory().numTensors, start, 'no tensor leaks');
  const dense = denseOptimizerFor(new Adam({ learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }));
  assert.deepEqual(dense.getConfig(), { learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 });
  dense.dispose();
  const adagrad = denseOptimizerFor(new Adagrad({ learningRate: 0.2, initialAccumulatorValue: 0.3 }));
  assert.deepEqual(adagrad.getConfig(), { learningRate: 0.2, initialAccumulatorValue: 0.3 });
  adagrad.dispose();
});

test('no dense equivalent: FTRL, AdagradMomentum, schedules, clipping and decay are errors', () => {
  const cases: [EmbeddingOptimizer, RegExp][] = [
    [new FTRL(), /denseOptimizerFor: expected an SGD, Adagrad or Adam embedding optimizer .*, but got FTRL\. Pass a tfjs optimizer/],
    [new AdagradMomentum(), /but got AdagradMomentum/],
    [new SGD({ learningRate: (s) => 1 / s }), /expected a numeric learningRate, but got a function/],
    [new Adagrad({ clipValue: 1, weightDecayFactor: 0.1 }), /expected no clipValue, weightDecayFactor \(tfjs optimizers do not support them\), but got Adagrad with clipValue, weightDecayFactor/],
    [new Adam({ clipWeightMax: 1 }), /expected no clipWeightMin\/Max/],
  ];
  for (const [opt, re] of cases) {
    assert.throws(() => denseOptimizerFor(opt), (e: unknown) => e instanceof ConfigError && re.test(e.message), String(re));
  }
});

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { Random } from '../../src/random';
import { Adagrad, denseOptimizerFor } from '../../src/optimizers';
import { FusedAdagradOptimizer } from '../../src/optimizers/fused-adagrad-optimizer';

before(async () => {
  await chooseBackend();
});

/** Two variables of each of 3 shapes, one set per optimizer, same random start. */
function variables(tag: string, rng: Random): tf.Variable[] {
  return [[64, 32], [32], [7, 3]].map((shape, i) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(Float32Array.from({ length: size }, () => rng.float() * 2 - 1), shape);
    const v = tf.variable(t, true, `fused_adagrad_${tag}_${i}_${Math.random()}`);
    t.dispose();
    return v;
  });
}

test('FusedAdagradOptimizer: weights, accumulators and iterations bit for bit equal to tf.train.adagrad over 12 steps (gradients from 1e-8 to 1e3, zeros, a skipped variable)', async () => {
  const rngA = new Random(4);
  const rngB = new Random(4);
  const fused = new FusedAdagradOptimizer(0.05, 0.1);
  const stock = tf.train.adagrad(0.05, 0.1);
  const a = variables('a', rngA);
  const b = variables('b', rngB);
  const g = new Random(8);
  for (let s = 0; s < 12; s++) {
    const scale = 10 ** (s - 8 > 3 ? 3 : s - 8); // 1e-8 … 1e3
    const grads = a.map((v) => Float32Array.from({ length: v.size }, (_, j) => (j % 5 === 0 ? 0 : (g.float() * 2 - 1) * scale)));
    tf.tidy(() => {
      fused.applyGradients(Object.fromEntries(a.map((v, i) => [v.name, s === 3 && i === 1 ? (null as unknown as tf.Tensor) : tf.tensor(grads[i], v.shape)])));
      stock.applyGradients(Object.fromEntries(b.map((v, i) => [v.name, s === 3 && i === 1 ? (null as unknown as tf.Tensor) : tf.tensor(grads[i], v.shape)])));
    });
  }
  a.forEach((v, i) => assert.deepEqual(Array.from(v.dataSync()), Array.from(b[i].dataSync()), `variable ${i}`));
  const [wf, ws] = [await fused.getWeights(), await stock.getWeights()];
  assert.equal(wf.length, ws.length);
  wf.forEach((w, i) => {
    assert.equal(w.name.replace(/_a_/, '_b_').replace(/_[0-9.]+\/accumulator$/, ''), ws[i].name.replace(/_[0-9.]+\/accumulator$/, ''));
    assert.deepEqual(Array.from(w.tensor.dataSync()), Array.from(ws[i].tensor.dataSync()), `optimizer weight ${w.name}`);
  });
  // A different learning rate gives different weights: the comparison can fail.
  const other = new FusedAdagradOptimizer(0.05 * 1.001, 0.1);
  tf.tidy(() => other.applyGradients({ [a[0].name]: tf.onesLike(a[0]) }));
  tf.tidy(() => stock.applyGradients({ [b[0].name]: tf.onesLike(b[0]) }));
  assert.notDeepEqual(Array.from(a[0].dataSync()), Array.from(b[0].dataSync()));
  tf.dispose([...wf.map((w) => w.tensor), ...ws.map((w) => w.tensor)]);
  for (const o of [fused, stock, other]) o.dispose();
  tf.dispose([...a, ...b]);
});

test('denseOptimizerFor(Adagrad) is a FusedAdagradOptimizer on wasm/cpu; setWeights then applyGradients continues like tf.train.adagrad', async () => {
  const dense = denseOptimizerFor(new Adagrad({ learningRate: 0.2, initialAccumulatorValue: 0.3 }));
  assert.ok(dense instanceof FusedAdagradOptimizer && dense instanceof tf.AdagradOptimizer);
  const stock = tf.train.adagrad(0.2, 0.3);
  const [va, vb] = ['c', 'd'].map((t) => variables(t, new Random(2))[0]);
  const acc = Float32Array.from({ length: va.size }, (_, j) => 0.3 + j / 100);
  await dense.setWeights([{ name: 'iter', tensor: tf.scalar(5, 'int32') }, { name: `${va.name}/accumulator`, tensor: tf.tensor(acc, va.shape) }]);
  await stock.setWeights([{ name: 'iter', tensor: tf.scalar(5, 'int32') }, { name: `${vb.name}/accumulator`, tensor: tf.tensor(acc, vb.shape) }]);
  const grad = tf.tensor(Float32Array.from({ length: va.size }, (_, j) => Math.sin(j)), va.shape);
  const before = tf.memory().numTensors;
  dense.applyGradients({ [va.name]: grad });
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
  stock.applyGradients({ [vb.name]: grad });
  assert.deepEqual(Array.from(va.dataSync()), Array.from(vb.dataSync()));
  assert.equal(dense.iterations, 6);
  tf.dispose([grad, va, vb]);
  dense.dispose();
  stock.dispose();
});

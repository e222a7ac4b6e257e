import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { InputError } from '../../src/errors';
import { kerasAdagrad } from '../../src/optimizers';
import { Random } from '../../src/random';
import { DenseStack } from '../../src/models/dense-stack';
import { MeanSquaredErrorSum } from '../../src/models/mean-squared-error-sum';
import { RankingModel, runTrainingStep, type RatingBatch, type RankingModelState } from '../../src/models';

/** The tutorial's model shape at the full protocol's batch (v4-8, 4 replicas), tables shrunk to 64 rows. */
function model(hiddenUnits?: number[]): RankingModel {
  const m = new RankingModel({ topology: 'v4-8', optimizer: kerasAdagrad({ learningRate: 0.05 }), userVocabularySize: 64, movieVocabularySize: 64, seed: 5, hiddenUnits });
  m.compile({ denseOptimizer: tf.train.adagrad(0.05, 0.1) });
  return m;
}

function batches(sizes: readonly number[], seed: number): RatingBatch[] {
  const rng = new Random(seed);
  return sizes.map((size) => ({
    user_id: Int32Array.from({ length: size }, () => rng.int(64)),
    movie_id: Int32Array.from({ length: size }, () => rng.int(64)),
    user_rating: Float32Array.from({ length: size }, () => 1 + rng.int(5)),
  }));
}

/**
 * The step before the lean path: the loss differentiated by the autodiff tape (`tf.engine().gradients`), written as
 * the old `RankingModel.lossOf` was (`1/B` uploaded per step).
 */
function autodiffStep(m: RankingModel, batch: RatingBatch): number {
  const b = batch.user_id.length;
  return runTrainingStep({
    api: 'autodiff reference',
    lookups: [{ embedding: m.embedding, features: { user_id: batch.user_id, movie_id: batch.movie_id } }],
    variables: m.tower.variables,
    denseOptimizer: (m as unknown as { denseOptimizer: tf.Optimizer }).denseOptimizer,
    loss: ([a]) => {
      const p = tf.reshape(m.tower.apply(tf.concat([a.user_id as tf.Tensor2D, a.movie_id as tf.Tensor2D], 1)), [b]);
      return tf.mul(tf.sum(tf.square(tf.sub(p, tf.tensor1d(batch.user_rating, 'float32')))), 1 / b) as tf.Scalar;
    },
  });
}

/** Every table, slot, dense weight and dense optimizer slot of `a` within `tolerance` of `b`'s (0: bit for bit). */
function assertSameState(a: RankingModelState, b: RankingModelState, tolerance = 0): void {
  for (const group of ['tables', 'dense', 'optimizer'] as const) {
    assert.equal(a[group].length, b[group].length, group);
    a[group].forEach((t, i) => {
      assert.equal(t.name, b[group][i].name);
      const x = Array.from(t.data as ArrayLike<number | bigint>, Number);
      const y = Array.from(b[group][i].data as ArrayLike<number | bigint>, Number);
      assert.equal(x.length, y.length);
      for (let j = 0; j < x.length; j++) {
        if (!(Math.abs(x[j] - y[j]) <= tolerance)) assert.fail(`${group} ${t.name} differs at ${j}: ${x[j]} vs ${y[j]}`);
      }
    });
  }
}

describe('lean training step (issue 14 item 3)', () => {
  before(async () => {
    await chooseBackend();
  });

  it('trainStep equals the autodiff step bit for bit when no ReLU is fused: losses, tables, slots, dense weights and slots (30 steps, batch 256 and a short 100)', async () => {
    // With hiddenUnits [] the tower is the final linear Dense(1), which tfjs fuses (bias, no activation) under the
    // tape too: the two steps then run the same kernels on the same values.
    const lean = model([]);
    const reference = model([]);
    const data = batches(Array.from({ length: 30 }, (_, i) => (i % 3 === 2 ? 100 : 256)), 9);
    for (const batch of data) {
      const l = lean.trainStep(batch);
      assert.ok(Number.isFinite(l));
      assert.equal(l, autodiffStep(reference, batch), 'step loss');
    }
    assertSameState(await lean.getState(), await reference.getState());
    // A perturbed reference (one extra step) differs: the comparison can fail.
    autodiffStep(reference, data[0]);
    const [s1, s2] = await Promise.all([lean.getState(), reference.getState()]);
    assert.throws(() => assertSameState(s1, s2), /differs/);
    lean.dispose();
    reference.dispose();
  });

  it('with the tutorial tower (256 relu, 64 relu, 1) trainStep stays within float32 rounding of the autodiff step', async () => {
    // Under the tape tfjs does not fuse bias + ReLU (BatchMatMul, Add, Relu); the lean step does (_FusedMatMul, which
    // starts its sums from the bias). The values then differ by rounding only: the first step (zero biases) is bit
    // for bit equal, later ones within 1e-6 relative over 8 steps (measured over 200 steps: 1e-7 to 1e-4 on the loss).
    const lean = model();
    const reference = model();
    const data = batches([256, 256, 100, 256, 256, 100, 256, 256], 9);
    data.forEach((batch, i) => {
      const l = lean.trainStep(batch);
      const r = autodiffStep(reference, batch);
      if (i === 0) assert.equal(l, r, `step ${i} loss`);
      else assert.ok(Math.abs(l - r) <= 1e-6 * r, `step ${i} loss ${l} vs ${r}`);
    });
    assertSameState(await lean.getState(), await reference.getState(), 1e-5);
    lean.dispose();
    reference.dispose();
  });

  it('runs fewer tfjs kernels than the autodiff step and leaves no tensor behind', async () => {
    const lean = model();
    const reference = model();
    const [warm, batch] = batches([256, 256], 4);
    lean.trainStep(warm);
    autodiffStep(reference, warm);
    // tf.profile returns the engine's one profile object (the next call overwrites it): read it before profiling again.
    const leanKernels = (await tf.profile(() => void lean.trainStep(batch))).kernels.map((k) => k.name);
    const refKernels = (await tf.profile(() => void autodiffStep(reference, batch))).kernels.map((k) => k.name);
    assert.ok(leanKernels.length < refKernels.length, `lean step ran ${leanKernels.length} kernels, the autodiff step ${refKernels.length}`);
    // Under the tape tfjs does not fuse bias + relu into the matMul; the lean step runs three _FusedMatMul and no Relu.
    assert.equal(leanKernels.filter((k) => k === '_FusedMatMul').length, 3, leanKernels.join(' '));
    assert.equal(leanKernels.filter((k) => k === 'Relu').length, 0, leanKernels.join(' '));
    assert.equal(refKernels.filter((k) => k === '_FusedMatMul').length, 1, refKernels.join(' '));
    const before = tf.memory().numTensors;
    lean.trainStep(batch);
    lean.trainStep(warm);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked by trainStep');
    lean.dispose();
    reference.dispose();
  });

  it('DenseStack.forwardBackward equals tf.grads of apply bit for bit, and checks its input', () => {
    const tower = new DenseStack({ inputDim: 6, units: [5, 3, 2], seed: 2 });
    const rng = new Random(1);
    const x = tf.tensor2d(Float32Array.from({ length: 7 * 6 }, () => rng.float() * 2 - 1), [7, 6]);
    const dy = tf.tensor2d(Float32Array.from({ length: 7 * 2 }, () => rng.float() * 2 - 1), [7, 2]);
    const vars = tower.variables;
    const ref = tf.engine().gradients(() => tf.sum(tf.mul(tower.apply(x), dy)) as tf.Scalar, [x, ...vars], undefined, false);
    const out = tf.tidy(() => {
      const f = tower.forwardBackward(x);
      const { dx, grads } = f.backward(dy);
      return [f.output, dx, ...grads];
    });
    const y = tf.tidy(() => tower.apply(x));
    assert.deepEqual(Array.from(out[0].dataSync()), Array.from(y.dataSync()), 'output');
    ref.grads.forEach((g, i) => assert.deepEqual(Array.from(out[i + 1].dataSync()), Array.from(g.dataSync()), `gradient ${i}`));
    assert.throws(
      () => tower.forwardBackward(tf.zeros([2, 5]) as tf.Tensor2D),
      (e: unknown) => e instanceof InputError && e.kind === 'bad_shape' && /DenseStack\.forwardBackward: expected x of shape \[B, 6\], but got \[2, 5\]/.test(e.message),
    );
    tf.dispose([x, dy, y, ref.value, ...ref.grads, ...out]);
    tower.dispose();
  });

  it('MeanSquaredErrorSum: the loss Σd²/B and its written-out gradient equal autodiff; constants are made once and freed by dispose', () => {
    const mse = new MeanSquaredErrorSum();
    const p = tf.tensor1d([1.5, 2.25, 4, 0.125, 3]);
    const labels = Float32Array.from([1, 3, 5, 0, 2.5]);
    // d = [0.5, −0.75, −1, 0.125, 0.5]; Σd² = 0.25 + 0.5625 + 1 + 0.015625 + 0.25 = 2.078125; /5 = 0.415625
    const r = tf.tidy(() => {
      const l = mse.loss(p, labels);
      return [l.value, l.dPredictions()];
    });
    assert.equal(r[0].dataSync()[0], Math.fround(2.078125 * Math.fround(1 / 5)));
    const auto = tf.grad((q: tf.Tensor) => mse.loss(q as tf.Tensor1D, labels).value)(p);
    assert.deepEqual(Array.from(r[1].dataSync()), Array.from(auto.dataSync()));
    // (2d)·(1/5) in float32
    assert.deepEqual(Array.from(r[1].dataSync()), [1, -1.5, -2, 0.25, 1].map((x) => Math.fround(x * Math.fround(1 / 5))));
    const kept = tf.memory().numTensors;
    tf.tidy(() => void mse.loss(p, labels).dPredictions());
    assert.equal(tf.memory().numTensors, kept, 'the second call creates no new constant');
    mse.dispose();
    assert.equal(tf.memory().numTensors, kept - 2, 'dispose frees 1/B and 2');
    tf.dispose([p, auto, ...r]);
  });
});

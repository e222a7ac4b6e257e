// Adam({ lazyAdam: false }) through the engine (TF's use_non_lazy_adam): every row is updated each step, rows not
// looked up with g = 0. Expected tables: the same optimizer's applyRows over every row with the dense gradient
// (zeros where no id was looked up) — the per-row math is checked against TensorFlow in test/optimizers/tf-oracle.
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { Adam } from '../../src/optimizers';

before(async () => {
  await chooseBackend();
});

const VOCAB = 10;
const DIM = 4;
const STEPS: number[][] = [[1, 2, 2, 1], [2, 2, 2, 2], [7, 2, 7, 7]]; // row 1 gets a gradient in step 1 only

for (const topology of ['cpu', 'v4-8']) {
  for (const lazyAdam of [false, true]) {
    it(`Adam lazyAdam ${lazyAdam} on ${topology}: ${lazyAdam ? 'only looked-up rows change' : 'every row is updated each step (g = 0 where none)'}`, () => {
      const make = (): Adam => new Adam({ learningRate: 0.1, lazyAdam });
      const emb = new TPUEmbedding({ features: { f: featureConfig({ table: tableConfig({ vocabularySize: VOCAB, dim: DIM, combiner: 'sum', name: 't' }) }) }, optimizer: make(), topology, seed: 5 });
      const w = emb.exportTables().t.weights.slice();
      const m = new Float32Array(VOCAB * DIM);
      const v = new Float32Array(VOCAB * DIM);
      const ref = make();
      let row1AfterStep1: Float32Array | null = null;
      STEPS.forEach((ids, t) => {
        const acts = emb.lookup({ f: Int32Array.from(ids) });
        const g = tf.ones([ids.length, DIM]);
        emb.applyGradients({ f: g });
        g.dispose();
        Object.values(acts).forEach((a) => a.dispose());
        const rows = lazyAdam ? [...new Set(ids)].sort((a, b) => a - b) : Array.from({ length: VOCAB }, (_, i) => i);
        const grads = new Float32Array(rows.length * DIM);
        rows.forEach((r, k) => grads.fill(ids.filter((x) => x === r).length, k * DIM, (k + 1) * DIM));
        ref.applyRows({ weights: w, slots: [m, v], rowOffsets: Int32Array.from(rows, (r) => r * DIM), count: rows.length, grads, dim: DIM, step: t + 1, kernels: false });
        const full = emb.exportTables().t;
        assert.deepEqual(Array.from(full.weights), Array.from(w), `weights after step ${t + 1}`);
        assert.deepEqual(Array.from(full.slots.momenta!), Array.from(m), `momenta after step ${t + 1}`);
        assert.deepEqual(Array.from(full.slots.velocities!), Array.from(v), `velocities after step ${t + 1}`);
        if (t === 0) row1AfterStep1 = full.weights.slice(DIM, 2 * DIM);
        if (t === 1) {
          const moved = Array.from(full.weights.slice(DIM, 2 * DIM)).some((x, j) => x !== row1AfterStep1![j]);
          assert.equal(moved, !lazyAdam, 'row 1 (no gradient in step 2) moves only under non-lazy Adam');
        }
      });
    });
  }
}

it('a rejected step of a non-lazy Adam table leaves every row of it (looked up or not) as it was', () => {
  const emb = new TPUEmbedding({
    features: {
      f: featureConfig({ table: tableConfig({ vocabularySize: VOCAB, dim: DIM, combiner: 'sum', name: 't' }) }),
      h: featureConfig({ table: tableConfig({ vocabularySize: 3, dim: DIM, combiner: 'sum', name: 'u' }) }),
    },
    optimizer: new Adam({ learningRate: 0.1, lazyAdam: false }),
    topology: 'cpu',
    seed: 5,
  });
  const step = (gf: number, gh: number): void => {
    const acts = emb.lookup({ f: Int32Array.of(1, 2), h: Int32Array.of(0, 1) });
    const g = { f: tf.fill([2, DIM], gf), h: tf.fill([2, DIM], gh) };
    try {
      emb.applyGradients(g);
    } finally {
      Object.values(g).forEach((x) => x.dispose());
      Object.values(acts).forEach((a) => a.dispose());
    }
  };
  step(1, 1); // momenta ≠ 0 on rows 1, 2 of t: a later step moves every such row even without a gradient
  const before = emb.exportTables();
  // t's gradient 1e19 is past what Adam vouches for (1e18), so t takes the checked path (tables in order: t first)
  // and updates fine; 3e38 is finite in float32, but (1 − β2)·g·g overflows table u's velocities: the step is
  // rejected after every row of t was updated, and t must be written back whole.
  assert.throws(() => step(1e19, 3e38), (e: Error & { kind?: string }) => e.kind === 'non_finite_gradient');
  const after = emb.exportTables();
  for (const name of ['t', 'u']) {
    assert.deepEqual(Array.from(after[name].weights), Array.from(before[name].weights), `${name} weights`);
    for (const s of ['momenta', 'velocities'] as const) assert.deepEqual(Array.from(after[name].slots[s]!), Array.from(before[name].slots[s]!), `${name}/${s}`);
  }
  step(1, 1); // and training continues
});

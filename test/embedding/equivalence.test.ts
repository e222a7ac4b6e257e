import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { DenseEmbeddingBaseline } from '../../src/baseline';
import { COMBINERS, TPUEmbedding, featureConfig, tableConfig, type FeatureInput } from '../../src/embedding';
import { Adagrad, AdagradMomentum, Adam, FTRL, SGD } from '../../src/optimizers';
import { Random } from '../../src/random';

before(async () => {
  await chooseBackend();
});

const OPTIMIZERS = {
  SGD: () => new SGD({ learningRate: 0.1 }),
  Adagrad: () => new Adagrad({ learningRate: 0.1 }),
  AdagradMomentum: () => new AdagradMomentum({ learningRate: 0.05, momentum: 0.9 }),
  Adam: () => new Adam({ learningRate: 0.01 }),
  AdamNonLazy: () => new Adam({ learningRate: 0.01, lazyAdam: false }), // every row updated (g = 0 where none)
  FTRL: () => new FTRL({ learningRate: 0.1, l1RegularizationStrength: 0.001, l2RegularizationStrength: 0.01 }),
} as const;
const KINDS = ['dense', 'ragged', 'weighted', 'sequence'] as const;
const TOPOLOGIES = ['cpu', 'v3-8', 'v4-8', 'v4-32'] as const;
const B = 16; // divisible by 1, 4, 8 and 16 replicas
const V = 30;

/** Ids drawn from a small vocabulary so that rows repeat within and across samples (and across features). */
function makeInput(kind: (typeof KINDS)[number], rng: Random): FeatureInput {
  if (kind === 'dense') return Array.from({ length: B }, () => [rng.int(V), rng.int(V), rng.int(8)]);
  const lengths = Array.from({ length: B }, (_, b) => (b === 3 ? 0 : 1 + rng.int(5))); // sample 3: empty bag
  const rowSplits = [0];
  for (const l of lengths) rowSplits.push(rowSplits[rowSplits.length - 1] + l);
  const values = Array.from({ length: rowSplits[B] }, () => rng.int(12));
  if (kind === 'weighted') return { values, rowSplits, weights: values.map(() => 0.25 + rng.float() * 2) };
  return { values, rowSplits };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Max of |a − b| / max(1, |b|): accumulators grow past 128, where one float32 ulp is already 1.5e-5. */
function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

async function runCase(opt: keyof typeof OPTIMIZERS, combiner: (typeof COMBINERS)[number], kind: (typeof KINDS)[number], topology: string, dim = 4): Promise<void> {
  const table = tableConfig({ vocabularySize: V, dim, combiner, name: 'items' });
  const features = {
    a: featureConfig({ table, maxSequenceLength: kind === 'sequence' ? 3 : 0 }),
    b: featureConfig({ table }), // shares the table: rows repeat across features too
  };
  const emb = new TPUEmbedding({ features, optimizer: OPTIMIZERS[opt](), topology, seed: 7 });
  const n0 = tf.memory().numTensors;
  const dense = DenseEmbeddingBaseline.fromEmbedding(emb);
  const rng = new Random(11);
  for (let step = 0; step < 3; step++) {
    const inputs = { a: makeInput(kind, rng), b: Array.from({ length: B }, () => rng.int(10)) };
    const got = emb.lookup(inputs);
    const want = dense.lookup(inputs);
    for (const f of ['a', 'b'] as const) {
      assert.deepEqual(got[f].shape, want[f].shape);
      const d = maxAbsDiff(got[f].dataSync(), want[f].dataSync());
      assert.ok(d < 1e-5, `${opt}/${combiner}/${kind}/${topology} step ${step} activation ${f}: max diff ${d}`);
    }
    const grads = {
      a: tf.tensor(Array.from({ length: got.a.size }, () => rng.normal()), got.a.shape),
      b: tf.tensor(Array.from({ length: got.b.size }, () => rng.normal()), got.b.shape),
    };
    emb.applyGradients(grads);
    dense.applyGradients(grads);
    tf.dispose([got.a, got.b, want.a, want.b, grads.a, grads.b]);
  }
  const e = emb.exportTables().items;
  const d = (await dense.exportTables()).items;
  const dw = maxAbsDiff(e.weights, d.weights);
  assert.ok(dw < 1e-5, `${opt}/${combiner}/${kind}/${topology}: table max diff ${dw}`);
  for (const [name, slot] of Object.entries(e.slots)) {
    const ds = maxRelDiff(slot!, d.slots[name as keyof typeof d.slots]!);
    assert.ok(ds < 1e-5, `${opt}/${combiner}/${kind}/${topology}: slot ${name} max relative diff ${ds}`);
  }
  dense.dispose();
  assert.equal(tf.memory().numTensors, n0, 'no tensor leak across lookup/applyGradients/dispose');
}

describe('TPUEmbedding agrees with the dense tfjs baseline within 1e-5 after 3 steps', () => {
  let i = 0;
  for (const opt of Object.keys(OPTIMIZERS) as (keyof typeof OPTIMIZERS)[]) {
    for (const combiner of COMBINERS) {
      for (const kind of KINDS) {
        const topology = TOPOLOGIES[i++ % TOPOLOGIES.length];
        it(`${opt} × ${combiner} × ${kind} on ${topology}`, () => runCase(opt, combiner, kind, topology));
      }
    }
  }
  // An odd dim (7): no SIMD gather or row kernel (dim % 4 ≠ 0), the JavaScript loops, rows at odd strides.
  for (const opt of Object.keys(OPTIMIZERS) as (keyof typeof OPTIMIZERS)[]) {
    it(`${opt} × sqrtn × weighted at dim 7 on v4-8`, () => runCase(opt, 'sqrtn', 'weighted', 'v4-8', 7));
  }
  for (const topology of TOPOLOGIES) {
    for (const sharding of ['div', 'table'] as const) {
      it(`Adagrad × mean × weighted on ${topology} with ${sharding} sharding`, async () => {
        const table = tableConfig({ vocabularySize: V, dim: 4 });
        const emb = new TPUEmbedding({ features: { a: featureConfig({ table }) }, optimizer: new Adagrad({ learningRate: 0.1 }), topology, sharding, seed: 3 });
        const dense = DenseEmbeddingBaseline.fromEmbedding(emb);
        const rng = new Random(5);
        for (let step = 0; step < 3; step++) {
          const inputs = { a: makeInput('weighted', rng) };
          const got = emb.lookup(inputs);
          const want = dense.lookup(inputs);
          assert.ok(maxAbsDiff(got.a.dataSync(), want.a.dataSync()) < 1e-5);
          const g = tf.randomNormal(got.a.shape, 0, 1, 'float32', step + 1);
          emb.applyGradients({ a: g });
          dense.applyGradients({ a: g });
          tf.dispose([got.a, want.a, g]);
        }
        assert.ok(maxAbsDiff(emb.exportTables().table_0.weights, (await dense.exportTables()).table_0.weights) < 1e-5);
        dense.dispose();
      });
    }
  }
  it('Adagrad on a 70,000 × 8 table (a two-pass radix sort of the rows, the WebAssembly kernels) with 4,000 ids per step', async () => {
    const table = tableConfig({ vocabularySize: 70_000, dim: 8 });
    const emb = new TPUEmbedding({ features: { a: featureConfig({ table }) }, optimizer: new Adagrad({ learningRate: 0.1 }), topology: 'v4-8', seed: 4 });
    const dense = DenseEmbeddingBaseline.fromEmbedding(emb);
    const rng = new Random(9);
    for (let step = 0; step < 2; step++) {
      const rowSplits = Int32Array.from({ length: 1001 }, (_, b) => 4 * b);
      const inputs = { a: { values: Int32Array.from({ length: 4000 }, () => rng.int(70_000)), rowSplits } };
      const got = emb.lookup(inputs);
      const want = dense.lookup(inputs);
      assert.ok(maxAbsDiff(got.a.dataSync(), want.a.dataSync()) < 1e-5);
      const g = tf.randomNormal(got.a.shape, 0, 1, 'float32', step + 7);
      emb.applyGradients({ a: g });
      dense.applyGradients({ a: g });
      tf.dispose([got.a, want.a, g]);
    }
    const e = emb.exportTables().table_0;
    const d = (await dense.exportTables()).table_0;
    assert.ok(maxAbsDiff(e.weights, d.weights) < 1e-5);
    assert.ok(maxRelDiff(e.slots.accumulators!, d.slots.accumulators!) < 1e-5);
    dense.dispose();
  });
});

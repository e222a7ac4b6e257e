// The native twins of every optimizer's JavaScript row loop (clipping, weight decay, AdagradMomentum, FTRL): the
// same weights and slots, bit for bit, over several steps and chunks, on 1 and 2 threads.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addon, NATIVE_SKIP, withKernels } from './fixtures/native-addon';
import { Adagrad, AdagradMomentum, Adam, FTRL, SGD } from '../../src/optimizers';
import type { EmbeddingOptimizer } from '../../src/optimizers/embedding-optimizer';
import { nativeExactParams, nativeRowsExact } from '../../src/optimizers/native-row-update';
import { Random } from '../../src/random';

const clip = { clipValue: 0.8, clipWeightMin: -0.3, clipWeightMax: 0.35, weightDecayFactor: 0.01 };
const OPTIMIZERS: [string, () => EmbeddingOptimizer][] = [
  ['SGD', () => new SGD({ learningRate: 0.4 })],
  ['SGD clipped, decayed', () => new SGD({ learningRate: 0.4, ...clip })],
  ['Adagrad clipped, decayed × lr', () => new Adagrad({ learningRate: 0.3, ...clip, multiplyWeightDecayFactorByLearningRate: true })],
  ['Adam clipped', () => new Adam({ learningRate: 0.05, ...clip })],
  ['Adam √v + ε', () => new Adam({ learningRate: 0.05, sumInsideSqrt: false, weightDecayFactor: 0.02 })],
  ['AdagradMomentum Nesterov β2', () => new AdagradMomentum({ learningRate: 0.1, momentum: 0.9, useNesterov: true, beta2: 0.99, ...clip })],
  ['AdagradMomentum', () => new AdagradMomentum({ learningRate: 0.1, momentum: 0.5 })],
  ['FTRL l1 l2 β', () => new FTRL({ learningRate: 0.2, l1RegularizationStrength: 0.01, l2RegularizationStrength: 0.1, beta: 0.5, ...clip })],
  ['FTRL linear × lr', () => new FTRL({ learningRate: 0.2, l1RegularizationStrength: 0.001, multiplyLinearByLearningRate: true, weightDecayFactor: 0.01 })],
  ['FTRL zero accumulator', () => new FTRL({ learningRate: 0.2, l1RegularizationStrength: 0.01, allowZeroAccumulator: true, initialAccumulatorValue: 0, ...clip })],
];

/** An optimizer's protected members the twins are checked against: its row loop and its λ at a learning rate. */
interface RowLoop {
  updateRows(batch: Parameters<EmbeddingOptimizer['applyRows']>[0], lr: number, decay: number): void;
  decayAt(lr: number): number;
}

/**
 * The learning rate and λ handed to the loop and its twin at `step`: `float32` as applyRows hands them to updateRows
 * (lr in float32, λ from decayAt: the native kernel then runs in float), else float64 values that are not float32
 * (lr·(1 + 2⁻³⁰), λ 0.0031 when decayed: the kernel's double arithmetic, rounded where JavaScript rounds).
 */
function lrDecay(opt: EmbeddingOptimizer, step: number, float32: boolean): [number, number] {
  const lr = Math.fround(opt.learningRateAt(step));
  if (float32) return [lr, (opt as unknown as RowLoop).decayAt(lr)];
  return [lr * (1 + 2 ** -30), opt.weightDecayFactor === 0 ? 0 : 0.0031];
}

describe('native row updates: the optimizers’ JavaScript loops', { skip: NATIVE_SKIP }, () => {
  for (const [name, make] of OPTIMIZERS) {
    for (const float32 of [true, false]) {
      const how = float32 ? 'lr and λ as applyRows gives them' : 'float64 lr and λ';
      it(`${name}, ${how}: same weights and slots bit for bit (3 steps, 1 and 2 threads)`, () => {
        const ctxs = [1, 2].map((threads) => ({ kernels: addon(), threads }));
        const rng = new Random(name.length);
        const dim = 12;
        const V = 3000;
        const count = 900;
        const opt = make();
        const init = (v: number) => Float32Array.from({ length: V * dim }, (_, i) => v + Math.sin(i) * 0.2);
        const ref = { w: init(0), slots: opt.slotSpecs().map((s) => init(0).fill(s.initialValue)) };
        const nat = ctxs.map(() => ({ w: ref.w.slice(), slots: ref.slots.map((s) => s.slice()) }));
        for (let step = 1; step <= 3; step++) {
          const perm = rng.permutation(V);
          const rowOffsets = Int32Array.from({ length: count }, (_, r) => perm[r] * dim);
          const grads = Float32Array.from({ length: count * dim }, () => (rng.float() * 2 - 1) * 1.5);
          const [lr, decay] = lrDecay(opt, step, float32);
          if (float32) opt.applyRows({ weights: ref.w, slots: ref.slots, rowOffsets, count, grads, dim, step, kernels: false });
          else (opt as unknown as RowLoop).updateRows({ weights: ref.w, slots: ref.slots, rowOffsets, count, grads, dim, step, kernels: false }, lr, decay);
          if (!float32) assert.notEqual(Math.fround(lr), lr, 'lr is not a float32 value');
          ctxs.forEach((ctx, c) => {
            assert.ok(nativeRowsExact(ctx, opt, { weights: nat[c].w, slots: nat[c].slots, rowOffsets, count, grads, dim, step }, lr, decay), 'a native twin exists');
          });
          for (let c = 0; c < ctxs.length; c++) {
            const bits = (a: Float32Array) => new Uint32Array(a.slice().buffer);
            assert.deepEqual(bits(nat[c].w), bits(ref.w), `${name} weights step ${step} threads ${ctxs[c].threads}`);
            nat[c].slots.forEach((s, k) => assert.deepEqual(bits(s), bits(ref.slots[k]), `${name} slot ${k} step ${step}`));
          }
        }
        assert.ok(ref.w.some((x, i) => x !== init(0)[i]), 'the weights changed');
      });
    }
  }

  it('has no twin for Math.pow forms (FTRL learningRatePower ≠ −0.5, AdagradMomentum exponent ≠ 2)', () => {
    assert.equal(nativeExactParams(new FTRL({ learningRatePower: -0.25 }), 0.1, 0), null);
    assert.equal(nativeExactParams(new AdagradMomentum({ exponent: 3 }), 0.1, 0), null);
    assert.notEqual(nativeExactParams(new FTRL({}), 0.1, 0), null);
  });
});

describe('native gradient sums and row updates in TPUEmbedding.applyGradients', { skip: NATIVE_SKIP }, () => {
  it('train every optimizer to the same tables bit for bit as the WebAssembly kernels and JavaScript loops', async () => {
    const tf = await import('@tensorflow/tfjs');
    const { chooseBackend } = await import('../../src/backend');
    const { TPUEmbedding, featureConfig, tableConfig } = await import('../../src/embedding');
    await chooseBackend({ log: () => {} });
    // Built on the addon even when this process runs under TPU_EMBEDDINGS_NATIVE=0 (ref forces the WebAssembly path).
    withKernels(true, () => {
      for (const [name, make] of OPTIMIZERS) {
        const build = () => {
          // Two features share a table of dim 16 (native sums + fast or exact row updates); a dim-6 table (JavaScript
          // sums, exact row updates).
          const t = tableConfig({ vocabularySize: 4000, dim: 16, combiner: 'mean', name: 'a' });
          const u = tableConfig({ vocabularySize: 500, dim: 6, combiner: 'sqrtn', name: 'b' });
          return new TPUEmbedding({ features: { f: featureConfig({ table: t }), g: featureConfig({ table: t }), h: featureConfig({ table: u }) }, optimizer: make(), topology: 'v4-8', seed: 5 });
        };
        const rng = new Random(17);
        const ref = build();
        ref.useNative = false;
        const nat = [1, 2].map((threads) => {
          const e = build();
          e.nativeThreads = threads;
          return e;
        });
        for (let step = 0; step < 3; step++) {
          const B = 256;
          const bag = (V: number) => {
            const rowSplits = new Int32Array(B + 1);
            for (let b = 0; b < B; b++) rowSplits[b + 1] = rowSplits[b] + 1 + rng.int(5);
            const values = Int32Array.from({ length: rowSplits[B] }, () => Math.floor(V * rng.float() ** 2));
            return { values, rowSplits, weights: Float32Array.from({ length: rowSplits[B] }, () => 0.5 + rng.float()) };
          };
          const input = { f: bag(4000), g: bag(4000), h: bag(500) };
          const grads = { f: tf.randomNormal([B, 16], 0, 1, 'float32', step), g: tf.randomNormal([B, 16], 0, 1, 'float32', 7 + step), h: tf.randomNormal([B, 6], 0, 1, 'float32', 9 + step) };
          for (const e of [ref, ...nat]) {
            tf.dispose(Object.values(e.lookup(input)));
            e.applyGradients(grads);
          }
          tf.dispose(Object.values(grads));
        }
        const bits = (a: Float32Array) => new Uint32Array(a.slice().buffer);
        const want = ref.exportTables();
        for (const e of nat) {
          const got = e.exportTables();
          for (const t of ['a', 'b']) {
            assert.deepEqual(bits(got[t].weights), bits(want[t].weights), `${name} table ${t} threads ${e.nativeThreads}`);
            for (const [s, v] of Object.entries(want[t].slots)) assert.deepEqual(bits((got[t].slots as Record<string, Float32Array>)[s]), bits(v!), `${name} ${t}/${s}`);
          }
        }
      }
    });
  });
});

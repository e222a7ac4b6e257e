// The native twins of every optimizer's JavaScript row loop (clipping, weight decay, AdagradMomentum, FTRL): the
// same weights and slots, bit for bit, over several steps and chunks, on 1 and 2 threads.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nativeKernels } from '../../src/kernels/native-kernels';
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
];

describe('native row updates: the optimizers’ JavaScript loops', () => {
  for (const [name, make] of OPTIMIZERS) {
    it(`${name}: same weights and slots bit for bit (3 steps, 1 and 2 threads)`, () => {
      const ctxs = [1, 2].map((threads) => ({ kernels: nativeKernels()!, threads }));
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
        opt.applyRows({ weights: ref.w, slots: ref.slots, rowOffsets, count, grads, dim, step, kernels: false });
        const lr = opt.learningRateAt(step);
        const decay = opt.multiplyWeightDecayFactorByLearningRate ? opt.weightDecayFactor * lr : opt.weightDecayFactor;
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

  it('has no twin for Math.pow forms (FTRL learningRatePower ≠ −0.5, AdagradMomentum exponent ≠ 2)', () => {
    assert.equal(nativeExactParams(new FTRL({ learningRatePower: -0.25 }), 0.1, 0), null);
    assert.equal(nativeExactParams(new AdagradMomentum({ exponent: 3 }), 0.1, 0), null);
    assert.notEqual(nativeExactParams(new FTRL({}), 0.1, 0), null);
  });
});

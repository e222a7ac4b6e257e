import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Adagrad, AdagradMomentum, Adam, FTRL, SGD, type EmbeddingOptimizer } from '../../src/optimizers';
import { hasRowKernels, rowKernelArray } from '../../src/kernels/row-kernels';

const DIM = 4;

/**
 * Updates one row per corner of the bounds (weights at ±bound, each slot at −bound (or its floor), its floor, or
 * +bound) with gradients −G, +G and 0, in the JavaScript loop or the WebAssembly kernel, and returns every array
 * afterwards (`[weights, ...slots]`).
 */
function extremes(opt: EmbeddingOptimizer, bounds: readonly number[], gradBound: number, kernels: boolean): Float32Array[] {
  const floors = opt.slotFloors();
  const corners: number[][] = [];
  const pick = (k: number, acc: number[]): void => {
    if (k === bounds.length) return void corners.push(acc);
    const floor = k === 0 ? -Infinity : floors[k - 1];
    const values = new Set([Math.max(-bounds[k], floor), bounds[k], Number.isFinite(floor) ? floor : 0]);
    for (const v of values) pick(k + 1, [...acc, v]);
  };
  pick(0, []);
  const rows = corners.length * 3;
  const alloc = (): Float32Array => (kernels ? rowKernelArray(rows * DIM) : new Float32Array(rows * DIM));
  const arrays = bounds.map(alloc);
  const grads = new Float32Array(rows * DIM);
  corners.forEach((c, i) =>
    [-gradBound, gradBound, 0].forEach((g, j) => {
      const r = i * 3 + j;
      arrays.forEach((a, k) => a.fill(c[k], r * DIM, (r + 1) * DIM));
      grads.fill(g, r * DIM, (r + 1) * DIM);
    }),
  );
  if (kernels) assert.ok(hasRowKernels(...arrays), 'the kernel path runs');
  opt.applyRows({ weights: arrays[0], slots: arrays.slice(1), rowOffsets: Int32Array.from({ length: rows }, (_, r) => r * DIM), count: rows, grads, dim: DIM, step: 1, kernels });
  return arrays;
}

describe('boundsAfter: an optimizer vouches only for updates that stay finite and within the bounds it returns', () => {
  const cases: [string, EmbeddingOptimizer, number[], number][] = [
    ['SGD lr 1e19 (lr·g = 1e37 − ε)', new SGD({ learningRate: 1e19 }), [1e30], 9.9e17],
    ['SGD lr 10, weights up to 9e36', new SGD({ learningRate: 10 }), [9e36], 5e34],
    ['Adagrad lr 1e19', new Adagrad({ learningRate: 1e19 }), [1e36, 1e36], 9.9e17],
    ['Adam lr 1e-12, ε 1e-7', new Adam({ learningRate: 1e-12, epsilon: 1e-7 }), [1e30, 1e18, 1e36], 9.9e17],
    ['Adam lr 0.01, ε 1e-18 outside the root', new Adam({ learningRate: 1e-2, epsilon: 1e-18, sumInsideSqrt: false }), [1, 1, 1], 1],
    // AdagradMomentum, bounds [weights, accumulators, momenta]; |ĝ| ≤ 1/√(1 − beta2) with exponent 2 (1 for beta2 = 1).
    ['AdagradMomentum defaults', new AdagradMomentum(), [1, 1, 1], 1e-3],
    ['AdagradMomentum lr 1e36, momentum 0.9, Nesterov, near the limits', new AdagradMomentum({ learningRate: 1e36, momentum: 0.9, useNesterov: true }), [1e36, 1e36, 1], 9.9e17],
    ['AdagradMomentum beta2 0.5, ε 1e-30, tiny gradients (g² rounds to 0)', new AdagradMomentum({ learningRate: 1, momentum: 0.5, beta2: 0.5, epsilon: 1e-30 }), [1, 1, 1], 1e-30],
    ['AdagradMomentum exponent 4 (|ĝ| ≤ ε^(−1/4)·|g|), weight decay 0.5, weight clip', new AdagradMomentum({ learningRate: 0.1, exponent: 4, epsilon: 1e-8, weightDecayFactor: 0.5, clipWeightMax: 2 }), [10, 5, 3], 7],
    ['AdagradMomentum beta2 0.75 (|ĝ| ≤ 1/√0.25 = 2, reached at acc 0)', new AdagradMomentum({ learningRate: 0.5, beta2: 0.75 }), [1, 1, 1], 3],
    ['AdagradMomentum beta2 0 (acc = g²), gradient clip', new AdagradMomentum({ learningRate: 1e30, beta2: 0, clipValue: 0.5 }), [1e36, 1e20, 1e10], 1e10],
  ];
  for (const [name, opt, bounds, g] of cases) {
    it(`${name}: vouches, and the extreme rows stay finite and within the new bounds (JavaScript and WebAssembly)`, () => {
      const next = opt.boundsAfter(bounds, g, opt.learningRateAt(1));
      if (!next) return assert.fail(`${name} should vouch for |g| ≤ ${g} from bounds [${bounds}]`);
      for (const kernels of [false, true]) {
        extremes(opt, bounds, g, kernels).forEach((a, k) => {
          const bad = Array.from(a).find((x) => !(Math.abs(x) <= next[k]));
          assert.equal(bad, undefined, `${name} (${kernels ? 'kernel' : 'JavaScript'}) array ${k}: ${bad} beyond bound ${next[k]}`);
        });
      }
    });
  }

  it('refuses where the extremes overflow; FTRL never vouches', () => {
    assert.equal(new SGD({ learningRate: 10 }).boundsAfter([1], 3.3e38 / 10, 10), null);
    assert.ok(extremes(new SGD({ learningRate: 10 }), [1], 3.3e38, false)[0].some((x) => !Number.isFinite(x)));
    assert.equal(new SGD({ learningRate: 1 }).boundsAfter([9.99e36], 1e35, 1), null, 'the weight bound would pass 1e37');
    assert.equal(new Adagrad().boundsAfter([1, 1], 2e19, 0.001), null);
    assert.ok(extremes(new Adagrad(), [1, 1], 2e19, true).some((a) => a.some((x) => !Number.isFinite(x))), 'g² overflows float32 in the kernel');
    assert.equal(new Adam({ epsilon: 1e-19 }).boundsAfter([1, 1, 1], 1, 0.001), null);
    // AdagradMomentum lr 3e38: lr·m' = 3e38 × 1.9 overflows; weights near float32 max; ε 1e-46 is 0 in float32; ε 1e38 (acc + ε > 1e37).
    const amHuge = new AdagradMomentum({ learningRate: 3e38, momentum: 0.9 });
    assert.equal(amHuge.boundsAfter([1, 1, 1], 1, 3e38), null);
    assert.ok(extremes(amHuge, [1, 1, 1], 1, false).some((a) => a.some((x) => !Number.isFinite(x))), 'lr·m overflows float32');
    assert.equal(new AdagradMomentum({ learningRate: 1 }).boundsAfter([3.3e38, 1, 1], 1, 1), null);
    assert.equal(new AdagradMomentum({ epsilon: 1e-46 }).boundsAfter([1, 1, 1], 1, 0.001), null);
    assert.equal(new AdagradMomentum({ epsilon: 1e38 }).boundsAfter([1, 1, 1], 1, 0.001), null);
    assert.equal(new AdagradMomentum().boundsAfter([1, 1, 1], 2e18, 0.001), null, 'g² would overflow float32');
    assert.equal(new AdagradMomentum({ exponent: 0.1 }).boundsAfter([1, 1, 1], 1, 0.001), null, 'ε^(−10) = 1e100');
    assert.equal(new FTRL().boundsAfter([1, 1, 1], 1e-3, 1e-3), null);
    assert.deepEqual(new Adagrad().slotFloors(), [1e-30]);
    assert.deepEqual(new Adam().slotFloors(), [-Infinity, 0]);
    assert.deepEqual(new AdagradMomentum().slotFloors(), [0, -Infinity]);
  });
});

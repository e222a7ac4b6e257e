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

  it('refuses where the extremes overflow; AdagradMomentum and FTRL never vouch', () => {
    assert.equal(new SGD({ learningRate: 10 }).boundsAfter([1], 3.3e38 / 10, 10), null);
    assert.ok(extremes(new SGD({ learningRate: 10 }), [1], 3.3e38, false)[0].some((x) => !Number.isFinite(x)));
    assert.equal(new SGD({ learningRate: 1 }).boundsAfter([9.99e36], 1e35, 1), null, 'the weight bound would pass 1e37');
    assert.equal(new Adagrad().boundsAfter([1, 1], 2e19, 0.001), null);
    assert.ok(extremes(new Adagrad(), [1, 1], 2e19, true).some((a) => a.some((x) => !Number.isFinite(x))), 'g² overflows float32 in the kernel');
    assert.equal(new Adam({ epsilon: 1e-19 }).boundsAfter([1, 1, 1], 1, 0.001), null);
    assert.equal(new AdagradMomentum().boundsAfter([1, 1, 1], 1e-3, 1e-3), null);
    assert.equal(new FTRL().boundsAfter([1, 1, 1], 1e-3, 1e-3), null);
    assert.deepEqual(new Adagrad().slotFloors(), [1e-30]);
    assert.deepEqual(new Adam().slotFloors(), [-Infinity, 0]);
  });
});

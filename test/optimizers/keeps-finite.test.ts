import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Adagrad, AdagradMomentum, Adam, FTRL, SGD, type EmbeddingOptimizer } from '../../src/optimizers';
import { FINITE_STEP_BOX } from '../../src/optimizers/embedding-optimizer';
import { hasRowKernels, rowKernelArray } from '../../src/optimizers/row-kernels';

const DIM = 4;

/**
 * Updates one row per corner of the box (weights at ±box, each slot at its floor or at the box) with gradients
 * ±gradBound and 0, in the JavaScript loop and (where the arrays live in kernel memories) the WebAssembly kernel,
 * and returns every value afterwards.
 */
function extremes(opt: EmbeddingOptimizer, gradBound: number, kernels: boolean): Float32Array[] {
  const floors = opt.slotFloors();
  const nSlots = opt.slotSpecs().length;
  const corners: number[][] = [];
  const pick = (k: number, acc: number[]): void => {
    if (k === 1 + nSlots) {
      corners.push(acc);
      return;
    }
    const lo = k === 0 ? -FINITE_STEP_BOX : floors[k - 1];
    for (const v of [lo, FINITE_STEP_BOX, 0 > lo ? 0 : lo]) pick(k + 1, [...acc, v]);
  };
  pick(0, []);
  const rows = corners.length * 3; // × gradients −G, +G, 0
  const alloc = (): Float32Array => (kernels ? rowKernelArray(rows * DIM) : new Float32Array(rows * DIM));
  const weights = alloc();
  const slots = Array.from({ length: nSlots }, alloc);
  const grads = new Float32Array(rows * DIM);
  corners.forEach((c, i) => {
    [-gradBound, gradBound, 0].forEach((g, j) => {
      const r = i * 3 + j;
      weights.fill(c[0], r * DIM, (r + 1) * DIM);
      slots.forEach((s, k) => s.fill(c[k + 1], r * DIM, (r + 1) * DIM));
      grads.fill(g, r * DIM, (r + 1) * DIM);
    });
  });
  if (kernels) assert.ok(hasRowKernels(weights, ...slots), 'the kernel path runs');
  opt.applyRows({ weights, slots, rowOffsets: Int32Array.from({ length: rows }, (_, r) => r * DIM), count: rows, grads, dim: DIM, step: 1, kernels });
  return [weights, ...slots];
}

describe('keepsFinite: an optimizer vouches only for updates that stay finite from anywhere in the box', () => {
  const cases: [string, EmbeddingOptimizer, number][] = [
    ['SGD lr 1e19 (lr·g = 1e37)', new SGD({ learningRate: 1e19 }), 1e18],
    ['SGD lr 10', new SGD({ learningRate: 10 }), 5e35],
    ['Adagrad lr 1e19', new Adagrad({ learningRate: 1e19 }), 1e18],
    ['Adam lr 1e-12, ε 1e-7', new Adam({ learningRate: 1e-12, epsilon: 1e-7 }), 1e18],
    ['Adam lr 0.1, ε 1e-18 outside the root', new Adam({ learningRate: 1e-2, epsilon: 1e-18, sumInsideSqrt: false }), 1],
  ];
  for (const [name, opt, g] of cases) {
    it(`${name}: vouches for |g| ≤ ${g}, and the extreme rows stay finite (JavaScript and WebAssembly)`, () => {
      const lr = opt.learningRateAt(1);
      const vouches = opt.keepsFinite(g, lr);
      if (!vouches) return assert.fail(`${name} should vouch for ${g}`);
      for (const kernels of [false, true]) {
        for (const a of extremes(opt, g, kernels)) assert.ok(a.every(Number.isFinite), `${name} (${kernels ? 'kernel' : 'JavaScript'}): ${Array.from(a).find((x) => !Number.isFinite(x))}`);
      }
    });
  }

  it('refuses beyond its bounds, where the extremes do overflow; AdagradMomentum and FTRL never vouch', () => {
    assert.equal(new SGD({ learningRate: 10 }).keepsFinite(1e37, 10), false);
    assert.ok(extremes(new SGD({ learningRate: 10 }), 3.3e38, false)[0].some((x) => !Number.isFinite(x)));
    assert.equal(new Adagrad().keepsFinite(2e19, 0.001), false);
    assert.ok(extremes(new Adagrad(), 2e19, true).some((a) => a.some((x) => !Number.isFinite(x))), 'g² overflows float32 in the kernel');
    assert.equal(new Adam({ epsilon: 1e-19 }).keepsFinite(1, 0.001), false);
    assert.equal(new AdagradMomentum().keepsFinite(1e-3, 1e-3), false);
    assert.equal(new FTRL().keepsFinite(1e-3, 1e-3), false);
    assert.deepEqual(new Adagrad().slotFloors(), [1e-30]);
    assert.deepEqual(new Adam().slotFloors(), [-FINITE_STEP_BOX, 0]);
  });
});

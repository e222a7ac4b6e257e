import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Adagrad, Adam, type RowUpdateBatch } from '../../src/optimizers';

/**
 * Asserts |actual − expected| ≤ rel·|expected| element-wise (exact for expected 0). Float32 storage rounds at
 * ~6e-8 relative and the expected values below are given to 7–8 significant digits, so rel = 2e-7.
 */
function close(actual: ArrayLike<number>, expected: number[], rel = 2e-7): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= rel * Math.abs(expected[i]), `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

// A 2-row table, dim 2, row-major:  row 0 = [1, 2] at offset 0, row 1 = [3, 4] at offset 2.
// The batch lists row 1 first, to check that rowOffsets (not batch order) select the rows.
function twoRowBatch(slots: Float32Array[], g1: number[], g0: number[]): RowUpdateBatch {
  return {
    weights: new Float32Array([1, 2, 3, 4]),
    slots,
    rowOffsets: Int32Array.of(2, 0),
    count: 2,
    grads: new Float32Array([...g1, ...g0]),
    dim: 2,
    step: 1,
  };
}

test('Adagrad golden step: acc += g²; W -= lr·g/√acc (lr 0.1, initial accumulator 0.1)', () => {
  const opt = new Adagrad({ learningRate: 0.1 });
  const acc = new Float32Array(4).fill(opt.slotSpecs()[0].initialValue);
  // row 1: g = [0.3, -0.4]; row 0: g = [1, 0]
  const batch = twoRowBatch([acc], [0.3, -0.4], [1, 0]);
  opt.applyRows(batch);
  // accumulators: row 0: 0.1 + 1² = 1.1, 0.1 + 0² = 0.1; row 1: 0.1 + 0.09 = 0.19, 0.1 + 0.16 = 0.26
  close(acc, [1.1, 0.1, 0.19, 0.26]);
  // row 0: 1 − 0.1·1/√1.1   = 1 − 0.1/1.0488088  = 0.9046537
  //        2 − 0.1·0/√0.1   = 2
  // row 1: 3 − 0.1·0.3/√0.19 = 3 − 0.03/0.4358899 = 2.9311753
  //        4 + 0.1·0.4/√0.26 = 4 + 0.04/0.5099020 = 4.0784465
  close(batch.weights, [0.9046537, 2, 2.9311753, 4.0784465]);
});

test('Adam golden step (TPU: no bias correction, sumInsideSqrt): lr 0.1, β1 0.9, β2 0.999, ε 1e-7', () => {
  const opt = new Adam({ learningRate: 0.1 });
  const [mSpec, vSpec] = opt.slotSpecs();
  const m = new Float32Array(4).fill(mSpec.initialValue);
  const v = new Float32Array(4).fill(vSpec.initialValue);
  // row 1 gets no gradient (zeros) — still a touched row: m, v decay from 0 and stay 0, W unchanged.
  // row 0: g = [0.5, -2]
  const batch = twoRowBatch([m, v], [0, 0], [0.5, -2]);
  opt.applyRows(batch);
  // Hyper-parameters in float32 as TF: 1 − f32(0.9) = 0.10000002384, 1 − f32(0.999) = 0.00099998713.
  // m = 0.9·0 + 0.10000002384·g   = [0.05000001192, -0.20000004768]
  // v = 0.999·0 + 0.00099998713·g² = [0.00024999678, 0.00399994850]
  close(m, [0.05000001192, -0.20000004768, 0, 0]);
  close(v, [0.00024999678, 0.0039999485, 0, 0]);
  // W −= lr·m/√(v + ε²):  0.1·0.05000001192/√0.00024999678 = 0.3162299 → 1 − 0.3162299 = 0.6837701
  //                       0.1·(−0.20000004768)/√0.0039999485 = −0.3162299 → 2 + 0.3162299 = 2.3162299
  // (the first step is lr·(1−β1)/√(1−β2) = 3.16·lr per element; Keras Adam with bias correction would move lr.)
  close(batch.weights, [0.6837701, 2.3162299, 3, 4]);
});

test('Adam sumInsideSqrt: false divides by (√v + ε)', () => {
  const opt = new Adam({ learningRate: 0.1, epsilon: 1e-3, sumInsideSqrt: false });
  const m = new Float32Array(4);
  const v = new Float32Array(4);
  const batch = twoRowBatch([m, v], [0, 0], [0.5, -2]);
  opt.applyRows(batch);
  // m, v as in the test above (float32 1 − β): m0 = 0.05000001192, v0 = 0.00024999678, m1 = −0.20000004768, v1 = 0.0039999485
  // 1 − 0.005000001192/(0.0158112 + 0.001) = 1 − 0.2974193 = 0.7025807
  // 2 + 0.020000004768/(0.0632451 + 0.001) = 2 + 0.3113076 = 2.3113076
  close(batch.weights, [0.7025807, 2.3113076, 3, 4]);
  // with sumInsideSqrt (default) and the same ε: 0.005000001192/√(0.00024999678 + 1e-6) = 0.3155993
  const inside = new Adam({ learningRate: 0.1, epsilon: 1e-3 });
  const b2 = twoRowBatch([new Float32Array(4), new Float32Array(4)], [0, 0], [0.5, -2]);
  inside.applyRows(b2);
  close(b2.weights.subarray(0, 1), [0.6844007]);
});

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Adagrad } from '../../src/optimizers';
import { Random } from '../../src/random';

// Adagrad without clipping or weight decay takes a fast loop (adagradRowsPlain). A clip range far outside the
// values seen ([-1e30, 1e30]) forces the general loop on the same data: both must give bit-identical weights and
// accumulators, for even and odd dims (the fast loop handles two elements per iteration plus a tail).
describe('Adagrad fast path', () => {
  for (const dim of [8, 5]) {
    it(`matches the general loop bit for bit (dim ${dim}, 3 steps, rows in any order)`, () => {
      const rows = 50;
      const rng = new Random(7);
      const w0 = Float32Array.from({ length: rows * dim }, () => rng.normal());
      const fast = new Adagrad({ learningRate: 0.1 });
      const general = new Adagrad({ learningRate: 0.1, clipValue: [-1e30, 1e30], clipWeightMin: -1e30, clipWeightMax: 1e30 });
      const wf = w0.slice();
      const wg = w0.slice();
      const af = new Float32Array(rows * dim).fill(0.1);
      const ag = af.slice();
      const rowOffsets = Int32Array.of(3, 17, 0, 49, 22).map((r) => r * dim);
      for (let step = 1; step <= 3; step++) {
        const grads = Float32Array.from({ length: rowOffsets.length * dim }, () => rng.normal() * 2);
        fast.applyRows({ weights: wf, slots: [af], rowOffsets, count: rowOffsets.length, grads, dim, step });
        general.applyRows({ weights: wg, slots: [ag], rowOffsets, count: rowOffsets.length, grads, dim, step });
      }
      assert.deepEqual(wf, wg);
      assert.deepEqual(af, ag);
      // The update did happen: touched rows moved, untouched rows did not.
      assert.notEqual(wf[3 * dim], w0[3 * dim]);
      assert.equal(wf[1 * dim], w0[1 * dim]);
      assert.equal(af[1 * dim], Math.fround(0.1));
    });
  }
});

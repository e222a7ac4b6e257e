// IdDedup: the JavaScript deduplicator of a lookup's ids (the reference the WebAssembly router is tested against
// in wasm-id-dedup.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IdDedup } from '../../src/embedding';
import { Random } from '../../src/random';

describe('IdDedup', () => {
  it('numbers distinct ids in order of first appearance and resets between steps', () => {
    const d = new IdDedup();
    d.reset(4);
    const out = new Int32Array(4);
    d.insertAll(Int32Array.of(7, 3, 7, 9), 0, 4, out);
    assert.deepEqual(Array.from(out), [0, 1, 0, 2]);
    assert.equal(d.count, 3);
    assert.deepEqual(Array.from(d.uniqueIds.subarray(0, 3)), [7, 3, 9]);
    d.reset(3);
    const out2 = new Int32Array(3);
    d.insertAll(Int32Array.of(9, 0, 9), 0, 3, out2);
    assert.deepEqual(Array.from(out2), [0, 1, 0]);
    assert.equal(d.count, 2);
  });

  it('forgets every id at a reset that clears slot by slot (few ids in a large table, with probe chains)', () => {
    const rng = new Random(11);
    const d = new IdDedup();
    d.reset(4096); // 8,192 slots
    for (let step = 0; step < 5; step++) {
      // 1,000 ids (1,000 × 8 < 8,192: the next reset clears slot by slot); ids from a small range repeat across steps.
      const ids = Int32Array.from({ length: 1000 }, () => rng.int(3000));
      d.reset(1000);
      const out = new Int32Array(ids.length);
      d.insertAll(ids, 0, ids.length, out);
      const first = new Map<number, number>();
      ids.forEach((id) => first.has(id) || first.set(id, first.size));
      assert.equal(d.count, first.size);
      ids.forEach((id, p) => assert.equal(out[p], first.get(id), `step ${step}, position ${p}`));
    }
  });

  it('agrees with a Set on many random ids (growing the table)', () => {
    const rng = new Random(8);
    const d = new IdDedup();
    for (const n of [10, 1000, 50000]) {
      const ids = Int32Array.from({ length: n }, () => rng.int(n));
      d.reset(n);
      const out = new Int32Array(n);
      d.insertAll(ids, 0, n, out);
      const first = new Map<number, number>();
      ids.forEach((id) => first.has(id) || first.set(id, first.size));
      assert.equal(d.count, first.size);
      ids.forEach((id, p) => assert.equal(out[p], first.get(id)));
    }
  });
});

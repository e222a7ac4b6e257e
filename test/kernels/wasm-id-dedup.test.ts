import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IdDedup } from '../../src/kernels/id-dedup';
import { TableLayout, type Sharding } from '../../src/embedding/table-layout';
import { WasmIdDedup, type RoutedIdDedup } from '../../src/kernels/wasm-id-dedup';
import { Random } from '../../src/random';

describe('WasmIdDedup (the id router kernel)', () => {
  it('gives IdDedup’s slots, offsets, distinct ids, shards, rows and per-shard counts for every sharding', () => {
    const rng = new Random(11);
    const cases: [Sharding, number, number, number, number?][] = [
      ['mod', 1000, 8, 3], // N a power of two
      ['mod', 1003, 6, 5], // general N
      ['mod', 1000, 16, 4, 64], // TensorFlow's padding: 1000 → 1024 = 8N × 8 rows, 64 per shard
      ['mod', 1003, 6, 5, 168], // padded to a multiple of 8N = 48: 1008 / 6
      ['div', 1003, 6, 2], // uneven shards: 1003 = 5 × 168 + 1 × 163
      ['div', 1003, 6, 0, 176], // the same, shards padded
      ['div', 4, 6, 0], // fewer rows than shards
      ['table', 500, 4, 2],
    ];
    for (const [sharding, V, N, rotation, rowsPerShard] of cases) {
      const layout = new TableLayout(V, N, rotation, sharding, rowsPerShard);
      const routing = layout.routing();
      const js = new IdDedup();
      const wasm = WasmIdDedup.create();
      assert.ok(wasm, 'the kernel compiles on this runtime');
      for (let step = 0; step < 3; step++) {
        // Skewed ids (duplicates within and across replicas), three replicas, the last one in single-id calls
        // (as sequence features are routed), and a step far larger than the first (the memory grows).
        const n = step === 1 ? 20_000 : 600;
        const ids = Int32Array.from({ length: n }, () => Math.min(V - 1, Math.floor(V * rng.float() ** 3)));
        const R = 3;
        const dedups: RoutedIdDedup[] = [js, wasm];
        const results = dedups.map((d) => {
          d.reset(n);
          const slots = new Int32Array(n);
          const offs = new Int32Array(n);
          const idsPS = new Int32Array(R * N);
          const uniqPS = new Int32Array(R * N);
          const per = Math.floor(n / R);
          for (let r = 0; r < R; r++) {
            const s = r * per;
            const e = r === R - 1 ? n : s + per;
            if (r < R - 1) d.insertRouted(ids, s, e, slots, offs, 256, routing, r, idsPS, uniqPS, r * N);
            else for (let p = s; p < e; p++) d.insertRouted(ids, p, p + 1, slots, offs, 256, routing, r, idsPS, uniqPS, r * N);
          }
          const U = d.count;
          return { U, slots, offs, idsPS, uniqPS, uids: d.uniqueIds.slice(0, U), shard: d.uniqueShard.slice(0, U), row: d.uniqueRow.slice(0, U) };
        });
        const [a, b] = results;
        const what = `${sharding} V=${V} N=${N} rotation=${rotation} rows/shard=${rowsPerShard} step ${step}`;
        assert.equal(b.U, a.U, what);
        assert.deepEqual(b.slots, a.slots, what);
        assert.deepEqual(b.offs, a.offs, what);
        assert.deepEqual(b.idsPS, a.idsPS, what);
        assert.deepEqual(b.uniqPS, a.uniqPS, what);
        assert.deepEqual(b.uids, a.uids, what);
        assert.deepEqual(b.shard, a.shard, what);
        assert.deepEqual(b.row, a.row, what);
        for (let u = 0; u < a.U; u++) {
          assert.equal(a.row[u], layout.storageRow(a.uids[u]), what);
          assert.equal(a.shard[u], layout.shardOf(a.uids[u]), what);
        }
      }
    }
  });
});

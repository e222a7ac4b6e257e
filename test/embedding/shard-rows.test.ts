import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { shardOfRow, shardRowCount, shardRows, unshardRows } from '../../src/embedding';
import { ConfigError } from '../../src/errors';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { SGD } from '../../src/optimizers';
import { topology } from '../../src/strategy';

// vocab 10, dim 2, row r holds [r, r + 0.5].
const VOCAB = 10;
const DIM = 2;
const full = Float32Array.from({ length: VOCAB * DIM }, (_, i) => Math.floor(i / DIM) + (i % DIM) * 0.5);
const rowsOf = (a: Float32Array) => Array.from({ length: a.length / DIM }, (_, i) => a[i * DIM]);

describe('shardRows / unshardRows', () => {
  it('mod layout: shard = (row % N + rotation) % N, local row = row // N', () => {
    // N 4, rotation 1: row 0→1, 1→2, 2→3, 3→0, 4→1 … so shard 0 holds rows 3, 7; shard 1 holds 0, 4, 8.
    const shards = shardRows(full, VOCAB, DIM, 4, 'mod', 1);
    assert.deepEqual(shards.map(rowsOf), [[3, 7], [0, 4, 8], [1, 5, 9], [2, 6]]);
    assert.deepEqual(Array.from(shards[1].subarray(2, 4)), [4, 4.5]);
    assert.deepEqual(shardOfRow(5, VOCAB, 4, 'mod', 1), { shard: 2, localRow: 1 });
    assert.deepEqual([0, 1, 2, 3].map((s) => shardRowCount(VOCAB, 4, s, 'mod', 1)), [2, 3, 3, 2]);
    assert.ok(shards[0] instanceof Float32Array);
  });

  it('div layout: the engine\'s contiguous ranges (first V % N shards one row longer), rotation not applied', () => {
    // N 3: 10 = 3 × 3 + 1, so shard 0 holds 4 rows, shards 1 and 2 hold 3: [0..3] [4..6] [7..9].
    const shards = shardRows(full, VOCAB, DIM, 3, 'div', 2);
    assert.deepEqual(shards.map(rowsOf), [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    assert.deepEqual(shardOfRow(9, VOCAB, 3, 'div', 2), { shard: 2, localRow: 2 });
  });

  it('agrees with the engine for every sharding (issue 12 item 7: 13 rows over 5 shards)', () => {
    // TableLayout doc: 13 rows over 5 shards → [0,1,2] [3,4,5] [6,7,8] [9,10] [11,12]: row 11 is local row 0 of
    // shard 4 (the earlier blocks of ceil(13 / 5) = 3 rows put it on shard 3 as local row 2).
    assert.deepEqual(shardOfRow(10, 13, 5, 'div'), { shard: 3, localRow: 1 });
    assert.deepEqual(shardOfRow(11, 13, 5, 'div'), { shard: 4, localRow: 0 });
    assert.deepEqual([0, 1, 2, 3, 4].map((s) => shardRowCount(13, 5, s, 'div')), [3, 3, 3, 2, 2]);
    const topo = topology('v4-8');
    for (const sharding of ['mod', 'div', 'table'] as const) {
      const emb = new TPUEmbedding({
        features: [13, 100, 2048].map((v, i) => featureConfig({ table: tableConfig({ name: `t${i}`, vocabularySize: v, dim: 2 }), name: `f${i}` })),
        optimizer: new SGD(),
        topology: topo,
        sharding,
      });
      for (const t of emb.tables) {
        const V = t.layout.vocabularySize;
        const N = emb.numShards;
        const rot = t.layout.rotation;
        const counts = Array.from({ length: N }, (_, s) => shardRowCount(V, N, s, sharding, rot));
        assert.deepEqual(counts, Array.from({ length: N }, (_, s) => t.layout.rowsOnShard(s)), `${sharding} ${t.name}`);
        const full = t.exportFull().weights;
        const shards = shardRows(full, V, 2, N, sharding, rot);
        for (let row = 0; row < V; row++) {
          const { shard, localRow } = shardOfRow(row, V, N, sharding, rot);
          assert.equal(shard, t.layout.shardOf(row), `${sharding} ${t.name} row ${row}`);
          assert.deepEqual(Array.from(shards[shard].subarray(localRow * 2, localRow * 2 + 2)), Array.from(t.shard(shard).subarray(t.layout.localRow(row) * 2, t.layout.localRow(row) * 2 + 2)));
        }
      }
    }
  });

  it('round-trips for every N from 1 to 13 (more shards than rows included), both layouts, several rotations', () => {
    for (const layout of ['mod', 'div', 'table'] as const) {
      for (let n = 1; n <= 13; n++) {
        for (const rotation of [0, 1, 4, 17]) {
          const shards = shardRows(full, VOCAB, DIM, n, layout, rotation);
          assert.equal(shards.reduce((s, x) => s + x.length, 0), full.length);
          assert.deepEqual(Array.from(unshardRows(shards, VOCAB, DIM, layout, rotation)), Array.from(full), `${layout} N=${n} rot=${rotation}`);
        }
      }
    }
  });

  it('reshards N → M through the full table (v4-8 16 shards → v4-32 64 shards → CPU 1)', () => {
    const vocab = 2048;
    const dim = 4;
    const table = Float32Array.from({ length: vocab * dim }, (_, i) => i);
    const s16 = shardRows(table, vocab, dim, 16, 'mod', 4);
    const s64 = shardRows(unshardRows(s16, vocab, dim, 'mod', 4), vocab, dim, 64, 'mod', 8);
    assert.equal(s64[8].length, (2048 / 64) * dim); // rotation 8: shard 8 holds rows 0, 64, 128 … (32 rows)
    assert.equal(s64[8][dim], 64 * dim); // its local row 1 is global row 64
    const cpu = unshardRows(s64, vocab, dim, 'mod', 8);
    assert.deepEqual(Array.from(cpu), Array.from(table));
  });

  it('accepts shards padded to equal size and ignores the padding', () => {
    const shards = shardRows(full, VOCAB, DIM, 4, 'mod', 0).map((s) => {
      const padded = new Float32Array(3 * DIM).fill(-1); // ceil(10 / 4) = 3 rows each
      padded.set(s);
      return padded;
    });
    assert.deepEqual(Array.from(unshardRows(shards, VOCAB, DIM, 'mod', 0)), Array.from(full));
  });

  it('works for int32 arrays and rejects bad arguments with the rule', () => {
    const ids = Int32Array.from({ length: 6 }, (_, i) => i);
    const s = shardRows(ids, 6, 1, 4);
    assert.ok(s[0] instanceof Int32Array);
    assert.deepEqual(s.map((x) => Array.from(x)), [[0, 4], [1, 5], [2], [3]]);
    const isSharding = (re: RegExp) => (e: unknown) => e instanceof ConfigError && e.kind === 'bad_sharding' && re.test(e.message);
    assert.throws(() => shardRows(full, VOCAB, 3, 4), isSharding(/expected full to hold vocab × dim = 10 × 3 = 30 values, but it holds 20/));
    assert.throws(() => shardRows(full, VOCAB, DIM, 0), isSharding(/numShards .* to be a positive integer, but got 0/));
    assert.throws(() => shardRows(full, VOCAB, DIM, 2, 'row' as never), isSharding(/layout to be one of mod, div, table, but got 'row'/));
    assert.throws(() => unshardRows([full.subarray(0, 4), full], VOCAB, DIM), isSharding(/shard 0 to hold at least 10 values \(5 rows × 2\), but it holds 4/));
    assert.throws(() => shardOfRow(10, VOCAB, 2), isSharding(/row to be an integer in \[0, 10\), but got 10/));
  });
});

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { TPUEmbedding, TableLayout, featureConfig, tableConfig } from '../../src/embedding';
import { Adagrad, SGD } from '../../src/optimizers';
import { TOPOLOGIES } from '../../src/strategy/topology';

before(async () => {
  await chooseBackend();
});

const TOPOS = ['cpu', 'v3-8', 'v4-8', 'v4-32', 'v5p-8', 'v6e-8'] as const;

describe('TableLayout', () => {
  it('mod: shard = (row % N + rotation) % N, local row = row // N (TensorFlow SparseCore layout)', () => {
    const l = new TableLayout(10, 4, 1, 'mod');
    // row 0 → shard 1, row 3 → (3 + 1) % 4 = 0, row 9 → (1 + 1) % 4 = 2, local 9 // 4 = 2
    assert.deepEqual([0, 1, 2, 3, 9].map((r) => l.shardOf(r)), [1, 2, 3, 0, 2]);
    assert.deepEqual([0, 3, 4, 9].map((r) => l.localRow(r)), [0, 0, 1, 2]);
    // rows ≡ j (mod 4) for j = (s − 1) mod 4: shard 0 holds rows 3, 7 (2); shard 1 holds 0, 4, 8 (3)
    assert.deepEqual([0, 1, 2, 3].map((s) => l.rowsOnShard(s)), [2, 3, 3, 2]);
  });

  it("div: TensorFlow's contiguous split, 13 rows over 5 shards → [0,1,2] [3,4,5] [6,7,8] [9,10] [11,12]", () => {
    const l = new TableLayout(13, 5, 0, 'div');
    const byShard = [0, 1, 2, 3, 4].map((s) => Array.from({ length: 13 }, (_, r) => r).filter((r) => l.shardOf(r) === s));
    assert.deepEqual(byShard, [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10], [11, 12]]);
    assert.deepEqual(byShard.map((rows) => rows.map((r) => l.localRow(r))), [[0, 1, 2], [0, 1, 2], [0, 1, 2], [0, 1], [0, 1]]);
  });

  it('table: every row on shard `rotation`', () => {
    const l = new TableLayout(7, 4, 2, 'table');
    assert.deepEqual(Array.from({ length: 7 }, (_, r) => l.shardOf(r)), [2, 2, 2, 2, 2, 2, 2]);
    assert.deepEqual([0, 1, 2, 3].map((s) => l.rowsOnShard(s)), [0, 0, 7, 0]);
  });

  it('every row lives on exactly one shard, at a distinct storage row inside that shard', () => {
    for (const sharding of ['mod', 'div', 'table'] as const) {
      for (const [V, N, rot] of [[1, 1, 0], [17, 4, 3], [100, 16, 4], [5, 8, 6], [64, 64, 0]]) {
        const l = new TableLayout(V, N, sharding === 'table' || sharding === 'mod' ? rot : 0, sharding);
        const seen = new Set<number>();
        const perShard = new Array<number>(N).fill(0);
        for (let r = 0; r < V; r++) {
          const s = l.shardOf(r);
          const sr = l.storageRow(r);
          assert.ok(s >= 0 && s < N);
          assert.ok(l.localRow(r) < l.shardRows[s], `${sharding} V=${V} N=${N}: local row inside its shard`);
          assert.equal(sr, l.shardBase[s] + l.localRow(r));
          assert.ok(!seen.has(sr), `${sharding} V=${V} N=${N}: storage row ${sr} used twice`);
          seen.add(sr);
          perShard[s]++;
        }
        assert.deepEqual(perShard, perShard.map((_, s) => l.rowsOnShard(s)));
      }
    }
  });
});

describe('TPUEmbedding sharding', () => {
  it('rotation = SparseCores per chip × table index mod N, and shard views hold the rows the formula says', () => {
    const tables = [0, 1, 2].map((i) => tableConfig({ vocabularySize: 50, dim: 3, initializer: (r, d) => Float32Array.from({ length: r * d }, (_, k) => 1000 * i + k / d) }));
    const emb = new TPUEmbedding({ features: tables.map((table) => featureConfig({ table })), optimizer: new SGD(), topology: 'v4-8' });
    // v4-8: N = 4 chips × 4 SparseCores = 16, rotation 4i
    assert.equal(emb.numShards, 16);
    assert.deepEqual(emb.tables.map((t) => t.layout.rotation), [0, 4, 8]);
    emb.tables.forEach((t, i) => {
      for (let row = 0; row < 50; row++) {
        const s = (row % 16 + 4 * i) % 16;
        const local = Math.floor(row / 16);
        assert.equal(t.shard(s)[local * 3], 1000 * i + row, `table ${i} row ${row}`);
      }
    });
  });

  it('slotShards(s) is the same frozen array of slot views every call, slot k on shard s as slotShard(k, s)', () => {
    const table = tableConfig({ vocabularySize: 50, dim: 3, initializer: 0.5 });
    const emb = new TPUEmbedding({ features: [featureConfig({ table })], optimizer: new Adagrad({ learningRate: 0.1 }), topology: 'v4-8' });
    const t = emb.tables[0];
    for (let s = 0; s < emb.numShards; s++) {
      const views = t.slotShards(s);
      assert.equal(views, t.slotShards(s), 'no new array per call');
      assert.ok(Object.isFrozen(views));
      assert.equal(views.length, 1); // Adagrad: one slot (accumulator)
      assert.equal(views[0], t.slotShard(0, s));
    }
    // A write through the view reaches the table: shard 0, local row 0 is row 0 (mod sharding, rotation 0).
    t.slotShards(0)[0][0] = 7;
    assert.equal(emb.exportTables()[t.name].slots.accumulators![0], 7);
  });

  it('looking up every row through any topology and sharding returns the original table', () => {
    const V = 37;
    const init = (r: number, d: number) => Float32Array.from({ length: r * d }, (_, k) => Math.sin(k));
    const full = init(V, 4);
    for (const topology of TOPOS) {
      for (const sharding of ['mod', 'div', 'table'] as const) {
        for (const placement of ['sparsecore', 'cpu'] as const) {
          const emb = new TPUEmbedding({ features: { f: featureConfig({ table: tableConfig({ vocabularySize: V, dim: 4, initializer: init }) }) }, optimizer: new SGD(), topology, sharding, placement });
          const R = TOPOLOGIES[topology].numReplicas;
          const B = Math.ceil(V / R) * R;
          const ids = Array.from({ length: B }, (_, b) => b % V);
          const out = emb.lookup({ f: ids });
          const got = out.f.dataSync();
          for (let b = 0; b < V; b++) for (let k = 0; k < 4; k++) assert.equal(got[b * 4 + k], full[b * 4 + k]);
          out.f.dispose();
          assert.deepEqual(Array.from(emb.exportTables().table_0.weights), Array.from(full));
        }
      }
    }
  });

  it('export → import across topologies (and to CPU) is the identity, slots included', () => {
    const make = (topology: string, placement: 'sparsecore' | 'cpu' = 'sparsecore') =>
      new TPUEmbedding({
        features: { f: featureConfig({ table: tableConfig({ vocabularySize: 41, dim: 3, name: 'items' }) }) },
        optimizer: new Adagrad({ learningRate: 0.5 }),
        topology,
        placement,
        seed: 9,
      });
    const src = make('v4-32');
    const acts = src.lookup({ f: Array.from({ length: 16 }, (_, b) => (b * 7) % 41) });
    const g = tf.onesLike(acts.f);
    src.applyGradients({ f: g });
    tf.dispose([acts.f, g]);
    const exported = src.exportTables();
    for (const [topology, placement] of [['cpu', 'sparsecore'], ['v3-8', 'sparsecore'], ['v4-8', 'sparsecore'], ['v6e-8', 'sparsecore'], ['v4-32', 'cpu']] as const) {
      const dst = make(topology, placement);
      dst.importTables(exported);
      const back = dst.exportTables().items;
      assert.deepEqual(Array.from(back.weights), Array.from(exported.items.weights), `${topology}/${placement} weights`);
      assert.deepEqual(Array.from(back.slots.accumulators!), Array.from(exported.items.slots.accumulators!), `${topology}/${placement} accumulator`);
    }
    // Ids 7b mod 41 (b < 16) touch rows {0, 1, 2, 7, 8, 9, …} once each: accumulator 0.1 + 1² = 1.1;
    // row 3 is untouched: 0.1.
    assert.ok(Math.abs(exported.items.slots.accumulators![0] - 1.1) < 1e-6);
    assert.ok(Math.abs(exported.items.slots.accumulators![9] - 0.1) < 1e-6);
  });

  it('the same seed gives the same initial table on every topology', () => {
    const first = (topology: string) =>
      new TPUEmbedding({ features: { f: featureConfig({ table: tableConfig({ vocabularySize: 20, dim: 4 }) }) }, optimizer: new SGD(), topology, seed: 5 }).exportTables().table_0.weights;
    const ref = Array.from(first('cpu'));
    // truncated normal, stddev 1/√4 = 0.5: every value within 2 stddev
    assert.ok(ref.every((x) => Math.abs(x) <= 1));
    for (const t of ['v3-8', 'v4-8', 'v4-32']) assert.deepEqual(Array.from(first(t)), ref);
  });

  it('importTables rejects a wrong size and changes nothing', () => {
    const emb = new TPUEmbedding({ features: { f: featureConfig({ table: tableConfig({ vocabularySize: 5, dim: 2, initializer: 1 }) }) }, optimizer: new SGD(), topology: 'cpu' });
    assert.throws(() => emb.importTables({ table_0: { weights: new Float32Array(9), slots: {} } }), /table 'table_0'.*5 × 2 = 10 values.*got 9/);
    assert.throws(() => emb.importTables({ nope: { weights: new Float32Array(10), slots: {} } }), /expected one of table_0, but got 'nope'/);
    assert.deepEqual(Array.from(emb.exportTables().table_0.weights), new Array(10).fill(1));
  });
});

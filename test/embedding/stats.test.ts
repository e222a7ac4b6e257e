import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { ShardingError } from '../../src/errors';
import { TPUEmbedding, featureConfig, statsToTable, tableConfig, type TPUEmbeddingOptions } from '../../src/embedding';
import { SGD } from '../../src/optimizers';
import type { Topology } from '../../src/strategy/topology';

before(async () => {
  await chooseBackend();
});

/** 2 replicas × 2 SparseCores = 4 shards; table 0 has rotation 0, so shard = id % 4. */
const SMALL: Topology = Object.freeze({
  name: 'test-2x2', generation: 'v4', chips: 2, tensorCoresPerChip: 2, sparseCoresPerChip: 2,
  numReplicas: 2, shardsPerReplica: 2, numShards: 4, hbmBytesPerChip: 2 ** 30,
});
/** Row r = [r, 10r]. */
const rowInit = (rows: number, dim: number) => Float32Array.from({ length: rows * dim }, (_, i) => (i % 2 === 0 ? 1 : 10) * Math.floor(i / dim));
// Replica 0: samples [1, 5, 1], [2]; replica 1: samples [1, 4], [9, 9, 13].
const IDS = { f: { values: [1, 5, 1, 2, 1, 4, 9, 9, 13], rowSplits: [0, 3, 4, 6, 9] } };

function make(extra: Partial<TPUEmbeddingOptions> = {}): TPUEmbedding {
  return new TPUEmbedding({
    features: { f: featureConfig({ table: tableConfig({ vocabularySize: 16, dim: 2, initializer: rowInit }) }) },
    optimizer: new SGD({ learningRate: 1 }),
    topology: SMALL,
    ...extra,
  });
}

describe('LookupStats', () => {
  it('match hand-computed counts on a small batch', () => {
    const emb = make();
    tf.dispose(emb.lookup(IDS));
    const s = emb.lastStats!;
    assert.equal(s.step, 1);
    assert.equal(s.numReplicas, 2);
    assert.equal(s.globalBatchSize, 4);
    const t = s.tables[0];
    // shard = id % 4: replica 0 sends 1,5,1 → shard 1 (3 ids, 2 unique) and 2 → shard 2;
    // replica 1 sends 1,9,9,13 → shard 1 (4 ids, 3 unique) and 4 → shard 0.
    assert.deepEqual(t.idsPerShard, [1, 7, 1, 0]);
    assert.deepEqual(t.uniqueIdsPerShard, [1, 5, 1, 0]);
    assert.equal(t.maxIdsPerPartition, 4);
    assert.equal(t.maxUniqueIdsPerPartition, 3);
    assert.equal(t.ids, 9);
    assert.equal(t.uniqueIds, 6); // {1, 5, 2, 4, 9, 13} over the global batch
    // per-replica unique rows 3 + 4 = 7, each 2 × 4 bytes
    assert.equal(t.bytesGathered, 56);
    assert.equal(t.allToAllBytesIn, 28);
    assert.equal(t.allToAllBytesOut, 56);
    assert.equal(t.gradientBytes, 56);
    assert.equal(t.activationBytes, 4 * 2 * 4);
    assert.equal(t.droppedIds, 0);
    assert.ok(Math.abs(t.imbalance - 7 / (9 / 4)) < 1e-12);
    assert.equal(t.numShards, 4);
    assert.equal(t.placement, 'sparsecore');
  });

  it('accumulate over steps, keep a history, and export to arquero', () => {
    const emb = make();
    for (let i = 0; i < 3; i++) {
      const a = emb.lookup(IDS);
      const g = tf.zerosLike(a.f);
      emb.applyGradients({ f: g });
      tf.dispose([a.f, g]);
    }
    assert.equal(emb.statsHistory.length, 3);
    assert.deepEqual(emb.statsHistory.map((s) => s.step), [1, 2, 3]);
    const acc = emb.accumulatedStats;
    assert.equal(acc.steps, 3);
    assert.equal(acc.samples, 12);
    assert.equal(acc.tables[0].ids, 27);
    assert.deepEqual(acc.tables[0].idsPerShard, [3, 21, 3, 0]);
    assert.equal(acc.tables[0].maxIdsPerPartition, 4);
    const table = statsToTable(emb.statsHistory);
    assert.equal(table.numRows(), 3);
    assert.deepEqual(table.array('ids'), [9, 9, 9]);
    const perShard = statsToTable(emb.lastStats!, { perShard: true });
    assert.equal(perShard.numRows(), 4);
    assert.deepEqual(perShard.array('ids'), [1, 7, 1, 0]);
    emb.resetStats();
    assert.equal(emb.lastStats, null);
    assert.equal(emb.accumulatedStats.steps, 0);
  });

  it('placement cpu: one shard, same ids', () => {
    const emb = make({ placement: 'cpu' });
    tf.dispose(emb.lookup(IDS));
    const t = emb.lastStats!.tables[0];
    assert.equal(t.numShards, 1);
    assert.deepEqual(t.idsPerShard, [9]);
    assert.deepEqual(t.uniqueIdsPerShard, [7]); // per-replica unique 3 + 4
    assert.equal(t.imbalance, 1);
    assert.equal(t.placement, 'cpu');
  });
});

describe('per-partition limits', () => {
  it('overflow throws ShardingError id_limit_exceeded naming table, shard, replica and counts', () => {
    const emb = make({ maxIdsPerPartition: 3 });
    assert.throws(
      () => emb.lookup(IDS),
      (e: unknown) => e instanceof ShardingError && e.kind === 'id_limit_exceeded' && /table 'table_0', shard 1, replica 1: 4 ids and 3 unique ids exceed maxIdsPerPartition 3/.test(e.message),
    );
    const emb2 = make({ maxUniqueIdsPerPartition: 2 });
    assert.throws(() => emb2.lookup(IDS), /shard 1, replica 1: 4 ids and 3 unique ids exceed .*maxUniqueIdsPerPartition 2/);
    assert.equal(emb2.lastStats, null);
    // Within the limits: fine.
    tf.dispose(make({ maxIdsPerPartition: 4, maxUniqueIdsPerPartition: 3 }).lookup(IDS));
  });

  it('with allowIdDropping the excess ids are dropped, counted, and neither looked up nor updated', () => {
    for (const limits of [{ maxIdsPerPartition: 3 }, { maxUniqueIdsPerPartition: 2 }]) {
      const emb = make({ ...limits, allowIdDropping: true });
      const a = emb.lookup(IDS);
      const t = emb.lastStats!.tables[0];
      // replica 1 → shard 1 keeps 1, 9, 9 and drops 13
      assert.equal(t.droppedIds, 1);
      assert.deepEqual(t.idsPerShard, [1, 6, 1, 0]);
      assert.equal(t.uniqueIds, 5);
      assert.equal(t.maxIdsPerPartition, 4, 'observed demand, to size the limits');
      // sample 3 = mean(row 9, row 9) = [9, 90]
      assert.deepEqual(Array.from(a.f.dataSync().slice(6, 8)), [9, 90]);
      const g = tf.onesLike(a.f);
      emb.applyGradients({ f: g });
      tf.dispose([a.f, g]);
      const w = emb.exportTables().table_0.weights;
      assert.deepEqual(Array.from(w.slice(26, 28)), [13, 130], 'dropped row 13 unchanged');
      // row 9: two positions of sample 3 with mean scale 1/2 → gradient 1 → 9 − 1 = 8
      assert.deepEqual(Array.from(w.slice(18, 20)), [8, 89]);
    }
  });
});

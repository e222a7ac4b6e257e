import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticLookupStats } from '../../src/cost';

const close = (a: number, b: number, rel = 1e-9) => Math.abs(a - b) <= rel * Math.abs(b);
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe('syntheticLookupStats', () => {
  // One uniform table, V = 1000, dim 8, 2 ids per sample, B = 8 on v4-8 (R = 4 replicas, N = 16 shards).
  const table = { vocabularySize: 1000, dim: 8, idsPerSample: 2 };

  it('sparsecore: hand-computed uniform case', () => {
    const s = syntheticLookupStats({ tables: [table], globalBatchSize: 8, topology: 'v4-8', placement: 'sparsecore' });
    assert.equal(s.numReplicas, 4);
    assert.equal(s.globalBatchSize, 8);
    const t = s.tables[0];
    assert.equal(t.table, 'table_0');
    assert.equal(t.numShards, 16);
    assert.equal(t.ids, 16); // 8 samples × 2 ids
    // Rows per shard: 1000 = 16·62 + 8 → 8 shards of 63 rows, 8 of 62. Ids per shard = 16 · rows / 1000.
    assert.ok(close(Math.max(...t.idsPerShard), (16 * 63) / 1000));
    assert.ok(close(sum(t.idsPerShard), 16));
    // imbalance = max / mean = (16·63/1000) / (16/16) = 1.008
    assert.ok(close(t.imbalance, 1.008));
    // One replica draws 16/4 = 4 ids: E[U] = 1000·(1 − 0.999^4) = 3.994004; × 4 replicas = 15.976016.
    const perReplica = 1000 * (1 - 0.999 ** 4);
    assert.ok(close(perReplica, 3.994004, 1e-6));
    assert.ok(close(sum(t.uniqueIdsPerShard), 4 * perReplica));
    // Global unique (as the optimizer sees it): 1000·(1 − 0.999^16) = 15.880558.
    assert.ok(close(t.uniqueIds, 15.880558, 1e-6));
    // Bytes: unique rows per replica × dim × 4 = 15.976016 × 32 = 511.2325; ids 4 B each = 63.904.
    assert.ok(close(t.bytesGathered, 4 * perReplica * 32));
    assert.equal(t.allToAllBytesOut, t.bytesGathered);
    assert.equal(t.gradientBytes, t.bytesGathered);
    assert.ok(close(t.allToAllBytesIn, 4 * perReplica * 4));
    assert.equal(t.activationBytes, 256); // 8 samples × 8 dims × 4 B
    // Per partition: one replica's 4 ids × 63/1000 to the fullest shard = 0.252.
    assert.ok(close(t.maxIdsPerPartition, 0.252));
    assert.ok(close(t.maxUniqueIdsPerPartition, 63 * (1 - 0.999 ** 4)));
    assert.ok(Object.isFrozen(s) && Object.isFrozen(t));
  });

  it('cpu: one unsharded table, dedup over the global batch, no all-to-all', () => {
    const t = syntheticLookupStats({ tables: [table], globalBatchSize: 8, topology: 'v4-8', placement: 'cpu' }).tables[0];
    assert.equal(t.placement, 'cpu');
    assert.equal(t.numShards, 1);
    assert.ok(close(t.uniqueIds, 1000 * (1 - 0.999 ** 16)));
    assert.ok(close(t.bytesGathered, t.uniqueIds * 32));
    assert.equal(t.allToAllBytesIn + t.allToAllBytesOut, 0);
    assert.equal(t.imbalance, 1);
  });

  it('Zipf ids concentrate on the shard of the hottest id, rotated per table', () => {
    const zipf = { vocabularySize: 1e6, dim: 16, idsPerSample: 4, skew: { zipf: 1.05 } } as const;
    const s = syntheticLookupStats({ tables: [zipf, zipf], globalBatchSize: 1024, topology: 'v4-8', placement: 'sparsecore' });
    // rotation = sparseCoresPerChip (4) × table index: id 0 lands on shard 0 for table 0, shard 4 for table 1.
    const argmax = (xs: readonly number[]) => xs.indexOf(Math.max(...xs));
    assert.equal(argmax(s.tables[0].idsPerShard), 0);
    assert.equal(argmax(s.tables[1].idsPerShard), 4);
    assert.ok(s.tables[0].imbalance > 1.5, `imbalance ${s.tables[0].imbalance}`);
    // Dedup flattens the load: unique ids per shard are more even than ids per shard.
    const u = s.tables[0].uniqueIdsPerShard;
    assert.ok((Math.max(...u) * 16) / sum(u) < s.tables[0].imbalance);
    assert.ok(s.tables[0].uniqueIds < s.tables[0].ids);
  });

  it('rejects bad inputs with the parameter named', () => {
    const base = { tables: [table], globalBatchSize: 8, topology: 'v4-8', placement: 'sparsecore' } as const;
    assert.throws(() => syntheticLookupStats({ ...base, globalBatchSize: 10 }), /globalBatchSize \(10\) to be divisible by numReplicasInSync \(4\)/);
    assert.throws(() => syntheticLookupStats({ ...base, tables: [] }), /expected tables to be a non-empty array/);
    assert.throws(
      () => syntheticLookupStats({ ...base, tables: [{ ...table, dim: 0 }] }),
      /syntheticLookupStats: expected tables\[0\]\.dim to be a positive integer, but got 0/,
    );
    assert.throws(
      () => syntheticLookupStats({ ...base, tables: [{ ...table, idsPerSample: -1 }] }),
      /expected tables\[0\]\.idsPerSample to be a positive finite number, but got -1/,
    );
    assert.throws(() => syntheticLookupStats({ ...base, placement: 'gpu' as never }), /expected placement to be one of sparsecore, cpu, but got 'gpu'/);
    assert.throws(() => syntheticLookupStats({ ...base, tables: [{ ...table, skew: { zipf: -2 } }] }), /tables\[0\]: expected skew/);
  });
});

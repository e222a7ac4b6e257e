// shardingLayoutFigure / lookupStatsFigure: pure figure builders read as data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TableLayout } from '../../src/embedding';
import type { LookupStats, TableLookupStats } from '../../src/embedding';
import { ConfigError, InputError } from '../../src/errors';
import { lookupStatsFigure, shardingLayoutFigure } from '../../src/viz';

type Any = Record<string, any>;

test('shardingLayoutFigure: one line per table, z = shard of each row, mod sharding with rotation', () => {
  // v4-8: N = 16 shards, rotation = 4 SparseCores per chip × table index → table_1 starts on shard 4.
  const tables = [
    { name: 'table_0', layout: new TableLayout(2048, 16, 0, 'mod') },
    { name: 'table_1', layout: new TableLayout(2048, 16, 4, 'mod') },
  ];
  const fig = shardingLayoutFigure(tables, { rows: 20 });
  const t = fig.data[0] as Any;
  assert.equal(t.type, 'heatmap');
  assert.deepEqual(t.y, ['table_0', 'table_1']);
  assert.equal(t.x.length, 20);
  // table_0: row r → r % 16 (rows 16..19 wrap to 0..3); table_1: (r % 16 + 4) % 16 (row 12 → 0).
  assert.deepEqual(t.z[0], [...Array.from({ length: 16 }, (_, r) => r), 0, 1, 2, 3]);
  assert.deepEqual(t.z[1].slice(0, 3), [4, 5, 6]);
  assert.equal(t.z[1][12], 0);
  assert.equal((fig.layout as Any).title.text, 'Shard of each row (16 shards)');
  assert.equal((fig.layout as Any).xaxis.title.text, 'row id');
  assert.equal(t.colorbar.title.text, 'shard');
  // default rows: 2 × N, clipped to the smallest vocabulary (5 rows here)
  assert.equal((shardingLayoutFigure(tables).data[0] as Any).x.length, 32);
  assert.equal((shardingLayoutFigure([{ name: 'tiny', layout: new TableLayout(5, 4, 0, 'mod') }]).data[0] as Any).x.length, 5);
});

test('shardingLayoutFigure: rejects no tables, bad rows and mixed shard counts', () => {
  assert.throws(() => shardingLayoutFigure([]), (e: unknown) => e instanceof InputError && /expected at least one table/.test(e.message));
  const a = { name: 'a', layout: new TableLayout(10, 4, 0, 'mod') };
  assert.throws(() => shardingLayoutFigure([a], { rows: 0 }), (e: unknown) => e instanceof ConfigError && e.kind === 'invalid_option' && /expected rows to be a positive integer, but got 0/.test(e.message));
  assert.throws(() => shardingLayoutFigure([a, { name: 'b', layout: new TableLayout(10, 2, 0, 'mod') }]), /'b' has 2/);
});

const table = (name: string, ids: number[], unique: number[]): TableLookupStats => ({
  table: name, dim: 4, numShards: ids.length, placement: 'sparsecore', idsPerShard: ids, uniqueIdsPerShard: unique,
  maxIdsPerPartition: 0, maxUniqueIdsPerPartition: 0, droppedIds: 0, ids: 0, uniqueIds: 0, bytesGathered: 0,
  activationBytes: 0, allToAllBytesIn: 0, allToAllBytesOut: 0, gradientBytes: 0, imbalance: 1,
});

test('lookupStatsFigure: ids and unique ids per shard, two lines per table', () => {
  const stats: LookupStats = { step: 3, numReplicas: 2, globalBatchSize: 8, tables: [table('t0', [5, 3], [2, 3]), table('t1', [4, 4], [1, 4])] };
  const fig = lookupStatsFigure(stats);
  const t = fig.data[0] as Any;
  assert.deepEqual(t.y, ['t0 ids', 't0 unique ids', 't1 ids', 't1 unique ids']);
  assert.deepEqual(t.x, ['0', '1']);
  assert.deepEqual(t.z, [[5, 3], [2, 3], [4, 4], [1, 4]]);
  assert.equal((fig.layout as Any).title.text, 'Ids per shard (step 3, batch 8)');
  assert.equal((fig.layout as Any).yaxis.title.text, 'table');
  assert.throws(() => lookupStatsFigure(null), (e: unknown) => e instanceof InputError && /Call embedding.lookup/.test(e.message));
});

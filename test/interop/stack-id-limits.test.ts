// TF reads SparseCore id limits by stacked table name (issue 15 item 1, keras-rs #166): the TF config emitter keys
// them by stack, with the per-stack maxima (the stack's tables added up per replica and SparseCore).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TPUEmbedding, featureConfig, stackLookupStats, tableConfig } from '../../src/embedding';
import { emitTfConfig, suggestedStackIdLimits } from '../../src/interop';
import { Adagrad } from '../../src/optimizers';

/** The tutorial's two tables (same width, same optimizer): TF stacks them as 'table_0_table_1' on v4-8. */
const tutorial = (extra: object = {}): TPUEmbedding =>
  new TPUEmbedding({
    features: {
      movie_id: featureConfig({ table: tableConfig({ vocabularySize: 2048, dim: 64 }) }),
      user_id: featureConfig({ table: tableConfig({ vocabularySize: 2048, dim: 64 }) }),
    },
    optimizer: new Adagrad({ learningRate: 0.1 }),
    topology: 'v4-8',
    ...extra,
  });

describe('suggestedStackIdLimits / emitTfConfig limits by stack', () => {
  it('keys the observed per-stack maxima by the stacked table name', () => {
    const emb = tutorial();
    // Replica 0 (sample 0 of 4): movie 0 → core (0 + 0) % 16 = 0, user 12 → (12 + 4) % 16 = 0: one id per table,
    // two for the stack on (replica 0, core 0); every other (replica, core) gets at most one of each table.
    emb.lookup({ movie_id: [0, 1, 2, 3], user_id: [12, 13, 14, 15] });
    assert.equal(Math.max(...emb.lastStats!.tables.map((t) => t.maxIdsPerPartition)), 1);
    const [stack] = stackLookupStats(emb.lastStats!, emb.stackedLayouts!);
    assert.equal(stack.stack, 'table_0_table_1');
    assert.equal(stack.maxIdsPerPartition, 2);
    assert.deepEqual(suggestedStackIdLimits(emb), { table_0_table_1: { maxIdsPerPartition: 2, maxUniqueIdsPerPartition: 2 } });
    assert.match(emitTfConfig(emb), /max_ids_per_table=\{"table_0_table_1": 2\}, max_unique_ids_per_table=\{"table_0_table_1": 2\}/);
  });

  it('given by stack name wins; configured per-table limits count once per table of the stack', () => {
    const emb = tutorial({ maxIdsPerPartition: 8 });
    emb.lookup({ movie_id: [0, 1, 2, 3], user_id: [12, 13, 14, 15] });
    assert.deepEqual(suggestedStackIdLimits(emb), { table_0_table_1: { maxIdsPerPartition: 16, maxUniqueIdsPerPartition: 2 } });
    assert.deepEqual(suggestedStackIdLimits(emb, { table_0_table_1: { maxUniqueIdsPerPartition: 5 } }), { table_0_table_1: { maxIdsPerPartition: 16, maxUniqueIdsPerPartition: 5 } });
    // Without TF's layout the limits stay per table.
    const old = tutorial({ layoutRule: 'table-order' });
    old.lookup({ movie_id: [0, 1, 2, 3], user_id: [12, 13, 14, 15] });
    assert.deepEqual(Object.keys(suggestedStackIdLimits(old)), ['table_0', 'table_1']);
  });
});

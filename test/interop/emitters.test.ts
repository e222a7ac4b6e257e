// The config emitters' text and refusals (no Python needed; test/interop/tensorflow.test.ts runs the output in TF).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { ConfigError } from '../../src/errors';
import { emitJaxConfig, emitKerasRsConfig, emitTfConfig, pythonLiteral, suggestedIdLimits } from '../../src/interop';
import { AdagradMomentum, Adam, SGD, kerasAdagrad } from '../../src/optimizers';

const embedding = (optimizer: ConstructorParameters<typeof TPUEmbedding>[0]['optimizer'], extra: object = {}): TPUEmbedding =>
  new TPUEmbedding({
    features: { user_id: featureConfig({ table: tableConfig({ vocabularySize: 10, dim: 4, name: 'users' }) }) },
    optimizer,
    topology: 'v4-8',
    ...extra,
  });

describe('config emitters', () => {
  it('writes Python literals', () => {
    assert.equal(pythonLiteral([1, 0.5, null, true, 'a']), '(1, 0.5, None, True, "a")');
    assert.equal(pythonLiteral([7]), '(7,)');
    assert.equal(pythonLiteral({ t: 3 }), '{"t": 3}');
    assert.throws(() => pythonLiteral(Infinity), (e: unknown) => e instanceof ConfigError && e.kind === 'not_emittable');
  });

  it("uses TF's keyword names (Adam beta_1/beta_2) and writes SparseCoreEmbeddingConfig only with limits", () => {
    const tfText = emitTfConfig(embedding(new Adam({ learningRate: 0.01, beta1: 0.8 })));
    assert.match(tfText, /optimizer = emb\.Adam\(learning_rate=0\.01, beta_1=0\.8, beta_2=0\.999, epsilon=1e-7, lazy_adam=True, sum_inside_sqrt=True\)/);
    assert.match(tfText, /table_users = emb\.TableConfig\(vocabulary_size=10, dim=4, initializer=tf\.initializers\.TruncatedNormal\(mean=0, stddev=0\.5\),/);
    assert.match(tfText, /sparse_core_config = None/);
    const limited = emitTfConfig(embedding(new SGD(), { maxIdsPerPartition: 40, allowIdDropping: true }), { limits: { users: { maxUniqueIdsPerPartition: 9 } } });
    assert.match(limited, /SparseCoreEmbeddingConfig\(max_ids_per_table=\{"users": 40\}, max_unique_ids_per_table=\{"users": 9\}, allow_id_dropping=True\)/);
  });

  it('refuses what the target cannot express, naming the table and the fix', () => {
    const schedule = embedding(new SGD({ learningRate: (s) => 0.1 / s }));
    assert.throws(() => emitTfConfig(schedule), (e: unknown) => e instanceof ConfigError && e.kind === 'not_emittable' && /emitTfConfig: .*global optimizer \(SGD\).*function of the step/.test(e.message));
    assert.throws(
      () => emitKerasRsConfig(embedding(new AdagradMomentum()), { batchSize: 8 }),
      (e: unknown) => e instanceof ConfigError && e.kind === 'not_emittable' && /table 'users'.*AdagradMomentum/.test(e.message),
    );
    assert.throws(() => emitJaxConfig(embedding(kerasAdagrad()), { batchSize: 0 }), (e: unknown) => e instanceof ConfigError && e.kind === 'invalid_option' && /batchSize.*got 0/.test(e.message));
    assert.match(emitJaxConfig(embedding(new AdagradMomentum({ momentum: 0.5 })), { batchSize: 8 }), /AdagradMomentumOptimizerSpec\(learning_rate=0\.001, momentum=0\.5, .*initial_accumulator_value=0\.0, initial_momentum_value=0\.0\)/);
  });

  it('suggests per-partition limits: given, else configured, else the maxima observed over the lookups', () => {
    const emb = embedding(new SGD(), { topology: 'cpu' });
    assert.deepEqual(suggestedIdLimits(emb), { users: {} });
    // One partition (cpu: 1 replica × 1 shard): ids [1, 1, 2, 3] → 4 ids, 3 unique; then [5] → maxima stay 4 / 3.
    emb.lookup({ user_id: [1, 1, 2, 3] });
    emb.lookup({ user_id: [5] });
    assert.deepEqual(suggestedIdLimits(emb), { users: { maxIdsPerPartition: 4, maxUniqueIdsPerPartition: 3 } });
    assert.deepEqual(suggestedIdLimits(emb, { users: { maxIdsPerPartition: 16 } }), { users: { maxIdsPerPartition: 16, maxUniqueIdsPerPartition: 3 } });
    assert.match(emitTfConfig(emb), /max_ids_per_table=\{"users": 4\}, max_unique_ids_per_table=\{"users": 3\}/);
    assert.match(emitJaxConfig(emb, { batchSize: 4 }), /max_ids_per_partition=4, max_unique_ids_per_partition=3\)/);
    const configured = embedding(new SGD(), { topology: 'cpu', maxIdsPerPartition: 8 });
    configured.lookup({ user_id: [1, 1, 2, 3] });
    assert.deepEqual(suggestedIdLimits(configured), { users: { maxIdsPerPartition: 8, maxUniqueIdsPerPartition: 3 } });
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors';
import { TPUEmbedding, featureConfig, featureConfigFromConfig, tableConfig, tableConfigFromConfig } from '../../src/embedding';
import { Adagrad, SGD, optimizerFromConfig } from '../../src/optimizers';

const isConfigError = (re: RegExp) => (e: unknown) => e instanceof ConfigError && re.test(e.message);

describe('tableConfig', () => {
  it("applies TensorFlow's defaults: combiner mean, truncated normal with stddev 1/√dim", () => {
    const t = tableConfig({ vocabularySize: 100, dim: 16 });
    assert.equal(t.combiner, 'mean');
    assert.deepEqual(t.initializer, { kind: 'truncatedNormal', mean: 0, stddev: 0.25 }); // 1/√16
    assert.equal(t.optimizer, undefined);
    assert.equal(t.name, undefined);
    assert.ok(Object.isFrozen(t));
    assert.deepEqual(tableConfig({ vocabularySize: 1, dim: 1, initializer: 'zeros' }).initializer, { kind: 'constant', value: 0 });
  });

  it('rejects bad values naming the parameter, the rule and the value', () => {
    assert.throws(() => tableConfig({ vocabularySize: 12.5, dim: 4 }), isConfigError(/tableConfig: expected vocabularySize to be a positive integer.*but got 12.5\./));
    assert.throws(() => tableConfig({ vocabularySize: 0, dim: 4 }), isConfigError(/vocabularySize.*got 0/));
    assert.throws(() => tableConfig({ vocabularySize: 2 ** 31, dim: 4 }), isConfigError(/^tableConfig: expected vocabularySize to be an integer in \[1, 2147483648\), but got 2147483648\. Ids are int32/));
    assert.throws(() => tableConfig({ vocabularySize: 10, dim: 0 }), isConfigError(/expected dim to be a positive integer, but got 0/));
    assert.throws(() => tableConfig({ vocabularySize: 10, dim: 4, combiner: 'max' as never }), isConfigError(/combiner to be one of mean, sum, sqrtn, but got 'max'/));
    assert.throws(() => tableConfig({ vocabularySize: 10, dim: 4, name: 'a/b' }), isConfigError(/name to be a non-empty string without '\/'/));
    assert.throws(() => tableConfig({ vocabularySize: 10, dim: 4, initializer: 'glorot' as never }), isConfigError(/expected initializer to be 'truncatedNormal'.*but got "glorot"/));
    assert.throws(() => tableConfig({ vocabularySize: 10, dim: 4, optimizer: {} as never }), isConfigError(/expected optimizer to be an embedding optimizer/));
  });

  it("refuses safetensors' reserved key __metadata__ as a table name at config time (also from a JSON config)", () => {
    const reserved = (e: unknown) => e instanceof ConfigError && e.kind === 'reserved_table_name' && /tableConfig: expected name not to be '__metadata__'/.test(e.message);
    assert.throws(() => tableConfig({ vocabularySize: 10, dim: 4, name: '__metadata__' }), reserved);
    const json = { ...tableConfig({ vocabularySize: 10, dim: 4, name: 'movies' }).getConfig(), name: '__metadata__' };
    assert.throws(() => tableConfigFromConfig(json), reserved);
    assert.equal(tableConfig({ vocabularySize: 10, dim: 4, name: '__metadata' }).name, '__metadata');
  });

  it('getConfig → fromConfig round-trips, optimizer included', () => {
    const t = tableConfig({ vocabularySize: 7, dim: 3, combiner: 'sqrtn', name: 'movies', optimizer: new Adagrad({ learningRate: 0.2 }), initializer: { kind: 'truncatedNormal', stddev: 0.1 } });
    const back = tableConfigFromConfig(t.getConfig(), optimizerFromConfig);
    assert.deepEqual(back.getConfig(), t.getConfig());
    assert.equal(back.optimizer?.className, 'Adagrad');
    assert.throws(() => tableConfigFromConfig(t.getConfig()), isConfigError(/pass resolveOptimizer/));
    const fn = tableConfig({ vocabularySize: 2, dim: 1, initializer: (r, d) => new Float32Array(r * d) });
    assert.throws(() => tableConfigFromConfig(fn.getConfig()), isConfigError(/serialisable initializer/));
  });
});

describe('featureConfig', () => {
  it('validates maxSequenceLength and outputShape, and round-trips', () => {
    const t = tableConfig({ vocabularySize: 5, dim: 2, name: 't' });
    assert.throws(() => featureConfig({ table: t, maxSequenceLength: -1 }), isConfigError(/maxSequenceLength to be an integer ≥ 0, but got -1/));
    assert.throws(() => featureConfig({ table: t, outputShape: [2, 0] }), isConfigError(/outputShape to be a non-empty array of positive integers, but got \[2,0\]/));
    assert.throws(() => featureConfig({ table: {} as never }), isConfigError(/table to be a TableConfig/));
    const f = featureConfig({ table: t, maxSequenceLength: 4, name: 'history' });
    assert.equal(f.maxSequenceLength, 4);
    assert.deepEqual(featureConfigFromConfig(f.getConfig()).getConfig(), f.getConfig());
  });
});

describe('TPUEmbedding config', () => {
  it('names unnamed tables table_<i> in order of first appearance; shared tables stay one table', () => {
    const a = tableConfig({ vocabularySize: 5, dim: 2 });
    const b = tableConfig({ vocabularySize: 6, dim: 2, name: 'named' });
    const c = tableConfig({ vocabularySize: 7, dim: 2 });
    const emb = new TPUEmbedding({
      features: { f1: featureConfig({ table: b }), f2: featureConfig({ table: a }), f3: featureConfig({ table: b }), f4: featureConfig({ table: c }) },
      optimizer: new SGD(),
      topology: 'cpu',
    });
    assert.deepEqual(emb.tableNames, ['named', 'table_1', 'table_2']);
    assert.deepEqual(emb.featureNames, ['f1', 'f2', 'f3', 'f4']);
  });

  it('a table optimizer overrides the global one', () => {
    const own = new Adagrad({ learningRate: 0.3 });
    const emb = new TPUEmbedding({
      features: [featureConfig({ table: tableConfig({ vocabularySize: 3, dim: 1, optimizer: own }) }), featureConfig({ table: tableConfig({ vocabularySize: 3, dim: 1 }) })],
      optimizer: new SGD(),
      topology: 'cpu',
    });
    assert.deepEqual(emb.tables.map((t) => t.optimizer.className), ['Adagrad', 'SGD']);
    assert.deepEqual(emb.featureNames, ['feature_0', 'feature_1']);
  });

  it('rejects bad options', () => {
    const f = { f: featureConfig({ table: tableConfig({ vocabularySize: 3, dim: 1 }) }) };
    assert.throws(() => new TPUEmbedding({ features: f, topology: 'cpu' }), isConfigError(/table 'table_0' has no optimizer/));
    assert.throws(() => new TPUEmbedding({ features: f, optimizer: new SGD(), topology: 'v9-1' }), isConfigError(/topology: expected one of cpu, v3-8/));
    assert.throws(() => new TPUEmbedding({ features: f, optimizer: new SGD(), topology: 'cpu', sharding: 'row' as never }), isConfigError(/sharding to be one of mod, div, table, but got 'row'/));
    assert.throws(() => new TPUEmbedding({ features: f, optimizer: new SGD(), topology: 'cpu', placement: 'gpu' as never }), isConfigError(/placement to be one of sparsecore, cpu/));
    assert.throws(() => new TPUEmbedding({ features: f, optimizer: new SGD(), topology: 'cpu', maxIdsPerPartition: 0 }), isConfigError(/maxIdsPerPartition to be a positive integer, but got 0/));
    assert.throws(() => new TPUEmbedding({ features: {}, optimizer: new SGD(), topology: 'cpu' }), isConfigError(/at least one FeatureConfig/));
    const twin = { a: featureConfig({ table: tableConfig({ vocabularySize: 3, dim: 1, name: 'x' }) }), b: featureConfig({ table: tableConfig({ vocabularySize: 3, dim: 1, name: 'x' }) }) };
    assert.throws(() => new TPUEmbedding({ features: twin, optimizer: new SGD(), topology: 'cpu' }), isConfigError(/two different tables are named 'x'/));
  });

  it('getConfig → fromConfig round-trips (shared tables stay shared)', () => {
    const t = tableConfig({ vocabularySize: 9, dim: 2, name: 'items' });
    const emb = new TPUEmbedding({
      features: { a: featureConfig({ table: t }), b: featureConfig({ table: t, maxSequenceLength: 3 }) },
      optimizer: new Adagrad({ learningRate: 0.1 }),
      topology: 'v4-8',
      sharding: 'div',
      maxIdsPerPartition: 64,
      allowIdDropping: true,
      seed: 4,
    });
    const json = emb.getConfig();
    const back = TPUEmbedding.fromConfig(JSON.parse(JSON.stringify(json)), optimizerFromConfig);
    assert.deepEqual(back.getConfig(), json);
    assert.deepEqual(back.tableNames, ['items']);
    assert.deepEqual(Array.from(back.exportTables().items.weights), Array.from(emb.exportTables().items.weights));
  });
});

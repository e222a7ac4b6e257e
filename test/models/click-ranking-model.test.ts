import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { ConfigError, InputError } from '../../src/errors';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { Adagrad } from '../../src/optimizers';
import { Random } from '../../src/random';
import { ClickRankingModel } from '../../src/models';

/** A dense 'item' table (40 × 8), a dynamic 'query' table (bigint ids, 64 rows) and a lazy 'shop' table (1e6 × 4) on a v4-8. */
function engine(withDynamic: boolean): TPUEmbedding {
  const item = tableConfig({ name: 'item', vocabularySize: 40, dim: 8 });
  const query = tableConfig({ name: 'query', dim: 4, storage: 'dynamic', rowBudget: 64 });
  const shop = tableConfig({ name: 'shop', vocabularySize: 1e6, dim: 4, storage: 'lazy' });
  return new TPUEmbedding({
    features: withDynamic ? { item: featureConfig({ table: item }), query: featureConfig({ table: query }), shop: featureConfig({ table: shop }) } : { item: featureConfig({ table: item }) },
    optimizer: new Adagrad({ learningRate: 0.2 }),
    topology: 'v4-8',
    seed: 5,
  });
}

/** A batch whose click is item % 2 (learnable from the item row alone). */
function batch(rng: Random, size: number): { item: Int32Array; query: BigInt64Array; shop: Int32Array; clicks: Float32Array } {
  const item = Int32Array.from({ length: size }, () => rng.int(40));
  const query = BigInt64Array.from(item, (x) => 10n ** 12n + BigInt(x % 7));
  const shop = Int32Array.from(item, (x) => x * 20_000 + 7);
  return { item, query, shop, clicks: Float32Array.from(item, (x) => x % 2) };
}

describe('ClickRankingModel', () => {
  before(async () => {
    await chooseBackend();
  });

  it('returns the mean sigmoid cross-entropy of the tower on the concatenated activations (computed by hand before the step)', () => {
    const emb = engine(false);
    const model = new ClickRankingModel({ embedding: emb, hiddenUnits: [6], seed: 2 });
    const { item, clicks } = batch(new Random(1), 16);
    // By hand: z = tower(lookup(item)); loss = mean(max(z, 0) − z·y + log(1 + e^−|z|)) (the stable form of −y log σ(z) − (1−y) log(1−σ(z))).
    const acts = emb.lookup({ item });
    const z = tf.tidy(() => model.tower.apply(acts.item as tf.Tensor2D).dataSync() as Float32Array);
    acts.item.dispose();
    let expected = 0;
    z.forEach((v, i) => (expected += Math.max(v, 0) - v * clicks[i] + Math.log1p(Math.exp(-Math.abs(v)))));
    expected /= z.length;
    const loss = model.trainStep({ item }, clicks);
    assert.ok(Math.abs(loss - expected) < 1e-5, `loss ${loss} vs by hand ${expected}`);
    model.dispose();
  });

  it('learns a click rule over a dense, a dynamic and a lazy feature: the loss falls from ≈ ln 2 to under a third of it, with no tensor leak', () => {
    const emb = engine(true);
    const model = new ClickRankingModel({ embedding: emb, hiddenUnits: [16], seed: 3 });
    const rng = new Random(7);
    const losses: number[] = [];
    let tensors = 0;
    for (let s = 0; s < 150; s++) {
      const b = batch(rng, 64);
      losses.push(model.trainStep({ item: b.item, query: b.query, shop: b.shop }, b.clicks));
      if (s === 0) tensors = tf.memory().numTensors; // after the dense Adagrad made its accumulators
    }
    assert.equal(tf.memory().numTensors, tensors, 'trainStep leaks no tensor');
    assert.ok(Math.abs(losses[0] - Math.LN2) < 0.15, `first loss ${losses[0]} ≈ ln 2 (an untrained logit is near 0)`);
    const last = losses.slice(-10).reduce((a, b) => a + b, 0) / 10;
    assert.ok(last < Math.LN2 / 3, `mean of the last 10 losses ${last} < ln 2 / 3`);
    assert.ok(emb.dynamicIdMap('query')!.size > 0, 'the dynamic feature got rows');
    assert.equal(emb.table('shop').rowsMaterialized, 40, 'the lazy table holds only the 40 shop rows the stream touched');
    model.dispose();
  });

  it('refuses labels that are not one 0/1 per sample with InputError bad_batch, changing no table and no dense weight', () => {
    const emb = engine(false);
    const model = new ClickRankingModel({ embedding: emb, seed: 4 });
    const { item, clicks } = batch(new Random(2), 16);
    model.trainStep({ item }, clicks);
    const tables = emb.exportTables().item.weights.slice();
    const dense = model.tower.variables.map((v) => v.dataSync().slice());
    assert.throws(() => model.trainStep({ item }, clicks.subarray(0, 15)), (e: unknown) => e instanceof InputError && e.kind === 'bad_batch' && /one value per sample \(16\), but got 15 values/.test(e.message));
    const twos = clicks.slice();
    twos[3] = 2;
    assert.throws(() => model.trainStep({ item }, twos), (e: unknown) => e instanceof InputError && e.kind === 'bad_batch' && /labels\[3\] is 2/.test(e.message));
    assert.deepEqual(emb.exportTables().item.weights, tables);
    model.tower.variables.forEach((v, i) => assert.deepEqual(v.dataSync(), dense[i]));
    model.dispose();
    assert.throws(() => model.trainStep({ item }, clicks), (e: unknown) => e instanceof InputError && e.kind === 'disposed');
  });

  it('refuses a sequence feature and a bad learning rate with ConfigError invalid_model_config naming the fix', () => {
    const table = tableConfig({ name: 'item', vocabularySize: 10, dim: 4 });
    const seq = new TPUEmbedding({ features: { hist: featureConfig({ table, maxSequenceLength: 3 }) }, optimizer: new Adagrad(), topology: 'v4-8' });
    assert.throws(() => new ClickRankingModel({ embedding: seq }), (e: unknown) => e instanceof ConfigError && e.kind === 'invalid_model_config' && /feature 'hist' has maxSequenceLength 3.*maxSequenceLength 0/.test(e.message));
    assert.throws(() => new ClickRankingModel({ embedding: engine(false), learningRate: 0 }), (e: unknown) => e instanceof ConfigError && e.kind === 'invalid_model_config' && /learningRate .* but got 0/.test(e.message));
  });
});

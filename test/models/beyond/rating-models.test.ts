// DLRM, DCN-v2 and the feature MLP: their predictions are μ + their documented forward pass (recomputed here from
// their weights with the hand-checked dotInteraction / crossLayer), padding for replicas changes nothing,
// the dense learning-rate schedule is applied, the rated-movies bags and the exponential decay.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../../src/backend';
import { ConfigError } from '../../../src/errors';
import { featureConfig, tableConfig } from '../../../src/embedding';
import { Adam, SGD } from '../../../src/optimizers';
import { DCNv2, DLRM, FeatureMLP, RatedMovies, crossLayer, dotInteraction, exponentialDecay, idFeatures } from '../../../src/models/beyond';


before(async () => {
  await chooseBackend();
});

const BATCH = { user_id: Int32Array.of(1, 2, 3, 4), movie_id: Int32Array.of(5, 6, 7, 5), age: Float32Array.of(20, 30, 40, 50), user_rating: Float32Array.of(4, 3, 5, 1) };
const rowsOf = (emb: { exportTables(): Record<string, { weights: Float32Array; dim: number }> }, table: string, ids: Int32Array): tf.Tensor2D => {
  const t = emb.exportTables()[table];
  return tf.tensor2d(Array.from(ids, (i) => Array.from(t.weights.subarray(i * t.dim, (i + 1) * t.dim))));
};
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4): void => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) < tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test('DLRM: μ + top(concat(bottom(dense), dotInteraction([bottom, user, movie])))', () => {
  const m = new DLRM({ embeddingDim: 4, bottomUnits: [3], topUnits: [5], userVocabularySize: 8, movieVocabularySize: 8, topology: 'v4-8', globalMean: 3.5, denseInputs: [{ column: 'age', offset: 30, scale: 0.1 }], seed: 2 });
  const got = m.predict(BATCH);
  const want = tf.tidy(() => {
    const z = m.bottom!.apply(tf.tensor2d(Array.from(BATCH.age, (a) => [(a - 30) * 0.1])));
    const x = tf.concat([z, dotInteraction([z, rowsOf(m.embedding, 'user', BATCH.user_id), rowsOf(m.embedding, 'movie', BATCH.movie_id)])], 1);
    return tf.add(tf.reshape(m.top.apply(x as tf.Tensor2D), [4]), 3.5).dataSync();
  });
  close(got, want);
  assert.equal(m.top.inputDim, 4 + 3, 'bottom output (4) + 3 pairs');
  assert.throws(() => new DLRM({ embeddingDim: 4, features: { ...idFeatures({ users: 8, movies: 8, dim: 4 }), genres: featureConfig({ table: tableConfig({ vocabularySize: 19, dim: 8, name: 'g' }) }) } }),
    (e: unknown) => e instanceof ConfigError && /embeddingDim = 4.*'genres' has dim 8/.test(e.message));
  m.dispose();
});

test('DCN-v2: μ + deep(cross(cross(x0))) with x0 = concat(user, movie); a batch of 3 on 4 replicas is padded, same values', () => {
  const m = new DCNv2({ embeddingDim: 3, crossLayers: 2, deepUnits: [4], userVocabularySize: 8, movieVocabularySize: 8, topology: 'v4-8', globalMean: 3, seed: 4 });
  const got = m.predict(BATCH);
  const want = tf.tidy(() => {
    const x0 = tf.concat([rowsOf(m.embedding, 'user', BATCH.user_id), rowsOf(m.embedding, 'movie', BATCH.movie_id)], 1) as tf.Tensor2D;
    let x = x0;
    for (const c of m.cross) x = crossLayer(x0, x, c.weights[0].variable as unknown as tf.Tensor2D, c.weights[1].variable as unknown as tf.Tensor1D);
    return tf.add(tf.reshape(m.deep.apply(x), [4]), 3).dataSync();
  });
  close(got, want);
  close(m.predict({ user_id: BATCH.user_id.slice(0, 3), movie_id: BATCH.movie_id.slice(0, 3) }), got.slice(0, 3), 1e-6);
  m.dispose();
});

test('feature MLP: a multivalent feature joins the concat; training lowers the loss', async () => {
  const genres = featureConfig({ table: tableConfig({ vocabularySize: 5, dim: 2, name: 'genres', combiner: 'mean' }) });
  const m = new FeatureMLP({ features: { ...idFeatures({ users: 8, movies: 8, dim: 4 }), genres }, hiddenUnits: [8], topology: 'cpu', placement: 'cpu', optimizer: new Adam({ learningRate: 0.05 }), seed: 1 });
  assert.equal(m.tower.inputDim, 4 + 4 + 2);
  const batch = { ...BATCH, genres: { values: Int32Array.of(0, 1, 2, 3, 4), rowSplits: Int32Array.of(0, 2, 3, 3, 5) } };
  const h = await m.fit([batch], { epochs: 30, verbose: 0 });
  assert.equal(m.globalMean, (4 + 3 + 5 + 1) / 4, 'μ is the mean training label');
  assert.ok(h.history.loss[29] < h.history.loss[0] / 4, `loss ${h.history.loss[0]} → ${h.history.loss[29]}`);
  m.dispose();
});

test('denseLearningRate as a schedule: set on the dense optimizer before every step (lr 0 leaves dense weights alone)', () => {
  const m = new FeatureMLP({ hiddenUnits: [4], userVocabularySize: 8, movieVocabularySize: 8, embeddingDim: 2, topology: 'cpu', placement: 'cpu', optimizer: new SGD({ learningRate: 0.1 }), denseOptimizer: tf.train.sgd(0.1), denseLearningRate: (step) => (step === 1 ? 0 : 0.1), globalMean: 3 });
  const dense0 = m.snapshotWeights().dense;
  m.trainStep(BATCH);
  const s1 = m.snapshotWeights();
  s1.dense.forEach((d, i) => assert.deepEqual(d, dense0[i], 'step 1 has lr 0'));
  m.trainStep(BATCH);
  assert.ok(m.snapshotWeights().dense.some((d, i) => d.some((v, j) => v !== s1.dense[i][j])), 'step 2 moves them');
  m.dispose();
});

test('RatedMovies: each example gets its user\'s training movies, each once, ascending', () => {
  const batches = [{ features: { user_id: Int32Array.of(1, 2, 1, 1), movie_id: Int32Array.of(9, 4, 3, 9) } }];
  const rated = RatedMovies.fromBatches(batches, 4);
  const bag = rated.bags(Int32Array.of(1, 3, 2));
  assert.deepEqual(Array.from(bag.values as Int32Array), [3, 9, 4]);
  assert.deepEqual(Array.from(bag.rowSplits as Int32Array), [0, 2, 2, 3]);
});

test('exponentialDecay: initial × rate^((step − 1)/decaySteps), staircase floors the exponent', () => {
  const f = exponentialDecay({ initialLearningRate: 2, decaySteps: 10, decayRate: 0.5 });
  close([f(1), f(11), f(6)], [2, 1, 2 * 0.5 ** 0.5], 1e-12);
  const g = exponentialDecay({ initialLearningRate: 2, decaySteps: 10, decayRate: 0.5, staircase: true });
  close([g(10), g(11), g(21)], [2, 1, 0.5], 1e-12);
  assert.throws(() => exponentialDecay({ initialLearningRate: 1, decaySteps: 0, decayRate: 0.5 }), (e: unknown) => e instanceof ConfigError && /decaySteps.*got 0/.test(e.message));
});

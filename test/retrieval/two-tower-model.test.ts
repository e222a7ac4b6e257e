import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chooseBackend } from '../../src/backend';
import { ConfigError, InputError } from '../../src/errors';
import { Random } from '../../src/random';
import { SIDE_FEATURE_VOCABULARY, type MovieLensSideFeatures } from '../../src/data';
import { progressCallback } from '../../src/models';
import { Recommender, TwoTowerModel, twoTowerConfig, type RetrievalBatch, type RetrievalEpochLogs, type RetrievalSideFeatures } from '../../src/retrieval';

const dir = mkdtempSync(path.join(tmpdir(), 'two-tower-test-'));
const USERS = 40;
const MOVIES = 60;

/** Users fall in 5 taste groups; group g only watches movies 12g+1 … 12g+12. */
function batches(n: number, size: number, seed: number): RetrievalBatch[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => {
    const user_id = Int32Array.from({ length: size }, () => 1 + rng.int(USERS - 1));
    const movie_id = Int32Array.from(user_id, (u) => 12 * (u % 5) + 1 + rng.int(12));
    return { user_id, movie_id };
  });
}

const side: RetrievalSideFeatures = {
  user_gender: Int32Array.from({ length: USERS }, (_, u) => u % 2),
  bucketized_user_age: Int32Array.from({ length: USERS }, (_, u) => u % 7),
  user_occupation_label: Int32Array.from({ length: USERS }, (_, u) => u % 5),
  movie_genres: { values: Int32Array.from({ length: MOVIES }, (_, m) => Math.floor(m / 12)), rowSplits: Int32Array.from({ length: MOVIES + 1 }, (_, i) => i) },
  vocabulary: SIDE_FEATURE_VOCABULARY,
};

// Compile-time check (npm run typecheck): what data/'s retrievalSideFeatures builds is what the model reads.
export const sideFeaturesFromData = (s: MovieLensSideFeatures): RetrievalSideFeatures => s;

describe('TwoTowerModel', () => {
  before(async () => {
    await chooseBackend();
  });

  it('validates its config with messages naming the field', () => {
    assert.throws(() => twoTowerConfig({ embeddingDim: 0 }), (e: unknown) => e instanceof ConfigError && /embeddingDim to be a positive integer, but got 0/.test(e.message));
    assert.throws(() => twoTowerConfig({ candidateGenres: true }), /expected sideFeatures/);
    const noVocabulary = { ...side, vocabulary: { ...side.vocabulary, user_gender: 0 } };
    assert.throws(
      () => twoTowerConfig({ queryFeatures: ['user_gender'], sideFeatures: noVocabulary }),
      (e: unknown) => e instanceof ConfigError && /sideFeatures\.vocabulary\.user_gender .* positive integer, but got 0/.test(e.message),
    );
    assert.throws(() => twoTowerConfig({ queryFeatures: ['zip' as never], sideFeatures: side }), /queryFeatures to be distinct names from user_gender/);
    assert.throws(() => twoTowerConfig({ queryUnits: [16, 8], embeddingDim: 32 }), /last of queryUnits to be embeddingDim \(32\)/);
    assert.throws(() => twoTowerConfig({ movieVocabularySize: 10, candidateIds: [3, 12] }), /candidateIds to be integer ids in \[0, 10\).*got 12 at 1/);
    assert.throws(() => twoTowerConfig({ temperature: -1 }), /temperature to be a positive finite number/);
    const c = twoTowerConfig({ queryFeatures: ['user_gender'], sideFeatures: side });
    assert.deepEqual(c.queryUnits, [32]);
    assert.deepEqual(c.candidateUnits, []);
    assert.ok(Object.isFrozen(c));
  });

  it('learns the taste groups (loss falls, top-12 accuracy far above chance) with side features and dense towers', async () => {
    const model = new TwoTowerModel({
      topology: 'v4-8',
      userVocabularySize: USERS,
      movieVocabularySize: MOVIES + 1,
      embeddingDim: 8,
      sideDim: 4,
      queryFeatures: ['user_gender', 'bucketized_user_age'],
      candidateGenres: true,
      sideFeatures: side,
      candidateIds: Int32Array.from({ length: MOVIES }, (_, i) => i + 1),
      seed: 3,
    });
    const train = batches(12, 64, 1);
    const test = batches(2, 64, 2);
    const tensors = tf.memory().numTensors;
    const history = await model.fit(train, { epochs: 4, validationData: test, ks: [1, 12], verbose: false });
    // The only new tensors: the dense Adagrad's accumulators, one per dense variable (2 towers × kernel and bias).
    assert.equal(tf.memory().numTensors, tensors + 4, 'no tensor leaks across fit/evaluate');
    assert.equal(history.length, 4);
    assert.equal(model.step, 48);
    assert.ok(history[3].loss < history[0].loss, `loss ${history[0].loss} → ${history[3].loss}`);
    // Chance of top-12 of 60 is 0.2; the groups are perfectly separable by user and genre.
    assert.ok(history[3].topK![12] > 0.6, `top-12 ${history[3].topK![12]}`);
    // logQ probabilities: p(m) = count(m) / examples over the training batches (12 × 64 = 768), at least 1 / 768
    // for a movie never drawn (id 0: movies are 1–60).
    const count13 = train.reduce((n, b) => n + (b.movie_id as Int32Array).filter((m) => m === 13).length, 0);
    assert.ok(count13 > 0);
    assert.equal(model.candidateProbability![13], count13 / 768);
    assert.equal(model.candidateProbability![0], 1 / 768);
    const q = model.queryEmbeddings([1, 2]);
    assert.equal(q.length, 16);
    assert.equal(model.candidateEmbeddings().length, MOVIES * 8);
    model.dispose();
    assert.throws(() => model.queryEmbeddings([1]), /disposed/);
  });

  it('exports a query model and a recommender that round-trips through save/load', async () => {
    const model = new TwoTowerModel({ topology: 'cpu', userVocabularySize: USERS, movieVocabularySize: MOVIES + 1, embeddingDim: 8, candidateIds: Int32Array.from({ length: MOVIES }, (_, i) => i + 1) });
    await model.fit(batches(10, 64, 4), { epochs: 3, verbose: false });
    const queryModel = model.exportQueryModel();
    // The folded query model gives the tower's embeddings.
    const y = queryModel.predict(tf.tensor2d([[7]], [1, 1], 'int32')) as tf.Tensor;
    Array.from(y.dataSync()).forEach((v, k) => assert.ok(Math.abs(v - model.queryEmbeddings([7])[k]) < 1e-6));
    y.dispose();
    queryModel.dispose();
    assert.throws(() => model.buildIndex('flat' as never), (e: unknown) => e instanceof ConfigError && e.kind === 'invalid_option' && /buildIndex: expected kind to be 'exact' or 'hnsw', but got "flat"/.test(e.message));
    for (const kind of ['exact', 'hnsw'] as const) {
      const rec = model.recommender(kind);
      const r = rec.recommend(7, 5);
      assert.equal(r.movieIds.length, 5);
      assert.ok(r.scores.every((s, i) => i === 0 || s <= r.scores[i - 1] + 1e-6));
      // User 7 is in group 2 (movies 25–36): the top movies come from it.
      assert.ok(r.movieIds.filter((m) => m >= 25 && m <= 36).length >= 4, `recommended ${r.movieIds}`);
      const ex = rec.recommend(7, 5, { exclude: r.movieIds.slice(0, 2) });
      assert.deepEqual(ex.movieIds.slice(0, 3), r.movieIds.slice(2, 5));
      const d = path.join(dir, kind);
      await rec.save(d);
      const loaded = await Recommender.load(d);
      assert.equal(loaded.index.kind, kind);
      assert.deepEqual(loaded.recommend(7, 5).movieIds, r.movieIds);
      assert.throws(() => loaded.recommend(USERS, 5), /user id to be an integer in \[0, 40\), but got 40/);
      assert.throws(() => loaded.recommend(3, 0), /k to be a positive integer, but got 0/);
      rec.dispose();
      loaded.dispose();
    }
    model.dispose();
  });

  it('fits on the training core: stepsPerEpoch across epochs, callbacks with the History, progress lines with its metrics', async () => {
    const model = new TwoTowerModel({ topology: 'v4-8', userVocabularySize: USERS, movieVocabularySize: MOVIES + 1, embeddingDim: 8, candidateIds: Int32Array.from({ length: MOVIES }, (_, i) => i + 1) });
    const steps: number[] = [];
    const lines: string[] = [];
    const seen: number[] = [];
    const data = batches(5, 16, 6);
    const logs = await model.fit(data, {
      epochs: 2,
      stepsPerEpoch: 3,
      validationData: batches(1, 16, 7),
      ks: [1, 5],
      verbose: 0,
      callbacks: [{ onStepEnd: (step) => void steps.push(step) }, progressCallback<RetrievalEpochLogs>('lines', { write: (l) => lines.push(l) })],
      onEpochEnd: (l) => void seen.push(l.epoch),
    });
    // 3 steps per epoch from one iterator over 5 batches: epoch 2 takes batches 4, 5 and (restarted) 1.
    assert.deepEqual(steps, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(seen, [0, 1]);
    assert.equal(logs.length, 2);
    assert.equal(logs[1].lastStep, 6);
    assert.equal(logs[1].examples, 48);
    assert.ok(Math.abs(logs[1].lossPerExample - logs[1].loss / 16) < 1e-9, 'each step has 16 examples');
    assert.equal(lines.length, 2);
    assert.match(lines[1], /^Epoch 2\/2 · 3 steps · loss \d+\.\d{4} · lossPerExample \d+\.\d{4} · topK\[1\] \d\.\d{4} · topK\[5\] \d\.\d{4} · [\d,]+ ex\/s$/);
    await assert.rejects(model.fit(data, { epochs: 0, verbose: false }), (e: unknown) => e instanceof ConfigError && /TwoTowerModel.fit: expected epochs to be a positive integer, but got 0/.test(e.message));
    await assert.rejects(model.fit([], { verbose: false }), (e: unknown) => e instanceof InputError && e.kind === 'empty_dataset');
    model.dispose();
  });

  it('a rejected step (non-finite gradients) changes neither tower: no table, dense weight or optimizer slot', async () => {
    // temperature 1e-300 is a valid option, but 1/temperature overflows float32: the score gradients become ±Inf/NaN.
    const model = new TwoTowerModel({
      topology: 'v4-8',
      userVocabularySize: USERS,
      movieVocabularySize: MOVIES + 1,
      embeddingDim: 8,
      queryUnits: [8],
      candidateUnits: [8],
      temperature: 1e-300,
      samplingCorrection: false,
      candidateIds: Int32Array.from({ length: MOVIES }, (_, i) => i + 1),
    });
    const snapshot = (): { dense: number[][]; tables: Record<string, unknown> } => ({
      dense: [...model.queryTower!.variables, ...model.candidateTower!.variables].map((v) => Array.from(v.dataSync())),
      tables: { ...model.queryEmbedding.exportTables(), ...model.candidateEmbedding.exportTables() },
    });
    const before = snapshot();
    const tensors = tf.memory().numTensors;
    assert.throws(() => model.trainStep(batches(1, 16, 5)[0]), (e: unknown) => e instanceof InputError && e.kind === 'non_finite_gradient');
    const after = snapshot();
    assert.ok(after.dense.flat().every(Number.isFinite), 'no NaN in the dense towers');
    assert.deepEqual(after.dense, before.dense);
    assert.deepEqual(after.tables, before.tables);
    assert.equal(model.step, 0);
    assert.equal(model.queryEmbedding.step, 0);
    assert.equal(model.candidateEmbedding.step, 0);
    assert.equal(tf.memory().numTensors, tensors, 'the failed step frees its tensors');
    model.dispose();
  });

  after(() => rmSync(dir, { recursive: true, force: true }));
});

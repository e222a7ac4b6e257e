// The retrieval bench's model selection (bench/retrieval.ts, issue 16 item 4): the history towers' setting is
// chosen on a validation split carved from the tutorial split's training ratings only, and scored on it only.
// Reads the real MovieLens 100K from ../shared/data (the data policy); a small slice keeps the training short.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HISTORY_TOWER_SETTINGS, VALIDATION_FRACTION, historyTowerOptions, selectRetrievalSetting } from '../../bench/retrieval';
import { chooseBackend } from '../../src/backend';
import { findMovieLensDir, loadMovieLensSync, tutorialSplit, type Dataset, type MovieLensData } from '../../src/data';
import { validationSplit } from '../../src/models/beyond/validation-split';
import { SeenItems, TwoTowerModel, evaluateRetrieval } from '../../src/retrieval';

const dir = findMovieLensDir('ml-100k', 'u.data').dir;
if (!dir) throw new Error('ml-100k not found in ../shared/data or $MOVIELENS_DIR (see ../shared/data/README.md)');

const rowsOf = (ds: Dataset<'user_id' | 'movie_id'>): number[] => Array.from(ds.rows());
const pairsOf = (data: MovieLensData, rows: number[]): string[] => {
  const users = data.column('user_id') as ArrayLike<number>;
  const movies = data.column('movie_id') as ArrayLike<number>;
  return rows.map((r) => `${users[r]}:${movies[r]}`);
};

describe('bench retrieval: validation split', () => {
  it('holds 10 % of the training ratings, none of the test split, none duplicating a fit-on rating', () => {
    const data = loadMovieLensSync('100k-ratings', { dir });
    const { train, test } = tutorialSplit(data, { seed: 42, features: ['user_id', 'movie_id'] });
    const { train: fitOn, validation } = validationSplit(train, { fraction: VALIDATION_FRACTION, seed: 42 });
    assert.equal(VALIDATION_FRACTION, 0.1);
    // 10 % of 80,000 = 8,000 for validation, 72,000 to fit on.
    assert.equal(validation.length, 8_000);
    assert.equal(fitOn.length, 72_000);
    const v = rowsOf(validation);
    const f = rowsOf(fitOn);
    const testRows = new Set(rowsOf(test));
    const trainRows = new Set(rowsOf(train));
    assert.equal(v.filter((r) => testRows.has(r)).length, 0, 'no test rating in validation');
    assert.ok(v.every((r) => trainRows.has(r)), 'validation comes from the training split');
    assert.equal(new Set([...v, ...f]).size, 80_000, 'fit-on and validation are disjoint and together the training split');
    // Same rating by content: no (user, movie) pair of validation is also a fit-on or a test pair.
    const fitPairs = new Set(pairsOf(data, f));
    const testPairs = new Set(pairsOf(data, [...testRows]));
    const vPairs = pairsOf(data, v);
    assert.equal(vPairs.filter((p) => fitPairs.has(p)).length, 0);
    assert.equal(vPairs.filter((p) => testPairs.has(p)).length, 0);
  });
});

describe('bench retrieval: selectRetrievalSetting', () => {
  before(async () => {
    await chooseBackend();
  });

  it('scores every (setting, epochs) on validation with the fit-on movies as seen items, and picks the best', async () => {
    const data = loadMovieLensSync('100k-ratings', { dir });
    // A 3,000-rating slice of the training split keeps this test short; the procedure is the bench's.
    const { train } = tutorialSplit(data, { seed: 42, features: ['user_id', 'movie_id'] });
    const { train: fitOn, validation } = validationSplit(train.take(3_000), { fraction: VALIDATION_FRACTION, seed: 42 });
    const settings = HISTORY_TOWER_SETTINGS.slice(0, 2);
    const sel = await selectRetrievalSetting(data, fitOn, validation, { settings, epochs: [2, 1], batchSize: 256 });
    assert.deepEqual(
      sel.scores.map((s) => [s.setting, s.epochs]),
      settings.flatMap((s) => [[s.name, 1], [s.name, 2]]),
    );
    const best = Math.max(...sel.scores.map((s) => s.validationTop100));
    assert.equal(sel.chosen.validationTop100, best);
    assert.equal(sel.chosen, sel.scores.find((s) => s.validationTop100 === best), 'the first best on ties');
    // Recompute each setting's 2-epoch point independently: the same model on fitOn, scored on validation.
    const seen = SeenItems.fromDataset(fitOn.batch(4096));
    for (const setting of settings) {
      const model = new TwoTowerModel({ userVocabularySize: 944, movieVocabularySize: 1683, candidateIds: data.movies.movie_id, ...setting.options(data, fitOn.batch(4096)) });
      await model.fit(fitOn.batch(256), { epochs: 2, verbose: false });
      const got = sel.scores.find((s) => s.setting === setting.name && s.epochs === 2)!;
      assert.equal(got.validationTop100, evaluateRetrieval(model, validation.batch(4096)).topK[100]);
      assert.equal(got.validationTop100SeenExcluded, evaluateRetrieval(model, validation.batch(4096), { exclude: seen }).topK[100]);
      model.dispose();
    }
  });
});

describe('bench retrieval: historyTowerOptions', () => {
  it('is the grid setting chosen on validation (+ history negatives), without the data-bound side features', () => {
    const data = loadMovieLensSync('100k-ratings', { dir });
    const { train } = tutorialSplit(data, { seed: 42, features: ['user_id', 'movie_id'] });
    const { optimizer: o1, sideFeatures, ...grid } = HISTORY_TOWER_SETTINGS.find((s) => s.name === '+ history negatives')!.options(data, train.batch(4096));
    const { optimizer: o2, ...chosen } = historyTowerOptions();
    assert.ok(sideFeatures);
    assert.deepEqual(chosen, grid);
    assert.deepEqual(o2!.getConfig(), o1!.getConfig());
  });
});

// The validation split is carved from the training split only: on a synthetic 100k folder whose row i has
// timestamp 1000 + i, no validation row is a test row, and train' ∪ validation = train.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseBackend } from '../../../src/backend';
import { loadMovieLensSync, tutorialSplit, type MovieLensData } from '../../../src/data';
import { ConfigError } from '../../../src/errors';
import { validationSplit } from '../../../src/models/beyond';
import { ML_100K, tempDir, writeFolder } from '../../data/synthetic';

const N = 60;
let data: MovieLensData;

before(async () => {
  await chooseBackend();
  const lines = Array.from({ length: N }, (_, i) => `${(i % 3) + 1}\t${[1, 543, 267][i % 3]}\t${(i % 5) + 1}\t${1000 + i}`);
  data = loadMovieLensSync('100k-ratings', { dir: writeFolder(tempDir(), 'ml-100k', { ...ML_100K, 'u.data': lines.join('\n') + '\n' }, 'latin1') });
});

const rows = (ds: { length: number; rowAt(k: number): number }): number[] => Array.from({ length: ds.length }, (_, k) => ds.rowAt(k));

test('validation rows come from the training rows only, never from the test rows', () => {
  for (const seed of [1, 2, 3]) {
    const { train, test: testSet } = tutorialSplit(data, { seed, trainSize: 48, testSize: 12 });
    const { train: fitOn, validation } = validationSplit(train, { fraction: 0.25, seed: seed + 10 });
    const testRows = new Set(rows(testSet));
    const trainRows = rows(train);
    assert.equal(validation.length, 12);
    assert.equal(fitOn.length, 36);
    for (const r of rows(validation)) assert.ok(!testRows.has(r), `validation row ${r} is a test row`);
    assert.deepEqual([...rows(fitOn), ...rows(validation)].sort((a, b) => a - b), [...trainRows].sort((a, b) => a - b));
    // The batches carry the same rows (timestamps 1000 + row).
    const ts = [...validation.batch(5)].flatMap((b) => Array.from(b.features.timestamp, (t) => t - 1000));
    assert.deepEqual(ts, rows(validation));
  }
});

test('the same seed gives the same split; another seed another one', () => {
  const { train } = tutorialSplit(data, { seed: 1, trainSize: 48, testSize: 12 });
  assert.deepEqual(rows(validationSplit(train, { seed: 4 }).validation), rows(validationSplit(train, { seed: 4 }).validation));
  assert.notDeepEqual(rows(validationSplit(train, { seed: 4 }).validation), rows(validationSplit(train, { seed: 5 }).validation));
});

test('a fraction outside (0, 1) or one that empties a part is refused', () => {
  const { train } = tutorialSplit(data, { seed: 1, trainSize: 48, testSize: 12 });
  assert.throws(() => validationSplit(train, { fraction: 1 }), (e: unknown) => e instanceof ConfigError && e.kind === 'invalid_split' && /fraction.*\(0, 1\).*got 1/.test(e.message));
  assert.throws(() => validationSplit(train, { fraction: 0.001 }), (e: unknown) => e instanceof ConfigError && /48 training examples.*gives 0/.test(e.message));
});

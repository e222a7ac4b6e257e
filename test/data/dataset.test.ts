// Dataset semantics (shuffle/take/skip/repeat/batch), the tutorial split, and tensor conversion, on a synthetic
// 100k folder with 23 ratings whose row i has user_rating = i % 5 + 1 and timestamp = 1000 + i (so every value
// reveals which row it came from).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { Dataset, loadMovieLensSync, toTensors, tutorialSplit, type MovieLensData } from '../../src/data';
import { ConfigError, InputError } from '../../src/errors';
import { ML_100K, tempDir, writeFolder } from './synthetic';

const N = 23;
const movies = [1, 543, 267];
const lines = Array.from({ length: N }, (_, i) => `${(i % 3) + 1}\t${movies[i % 3]}\t${(i % 5) + 1}\t${1000 + i}`);
let data: MovieLensData;

before(async () => {
  await chooseBackend();
  const dir = writeFolder(tempDir(), 'ml-100k', { ...ML_100K, 'u.data': lines.join('\n') + '\n' }, 'latin1');
  data = loadMovieLensSync('100k-ratings', { dir });
});

const ts = (a: ArrayLike<number>): number[] => Array.from(a, (t) => t - 1000); // timestamp → row

test('from(): numeric features by default; batches of the identity order are zero-copy views', () => {
  const ds = Dataset.from(data);
  assert.deepEqual(ds.features, ['movie_id', 'user_id', 'user_rating', 'timestamp', 'user_gender', 'bucketized_user_age', 'user_occupation_label', 'raw_user_age']);
  const b = ds.batch(10).at(1);
  assert.equal(b.size, 10);
  assert.deepEqual(Array.from(b.rows), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  assert.deepEqual(ts(b.features.timestamp), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  assert.equal(b.features.user_id.buffer, data.column('user_id').buffer, 'a view, not a copy');
  // Joined features are gathered: row 10 is user (10 % 3) + 1 = 2, who is 17 → raw age 17, bucket 1.
  assert.equal(b.features.raw_user_age[0], 17);
  assert.equal(b.features.bucketized_user_age[0], 1);
});

test('batch(): ceil(23/10) = 3 batches (10, 10, 3), or 2 with dropRemainder', () => {
  const ds = Dataset.from(data);
  assert.deepEqual([...ds.batch(10)].map((b) => b.size), [10, 10, 3]);
  assert.deepEqual([...ds.batch(10, { dropRemainder: true })].map((b) => b.size), [10, 10]);
  assert.throws(() => ds.batch(0), (e: unknown) => e instanceof ConfigError && /Dataset.batch: expected batchSize to be a positive integer, but got 0/.test(e.message));
});

test('shuffle(seed): a permutation, reproducible from the seed, different for another seed', () => {
  const a = Dataset.from(data).shuffle(42).rows();
  const b = Dataset.from(data).shuffle(42).rows();
  const c = Dataset.from(data).shuffle(7).rows();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(Array.from(a).sort((x, y) => x - y), Array.from({ length: N }, (_, i) => i));
  // Batches gather through the permutation: the timestamps name the rows.
  const first = Dataset.from(data).shuffle(42).batch(5).at(0);
  assert.deepEqual(ts(first.features.timestamp), Array.from(a.subarray(0, 5)));
  assert.deepEqual(Array.from(first.features.user_rating), Array.from(a.subarray(0, 5), (r) => (r % 5) + 1));
});

test('take/skip: windows of the sequence; skip past the end is empty', () => {
  const ds = Dataset.from(data).shuffle(1);
  const all = ds.rows();
  assert.deepEqual(ds.take(4).rows(), all.subarray(0, 4));
  assert.deepEqual(ds.skip(20).rows(), all.subarray(20));
  assert.deepEqual(ds.skip(3).take(2).rows(), all.subarray(3, 5));
  assert.equal(ds.skip(99).length, 0);
  assert.throws(() => ds.take(-1), /Dataset.take: expected n to be a non-negative integer, but got -1/);
});

test('repeat before batch: batches run across the pass boundary (23 × 2 = 46 → 5 batches of 10 then 6)', () => {
  const batches = Dataset.from(data).repeat(2).batch(10);
  assert.deepEqual([...batches].map((b) => b.size), [10, 10, 10, 10, 6]);
  // Batch 2 holds positions 20..29 = rows 20, 21, 22, 0, 1, ..., 6.
  assert.deepEqual(ts(batches.at(2).features.timestamp), [20, 21, 22, 0, 1, 2, 3, 4, 5, 6]);
  const forever = Dataset.from(data).repeat();
  assert.equal(forever.length, Infinity);
  assert.equal(forever.batch(10).at(7).features.timestamp[0] - 1000, 70 % N);
  assert.throws(() => forever.shuffle(1), /expected a finite dataset, but it repeats forever/);
});

test('batch then repeat: the same batches each pass; take/skip count batches', () => {
  const batches = Dataset.from(data).batch(10).repeat(2);
  assert.deepEqual([...batches].map((b) => b.size), [10, 10, 3, 10, 10, 3]);
  assert.deepEqual(ts(batches.at(3).rows), ts(batches.at(0).rows));
  const mid = Dataset.from(data).batch(10).skip(1).take(1).repeat(3);
  assert.deepEqual([...mid].map((b) => Array.from(b.rows)[0]), [10, 10, 10]);
});

test('tutorialSplit: shuffle(seed) then take/skip; sizes checked against the data', () => {
  const { train, test: testSet } = tutorialSplit(data, { seed: 42, trainSize: 18, testSize: 5 });
  const order = Dataset.from(data).shuffle(42).rows();
  assert.deepEqual(train.rows(), order.subarray(0, 18));
  assert.deepEqual(testSet.rows(), order.subarray(18, 23));
  assert.throws(() => tutorialSplit(data), (e: unknown) =>
    e instanceof ConfigError && /tutorialSplit: expected at least trainSize \+ testSize = 100000 examples, but 100k-ratings has 23/.test(e.message));
});

test('text and genre features on request; unknown features rejected', () => {
  const ds = Dataset.from(data, { features: ['movie_title', 'movie_genres', 'user_zip_code'] });
  const b = ds.batch(3).at(0);
  assert.deepEqual(b.features.movie_title, ['Toy Story (1995)', 'Misérables, Les (1995)', 'unknown']);
  assert.deepEqual(b.features.user_zip_code, ['85711', 'T8H1N', '00000']);
  // Toy Story: 3 genres, Misérables: 1, unknown: 1 → splits [0, 3, 4, 5].
  assert.deepEqual(Array.from(b.features.movie_genres.rowSplits), [0, 3, 4, 5]);
  assert.throws(
    () => Dataset.from(data, { features: ['bogus' as 'user_id'] }),
    (e: unknown) => e instanceof ConfigError && e.kind === 'unknown_dataset_feature' && /Dataset.from: expected a feature of 100k-ratings/.test(e.message),
  );
});

test('positions outside [0, length) are InputError index_out_of_range; builder counts are ConfigErrors', () => {
  const outside = (api: string, name: string, value: number, length: number) => (e: unknown) =>
    e instanceof InputError && e.kind === 'index_out_of_range' && e.message === `${api}: expected ${name} to be an integer in [0, ${length}), but got ${value}.`;
  const ds = Dataset.from(data);
  assert.throws(() => ds.rowAt(23), outside('Dataset.rowAt', 'k', 23, 23));
  assert.throws(() => ds.rowAt(-1), outside('Dataset.rowAt', 'k', -1, 23));
  assert.throws(() => ds.batch(10).at(3), outside('BatchedDataset.at', 'i', 3, 3));
  assert.throws(() => ds.batch(10).at(0.5), outside('BatchedDataset.at', 'i', 0.5, 3));
  assert.throws(() => data.row(23), outside('MovieLensData.row', 'i', 23, 23));
  const config = (kind: string, re: RegExp) => (e: unknown) => e instanceof ConfigError && e.kind === kind && re.test(e.message);
  assert.throws(() => ds.batch(0), config('invalid_batch_size', /^Dataset\.batch: expected batchSize to be a positive integer, but got 0\.$/));
  assert.throws(() => ds.take(-1), config('invalid_count', /^Dataset\.take: expected n to be a non-negative integer, but got -1\.$/));
  assert.throws(() => ds.batch(5).repeat(1.5), config('invalid_count', /^BatchedDataset\.repeat: expected n to be a non-negative integer, but got 1\.5\.$/));
  assert.throws(() => tutorialSplit(data, { trainSize: -1, testSize: 5 }), config('invalid_split', /^tutorialSplit: expected trainSize to be a non-negative integer, but got -1\.$/));
});

test('toTensors: int32 ids, float32 ratings, shape [B]; no tensor leaks; ragged rejected', () => {
  const before = tf.memory().numTensors;
  const b = Dataset.from(data).shuffle(3).batch(8).at(0);
  const t = toTensors(b, ['user_id', 'movie_id', 'user_rating', 'user_gender', 'timestamp']);
  assert.equal(t.user_id.dtype, 'int32');
  assert.equal(t.movie_id.dtype, 'int32');
  assert.equal(t.user_rating.dtype, 'float32');
  assert.equal(t.user_gender.dtype, 'int32');
  assert.equal(t.timestamp.dtype, 'float32');
  assert.deepEqual(t.user_id.shape, [8]);
  assert.deepEqual(Array.from(t.user_rating.dataSync()), Array.from(b.features.user_rating));
  assert.deepEqual(Array.from(t.movie_id.dataSync()), Array.from(b.features.movie_id));
  assert.equal(tf.memory().numTensors, before + 5);
  for (const x of Object.values(t)) x.dispose();
  assert.equal(tf.memory().numTensors, before);
  const g = Dataset.from(data, { features: ['movie_genres', 'user_id'] }).batch(4).at(0);
  assert.throws(() => toTensors(g, ['movie_genres']), (e: unknown) => e instanceof InputError && e.kind === 'ragged_feature');
  assert.throws(() => toTensors(g, ['user_rating' as 'user_id']), /toTensors: expected the batch to carry user_rating, but it has movie_genres, user_id/);
  assert.equal(tf.memory().numTensors, before);
});

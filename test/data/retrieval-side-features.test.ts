import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { loadMovieLensSync } from '../../src/data';
import { MOVIE_GENRES, OCCUPATION_LABELS } from '../../src/data/labels';
import { InputError } from '../../src/errors';
import { SIDE_FEATURE_VOCABULARY, retrievalSideFeatures } from '../../src/data';
import { genresOf } from '../../src/retrieval/retrieval-side-features';
import { csvFiles, ML_100K, tempDir, writeFolder } from './synthetic';

const G = (name: string): number => MOVIE_GENRES.indexOf(name as (typeof MOVIE_GENRES)[number]);
const O = (name: string): number => OCCUPATION_LABELS.indexOf(name as (typeof OCCUPATION_LABELS)[number]);

test('retrievalSideFeatures: demographics and genres indexed by id, absent ids 0 / no genres', () => {
  const dir = tempDir();
  writeFolder(dir, 'ml-100k', ML_100K, 'latin1');
  const side = retrievalSideFeatures(loadMovieLensSync('100k-ratings', { dir }));
  // u.user: 1|24|M|technician, 2|17|F|none, 3|56|M|salesman; arrays sized max id + 1 = 4 (id 0 absent).
  assert.deepEqual([...side.user_gender], [0, 1, 0, 1]);
  // Age buckets [1, 18, 25, 35, 45, 50, 56]: 24 → 18 (index 1), 17 → 1 (index 0), 56 → 56 (index 6).
  assert.deepEqual([...side.bucketized_user_age], [0, 1, 0, 6]);
  assert.deepEqual([...side.user_occupation_label], [0, O('technician/engineer'), O('other/not specified'), O('sales/marketing')]);
  // Movies 1 (Animation, Children, Comedy), 267 (unknown), 543 (Drama); every other id up to 543 has none.
  const { values, rowSplits } = side.movie_genres;
  assert.equal(rowSplits.length, 545);
  const genres = (m: number) => [...values.subarray(rowSplits[m], rowSplits[m + 1])];
  assert.deepEqual(genres(1), [G('Animation'), G('Children'), G('Comedy')]);
  assert.deepEqual(genres(267), [G('Unknown')]);
  assert.deepEqual(genres(543), [G('Drama')]);
  assert.deepEqual(genres(2), []);
  assert.equal(values.length, 5);
  assert.ok(values.every((g) => g >= 0 && g < SIDE_FEATURE_VOCABULARY.movie_genres));
  // genresOf gathers rows by movie id; an unknown id gets none.
  assert.deepEqual(genresOf(side, [543, 9999, 1]), { values: Int32Array.from([G('Drama'), G('Animation'), G('Children'), G('Comedy')]), rowSplits: Int32Array.from([0, 1, 1, 4]) });
});

test('retrievalSideFeatures: a config without users throws InputError no_users naming the config', () => {
  const dir = tempDir();
  writeFolder(dir, 'ml-latest-small', csvFiles('\n'));
  const data = loadMovieLensSync('latest-small-ratings', { dir });
  assert.throws(() => retrievalSideFeatures(data), (e: unknown) => e instanceof InputError && e.kind === 'no_users' && /retrievalSideFeatures: .*latest-small-ratings has none/.test(e.message));
});

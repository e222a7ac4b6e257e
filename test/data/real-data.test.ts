// Real MovieLens data from ../shared/data (never committed). The expected counts are GroupLens's published
// figures (ml-100k README: 100,000 ratings by 943 users on 1,682 movies; ml-latest-small README: 100,836
// ratings by 610 users on 9,742 movies).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { canonicalSplit, loadMovieLens, loadMovieLensSync, tutorialSplit, MOVIE_GENRES, OCCUPATION_LABELS } from '../../src/data';

const SHARED = process.env.MOVIELENS_DIR ?? resolve(__dirname, '../../../shared/data');

test('ml-100k: 100,000 ratings, 943 users, 1,682 movies; id 543 is "Misérables, Les (1995)" (latin-1)', async () => {
  const data = await loadMovieLens('100k-ratings', { dir: SHARED });
  assert.equal(data.length, 100_000);
  assert.equal(data.numUsers, 943);
  assert.equal(data.numMovies, 1_682);
  assert.equal(new Set(data.column('user_id')).size, 943);
  assert.equal(new Set(data.column('movie_id')).size, 1_682);
  assert.equal(data.movies.movie_title[data.movies.index.rowOf(543)], 'Misérables, Les (1995)');
  // First line of u.data: "196	242	3	881250949"; u.user line 196: "196|49|M|writer|55105"; movie 242 is Kolya (Comedy).
  assert.deepEqual(data.row(0), {
    movie_id: 242,
    movie_title: 'Kolya (1996)',
    movie_genres: [MOVIE_GENRES.indexOf('Comedy')],
    user_id: 196,
    user_rating: 3,
    timestamp: 881250949,
    user_gender: true,
    bucketized_user_age: 45, // 49 → largest threshold not above it
    user_occupation_label: OCCUPATION_LABELS.indexOf('writer'),
    user_occupation_text: 'writer',
    user_zip_code: '55105',
    raw_user_age: 49,
  });
});

test('ml-100k movies: 1,682 movies; movie 267 is "unknown" with the Unknown genre (17)', () => {
  const movies = loadMovieLensSync('100k-movies', { dir: SHARED });
  assert.equal(movies.length, 1_682);
  const r = movies.movies.index.rowOf(267);
  assert.deepEqual(movies.row(r), { movie_id: 267, movie_title: 'unknown', movie_genres: [17] });
});

test('ml-latest-small: 100,836 ratings over 610 users and 9,742 movies (UTF-8, CRLF, quoted titles)', async () => {
  const data = await loadMovieLens('latest-small-ratings', { dir: SHARED });
  assert.equal(data.length, 100_836);
  assert.equal(data.numUsers, 610);
  assert.equal(data.numMovies, 9_742);
  const movies = data.movies;
  // movies.csv: 11,"American President, The (1995)",Comedy|Drama|Romance
  assert.equal(movies.movie_title[movies.index.rowOf(11)], 'American President, The (1995)');
  // UTF-8: 29,"City of Lost Children, The (Cité des enfants perdus, La) (1995)",...
  assert.equal(movies.movie_title[movies.index.rowOf(29)], 'City of Lost Children, The (Cité des enfants perdus, La) (1995)');
  // ratings.csv line 2: 1,1,4.0,964982703 (the CR is not part of the timestamp)
  assert.equal(data.column('timestamp')[0], 964982703);
});

test('tutorial split of 100k: 80,000 train and 20,000 test, disjoint, covering every rating once', async () => {
  const data = await loadMovieLens('100k-ratings', { dir: SHARED });
  const { train, test: testSet } = tutorialSplit(data, { seed: 42 });
  assert.equal(train.length, 80_000);
  assert.equal(testSet.length, 20_000);
  const seen = new Uint8Array(data.length);
  for (const r of train.rows()) seen[r]++;
  for (const r of testSet.rows()) seen[r]++;
  assert.ok(seen.every((v) => v === 1));
});

test('canonical splits: u1 is 80,000/20,000 and ua 90,570/9,430, as the u1.base/u1.test and ua.* files', () => {
  const u1 = canonicalSplit('u1', { dir: SHARED });
  assert.equal(u1.train.length, 80_000);
  assert.equal(u1.test.length, 20_000);
  // u1.test line 1: "1	6	5	887431973"
  assert.deepEqual([u1.testData.column('user_id')[0], u1.testData.column('movie_id')[0], u1.testData.column('user_rating')[0]], [1, 6, 5]);
  const ua = canonicalSplit('ua', { dir: SHARED });
  assert.equal(ua.test.length, 9_430); // 10 ratings for each of the 943 users
  assert.equal(ua.train.length, 90_570);
});

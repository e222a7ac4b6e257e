// Every config family on small synthetic files in a temp dir: 100k (latin-1), 1m (latin-1, "::"), and the CSV
// family (20m/25m/latest-small share one format) with LF and CRLF; plus the directory lookup and config names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { readdirSync, writeFileSync } from 'node:fs';
import {
  loadMovieLens,
  loadMovieLensSync,
  movieLensConfig,
  MOVIE_GENRES,
  OCCUPATION_LABELS,
  MOVIELENS_CONFIGS,
  findMovieLensDir,
  canonicalSplit,
} from '../../src/data';
import { ConfigError, DataError } from '../../src/errors';
import { csvFiles, ML_100K, ML_1M, tempDir, writeFolder } from './synthetic';

const G = (name: string): number => MOVIE_GENRES.indexOf(name as (typeof MOVIE_GENRES)[number]);
const O = (name: string): number => OCCUPATION_LABELS.indexOf(name as (typeof OCCUPATION_LABELS)[number]);

test('config names: the ten TFDS configs; an unknown one lists them all', () => {
  assert.equal(MOVIELENS_CONFIGS.length, 10);
  assert.deepEqual(movieLensConfig('latest-small-movies'), {
    name: 'latest-small-movies', version: 'latest-small', table: 'movies', folder: 'ml-latest-small', format: 'csv', hasDemographics: false,
  });
  assert.throws(() => movieLensConfig('100k'), (e: unknown) =>
    e instanceof ConfigError && e.kind === 'unknown_config' &&
    /expected config to be one of 100k-ratings, 100k-movies, 1m-ratings, 1m-movies, 20m-ratings, 20m-movies, 25m-ratings, 25m-movies, latest-small-ratings, latest-small-movies, but got "100k"/.test(e.message));
});

test('100k-ratings: latin-1 titles, TFDS genre/occupation/age mappings, joined user and movie features', () => {
  const dir = tempDir();
  writeFolder(dir, 'ml-100k', ML_100K, 'latin1');
  const data = loadMovieLensSync('100k-ratings', { dir });
  assert.equal(data.length, 5);
  assert.deepEqual(data.featureNames, [
    'movie_id', 'movie_title', 'movie_genres', 'user_id', 'user_rating', 'timestamp', 'user_gender',
    'bucketized_user_age', 'user_occupation_label', 'user_occupation_text', 'user_zip_code', 'raw_user_age',
  ]);
  // Line 2 of u.data: user 2 (17, F, none, T8H1N) rated 543 ("Misérables", Drama) 3 at 876893171.
  assert.deepEqual(data.row(1), {
    movie_id: 543, movie_title: 'Misérables, Les (1995)', movie_genres: [G('Drama')], user_id: 2, user_rating: 3,
    timestamp: 876893171, user_gender: false, bucketized_user_age: 1 /* 17 < 18 */, user_occupation_label: O('other/not specified'),
    user_occupation_text: 'none', user_zip_code: 'T8H1N', raw_user_age: 17,
  });
  // Toy Story flags 3,4,5 = Animation, Children's→Children, Comedy; user 1 is 24 → bucket 18, technician → technician/engineer.
  const r0 = data.row(0);
  assert.deepEqual(r0.movie_genres, [G('Animation'), G('Children'), G('Comedy')]);
  assert.equal(r0.bucketized_user_age, 18);
  assert.equal(r0.user_occupation_label, O('technician/engineer'));
  // Movie 267 "unknown": flag 0 = Unknown = label 17; user 3 is 56 → bucket 56, salesman → sales/marketing.
  assert.deepEqual(data.row(2).movie_genres, [17]);
  assert.equal(data.row(2).bucketized_user_age, 56);
  assert.equal(data.row(2).user_occupation_label, O('sales/marketing'));
  // Columns: ids Int32Array, rating Float32Array, text dictionary-encoded through the join rows.
  assert.ok(data.column('user_id') instanceof Int32Array);
  assert.deepEqual(Array.from(data.column('user_rating')), [5, 3, 1, 4, 2]);
  const titles = data.column('movie_title');
  assert.deepEqual(Array.from(titles.codes, (c) => titles.dictionary[c]), ['Toy Story (1995)', 'Misérables, Les (1995)', 'unknown', 'Misérables, Les (1995)', 'Toy Story (1995)']);
  assert.deepEqual(Array.from(data.column('raw_user_age')), [24, 17, 56, 24, 17]);
  // arquero table: one row per rating, genres as names, gender as booleans.
  const t = data.toTable();
  assert.equal(t.numRows(), 5);
  assert.deepEqual((t.objects() as Record<string, unknown>[])[0].movie_genres, ['Animation', 'Children', 'Comedy']);
  assert.equal((t.objects() as Record<string, unknown>[])[1].user_gender, false);
  assert.equal(data.usersTable()?.numRows(), 3);
  assert.throws(() => data.column('nope' as 'user_id'), /MovieLensData.column: expected a feature of 100k-ratings \(movie_id, .*\), but got "nope"/);
});

test('100k-movies: one example per movie, only the movie features', () => {
  const dir = tempDir();
  writeFolder(dir, 'ml-100k', ML_100K, 'latin1');
  const data = loadMovieLensSync('100k-movies', { dir: join(dir, 'ml-100k') });
  assert.equal(data.length, 3);
  assert.deepEqual(data.featureNames, ['movie_id', 'movie_title', 'movie_genres']);
  assert.deepEqual(data.row(1), { movie_id: 543, movie_title: 'Misérables, Les (1995)', movie_genres: [G('Drama')] });
  assert.equal(data.users, null);
});

test('1m-ratings and 1m-movies: "::" fields, latin-1, Children\'s → Children, occupation codes, student merge', () => {
  const dir = tempDir();
  writeFolder(dir, 'ml-1m', ML_1M, 'latin1');
  const data = loadMovieLensSync('1m-ratings', { dir });
  assert.equal(data.length, 3);
  assert.ok(!data.has('raw_user_age'));
  // ratings.dat line 1: user 1 (F, age bucket 1, code 10 = K-12 student → label student) rated Toy Story 5.
  assert.deepEqual(data.row(0), {
    movie_id: 1, movie_title: 'Toy Story (1995)', movie_genres: [G('Animation'), G('Children'), G('Comedy')], user_id: 1,
    user_rating: 5, timestamp: 978300760, user_gender: false, bucketized_user_age: 1, user_occupation_label: O('student'),
    user_occupation_text: 'K-12 student', user_zip_code: '48067',
  });
  assert.equal(data.row(1).movie_title, 'Café Society (1995)'); // é is one latin-1 byte (0xE9)
  assert.equal(data.row(1).user_occupation_text, 'programmer'); // code 12
  assert.equal(data.row(2).user_occupation_label, O('student')); // code 4 = college/grad student
  const movies = loadMovieLensSync('1m-movies', { dir });
  assert.equal(movies.length, 2);
});

for (const eol of ['\n', '\r\n'] as const) {
  const name = eol === '\n' ? 'LF' : 'CRLF';
  for (const version of ['20m', '25m', 'latest-small'] as const) {
    test(`${version}-ratings and -movies from CSV with ${name}: quoted titles, UTF-8, half stars`, () => {
      const dir = tempDir();
      writeFolder(dir, `ml-${version}`, csvFiles(eol));
      const data = loadMovieLensSync(`${version}-ratings`, { dir });
      assert.equal(data.length, 4);
      assert.deepEqual(data.featureNames, ['movie_id', 'movie_title', 'movie_genres', 'user_id', 'user_rating', 'timestamp']);
      assert.deepEqual(Array.from(data.column('user_rating')), [4, 3.5, 0.5, 5]);
      assert.deepEqual(Array.from(data.column('timestamp')), [964982703, 964981247, 1147868817, 1500000000]);
      assert.equal(data.row(1).movie_title, 'American President, The (1995)');
      assert.equal(data.row(2).movie_title, 'City of Lost Children, The (Cité des enfants perdus, La) (1995)');
      assert.deepEqual(data.row(3).movie_genres, [20]); // (no genres listed)
      assert.equal(data.numUsers, 2); // distinct user ids 1 and 7
      const movies = loadMovieLensSync(`${version}-movies`, { dir });
      assert.equal(movies.length, 5);
      assert.deepEqual(movies.row(3), { movie_id: 99, movie_title: 'The "Quoted" Movie (2001)', movie_genres: [G('IMAX')] });
    });
  }
}

test('a local zip (fflate) reads like the directory', async () => {
  const dir = tempDir();
  const files: Record<string, Uint8Array> = {};
  for (const [n, c] of Object.entries(ML_100K)) files[`ml-100k/${n}`] = Buffer.from(c, 'latin1');
  const zip = join(dir, 'ml-100k.zip');
  writeFileSync(zip, zipSync(files));
  const data = await loadMovieLens('100k-ratings', { zip });
  assert.equal(data.length, 5);
  assert.equal(data.row(1).movie_title, 'Misérables, Les (1995)');
  assert.match(data.source, /ml-100k\.zip$/);
  // Every row equals the one read from the same files in a directory; nothing is extracted beside the zip.
  const folder = tempDir();
  writeFolder(folder, 'ml-100k', ML_100K, 'latin1');
  const fromDir = loadMovieLensSync('100k-ratings', { dir: folder });
  for (let i = 0; i < data.length; i++) assert.deepEqual(data.row(i), fromDir.row(i), `row ${i}`);
  assert.deepEqual(readdirSync(dir), ['ml-100k.zip']);
});

/** Runs `body` with $MOVIELENS_DIR set to `value` (or unset), then restores it. */
async function withMovieLensDir<T>(value: string | undefined, body: () => Promise<T> | T): Promise<T> {
  const saved = process.env.MOVIELENS_DIR;
  try {
    if (value === undefined) delete process.env.MOVIELENS_DIR;
    else process.env.MOVIELENS_DIR = value;
    return await body();
  } finally {
    if (saved === undefined) delete process.env.MOVIELENS_DIR;
    else process.env.MOVIELENS_DIR = saved;
  }
}

test('default lookup: MOVIELENS_DIR (the folder or its parent) is used when set', async () => {
  const dir = tempDir();
  writeFolder(dir, 'ml-1m', ML_1M, 'latin1');
  await withMovieLensDir(dir, async () => {
    assert.equal((await loadMovieLens('1m-ratings')).length, 3);
    assert.deepEqual(findMovieLensDir('ml-1m', 'ratings.dat'), { dir: join(dir, 'ml-1m'), looked: [dir, join(dir, 'ml-1m')], via: 'env' });
  });
  await withMovieLensDir(join(dir, 'ml-1m'), async () => assert.equal(loadMovieLensSync('1m-movies').length, 2));
});

test('MOVIELENS_DIR naming a folder without the data: DataError naming it and the file expected, no fall-back', async () => {
  // ../shared/data/ml-100k exists beside the repo, so a fall-back would silently load the real 100k data.
  const empty = tempDir();
  await withMovieLensDir(empty, async () => {
    const named = (e: unknown): boolean => {
      assert.ok(e instanceof DataError, String(e));
      assert.equal(e.kind, 'missing_file');
      assert.ok(e.message.startsWith(`loadMovieLens: MOVIELENS_DIR is set to ${JSON.stringify(empty)}, but it holds no 100k-ratings data: `), e.message);
      assert.ok(e.message.includes(`expected the file u.data in ${empty} or ${join(empty, 'ml-100k')}`), e.message);
      assert.doesNotMatch(e.message, /shared/);
      return true;
    };
    assert.throws(() => loadMovieLensSync('100k-ratings'), named);
    await assert.rejects(loadMovieLens('100k-ratings', { cacheDir: join(empty, 'cache') }), named);
    assert.throws(() => canonicalSplit('u1'), (e: unknown) => e instanceof DataError && /^canonicalSplit: MOVIELENS_DIR is set to/.test(e.message));
    assert.deepEqual(findMovieLensDir('ml-100k', 'u.data'), { dir: null, looked: [empty, join(empty, 'ml-100k')], via: 'env' });
    // An explicit dir still wins over the variable.
    const dir = tempDir();
    writeFolder(dir, 'ml-100k', ML_100K, 'latin1');
    assert.equal(loadMovieLensSync('100k-ratings', { dir }).length, 5);
  });
});

test('default lookup without MOVIELENS_DIR: names every place it looked', async () => {
  const empty = tempDir();
  await withMovieLensDir(undefined, async () => {
    await assert.rejects(loadMovieLens('1m-ratings', { cacheDir: join(empty, 'cache') }), (e: Error) => {
      assert.match(e.message, /loadMovieLens: expected ml-1m\/ratings\.dat for 1m-ratings, but found it in none of: /);
      assert.ok(e.message.includes(join('shared', 'data', 'ml-1m')), 'names ../shared/data/ml-1m');
      assert.ok(e.message.includes(join(empty, 'cache', 'ml-1m')), 'names the cache');
      assert.match(e.message, /pass \{ download: true \}/);
      return true;
    });
  });
});

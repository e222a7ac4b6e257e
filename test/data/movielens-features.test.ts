// movieLensFeatures: every bucket on hand-made files (written to a temp dir), the engine reading the batches
// (weighted genres, the history sharing the movie table), and the leakage test on the real ml-100k
// (../shared/data or $MOVIELENS_DIR, never committed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  canonicalSplit,
  Dataset,
  loadMovieLensSync,
  movieLensFeatures,
  MOVIE_GENRES,
  OCCUPATION_LABELS,
  tutorialSplit,
  UserHistory,
  type MovieLensData,
  type MovieLensFeatureBatch,
} from '../../src/data';
import { TPUEmbedding, type RaggedInput } from '../../src/embedding';
import { SGD } from '../../src/optimizers';
import { ConfigError, InputError } from '../../src/errors';
import { csvFiles, tempDir, writeFolder } from './synthetic';

const SHARED = process.env.MOVIELENS_DIR ?? resolve(__dirname, '../../../shared/data');
const G = (name: string): number => MOVIE_GENRES.indexOf(name as (typeof MOVIE_GENRES)[number]);
const O = (name: string): number => OCCUPATION_LABELS.indexOf(name as (typeof OCCUPATION_LABELS)[number]);

// 19 genre flags in u.item order: unknown, Action, Adventure, Animation, Children's, Comedy, …
const flags = (...on: number[]): string => Array.from({ length: 19 }, (_, i) => (on.includes(i) ? '1' : '0')).join('|');
// T = 883612800 = 1998-01-01 00:00:00 UTC, a Thursday (883612800 / 86400 = 10227 days; (10227 + 4) % 7 = 4).
const T = 883_612_800;
const DAY = 86_400;
const FILES = {
  'u.item':
    `1|A (1939)|||x|${flags(1)}\n` + // Action; 1939 < 1940 → year bucket 1
    `2|B (1940)|||x|${flags(3, 4, 5)}\n` + // Animation, Children, Comedy (3 genres); 1940 → bucket 2
    `3|unknown|||x|${flags(0)}\n` + // Unknown; no year → 0
    `4|D (1995)|||x|${flags(8)}\n` + // Drama; 11 default edges ≤ 1995 → 12
    `5|E (2021)|||x|${flags(8)}\n` + // all 19 edges ≤ 2021 → 20
    `6|F (1996)|||x|${flags(8)}\n`, // 12 edges → 13
  'u.user': '1|24|M|technician|85711\n2|17|F|none|T8H1N\n3|56|M|salesman|00501\n',
  // user 1: T, T+30 (twice, same second), T+2h, T+3d13h (a Sunday), T+400d (a Friday); user 2: T+10.
  'u.data': [
    `1\t1\t5\t${T}`,
    `1\t2\t4\t${T + 30}`,
    `1\t3\t3\t${T + 30}`,
    `1\t4\t2\t${T + 7_200}`,
    `1\t5\t1\t${T + 3 * DAY + 13 * 3_600}`,
    `1\t6\t5\t${T + 400 * DAY}`,
    `2\t1\t4\t${T + 10}`,
    '',
  ].join('\n'),
};

function handMade(): MovieLensData {
  const dir = tempDir();
  writeFolder(dir, 'ml-100k', FILES, 'latin1');
  return loadMovieLensSync('100k-ratings', { dir });
}

const all = (data: MovieLensData): Int32Array => Int32Array.from({ length: data.length }, (_, i) => i);
const ids = (b: MovieLensFeatureBatch, name: keyof MovieLensFeatureBatch['inputs']): number[] => [...(b.inputs[name] as Int32Array)];
const ragged = (b: MovieLensFeatureBatch, name: 'movie_genres' | 'movie_history'): number[][] => {
  const r = b.inputs[name] as RaggedInput;
  const s = r.rowSplits as Int32Array;
  return Array.from({ length: b.size }, (_, k) => [...(r.values as Int32Array).subarray(s[k], s[k + 1])]);
};

test('movieLensFeatures: every bucket on hand-made files (user, movie and rating-time features)', () => {
  const data = handMade();
  const f = movieLensFeatures(data, { history: 3 });
  const b = f.batchOf(data, all(data));
  assert.deepEqual([...b.user_id], [1, 1, 1, 1, 1, 1, 2]);
  assert.deepEqual([...b.movie_id], [1, 2, 3, 4, 5, 6, 1]);
  assert.deepEqual([...b.user_rating], [5, 4, 3, 2, 1, 5, 4]);
  // Ages 24 → "18-24" (index 1 of AGE_BUCKETS), 17 → "Under 18" (0); gender M = 1, F = 0.
  assert.deepEqual(ids(b, 'user_age'), [1, 1, 1, 1, 1, 1, 0]);
  assert.deepEqual(ids(b, 'user_gender'), [1, 1, 1, 1, 1, 1, 0]);
  assert.deepEqual(ids(b, 'user_occupation'), [...Array(6).fill(O('technician/engineer')), O('other/not specified')]);
  // Zip prefix (2 digits): 85711 → 1 + 85; T8H1N (Canada) → 0.
  assert.deepEqual(ids(b, 'user_zip_prefix'), [86, 86, 86, 86, 86, 86, 0]);
  assert.deepEqual(ids(b, 'movie_release_year'), [1, 2, 0, 12, 20, 13, 1]);
  // Hours (UTC): T, T+30 s, T+30 s → 0; T+2 h → 2; T+3 d 13 h → 13; T+400 d → 0.
  assert.deepEqual(ids(b, 'rating_hour'), [0, 0, 0, 2, 13, 0, 0]);
  // Thursday = 4; T+3 d = Sunday = 0; T+400 d: 400 % 7 = 1 day after a Thursday = Friday = 5.
  assert.deepEqual(ids(b, 'rating_weekday'), [4, 4, 4, 4, 0, 5, 4]);
  // Recency, edges [60 s, 1 h, 1 d, 7 d, 30 d, 365 d]: first rating → 0; 30 s → 1 (both ratings at T+30: the other one
  // is at the same second, so the previous is T); T+2h − (T+30) = 7,170 s → 1 + 2 = 3; 298,800 s (3.5 d) → 1 + 3 = 4;
  // 400 d − 3.54 d > 365 d → 1 + 6 = 7; user 2's only rating → 0.
  assert.deepEqual(ids(b, 'rating_recency'), [0, 1, 1, 3, 4, 7, 0]);
  // Genres, weights 1/√n.
  assert.deepEqual(ragged(b, 'movie_genres'), [[G('Action')], [G('Animation'), G('Children'), G('Comedy')], [G('Unknown')], [G('Drama')], [G('Drama')], [G('Drama')], [G('Action')]]);
  const w = [...((b.inputs.movie_genres as RaggedInput).weights as Float32Array)];
  assert.deepEqual(w, [1, ...Array(3).fill(Math.fround(1 / Math.sqrt(3))), 1, 1, 1, 1, 1]);
  // History (N = 3), most recent first; ties at T+30 keep file order (2 then 3), so "most recent first" is [3, 2, …].
  // Ratings at the same second are not history: rows 1 and 2 see only movie 1. User 2 never sees user 1's ratings.
  assert.deepEqual(ragged(b, 'movie_history'), [[], [1], [1], [3, 2, 1], [4, 3, 2], [5, 4, 3], []]);
  assert.deepEqual([...b.historyLength], [0, 1, 1, 3, 3, 3, 0]);
  // Vocabulary: ids as in the files (max id + 1), 10^2 + 1 zip prefixes, 19 edges + 2 years, 6 edges + 2 recencies.
  assert.deepEqual(f.vocabulary, {
    user_id: 4, movie_id: 7, user_age: 7, user_gender: 2, user_occupation: 22, user_zip_prefix: 101, movie_genres: 21,
    movie_release_year: 21, rating_hour: 24, rating_weekday: 7, rating_recency: 8, movie_history: 7,
  });
});

test('movieLensFeatures: options change the buckets (zip digits, year and recency edges, include)', () => {
  const data = handMade();
  const f = movieLensFeatures(data, {
    zipPrefixDigits: 1,
    releaseYearEdges: [1950, 2000],
    recencyEdgesSeconds: [3_600],
    include: ['rating_recency', 'user_zip_prefix', 'movie_release_year'],
  });
  const b = f.batchOf(data, all(data));
  assert.deepEqual(f.names, ['user_zip_prefix', 'movie_release_year', 'rating_recency']);
  assert.deepEqual(Object.keys(b.inputs).sort(), ['movie_release_year', 'rating_recency', 'user_zip_prefix']);
  assert.deepEqual(Object.keys(f.tables).sort(), ['movie_release_year', 'rating_recency', 'user_zip_prefix']);
  assert.deepEqual(ids(b, 'user_zip_prefix'), [9, 9, 9, 9, 9, 9, 0]); // 8 + 1
  // 1939 → 1 + 0; 1940 → 1; unknown → 0; 1995 → 1 + 1; 2021 → 1 + 2; 1996 → 2.
  assert.deepEqual(ids(b, 'movie_release_year'), [1, 1, 0, 2, 3, 2, 1]);
  // gaps 30 s, 30 s, 7,170 s, 298,800 s, ~3.4e7 s against [3600]: 1, 1, 2, 2, 2.
  assert.deepEqual(ids(b, 'rating_recency'), [0, 1, 1, 2, 2, 2, 0]);
  assert.equal(f.vocabulary.user_zip_prefix, 11);
  // movie_history alone still reads (and names) the movie table.
  const h = movieLensFeatures(data, { include: ['movie_history'], history: 2 });
  assert.deepEqual(Object.keys(h.tables), ['movie_id']);
  assert.equal(h.features.movie_history.table.name, 'movie_id');
  assert.equal(h.features.movie_history.maxSequenceLength, 2);
});

test('movieLensFeatures: the engine reads the batches — weighted genres (Σ e/√n), history sharing the movie table', () => {
  const data = handMade();
  const f = movieLensFeatures(data, { history: 3, dim: 4 });
  assert.equal(f.features.movie_history.table, f.features.movie_id.table);
  const emb = new TPUEmbedding({ features: f.features, optimizer: new SGD({ learningRate: 0.1 }), topology: 'cpu', seed: 3 });
  // 12 features, 11 tables: movie_history has none of its own.
  assert.equal(emb.featureNames.length, 12);
  assert.equal(emb.tableNames.length, 11);
  const before = tf.memory().numTensors;
  const b = f.batchOf(data, all(data));
  const acts = emb.lookup(b.inputs as Record<string, Int32Array | RaggedInput>);
  const tables = emb.exportTables();
  const row = (table: string, id: number): number[] => [...tables[table].weights.subarray(id * 4, id * 4 + 4)];
  assert.deepEqual(acts.movie_history.shape, [7, 3, 4]);
  assert.deepEqual(acts.movie_genres.shape, [7, 4]);
  assert.deepEqual(acts.user_id.shape, [7, 4]);
  const hist = acts.movie_history.arraySync() as number[][][];
  // Row 3's history [3, 2, 1] are rows of the movie table; row 1 has one entry then zero padding.
  for (const [j, m] of [3, 2, 1].entries()) hist[3][j].forEach((v, d) => assert.ok(Math.abs(v - row('movie_id', m)[d]) < 1e-6));
  assert.deepEqual(hist[1][1], [0, 0, 0, 0]);
  assert.deepEqual(hist[0], [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
  // Movie 2's genres: (e_Animation + e_Children + e_Comedy) / √3.
  const genres = acts.movie_genres.arraySync() as number[][];
  const expected = [0, 1, 2, 3].map((d) => (row('movie_genres', G('Animation'))[d] + row('movie_genres', G('Children'))[d] + row('movie_genres', G('Comedy'))[d]) / Math.sqrt(3));
  genres[1].forEach((v, d) => assert.ok(Math.abs(v - expected[d]) < 1e-6, `dim ${d}: ${v} vs ${expected[d]}`));
  // A gradient on the history only moves the shared movie table (rows 1, 2, 3, 4, 5 appear in histories; 6 does not).
  const grads: Record<string, tf.Tensor> = {};
  for (const [name, a] of Object.entries(acts)) grads[name] = name === 'movie_history' ? tf.onesLike(a) : tf.zerosLike(a);
  emb.applyGradients(grads);
  const after = emb.exportTables();
  assert.notDeepEqual([...after.movie_id.weights.subarray(4, 8)], row('movie_id', 1));
  assert.deepEqual([...after.movie_id.weights.subarray(24, 28)], row('movie_id', 6));
  tf.dispose([...Object.values(acts), ...Object.values(grads)]);
  assert.equal(tf.memory().numTensors, before);
});

test('movieLensFeatures: bad options, a config without users, ids beyond the tables', () => {
  const data = handMade();
  const bad = (options: object, re: RegExp) =>
    assert.throws(() => movieLensFeatures(data, options), (e: unknown) => e instanceof ConfigError && re.test(e.message) && ['invalid_feature_options', 'unsupported_option'].includes(e.kind));
  bad({ history: 0 }, /movieLensFeatures: expected history to be an integer from 1 to 10000, but got 0/);
  bad({ dim: 2.5 }, /expected dim to be an integer/);
  bad({ zipPrefixDigits: 6 }, /expected zipPrefixDigits to be an integer from 1 to 5, but got 6/);
  bad({ releaseYearEdges: [1990, 1980] }, /expected releaseYearEdges to be a non-empty array of strictly increasing finite numbers, but got \[1990,1980\]/);
  bad({ include: ['user_id', 'genre'] }, /expected include to be a non-empty array of user_id, movie_id, .* but got \["user_id","genre"\]/);
  bad({ histroy: 5 }, /movieLensFeatures: expected only the options .* but got histroy = 5/);
  const dir = tempDir();
  writeFolder(dir, 'ml-latest-small', csvFiles('\n'));
  assert.throws(
    () => movieLensFeatures(loadMovieLensSync('latest-small-ratings', { dir })),
    (e: unknown) => e instanceof InputError && e.kind === 'no_users' && /movieLensFeatures: .*latest-small-ratings has none/.test(e.message),
  );
  // Features built from a smaller world (users 1–2, movies 1–2 only) cannot describe user 3 / movie 6.
  const small = tempDir();
  writeFolder(small, 'ml-100k', { 'u.item': `1|A (1939)|||x|${flags(1)}\n2|B (1940)|||x|${flags(2)}\n`, 'u.user': '1|24|M|technician|85711\n2|17|F|none|T8H1N\n', 'u.data': `1\t1\t5\t${T}\n2\t2\t3\t${T}\n` }, 'latin1');
  const f = movieLensFeatures(loadMovieLensSync('100k-ratings', { dir: small }));
  assert.throws(
    () => f.batchOf(data, Int32Array.from([5])),
    (e: unknown) => e instanceof InputError && e.kind === 'id_out_of_range' && /expected movie_id below 3 .* but row 5 of 100k-ratings has 6/.test(e.message),
  );
});

test('UserHistory: strictly before t, most recent first, ties at t excluded, unknown users empty', () => {
  const h = new UserHistory({ user_id: [7, 7, 7, 7, 2], movie_id: [14, 11, 12, 13, 99], timestamp: [300, 100, 200, 200, 50] });
  assert.deepEqual([...h.before(7, 300, 2)], [13, 12]);
  assert.deepEqual([...h.before(7, 200, 5)], [11]);
  assert.deepEqual([...h.before(7, 100, 5)], []);
  assert.deepEqual([...h.before(7, 301, 10)], [14, 13, 12, 11]);
  assert.deepEqual([...h.before(3, 1e9, 10)], []);
  assert.equal(h.previousTime(7, 200), 100);
  assert.equal(h.previousTime(7, 100), null);
  assert.throws(() => new UserHistory({ user_id: [1], movie_id: [1, 2], timestamp: [1] }), (e: unknown) => e instanceof InputError && e.kind === 'bad_history');
  assert.throws(() => new UserHistory({ user_id: [1], movie_id: [-2], timestamp: [1] }), (e: unknown) => e instanceof InputError && /rating 0 has user_id 1, movie_id -2/.test(e.message));
});

/** The leakage check: every history entry is a rating of the same user in the training dataset, strictly earlier, and
 * the entries are the N latest such (their timestamps equal a brute-force top N); the recency bucket is 0 exactly when
 * there is no earlier training rating. Returns the number of history entries checked. */
function checkNoLeakage(train: Dataset, target: MovieLensData, targetRows: Int32Array, n: number): number {
  const r = train.data.ratings!;
  // Per user: movie → timestamp (each (user, movie) pair is rated once in ml-100k), and the timestamps, latest first.
  const tsOf = new Map<number, Map<number, number>>();
  for (const row of train.rows()) {
    if (!tsOf.has(r.user_id[row])) tsOf.set(r.user_id[row], new Map());
    tsOf.get(r.user_id[row])!.set(r.movie_id[row], r.timestamp[row]);
  }
  const latestFirst = new Map([...tsOf].map(([u, m]) => [u, [...m.values()].sort((a, c) => c - a)]));
  const f = movieLensFeatures(train, { history: n, include: ['movie_history', 'rating_recency'] });
  let entries = 0;
  for (let start = 0; start < targetRows.length; start += 4096) {
    const b = f.batchOf(target, targetRows.subarray(start, start + 4096));
    const hist = ragged(b, 'movie_history');
    const recency = ids(b, 'rating_recency');
    for (let k = 0; k < b.size; k++) {
      const t = b.timestamp[k];
      const mine = tsOf.get(b.user_id[k]) ?? new Map<number, number>();
      const got = hist[k].map((m) => {
        const ts = mine.get(m);
        assert.ok(ts !== undefined, `example ${start + k}: history movie ${m} is not a training rating of user ${b.user_id[k]}`);
        assert.ok(ts < t, `example ${start + k}: history movie ${m} at ${ts} is not strictly before the target's ${t}`);
        return ts;
      });
      const want = (latestFirst.get(b.user_id[k]) ?? []).filter((ts) => ts < t).slice(0, n);
      assert.deepEqual(got, want, `example ${start + k}: the history is not the ${n} latest earlier ratings`);
      assert.equal(recency[k] === 0, want.length === 0);
      entries += got.length;
    }
  }
  return entries;
}

test('leakage (real ml-100k, tutorial split): no history entry at or after the target timestamp, train and test', { timeout: 120_000 }, () => {
  const data = loadMovieLensSync('100k-ratings', { dir: SHARED });
  const { train, test } = tutorialSplit(data, { seed: 42 });
  const entries = checkNoLeakage(train, data, test.rows(), 20) + checkNoLeakage(train, data, train.rows(), 20);
  // ml-100k users have ≥ 20 ratings; most examples have a full history.
  assert.ok(entries > 0.8 * 20 * 100_000, `${entries} history entries`);
});

test('leakage (real ml-100k, u1.base → u1.test): histories come from u1.base only, strictly earlier', { timeout: 120_000 }, () => {
  const { train, testData } = canonicalSplit('u1', { dir: SHARED });
  const entries = checkNoLeakage(train, testData, Int32Array.from({ length: testData.length }, (_, i) => i), 20);
  assert.ok(entries > 0);
});

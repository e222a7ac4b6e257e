import { strict as assert } from 'node:assert';
import { before, describe, it } from 'node:test';
import { chooseBackend } from '../../src/backend';
import { ConfigError, InputError } from '../../src/errors';
import { Random } from '../../src/random';
import { SeenItems, TwoTowerModel, popularityBuckets, releaseYearBuckets, twoTowerConfig, type RetrievalBatch } from '../../src/retrieval';

const MOVIES = 60;
const DIM = 8;

/** Row `row` of table `name` in the model's state. */
async function tableRow(model: TwoTowerModel, name: string, row: number): Promise<number[]> {
  const t = (await model.getState()).tables.find((x) => x.name === name);
  assert.ok(t, `table ${name}`);
  return Array.from((t.data as Float32Array).subarray(row * t.shape[1], (row + 1) * t.shape[1]));
}

/** Users 2…17 each rate movies 10…29 in taste groups; never movies 5 or 6. */
function groupBatches(n: number, seed: number): RetrievalBatch[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => {
    const user_id = Int32Array.from({ length: 32 }, () => 2 + rng.int(16));
    const movie_id = Int32Array.from(user_id, (u) => 10 + 10 * (u % 2) + rng.int(10));
    return { user_id, movie_id };
  });
}

describe('two-tower query history, hard negatives and candidate buckets', () => {
  before(async () => {
    await chooseBackend();
  });

  it('validates the new options', () => {
    assert.throws(() => twoTowerConfig({ queryUserId: false }), (e: unknown) => e instanceof ConfigError && /at least one feature, but queryUserId is false/.test(e.message));
    assert.throws(() => twoTowerConfig({ historyNegatives: true }), (e: unknown) => e instanceof ConfigError && /queryHistory: true with historyNegatives/.test(e.message));
    assert.throws(() => twoTowerConfig({ queryHistory: 1 as never }), /queryHistory to be a boolean, but got 1/);
    assert.throws(() => twoTowerConfig({ candidateBuckets: { movie_id: { values: new Int32Array(2), vocabulary: 1 } } }), /names in snake_case other than movie_id/);
    assert.throws(() => twoTowerConfig({ candidateBuckets: { movie_year: { values: Int32Array.of(0, 3), vocabulary: 3 } } }), /movie_year\.values in \[0, 3\), but got 3 at movie 1/);
    const c = twoTowerConfig({ queryHistory: true, embeddingDim: DIM });
    assert.deepEqual(c.queryUnits, [DIM], 'a history makes the query tower project its concatenation');
    assert.equal(c.queryUserId, true);
  });

  it('leaves each pair\'s own movie out of its training history, and uses the whole history for queries', async () => {
    // User 1 rated only movie 5. With the leave-one-out history, movie 5 never appears in a training bag (user 1's
    // bag is empty for the pair (1, 5)), so row 5 of user_history keeps its initial value; a bag of [5] would
    // move it. Users 2…17 never rated movie 5.
    const train = [...groupBatches(6, 1), { user_id: Int32Array.of(1, 1, 2, 3), movie_id: Int32Array.of(5, 5, 10, 20) }];
    const model = new TwoTowerModel({ topology: 'v4-8', userVocabularySize: 20, movieVocabularySize: MOVIES, embeddingDim: DIM, queryHistory: true, queryUserId: false, seed: 3 });
    assert.throws(() => model.queryEmbeddings([1]), (e: unknown) => e instanceof InputError && e.kind === 'no_history' && /model\.history = SeenItems\.fromDataset\(train\)/.test(e.message));
    const before5 = await tableRow(model, 'user_history', 5);
    const before10 = await tableRow(model, 'user_history', 10);
    await model.fit(train, { epochs: 2, verbose: false });
    assert.deepEqual(Array.from(model.history!.of(1)), [5]);
    assert.deepEqual(await tableRow(model, 'user_history', 5), before5, 'movie 5 was never in a training bag');
    assert.notDeepEqual(await tableRow(model, 'user_history', 10), before10, 'movies in other bags were trained');
    // Queries read the whole history: user 1's bag is [5], user 19 (no ratings) has an empty bag.
    const q = model.queryEmbeddings([1, 19]);
    assert.notDeepEqual(Array.from(q.subarray(0, DIM)), Array.from(q.subarray(DIM)));
    model.dispose();
  });

  it('adds one other movie of each pair\'s user as a negative (historyNegatives)', async () => {
    // User 1 has history {5, 6}; the batches hold the pair (1, 5) but movie 6 is nobody's positive. Only as
    // user 1's history negative does movie 6 reach the candidate tower, so its movie_id row moves with the option
    // and stays put without it.
    const history = SeenItems.fromDataset([{ user_id: [1, 1], movie_id: [5, 6] }, ...groupBatches(6, 2)]);
    const train = [...groupBatches(6, 2).map((b) => ({ user_id: Int32Array.from([...Array.from(b.user_id).slice(4), 1, 1, 1, 1]), movie_id: Int32Array.from([...Array.from(b.movie_id).slice(4), 5, 5, 5, 5]) }))];
    const rows: number[][][] = [];
    for (const historyNegatives of [false, true]) {
      const model = new TwoTowerModel({ userVocabularySize: 20, movieVocabularySize: MOVIES, embeddingDim: DIM, queryHistory: true, historyNegatives, seed: 4 });
      model.history = history;
      const before6 = await tableRow(model, 'movie_id', 6);
      await model.fit(train, { epochs: 1, verbose: false });
      rows.push([before6, await tableRow(model, 'movie_id', 6)]);
      model.dispose();
    }
    assert.deepEqual(rows[0][1], rows[0][0], 'without history negatives movie 6 is never a candidate');
    assert.notDeepEqual(rows[1][1], rows[1][0], 'with them it is user 1\'s negative');
  });

  it('reads candidate buckets by movie id (one table each)', async () => {
    // Movies 10…29 fall in buckets m % 3 of a 4-row table: rows 0–2 train, row 3 is never looked up.
    const values = Int32Array.from({ length: MOVIES }, (_, m) => m % 3);
    const model = new TwoTowerModel({ userVocabularySize: 20, movieVocabularySize: MOVIES, embeddingDim: DIM, candidateBuckets: { movie_year: { values, vocabulary: 4 } }, seed: 5 });
    assert.deepEqual(model.candidateEmbedding.tableNames, ['movie_id', 'movie_year']);
    const before = await Promise.all([0, 1, 2, 3].map((r) => tableRow(model, 'movie_year', r)));
    await model.fit(groupBatches(4, 3), { epochs: 1, verbose: false });
    for (const r of [0, 1, 2]) assert.notDeepEqual(await tableRow(model, 'movie_year', r), before[r], `bucket ${r} trained`);
    assert.deepEqual(await tableRow(model, 'movie_year', 3), before[3], 'bucket 3 untouched');
    model.dispose();
  });

  it('buckets release years from titles and popularity from training counts', () => {
    // from 1920, width 5: 1995 → 1 + 15 = 16; 1919 clamps to 1920 → 1; 2030 clamps to 2020 → 21; no year → 0.
    const y = releaseYearBuckets([1, 2, 4, 5], ['Toy Story (1995)', 'Old (1919)', 'Future (2030)', 'Untitled'], {});
    assert.deepEqual(Array.from(y.values), [0, 16, 1, 0, 21, 0]);
    assert.equal(y.vocabulary, 22);
    // The last (yyyy) counts: 'City of Lost Children, The (Cité des enfants perdus, La) (1995)'.
    assert.equal(releaseYearBuckets([0], ['Film (1950) (1995)']).values[0], 16);
    assert.throws(() => releaseYearBuckets([1], []), (e: unknown) => e instanceof InputError && /one title per movie id, but got 1 ids and 0 titles/.test(e.message));
    // Counts: movie 0 ×0 → 0, movie 1 ×1 → 1, movie 2 ×3 → ⌊log₂4⌋ = 2, movie 3 ×7 → 3 (capped at vocabulary − 1 = 2 with 3 buckets).
    const train = [{ user_id: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], movie_id: [1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3] }];
    assert.deepEqual(Array.from(popularityBuckets(train, 4).values), [0, 1, 2, 3]);
    assert.deepEqual(Array.from(popularityBuckets(train, 4, 3).values), [0, 1, 2, 2]);
    assert.throws(() => popularityBuckets(train, 0), /movieVocabularySize to be a positive integer, but got 0/);
  });
});

// The engine places tables as TensorFlow does (issue 15 item 1): rotations and padding from stackTables (TF's
// stacking: names sorted, stacks by (dim rounded up to 8, optimizer), rotation per stack), per-stack statistics
// summed over a stack's tables, the earlier rule kept by name, and full tables independent of the layout.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { TPUEmbedding, featureConfig, stackLookupStats, stackTables, tableConfig } from '../../src/embedding';
import { Adagrad, SGD, optimizerFromConfig } from '../../src/optimizers';

/** Five tables given out of name order, two padded dims (32, 64), two optimizers (Adagrad, SGD), on v4-8 (N = 16). */
function fiveTables(layoutRule?: 'tensorflow' | 'table-order'): TPUEmbedding {
  const adagrad = new Adagrad({ learningRate: 0.1 });
  const t = (name: string, vocabularySize: number, dim: number, optimizer?: SGD) => tableConfig({ name, vocabularySize, dim, optimizer, initializer: 0 });
  const tables = [t('users', 943, 32), t('movies', 1682, 32), t('genres', 19, 30, new SGD({ learningRate: 0.1 })), t('tags', 5000, 64), t('ages', 7, 29)];
  return new TPUEmbedding({
    features: Object.fromEntries(tables.map((c) => [`${c.name}_id`, featureConfig({ table: c })])),
    optimizer: adagrad,
    topology: 'v4-8',
    layoutRule,
  });
}

const shardOf = (id: number, rotation: number, N: number) => ((id % N) + rotation) % N;

describe('TPUEmbedding: TensorFlow placement by default', () => {
  it('rotations and padding of every table are those of stackTables (ages_movies_users stacked, rotation 0, 4, 8)', () => {
    const emb = fiveTables();
    const N = emb.numShards;
    assert.equal(N, 16);
    assert.equal(emb.layoutRule, 'tensorflow');
    // Expected (derived in test/embedding/sparse-core-stacking.test.ts from TF's source): names sorted, stacks by
    // (roundUp(dim, 8), optimizer): ages 29→32, movies 32, users 32 with Adagrad stack with rotations 0, 4, 8;
    // genres (SGD) and tags (64) are alone, rotation 0. Vocabularies padded to a multiple of 8N = 128.
    const expected: Record<string, [string, number, number]> = {
      ages: ['ages_movies_users', 0, 128],
      movies: ['ages_movies_users', 4, 1792],
      users: ['ages_movies_users', 8, 1024],
      genres: ['genres', 0, 128],
      tags: ['tags', 0, 5120],
    };
    assert.deepEqual(
      Object.fromEntries(emb.stackedLayouts!.map((l) => [l.table, [l.stack, l.rotation, l.paddedVocabularySize]])),
      expected,
    );
    for (const table of emb.tables) {
      const [, rotation, padded] = expected[table.name];
      assert.equal(table.layout.rotation, rotation, table.name);
      assert.equal(table.layout.shardRows[0], padded / N, `${table.name}: rows per SparseCore = padded vocab / N`);
      assert.equal(table.layout.storageRows, padded, table.name);
    }
    // The lookup routes row r of each table to SparseCore (r % N + rotation) % N.
    const ids = { users_id: [5, 900, 17, 33], movies_id: [1681, 0, 16, 3], genres_id: [18, 0, 1, 2], tags_id: [4999, 7, 8, 9], ages_id: [6, 0, 1, 2] };
    for (const t of Object.values(emb.lookup(ids))) t.dispose();
    const idsOf = (table: string): number[] => ids[`${table}_id` as keyof typeof ids];
    for (const st of emb.lastStats!.tables) {
      const rot = expected[st.table][1];
      const want: number[] = new Array<number>(N).fill(0);
      for (const id of idsOf(st.table)) want[shardOf(id, rot, N)]++;
      assert.deepEqual(st.idsPerShard, want, st.table);
      // Per (replica, shard), replica-major: 4 samples over 4 replicas, one id each.
      const perPartition = st.idsPerPartition!;
      assert.equal(perPartition.length, emb.numReplicas * N);
      assert.deepEqual(Array.from({ length: N }, (_, s): number => [0, 1, 2, 3].reduce((a: number, r: number) => a + perPartition[r * N + s], 0)), want, st.table);
      idsOf(st.table).forEach((id: number, r: number) => assert.equal(perPartition[r * N + shardOf(id, rot, N)], 1, `${st.table} replica ${r}`));
    }
  });

  it('stackLookupStats sums a stack\'s tables per (replica, SparseCore): three tables meeting on one core make 3', () => {
    const emb = fiveTables();
    // Replica 0 (sample 0 of 4) sends ages 0 → core (0 + 0) % 16 = 0, movies 12 → (12 + 4) % 16 = 0,
    // users 8 → (8 + 8) % 16 = 0: one id per table, three for the stack on (replica 0, core 0).
    const ids = { ages_id: [0, 1, 2, 3], movies_id: [12, 20, 30, 40], users_id: [8, 50, 60, 70], genres_id: [0, 1, 2, 3], tags_id: [0, 1, 2, 3] };
    for (const t of Object.values(emb.lookup(ids))) t.dispose();
    for (const t of emb.lastStats!.tables) assert.equal(t.maxIdsPerPartition, 1, t.table);
    const stacks = stackLookupStats(emb.lastStats!, emb.stackedLayouts!);
    assert.deepEqual(stacks.map((s) => s.stack), ['ages_movies_users', 'genres', 'tags']);
    const s = stacks[0];
    assert.deepEqual(s.tables, ['ages', 'movies', 'users']);
    assert.equal(s.maxIdsPerPartition, 3);
    assert.equal(s.maxUniqueIdsPerPartition, 3);
    assert.equal(s.idsPerShard[0], 3);
    assert.equal(s.idsPerShard.reduce((a, b) => a + b, 0), 12);
    // Over two steps the maxima stay per step, the counts add up.
    for (const t of Object.values(emb.lookup(ids))) t.dispose();
    const two = stackLookupStats(emb.statsHistory, emb.stackedLayouts!)[0];
    assert.equal(two.steps, 2);
    assert.equal(two.maxIdsPerPartition, 3);
    assert.equal(two.idsPerShard[0], 6);
  });

  it("layoutRule 'table-order' keeps the earlier rule: rotation 4 × index of first appearance, ceil(V / N) rows", () => {
    const emb = fiveTables('table-order');
    assert.equal(emb.stackedLayouts, null);
    assert.deepEqual(
      emb.tables.map((t) => [t.name, t.layout.rotation, t.layout.shardRows[0]]),
      [['users', 0, 59], ['movies', 4, 106], ['genres', 8, 2], ['tags', 12, 313], ['ages', 0, 1]],
    );
    assert.throws(() => new TPUEmbedding({ features: { a: featureConfig({ table: tableConfig({ vocabularySize: 4, dim: 4 }) }) }, optimizer: new SGD(), topology: 'v4-8', layoutRule: 'tf' as never }), /TPUEmbedding: expected layoutRule to be one of tensorflow, table-order, but got 'tf'/);
  });

  it('the layout rule survives getConfig → fromConfig, and full tables move between layouts unchanged', () => {
    const a = fiveTables();
    const ids = { users_id: [5, 900, 17, 33], movies_id: [1681, 0, 16, 3], genres_id: [18, 0, 1, 2], tags_id: [4999, 7, 8, 9], ages_id: [6, 0, 1, 2] };
    const acts = a.lookup(ids);
    a.applyGradients(Object.fromEntries(Object.entries(acts).map(([k, v]) => [k, tf.onesLike(v)])));
    for (const t of Object.values(acts)) t.dispose();
    const json = a.getConfig();
    assert.equal(json.layoutRule, 'tensorflow');
    assert.equal(TPUEmbedding.fromConfig({ ...json, layoutRule: 'table-order' }, optimizerFromConfig).layoutRule, 'table-order');
    const b = TPUEmbedding.fromConfig({ ...json, layoutRule: 'table-order', topology: 'v5p-8' }, optimizerFromConfig);
    b.importTables(a.exportTables());
    const full = (e: TPUEmbedding) => Object.fromEntries(Object.entries(e.exportTables()).map(([n, t]) => [n, Array.from(t.weights)]));
    assert.deepEqual(full(b), full(a));
    const ya = a.lookup(ids);
    const yb = b.lookup(ids);
    for (const k of Object.keys(ya)) assert.deepEqual(ya[k].arraySync(), yb[k].arraySync(), k);
    for (const t of [...Object.values(ya), ...Object.values(yb)]) t.dispose();
  });
});

it('stackTables and the engine agree for the tutorial tables (one stack of two dim-32 Adagrad tables)', () => {
  const emb = new TPUEmbedding({
    features: {
      user_id: featureConfig({ table: tableConfig({ name: 'user_id', vocabularySize: 944, dim: 32 }) }),
      movie_id: featureConfig({ table: tableConfig({ name: 'movie_id', vocabularySize: 1683, dim: 32 }) }),
    },
    optimizer: new Adagrad({ learningRate: 0.1 }),
    topology: 'v4-8',
  });
  const direct = stackTables(
    emb.tables.map((t) => ({ name: t.name, vocabularySize: t.layout.vocabularySize, dim: t.dim, group: 'same' })),
    { numPartitions: 4, sparseCoresPerPartition: 4 },
  );
  assert.deepEqual(emb.stackedLayouts, direct);
  // movie_id < user_id: movie_id rotation 0, user_id rotation 4 (the other way round than table order).
  assert.deepEqual(emb.tables.map((t) => [t.name, t.layout.rotation]), [['user_id', 4], ['movie_id', 0]]);
});

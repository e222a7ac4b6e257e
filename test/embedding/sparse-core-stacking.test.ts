// TensorFlow's SparseCore placement (issue 15 item 1): our stackTables against TF's own layout test cases
// (tensorflow/core/tpu/kernels/sparse_core_layout_test.cc), against a case with two dims and two optimizers derived
// from TF's source, and against the real SparseCoreLayoutStacker run in one Python process (TensorFlow must be
// installed, as for test/interop: the test fails, it is never skipped).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { stackTables, type StackingOptions, type StackingTable } from '../../src/embedding/sparse-core-stacking';
import { pythonExecutable } from '../../src/interop';

const pick = (l: ReturnType<typeof stackTables>[number]) => ({
  table: l.table,
  stack: l.stack,
  paddedVocabularySize: l.paddedVocabularySize,
  paddedDim: l.paddedDim,
  rowOffset: l.rowOffset,
  rotation: l.rotation,
  stackRowsPerShard: l.stackRowsPerShard,
});

describe('stackTables: TF test cases (sparse_core_layout_test.cc)', () => {
  it('StacksTwoTablesAndPads: 2 partitions × 4 cores, 100×6 and 50×5 in one stack', () => {
    // SparseCoreLayoutStacker stacker(2) has 4 SparseCores per partition by default: N = 8.
    const got = stackTables(
      [
        { name: 'table1', vocabularySize: 100, dim: 6, group: 'stack1', outputSamples: 10 },
        { name: 'table2', vocabularySize: 50, dim: 5, group: 'stack1', outputSamples: 10 },
      ],
      { numPartitions: 2, sparseCoresPerPartition: 4 },
    );
    assert.deepEqual(got.map(pick), [
      // padded 100 → 128 (multiple of 8N = 64), 6 → 8; total rows per core (128 + 64) / 8 = 24
      { table: 'table1', stack: 'table1_table2', paddedVocabularySize: 128, paddedDim: 8, rowOffset: 0, rotation: 0, stackRowsPerShard: 24 },
      // offset 128 / 8 = 16; rotation = (1 × 8 / 2) % 8 = 4
      { table: 'table2', stack: 'table1_table2', paddedVocabularySize: 64, paddedDim: 8, rowOffset: 16, rotation: 4, stackRowsPerShard: 24 },
    ]);
  });

  it('RespectsDisableStacking: one stack per table, rotation 0 each', () => {
    const got = stackTables(
      [
        { name: 'table1', vocabularySize: 100, dim: 6, group: 'stack1', outputSamples: 10 },
        { name: 'table2', vocabularySize: 50, dim: 5, group: 'stack1', outputSamples: 10 },
      ],
      { numPartitions: 2, sparseCoresPerPartition: 4, stacking: false },
    );
    assert.deepEqual(got.map(pick), [
      { table: 'table1', stack: 'table1', paddedVocabularySize: 128, paddedDim: 8, rowOffset: 0, rotation: 0, stackRowsPerShard: 16 },
      { table: 'table2', stack: 'table2', paddedVocabularySize: 64, paddedDim: 8, rowOffset: 0, rotation: 0, stackRowsPerShard: 8 },
    ]);
  });

  for (const [name, opts] of [
    // 4 B × 8 × (1024 / 4) = 8192 activation bytes per table and core: two fit under 16385, a third does not.
    ['RespectsActivationMemLimit', { activationMemBytesLimit: 16384 + 1 }],
    // 4 B × 8 × 128 / 2 = 2048 variable-shard bytes per table: two fit under 4097.
    ['RespectsVariableShardLimit', { variableShardBytesLimit: 4096 + 1 }],
  ] as const) {
    it(`${name}: five equal tables → stacks of 2, 2, 1`, () => {
      const tables = [1, 2, 3, 4, 5].map((i) => ({ name: `table${i}`, vocabularySize: 128, dim: 8, group: 'stack1', outputSamples: 1024 }));
      const got = stackTables(tables, { numPartitions: 2, sparseCoresPerPartition: 4, ...opts });
      assert.deepEqual(
        got.map((l) => [l.table, l.stack]),
        [['table1', 'table1_table2'], ['table2', 'table1_table2'], ['table3', 'table3_table4'], ['table4', 'table3_table4'], ['table5', 'table5']],
      );
    });
  }
});

describe('stackTables: two dims, two optimizers, not in name order', () => {
  it('stacks by (dim rounded up to 8, optimizer), names sorted, rotation restarting in each stack', () => {
    // v4-8: 4 partitions × 4 SparseCores, N = 16, rows padded to a multiple of 8N = 128.
    // Given in this order (first appearance in a model): users 32 Adagrad, movies 32 Adagrad, genres 30 SGD,
    // tags 64 Adagrad, ages 29 Adagrad. TF sorts by name: ages, genres, movies, tags, users; the group is
    // (roundUp(dim, 8), optimizer): ages 29 → 32 Adagrad, genres 30 → 32 SGD, movies 32 Adagrad, tags 64 Adagrad,
    // users 32 Adagrad. Stacks in TF's btree order (32,'adagrad') < (32,'sgd') < (64,'adagrad'):
    //   ages_movies_users: rotation (i × 16 / 4) % 16 = 0, 4, 8; offsets 0, 1024/16 = 64, 64 + 2048/16 = 192
    //   genres: rotation 0; tags: rotation 0 (the rotation restarts in every stack).
    const tables: StackingTable[] = [
      { name: 'users', vocabularySize: 943, dim: 32, group: 'adagrad' },
      { name: 'movies', vocabularySize: 1682, dim: 32, group: 'adagrad' },
      { name: 'genres', vocabularySize: 19, dim: 30, group: 'sgd' },
      { name: 'tags', vocabularySize: 5000, dim: 64, group: 'adagrad' },
      { name: 'ages', vocabularySize: 7, dim: 29, group: 'adagrad' },
    ];
    const got = stackTables(tables, { numPartitions: 4, sparseCoresPerPartition: 4 });
    const stack = 'ages_movies_users';
    // rows per core of the stack: (128 + 1792 + 1024) / 16 = 184
    assert.deepEqual(got.map(pick), [
      { table: 'ages', stack, paddedVocabularySize: 128, paddedDim: 32, rowOffset: 0, rotation: 0, stackRowsPerShard: 184 },
      { table: 'movies', stack, paddedVocabularySize: 1792, paddedDim: 32, rowOffset: 8, rotation: 4, stackRowsPerShard: 184 },
      { table: 'users', stack, paddedVocabularySize: 1024, paddedDim: 32, rowOffset: 120, rotation: 8, stackRowsPerShard: 184 },
      { table: 'genres', stack: 'genres', paddedVocabularySize: 128, paddedDim: 32, rowOffset: 0, rotation: 0, stackRowsPerShard: 8 },
      { table: 'tags', stack: 'tags', paddedVocabularySize: 5120, paddedDim: 64, rowOffset: 0, rotation: 0, stackRowsPerShard: 320 },
    ]);
  });

  it('rejects a duplicated name or a bad count with ConfigError invalid_stacking', () => {
    const t = { name: 'a', vocabularySize: 8, dim: 8, group: 'g' };
    assert.throws(() => stackTables([t, t], { numPartitions: 1, sparseCoresPerPartition: 4 }), (e: Error & { kind?: string }) => e.kind === 'invalid_stacking' && /'a' twice/.test(e.message));
    assert.throws(() => stackTables([t], { numPartitions: 0, sparseCoresPerPartition: 4 }), /stackTables: expected numPartitions to be a positive integer, but got 0/);
  });
});

describe('stackTables against TensorFlow 2.21 SparseCoreLayoutStacker', () => {
  it('every table: stack, row offset, rotation, padded vocab and dim, rows per core equal TF on several table sets', () => {
    const cases: (StackingOptions & { tables: StackingTable[] })[] = [];
    const rnd = mulberry(7);
    for (const [P, spc] of [[1, 4], [2, 4], [4, 4], [8, 2], [3, 1]] as const) {
      for (const stacking of [true, false]) {
        const n = 4 + Math.floor(rnd() * 9);
        const tables: StackingTable[] = Array.from({ length: n }, (_, i) => ({
          name: `t${Math.floor(rnd() * 1000)}_${i}`,
          vocabularySize: 1 + Math.floor(rnd() * 5000),
          dim: [5, 8, 30, 32][Math.floor(rnd() * 4)], // few padded dims: tables share stacks
          group: ['adagrad_0.1', 'sgd_0.01'][Math.floor(rnd() * 2)],
          outputSamples: [0, 64, 256, 40000][Math.floor(rnd() * 4)], // 40000 × 32 B / core: some stacks hit the 2 MiB activation limit
        }));
        cases.push({ numPartitions: P, sparseCoresPerPartition: spc, stacking, tables });
      }
    }
    // One huge stack candidate hits the 2 GiB variable shard limit.
    cases.push({
      numPartitions: 1,
      sparseCoresPerPartition: 1,
      stacking: true,
      tables: [0, 1, 2].map((i) => ({ name: `big${i}`, vocabularySize: 20_000_000, dim: 16, group: 'g', outputSamples: 8 })),
    });
    const input = cases.map((c) => ({ ...c, tables: c.tables.map((t) => ({ ...t, outputSamples: t.outputSamples ?? 0 })) }));
    const run = spawnSync(pythonExecutable(), [path.join(__dirname, 'fixtures', 'sparse_core_layout_oracle.py')], {
      input: JSON.stringify(input),
      encoding: 'utf8',
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
      timeout: 300_000,
    });
    assert.equal(run.status, 0, `python3 with TensorFlow failed (pip install tensorflow==2.21.*): ${run.stderr}`);
    const tfLayouts = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, unknown>[][];
    let stacked = 0;
    let split = 0;
    cases.forEach((c, i) => {
      const ours = stackTables(c.tables, c).map((l) => {
        const { indexInStack: _i, ...rest } = l;
        return rest;
      });
      assert.deepEqual(ours, tfLayouts[i], `case ${i}: ${JSON.stringify(c)}`);
      stacked += ours.filter((l) => l.rotation > 0).length;
      const groupOf = new Map(c.tables.map((t) => [t.name, t.group]));
      const stacksPerKey = new Map<string, Set<string>>();
      for (const l of ours) {
        const key = `${l.paddedDim}/${groupOf.get(l.table)}`;
        stacksPerKey.set(key, (stacksPerKey.get(key) ?? new Set()).add(l.stack));
      }
      if (c.stacking !== false) split += [...stacksPerKey.values()].filter((s) => s.size > 1).length;
    });
    assert.ok(split >= 2, `the cases hit the stacking limits (${split} (dim, group) keys split over several stacks)`);
    assert.ok(stacked > 5, `the cases exercise stacking (${stacked} tables with a non-zero rotation)`);
  });
});

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

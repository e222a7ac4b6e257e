// Lazy storage (tableConfig({ storage: 'lazy' })): rows materialized on first touch from counter-based initial
// values, so a lazy table is bit-identical to a dense one on the same stream — weights, slots and activations — for
// every optimizer, combiner, sharding and path; its memory grows with rows touched; bad configs name the fix.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { ConfigError, CheckpointError, InputError } from '../../src/errors';
import { TPUEmbedding, featureConfig, tableConfig, type TPUEmbeddingJson, type TPUEmbeddingOptions } from '../../src/embedding';
import { loadCheckpoint, saveCheckpoint } from '../../src/checkpoint';
import { tablesToTensors, tensorsToTables } from '../../src/models';
import { Adagrad, AdagradMomentum, Adam, FTRL, SGD } from '../../src/optimizers';
import { Random } from '../../src/random';

before(async () => {
  await chooseBackend();
});

const OPTIMIZERS = {
  SGD: () => new SGD({ learningRate: 0.1 }),
  Adagrad: () => new Adagrad({ learningRate: 0.1 }),
  AdagradClipDecay: () => new Adagrad({ learningRate: 0.1, clipValue: 0.05, weightDecayFactor: 0.01, clipWeightMin: -0.4, clipWeightMax: 0.4 }),
  AdagradMomentum: () => new AdagradMomentum({ learningRate: 0.05, momentum: 0.9 }),
  Adam: () => new Adam({ learningRate: 0.01 }),
  FTRL: () => new FTRL({ learningRate: 0.1, l1RegularizationStrength: 0.001, l2RegularizationStrength: 0.01 }),
} as const;

const V = 5000;
const B = 32;

type Batch = {
  bag: { values: number[]; rowSplits: number[]; weights: number[] };
  one: number[][];
  seq: { values: number[]; rowSplits: number[] };
};

/** Ragged weighted bags and a dense feature over a Zipf-ish vocabulary: rows repeat within and across steps. */
function stream(steps: number, seed: number): Batch[] {
  const rng = new Random(seed);
  const id = (): number => Math.floor(V * rng.float() ** 3);
  return Array.from({ length: steps }, () => {
    const rowSplits = [0];
    for (let b = 0; b < B; b++) rowSplits.push(rowSplits[b] + (b === 5 ? 0 : 1 + rng.int(4)));
    const values = Array.from({ length: rowSplits[B] }, id);
    return {
      bag: { values, rowSplits, weights: values.map(() => 0.5 + rng.float()) },
      one: Array.from({ length: B }, () => [id()]),
      seq: { values: Array.from({ length: 2 * B }, id), rowSplits: Array.from({ length: B + 1 }, (_, b) => 2 * b) },
    };
  });
}

interface Run {
  acts: Float32Array[];
  tables: ReturnType<TPUEmbedding['exportTables']>;
  emb: TPUEmbedding;
}

function build(storage: 'dense' | 'lazy', opt: keyof typeof OPTIMIZERS, options: Partial<TPUEmbeddingOptions>, paths: { simd: boolean; native: boolean }, dim = 8): TPUEmbedding {
  const items = tableConfig({ vocabularySize: V, dim, combiner: 'sqrtn', name: 'items', storage });
  const users = tableConfig({ vocabularySize: V, dim, combiner: 'sum', name: 'users', storage, initializer: { kind: 'truncatedNormal', mean: 0.1, stddev: 0.3 } });
  const emb = new TPUEmbedding({
    features: { bag: featureConfig({ table: items }), one: featureConfig({ table: users }), seq: featureConfig({ table: items, maxSequenceLength: 2 }) },
    optimizer: OPTIMIZERS[opt](),
    topology: 'v4-8',
    seed: 11,
    ...options,
  });
  emb.useSimd = paths.simd;
  emb.useNative = paths.native;
  return emb;
}

/** Trains `emb` on `batches` (gradient 0.7·activation − 0.05); returns every activation. */
function run(emb: TPUEmbedding, batches: readonly Batch[]): Float32Array[] {
  const acts: Float32Array[] = [];
  for (const batch of batches) {
    const out = emb.lookup(batch);
    const grads: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(out)) {
      acts.push(t.dataSync() as Float32Array);
      grads[name] = tf.tidy(() => t.mul(0.7).sub(0.05));
    }
    emb.applyGradients(grads);
    tf.dispose([...Object.values(out), ...Object.values(grads)]);
  }
  return acts;
}

function train(storage: 'dense' | 'lazy', opt: keyof typeof OPTIMIZERS, options: Partial<TPUEmbeddingOptions>, steps: number, paths: { simd: boolean; native: boolean }, dim = 8): Run {
  const emb = build(storage, opt, options, paths, dim);
  const acts = run(emb, stream(steps, 5));
  return { acts, tables: emb.exportTables(), emb };
}

function assertBitIdentical(lazy: Run, dense: Run, what: string): void {
  assert.equal(lazy.acts.length, dense.acts.length);
  lazy.acts.forEach((a, i) => assert.deepEqual(a, dense.acts[i], `${what}: activations of lookup ${i}`));
  for (const [name, t] of Object.entries(dense.tables)) {
    const l = lazy.tables[name];
    assert.deepEqual(l.weights, t.weights, `${what}: weights of ${name}`);
    assert.deepEqual(Object.keys(l.slots).sort(), Object.keys(t.slots).sort());
    for (const [slot, a] of Object.entries(t.slots)) assert.deepEqual(l.slots[slot as keyof typeof l.slots], a, `${what}: ${name}/${slot}`);
  }
}

describe('lazy storage', () => {
  for (const opt of Object.keys(OPTIMIZERS) as (keyof typeof OPTIMIZERS)[]) {
    it(`is bit-identical to dense under ${opt} (weights, slots, activations; mod sharding on v4-8, kernels)`, () => {
      const paths = { simd: true, native: true };
      const dense = train('dense', opt, {}, 6, paths);
      const lazy = train('lazy', opt, {}, 6, paths);
      assertBitIdentical(lazy, dense, opt);
    });
  }

  const SETUPS: [string, Partial<TPUEmbeddingOptions>, { simd: boolean; native: boolean }][] = [
    ['cpu placement, JavaScript loops', { placement: 'cpu' }, { simd: false, native: false }],
    ['div sharding, WebAssembly kernels', { sharding: 'div' }, { simd: true, native: false }],
    ['table sharding, table-order layout on v4-32', { sharding: 'table', layoutRule: 'table-order', topology: 'v4-32' }, { simd: true, native: true }],
    ['id limits with dropping', { maxIdsPerPartition: 4, maxUniqueIdsPerPartition: 3, allowIdDropping: true }, { simd: true, native: true }],
  ];
  for (const [label, options, paths] of SETUPS) {
    it(`is bit-identical to dense with ${label} (Adam)`, () => {
      const dense = train('dense', 'Adam', options, 5, paths);
      const lazy = train('lazy', 'Adam', options, 5, paths);
      assertBitIdentical(lazy, dense, label);
      if (options.allowIdDropping) assert.ok(lazy.emb.lastStats!.tables.some((t) => t.droppedIds > 0), 'ids were dropped');
    });
  }

  it('is bit-identical at a dim the SIMD kernels do not take (dim 6: JavaScript loops on the pool)', () => {
    const paths = { simd: true, native: true };
    assertBitIdentical(train('lazy', 'Adagrad', {}, 4, paths, 6), train('dense', 'Adagrad', {}, 4, paths, 6), 'dim 6');
  });

  it('materializes exactly the rows looked up (rowsMaterialized in the stats); untouched rows read as their initial values', () => {
    const { emb } = train('lazy', 'Adagrad', {}, 3, { simd: true, native: true });
    const seen = { items: new Set<number>(), users: new Set<number>() };
    for (const batch of stream(3, 5)) {
      for (const v of batch.bag.values) seen.items.add(v);
      for (const v of batch.seq.values) seen.items.add(v);
      for (const [v] of batch.one) seen.users.add(v);
    }
    assert.equal(emb.table('items').rowsMaterialized, seen.items.size);
    assert.equal(emb.table('users').rowsMaterialized, seen.users.size);
    const stats = emb.lastStats!.tables.find((t) => t.table === 'items')!;
    assert.equal(stats.rowsMaterialized, seen.items.size);
    const untouched = [...Array(V).keys()].find((r) => !seen.items.has(r))!;
    const dense = train('dense', 'Adagrad', {}, 0, { simd: true, native: true }).emb;
    assert.deepEqual(emb.table('items').readRow(untouched), dense.table('items').readRow(untouched));
    assert.equal(emb.table('items').rowsMaterialized, seen.items.size, 'reading a row does not materialize it');
  });

  it('a 1e8-row table constructs at once and small; memory grows with the rows touched (child process RSS)', () => {
    const code = `
      const { TPUEmbedding, featureConfig, tableConfig } = require('./src/embedding');
      const { Adagrad } = require('./src/optimizers');
      const rss = () => process.memoryUsage().rss;
      const r0 = rss();
      const t0 = Date.now();
      const table = tableConfig({ vocabularySize: 1e8, dim: 64, storage: 'lazy' });
      const emb = new TPUEmbedding({ features: { f: featureConfig({ table }) }, optimizer: new Adagrad({ learningRate: 0.1 }), topology: 'v4-8' });
      const ms = Date.now() - t0;
      const r1 = rss();
      // 8,192 distinct rows spread over the whole vocabulary (a stride of ~12,207 rows: every one on its own pages).
      const ids = Array.from({ length: 8192 }, (_, i) => [Math.floor(i * (1e8 / 8192))]);
      emb.lookup({ f: ids });
      const r2 = rss();
      console.log(JSON.stringify({ ms, construct: r1 - r0, lookup: r2 - r1, rows: emb.table('table_0').rowsMaterialized }));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, TPU_EMBEDDINGS_NATIVE: '1' } });
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(m.rows, 8192);
    // Dense would be 1e8 × 64 × 4 B × 2 (weights + accumulators) = 51.2 GB.
    assert.ok(m.construct < 64e6, `construction grew RSS by ${(m.construct / 1e6).toFixed(1)} MB`);
    assert.ok(m.ms < 2000, `construction took ${m.ms} ms`);
    // 8,192 rows × 2 arrays × 256 B = 4.2 MB of pool, plus 8,192 pages of the row index (4 KiB each: 33.6 MB), plus
    // per-step buffers: far below the 51.2 GB a dense table would touch.
    assert.ok(m.lookup < 200e6, `a lookup of 8,192 rows grew RSS by ${(m.lookup / 1e6).toFixed(1)} MB`);
  });

  it('refuses what it cannot do, naming the fix', () => {
    assert.throws(() => tableConfig({ vocabularySize: 10, dim: 4, storage: 'sparse' as never }), (e: unknown) => e instanceof ConfigError && e.kind === 'invalid_table_config' && /storage to be one of dense, lazy, dynamic, but got "sparse"/.test(e.message));
    assert.throws(
      () => tableConfig({ vocabularySize: 10, dim: 4, storage: 'lazy', initializer: (r, d) => new Float32Array(r * d) }),
      (e: unknown) => e instanceof ConfigError && e.kind === 'unsupported_storage' && /function initializer.*storage 'dense'/.test(e.message),
    );
    assert.throws(
      () => tableConfig({ vocabularySize: 1e8, dim: 64 }),
      (e: unknown) => e instanceof ConfigError && e.kind === 'table_too_large' && /1e\+?8|100000000/.test(e.message) && /storage: 'lazy'/.test(e.message),
    );
    // 2^31 − 1 rows × 2 fit one array, but padded to a multiple of 8N rows on v4-8 they do not: refused at
    // construction (before any allocation), naming the lazy kind.
    const padded = tableConfig({ vocabularySize: 2 ** 31 - 1, dim: 2, name: 'wide' });
    assert.throws(
      () => new TPUEmbedding({ features: { f: featureConfig({ table: padded }) }, optimizer: new SGD(), topology: 'v4-8' }),
      (e: unknown) => e instanceof ConfigError && e.kind === 'table_too_large' && /table 'wide' of \d+ \(padded\) rows × 2.*storage: 'lazy'/.test(e.message),
    );
    const lazy = tableConfig({ vocabularySize: 10, dim: 4, storage: 'lazy', name: 't' });
    assert.throws(
      () => new TPUEmbedding({ features: { f: featureConfig({ table: lazy }) }, optimizer: new Adam({ lazyAdam: false }), topology: 'cpu' }),
      (e: unknown) => e instanceof ConfigError && e.kind === 'unsupported_storage' && /table 't'.*lazyAdam: true.*storage 'dense'/.test(e.message),
    );
    assert.equal(lazy.getConfig().storage, 'lazy');
    assert.equal(tableConfig({ vocabularySize: 10, dim: 4 }).getConfig().storage, undefined, 'dense configs keep their old JSON');
  });

  it('checkpoint form: a lazy table that fits exports and imports like a dense one; a 1e8-row one refuses clearly', () => {
    const paths = { simd: true, native: true };
    const dense = train('dense', 'Adagrad', {}, 3, paths);
    const lazy = train('lazy', 'Adagrad', {}, 0, paths).emb;
    lazy.importTables(dense.tables);
    assert.deepEqual(lazy.exportTables().items.weights, dense.tables.items.weights);
    assert.equal(lazy.table('items').rowsMaterialized, dense.emb.table('items').rowsMaterialized > 0 ? lazy.table('items').rowsMaterialized : 0);
    // Only rows that differ from their initial values took pool rows.
    const touched = new Set<number>();
    for (const batch of stream(3, 5)) for (const v of [...batch.bag.values, ...batch.seq.values]) touched.add(v);
    assert.equal(lazy.table('items').rowsMaterialized, touched.size);
    const huge = new TPUEmbedding({ features: { f: featureConfig({ table: tableConfig({ vocabularySize: 1e8, dim: 64, storage: 'lazy', name: 'huge' }) }) }, optimizer: new SGD(), topology: 'cpu' });
    assert.throws(() => huge.exportTables(), (e: unknown) => e instanceof CheckpointError && e.kind === 'table_too_large' && /huge.*not implemented yet/.test(e.message));
  });

  it('checkpoint round trip (save on v4-8, restore on cpu and v5p-8, continue): bit-identical to dense restored from the same checkpoint', async () => {
    const paths = { simd: true, native: true };
    const batches = stream(5, 5);
    const first = build('lazy', 'Adagrad', {}, paths);
    run(first, batches.slice(0, 3));
    const root = mkdtempSync(path.join(tmpdir(), 'lazy-ckpt-'));
    try {
      const saved = await saveCheckpoint(root, { step: 3, configs: { embedding: first.getConfig() }, groups: [{ file: 'tables.safetensors', tensors: tablesToTensors(first) }] });
      const { manifest, tensors } = await loadCheckpoint(saved.dir);
      const json = (manifest.configs as { embedding: TPUEmbeddingJson }).embedding;
      assert.equal(json.features.bag.table.storage, 'lazy', 'the config carries the storage kind');
      for (const topology of ['cpu', 'v5p-8']) {
        const restored: Run[] = [];
        for (const storage of ['lazy', 'dense'] as const) {
          const emb = build(storage, 'Adagrad', { topology, placement: topology === 'cpu' ? 'cpu' : 'sparsecore' }, paths);
          tensorsToTables(emb, [...tensors].map(([name, t]) => ({ ...t, name })));
          const acts = run(emb, batches.slice(3));
          restored.push({ acts, tables: emb.exportTables(), emb });
        }
        assertBitIdentical(restored[0], restored[1], `restored on ${topology}`);
        // Rows equal to their initial values (touched by no step) take no pool row on restore.
        assert.ok(restored[0].emb.table('items').rowsMaterialized < V / 2, `${restored[0].emb.table('items').rowsMaterialized} rows materialized`);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a lookup that would overflow the pool (maxRowsMaterialized) is refused and changes nothing', () => {
    const table = tableConfig({ vocabularySize: 100, dim: 4, storage: 'lazy', name: 'small', maxRowsMaterialized: 3 });
    const emb = new TPUEmbedding({ features: { f: featureConfig({ table }) }, optimizer: new SGD({ learningRate: 0.5 }), topology: 'cpu' });
    const out = emb.lookup({ f: [[1], [2], [1], [2]] });
    emb.applyGradients({ f: tf.onesLike(out.f) });
    const before = emb.exportTables().small.weights;
    assert.throws(() => emb.lookup({ f: [[1], [5], [6], [2]] }), (e: unknown) => e instanceof InputError && e.kind === 'storage_full' && /'small'.*4 rows after this lookup.*3 rows/.test(e.message));
    assert.equal(emb.table('small').rowsMaterialized, 2);
    assert.deepEqual(emb.exportTables().small.weights, before);
    emb.lookup({ f: [[1], [5], [1], [2]] }); // 3 rows: fits
    assert.equal(emb.table('small').rowsMaterialized, 3);
    tf.dispose(out);
    assert.throws(() => tableConfig({ vocabularySize: 10, dim: 4, storage: 'lazy', maxRowsMaterialized: 0 }), (e: unknown) => e instanceof ConfigError && /maxRowsMaterialized to be a positive integer.*got 0/.test(e.message));
    assert.throws(() => tableConfig({ vocabularySize: 10, dim: 4, maxRowsMaterialized: 5 }), (e: unknown) => e instanceof ConfigError && /storage is 'dense'; set storage: 'lazy'/.test(e.message));
    assert.equal(tableConfig({ vocabularySize: 10, dim: 4, storage: 'lazy', maxRowsMaterialized: 5 }).getConfig().maxRowsMaterialized, 5);
  });
});

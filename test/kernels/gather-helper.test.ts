import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { GatherHelper } from '../../src/kernels/gather-helper';
import { SGD } from '../../src/optimizers';
import { Random } from '../../src/random';

before(async () => {
  await chooseBackend();
});

/** A table big enough (12.8 MB) and a batch large enough (24,576 ids) for the helper to take part. */
function make(combiner: 'mean' | 'sum' | 'sqrtn', limits: { maxIdsPerPartition?: number; allowIdDropping?: boolean; sharding?: 'mod' | 'div' | 'table' } = {}): TPUEmbedding {
  const emb = new TPUEmbedding({
    features: { f: featureConfig({ table: tableConfig({ vocabularySize: 50_000, dim: 64, combiner, initializer: 'truncatedNormal' }) }) },
    optimizer: new SGD(),
    topology: 'v4-8',
    ...limits,
  });
  emb.useNative = false; // the helper is the WebAssembly path's second thread (the native kernels have their own)
  return emb;
}

function batch(rng: Random, B: number, weighted: boolean): { values: Int32Array; rowSplits: Int32Array; weights?: Float32Array } {
  const rowSplits = new Int32Array(B + 1);
  for (let b = 0; b < B; b++) rowSplits[b + 1] = rowSplits[b] + rng.int(6); // 0–5 ids: empty bags too
  const n = rowSplits[B];
  const values = Int32Array.from({ length: n }, () => Math.floor(50_000 * rng.float() ** 2)); // duplicates
  return weighted ? { values, rowSplits, weights: Float32Array.from({ length: n }, () => rng.float() + 0.1) } : { values, rowSplits };
}

/** The helper needs a second core (`GatherHelper.get()` is null on one): its tests skip there, saying why. */
const CORES = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
const NEEDS_TWO_CORES = CORES < 2 ? `this machine has ${CORES} core: there is no gather helper thread on one core` : false;

describe('gather helper thread', () => {
  it('exists exactly where there are 2 cores or more (and SharedArrayBuffer)', () => {
    assert.equal(GatherHelper.get() !== null, CORES >= 2 && typeof SharedArrayBuffer !== 'undefined');
  });

  it('runs on this machine and gives bit-identical activations for every combiner, weighted or not', { skip: NEEDS_TWO_CORES }, () => {
    const helper = GatherHelper.get();
    assert.ok(helper, 'a helper thread starts where there are 2 cores and SharedArrayBuffer');
    const rng = new Random(5);
    for (const combiner of ['mean', 'sum', 'sqrtn'] as const) {
      for (const weighted of [false, true]) {
        const emb = make(combiner);
        const input = batch(rng, 9_600, weighted);
        const jobsBefore: number = helper.jobsDone;
        emb.useHelperThread = true;
        const withHelper = emb.lookup({ f: input }).f;
        assert.equal(helper.jobsDone, jobsBefore + 1, 'the helper combined part of the lookup');
        emb.useHelperThread = false;
        const alone = emb.lookup({ f: input }).f;
        assert.deepEqual(withHelper.dataSync(), alone.dataSync(), `${combiner}${weighted ? ', weighted' : ''}`);
        tf.dispose([withHelper, alone]);
      }
    }
  });

  it('routes as the engine for div and table sharding (the kernels\' shared shard-route include)', { skip: NEEDS_TWO_CORES }, () => {
    const helper = GatherHelper.get()!;
    const rng = new Random(9);
    for (const sharding of ['div', 'table'] as const) {
      const emb = make('mean', { sharding });
      const input = batch(rng, 9_600, true);
      const jobsBefore: number = helper.jobsDone;
      emb.useHelperThread = true;
      const withHelper = emb.lookup({ f: input }).f;
      assert.equal(helper.jobsDone, jobsBefore + 1, `the helper combined part of the ${sharding} lookup`);
      emb.useHelperThread = false;
      const alone = emb.lookup({ f: input }).f;
      assert.deepEqual(withHelper.dataSync(), alone.dataSync(), sharding);
      tf.dispose([withHelper, alone]);
    }
  });

  it('has its part redone on the main thread when ids are dropped (it combined every id)', { skip: NEEDS_TWO_CORES }, () => {
    const rng = new Random(6);
    const input = batch(rng, 9_600, false);
    const emb = make('mean', { maxIdsPerPartition: 200, allowIdDropping: true });
    emb.useHelperThread = true;
    const jobsBefore: number = GatherHelper.get()!.jobsDone;
    const withHelper = emb.lookup({ f: input }).f;
    assert.equal(GatherHelper.get()!.jobsDone, jobsBefore + 1, 'the helper ran');
    assert.ok(emb.lastStats!.tables[0].droppedIds > 0, 'some ids were dropped');
    emb.useHelperThread = false;
    const alone = emb.lookup({ f: input }).f;
    assert.deepEqual(withHelper.dataSync(), alone.dataSync());
    tf.dispose([withHelper, alone]);
  });

  it('lets a table it has used be freed: dropping the embedding returns its weights and accumulator (RSS)', { skip: NEEDS_TWO_CORES }, () => {
    const script = path.join(__dirname, 'fixtures', 'helper-release.ts');
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, TPU_EMBEDDINGS_NATIVE: '0' } });
    assert.equal(r.status, 0, r.stderr);
    const { rssWithTable, rssAfterDrop, tableBytes, helperRanAgain, helperReplaced } = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(helperReplaced, true, 'the helper that held the table retired');
    assert.equal(helperRanAgain, true, 'a later large lookup runs on a fresh helper');
    // Weights (in the memory the helper holds) + accumulator: 2 × 800,000 × 64 × 4 B = 410 MB.
    assert.ok(rssWithTable - rssAfterDrop > 0.8 * tableBytes, `RSS fell by ${((rssWithTable - rssAfterDrop) / 1e6).toFixed(0)} MB of ${(tableBytes / 1e6).toFixed(0)} MB`);
  });

  it('is off with TPU_EMBEDDINGS_HELPER=0 (lookups then run on the main thread)', { skip: NEEDS_TWO_CORES }, () => {
    const code = "const { GatherHelper } = require('./src/kernels/gather-helper'); console.log(GatherHelper.get() === null ? 'off' : 'on');";
    const run = (env: Record<string, string>) => spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8', env: { ...process.env, ...env } }).stdout.trim();
    assert.equal(run({ TPU_EMBEDDINGS_HELPER: '0' }), 'off');
    assert.equal(run({ TPU_EMBEDDINGS_HELPER: '' }), 'on');
  });
});

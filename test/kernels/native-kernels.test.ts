import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { SIMD_CHUNK_POSITIONS } from '../../src/kernels/simd-combiner';
import { fusedCombineApplies } from '../../src/embedding/route-ids';
import { adviseTableHugePages, HUGE_PAGE_MIN_BYTES, loadNativeKernels, nativeKernelStatus, nativeKernels, NATIVE_ENV } from '../../src/kernels/native-kernels';
import { SGD } from '../../src/optimizers';
import { Random } from '../../src/random';
import { ADDON, addon, FALLBACK_RUN, NATIVE_SKIP, withKernels } from './fixtures/native-addon';
import { trainEveryOptimizer, type TrainedTables } from './fixtures/train-every-optimizer';

const ROOT = path.resolve(__dirname, '..', '..');

before(async () => {
  await chooseBackend();
});

/** Ragged ids of B samples with 0–maxLen ids each (empty bags too), skewed so ids repeat; optional weights. */
function batch(rng: Random, B: number, maxLen: number, vocab: number, weighted: boolean): { values: Int32Array; rowSplits: Int32Array; weights?: Float32Array } {
  const rowSplits = new Int32Array(B + 1);
  for (let b = 0; b < B; b++) rowSplits[b + 1] = rowSplits[b] + rng.int(maxLen + 1);
  const n = rowSplits[B];
  const values = Int32Array.from({ length: n }, () => Math.floor(vocab * rng.float() ** 2));
  return weighted ? { values, rowSplits, weights: Float32Array.from({ length: n }, () => rng.float() + 0.1) } : { values, rowSplits };
}

/** The activations of `emb.lookup(input)` with the native kernels on (`threads`) or the WebAssembly ones. */
function lookupWith(emb: TPUEmbedding, input: Parameters<TPUEmbedding['lookup']>[0], native: boolean, threads = 1): Record<string, Float32Array> {
  emb.useNative = native;
  emb.useHelperThread = false;
  emb.nativeThreads = threads;
  const out = emb.lookup(input);
  const values = Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.dataSync() as Float32Array]));
  tf.dispose(Object.values(out));
  return values;
}

/** Asserts a and b hold the same float32 bits (so −0 vs +0 and NaN payloads count). */
function assertBitIdentical(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) assert.fail(`${what}[${i}]: ${a[i]} (native) vs ${b[i]} (WebAssembly)`);
}

describe('native kernels: loading', () => {
  it('are built by the install, with a status line naming the path', { skip: NATIVE_SKIP }, () => {
    assert.equal(ADDON.status.active, true, `the addon is built by npm install (scripts/build-native.mjs): ${ADDON.status.line}`);
    assert.match(ADDON.status.line, /^tpu-embeddings: kernels: native \((avx512f|avx2|baseline), \d+ threads, .*tpu_embeddings_native\.node\)$/);
    assert.ok(addon().poolThreads() >= 1);
  });

  it('are this process’s kernels unless TPU_EMBEDDINGS_NATIVE=0 (then the WebAssembly path, and the line says why)', () => {
    const status = nativeKernelStatus();
    if (FALLBACK_RUN) {
      assert.equal(status.line, 'tpu-embeddings: kernels: WebAssembly (TPU_EMBEDDINGS_NATIVE=0)');
      assert.equal(nativeKernels(), null);
    } else {
      assert.equal(status.active, ADDON.status.active, status.line);
      assert.equal(status.line, ADDON.status.line);
      assert.equal(nativeKernels(), ADDON.kernels);
    }
    const emb = new TPUEmbedding({ features: { f: featureConfig({ table: tableConfig({ vocabularySize: 100, dim: 8 }) }) }, optimizer: new SGD(), topology: 'cpu' });
    tf.dispose(Object.values(emb.lookup({ f: [1, 2, 2] })));
    const dedup = (emb as unknown as { tableStates: { dedup: object }[] }).tableStates[0].dedup.constructor.name;
    assert.equal(dedup, status.active ? 'NativeIdDedup' : 'WasmIdDedup');
  });

  it('stay off with TPU_EMBEDDINGS_NATIVE=0, and a file that is not an addon falls back with the reason', () => {
    const off = loadNativeKernels({ env: { [NATIVE_ENV]: '0' } });
    assert.equal(off.kernels, null);
    assert.equal(off.status.line, 'tpu-embeddings: kernels: WebAssembly (TPU_EMBEDDINGS_NATIVE=0)');
    const dir = mkdtempSync(path.join(tmpdir(), 'native-'));
    const bogus = path.join(dir, 'tpu_embeddings_native.node');
    writeFileSync(bogus, 'not a shared object');
    const bad = loadNativeKernels({ path: bogus, env: {} });
    assert.equal(bad.kernels, null);
    assert.match(bad.status.line, /^tpu-embeddings: kernels: WebAssembly \(native addon failed to load: .*; build it with `node scripts\/build-native\.mjs`/);
    const missing = loadNativeKernels({ path: path.join(dir, 'absent.node'), env: {} });
    assert.equal(missing.kernels, null);
    assert.match(missing.status.line, /native addon not built: .*absent\.node is missing/);
  });

  it('a process with TPU_EMBEDDINGS_NATIVE=0 logs one line, runs the WebAssembly path and gets the native path’s activations', { skip: NATIVE_SKIP }, () => {
    const code = `
      const { chooseBackend } = require('./src/backend');
      const { TPUEmbedding, featureConfig, tableConfig } = require('./src/embedding');
      const { SGD } = require('./src/optimizers');
      chooseBackend({ log: () => {} }).then(() => {
        const emb = new TPUEmbedding({ features: { f: featureConfig({ table: tableConfig({ vocabularySize: 1000, dim: 16, combiner: 'sqrtn' }) }) }, optimizer: new SGD(), topology: 'v4-8' });
        emb.lookup({ f: { values: [1, 5, 5, 999, 3, 7, 8, 9], rowSplits: [0, 3, 3, 4, 8] } });
        const t = emb.lookup({ f: { values: [1, 5, 5, 999, 3, 7, 8, 9], rowSplits: [0, 3, 3, 4, 8] } });
        console.log(JSON.stringify({ dedup: emb.tables.length && emb['tableStates'][0].dedup.constructor.name, values: Array.from(t.f.dataSync()) }));
      });`;
    const run = (native: string) => spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, [NATIVE_ENV]: native } });
    const off = run('0');
    const on = run('');
    assert.equal(off.status, 0, off.stderr);
    assert.equal(on.status, 0, on.stderr);
    const lines = (s: string) => s.split('\n').filter((l) => l.includes('kernels:'));
    assert.deepEqual(lines(off.stderr), ['tpu-embeddings: kernels: WebAssembly (TPU_EMBEDDINGS_NATIVE=0)']);
    assert.equal(lines(on.stderr).length, 1);
    assert.match(lines(on.stderr)[0], /kernels: native/);
    const a = JSON.parse(off.stdout.trim().split('\n').pop()!);
    const b = JSON.parse(on.stdout.trim().split('\n').pop()!);
    assert.equal(a.dedup, 'WasmIdDedup');
    assert.equal(b.dedup, 'NativeIdDedup');
    assert.deepEqual(a.values, b.values);
  });
});

describe('native gather + combine in TPUEmbedding.lookup', { skip: NATIVE_SKIP }, () => {
  it('gives the WebAssembly kernel’s activations bit for bit: every combiner, weights, 1 and 2 threads, many chunks', () => withKernels(true, () => {
    const rng = new Random(11);
    for (const combiner of ['mean', 'sum', 'sqrtn'] as const) {
      const emb = new TPUEmbedding({
        features: {
          f: featureConfig({ table: tableConfig({ vocabularySize: 20_000, dim: 32, combiner }) }),
          g: featureConfig({ table: tableConfig({ vocabularySize: 3_000, dim: 8, combiner, name: 'small' }) }),
        },
        optimizer: new SGD(),
        topology: 'v4-8',
      });
      for (const weighted of [false, true]) {
        // 4,096 samples of 0–8 ids (~16k positions): dozens of native chunks of ≤ 2,048 positions.
        const input = { f: batch(rng, 4096, 8, 20_000, weighted), g: batch(rng, 4096, 3, 3_000, weighted) };
        const wasm = lookupWith(emb, input, false);
        for (const threads of [1, 2]) {
          const native = lookupWith(emb, input, true, threads);
          for (const k of ['f', 'g']) assertBitIdentical(native[k], wasm[k], `${combiner} weighted=${weighted} threads=${threads} ${k}`);
        }
        assert.ok(wasm.f.some((v) => v !== 0));
      }
    }
  }));

  it('copies one-id bags exactly (65,536 × 1 over 32 chunks) and leaks no tensor', () => withKernels(true, () => {
    const rng = new Random(2);
    const emb = new TPUEmbedding({ features: { f: featureConfig({ table: tableConfig({ vocabularySize: 100_000, dim: 64, combiner: 'sum' }) }) }, optimizer: new SGD(), topology: 'v4-8' });
    const ids = Int32Array.from({ length: 65_536 }, () => rng.int(100_000));
    const before = tf.memory().numTensors;
    const wasm = lookupWith(emb, { f: ids }, false);
    for (const threads of [1, 2]) {
      const native = lookupWith(emb, { f: ids }, true, threads);
      assertBitIdentical(native.f, wasm.f, `threads=${threads}`);
      for (const i of [0, 2047, 2048, 65_535]) assert.deepEqual(Array.from(native.f.subarray(i * 64, (i + 1) * 64)), Array.from(emb.tables[0].readRow(ids[i])), `sample ${i}`);
    }
    assert.equal(tf.memory().numTensors, before);
  }));

  it('matches with dropped ids and a bag longer than the SIMD chunk (left to the JavaScript loop)', () => withKernels(true, () => {
    const rng = new Random(3);
    const emb = new TPUEmbedding({
      features: { f: featureConfig({ table: tableConfig({ vocabularySize: 500, dim: 12, combiner: 'mean' }) }) },
      optimizer: new SGD(),
      topology: 'v4-8',
      maxIdsPerPartition: 400,
      allowIdDropping: true,
    });
    const lengths = [3, 40, 0, 17, 1, SIMD_CHUNK_POSITIONS + 10, 600, 5];
    const rowSplits = [0];
    for (const l of lengths) rowSplits.push(rowSplits[rowSplits.length - 1] + l);
    const values = Array.from({ length: rowSplits[8] }, () => rng.int(500));
    const weights = values.map(() => rng.float() + 0.1);
    const input = { f: { values, rowSplits, weights } };
    const wasm = lookupWith(emb, input, false);
    assert.ok(emb.lastStats!.tables[0].droppedIds > 0, 'some ids dropped');
    const native = lookupWith(emb, input, true, 2);
    assertBitIdentical(native.f, wasm.f, 'drops + long bag');
    assert.ok(native.f.subarray(5 * 12, 6 * 12).some((v) => v !== 0), 'the long bag is combined');
  }));
});

describe('route + gather + combine in one native call (a table’s one pooled feature, no partition limits)', { skip: NATIVE_SKIP }, () => {
  it('gives the WebAssembly path’s activations, statistics and trained tables bit for bit, long bags included, on 1 and 2 threads', () => withKernels(true, () => {
    const rng = new Random(9);
    for (const combiner of ['sum', 'mean'] as const) {
      const make = () => new TPUEmbedding({ features: { f: featureConfig({ table: tableConfig({ vocabularySize: 30_000, dim: 16, combiner, name: 't' }) }) }, optimizer: new SGD({ learningRate: 0.5 }), topology: 'v4-8', seed: 3 });
      const ref = make();
      const nat = [1, 2].map((threads) => Object.assign(make(), { nativeThreads: threads }));
      const unfused = Object.assign(make(), { nativeThreads: 2, useFusedLookup: false });
      const state = (e: TPUEmbedding) => (e as unknown as { tableStates: Parameters<typeof fusedCombineApplies>[1][] }).tableStates[0];
      assert.ok(fusedCombineApplies(nat[0], state(nat[0])), 'the fused path applies');
      assert.equal(fusedCombineApplies(unfused, state(unfused)), false, 'useFusedLookup off: routing, then the gather');
      nat.push(unfused);
      for (let step = 0; step < 2; step++) {
        const input = batch(rng, 4096, 6, 30_000, step === 1);
        // One bag longer than the SIMD chunk (left to the JavaScript loop).
        const long = Int32Array.from({ length: SIMD_CHUNK_POSITIONS + 5 }, () => rng.int(30_000));
        const values = Int32Array.from([...input.values.subarray(0, input.rowSplits[7]), ...long, ...input.values.subarray(input.rowSplits[7])]);
        const rowSplits = input.rowSplits.map((x, b) => (b > 7 ? x + long.length : x));
        const weights = input.weights ? Float32Array.from({ length: values.length }, () => rng.float() + 0.1) : undefined;
        const f = { values, rowSplits, ...(weights ? { weights } : {}) };
        const want = lookupWith(ref, { f }, false);
        const refStats = ref.lastStats!.tables;
        for (const e of nat) {
          const got = lookupWith(e, { f }, true, e.nativeThreads);
          assertBitIdentical(got.f, want.f, `${combiner} step ${step} threads ${e.nativeThreads}`);
          assert.deepEqual(e.lastStats!.tables, refStats);
        }
        assert.ok(want.f.subarray(7 * 16, 8 * 16).some((v) => v !== 0), 'the long bag is combined');
        for (const e of [ref, ...nat]) {
          e.lookup({ f }).f.dispose();
          const g = tf.fill([4096, 16], 0.25 + step);
          e.applyGradients({ f: g });
          g.dispose();
        }
      }
      const bits = (e: TPUEmbedding) => new Uint32Array(e.exportTables().t.weights.buffer);
      for (const e of nat) assert.deepEqual(bits(e), bits(ref), `${combiner}: trained tables, threads ${e.nativeThreads}`);
    }
  }));
});

describe('the lookup’s input checks on long inputs (native scans)', { skip: NATIVE_SKIP }, () => {
  it('name the same position, sample and index on the native and the WebAssembly path, and change nothing', () => {
    for (const native of [true, false]) {
      withKernels(native, () => {
        const emb = new TPUEmbedding({ features: { f: featureConfig({ table: tableConfig({ vocabularySize: 500, dim: 8 }) }) }, optimizer: new SGD(), topology: 'cpu' });
        const values = Int32Array.from({ length: 30_000 }, (_, i) => i % 500);
        const rowSplits = Int32Array.from({ length: 10_001 }, (_, b) => 3 * b);
        values[21_001] = 500;
        values[25_000] = -3;
        assert.throws(() => emb.lookup({ f: { values, rowSplits } }), (e: Error & { kind?: string }) => e.kind === 'id_out_of_range' && /has id 500 at position 21001 \(sample 7000, index 1\), outside \[0, 500\)/.test(e.message));
        values[21_001] = 1;
        values[25_000] = 2;
        rowSplits[6000] = rowSplits[5999] - 1;
        assert.throws(() => emb.lookup({ f: { values, rowSplits } }), /rowSplits\[6000\] = 17996 < rowSplits\[5999\] = 17997/);
        assert.equal(emb.lastStats, null, 'no lookup happened');
      });
    }
  });
});

describe('the WebAssembly fallback beside the native kernels', { skip: NATIVE_SKIP }, () => {
  it('trains every optimizer to the same tables bit for bit, the fallback forced in this process (as TPU_EMBEDDINGS_NATIVE=0 forces it)', () => {
    const fallback = withKernels(false, trainEveryOptimizer);
    const native = withKernels(true, trainEveryOptimizer);
    for (const [name, r] of Object.entries(fallback)) {
      assert.equal(r.dedup, 'WasmIdDedup', `${name}: the fallback routes with the WebAssembly kernel`);
      assert.equal(native[name].dedup, 'NativeIdDedup', `${name}: the native path routes with the addon`);
      assert.equal(native[name].sha256, r.sha256, `${name}: tables and slots after 3 steps`);
    }
  });

  it('a child process with TPU_EMBEDDINGS_NATIVE=0 (what npm test would run without the addon) trains every optimizer to the native path’s tables', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'train-every-optimizer.ts')], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, [NATIVE_ENV]: '0' } });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(child.stderr.split('\n').filter((l) => l.includes('kernels:')), ['tpu-embeddings: kernels: WebAssembly (TPU_EMBEDDINGS_NATIVE=0)']);
    const fallback = JSON.parse(child.stdout.trim().split('\n').pop()!) as TrainedTables;
    const native = withKernels(true, trainEveryOptimizer);
    assert.deepEqual(Object.keys(fallback), Object.keys(native));
    for (const [name, r] of Object.entries(fallback)) {
      assert.equal(r.dedup, 'WasmIdDedup', name);
      assert.equal(native[name].sha256, r.sha256, `${name}: tables and slots after 3 steps`);
    }
  });
});

describe('native kernels: checks', { skip: NATIVE_SKIP }, () => {
  it('refuse offsets outside the table, short outputs and bad splits with a RangeError (nothing written out of bounds)', () => {
    const k = addon();
    const storage = new Float32Array(4 * 8).fill(1);
    const out = new Float32Array(2 * 8);
    const scale = Float32Array.of(1, 1);
    assert.throws(() => k.combine(storage, Int32Array.of(0, 4 * 32), scale, Int32Array.of(0, 1, 2), 2, 8, out, 100, 1), /RangeError|outside storage/);
    assert.throws(() => k.combine(storage, Int32Array.of(0, 32), scale, Int32Array.of(0, 1, 2), 2, 8, new Float32Array(8), 100, 1), /out holds fewer than B × dim/);
    assert.throws(() => k.combine(storage, Int32Array.of(0, 32), scale, Int32Array.of(0, 3, 2), 2, 8, out, 100, 1), /rowSplits\[0 \.\. 1\] = 0, 3 is not an ascending range/);
    assert.throws(() => k.combine(storage, Int32Array.of(0, 32), new Int32Array(2) as unknown as Float32Array, Int32Array.of(0, 1, 2), 2, 8, out, 100, 1), /expected scale to be a Float32Array/);
    assert.equal(k.combine(storage, Int32Array.of(0, 32), scale, Int32Array.of(0, 1, 2), 2, 8, out, 100, 1), 0);
    assert.deepEqual(Array.from(out), new Array(16).fill(1));
  });
});

describe('native kernels: huge pages for tables', { skip: NATIVE_SKIP }, () => {
  it('advise the 2 MiB-aligned interior of a table of ≥ 16 MiB (Linux), nothing for a smaller one; values unchanged', () => withKernels(true, () => {
    const big = new Float32Array(new WebAssembly.Memory({ initial: 1024, maximum: 1024, shared: true }).buffer, 0, (64 * 2 ** 20) / 4);
    const advised = adviseTableHugePages(big);
    if (process.platform === 'linux') {
      assert.ok(advised > 0 && advised <= big.byteLength && advised % 2 ** 21 === 0, `advised ${advised} bytes`);
    } else assert.equal(advised, 0);
    for (let i = 0; i < big.length; i += 4099) big[i] = i;
    for (let i = 0; i < big.length; i += 4099) assert.equal(big[i], i);
    assert.equal(adviseTableHugePages(new Float32Array(HUGE_PAGE_MIN_BYTES / 4 - 1)), 0);
  }));

  it('are not asked for on the WebAssembly path', () => {
    const big = new Float32Array(HUGE_PAGE_MIN_BYTES / 4);
    assert.equal(withKernels(false, () => adviseTableHugePages(big)), 0);
  });
});

describe('native kernels: several threads of JavaScript', { skip: NATIVE_SKIP }, () => {
  it('a worker_threads Worker and the main thread combine at once, and the pool outlives the worker', async () => {
    const { Worker } = await import('node:worker_threads');
    const file = ADDON.status.path!;
    // Both threads gather the same 20,000 rows (2 threads each); each checks its copy against the table.
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const k = require(workerData.file);
      const rows = 50000, dim = 16, B = 20000;
      const storage = new Float32Array(rows * dim).map((_, i) => i % 9973);
      const posOff = Int32Array.from({ length: B }, (_, b) => ((b * 7919) % rows) * dim * 4);
      const scale = new Float32Array(B).fill(1);
      const splits = Int32Array.from({ length: B + 1 }, (_, b) => b);
      const out = new Float32Array(B * dim);
      let bad = 0;
      for (let r = 0; r < workerData.rounds; r++) {
        out.fill(-1); // a chunk left undone (or done into another caller's array) shows
        k.combine(storage, posOff, scale, splits, B, dim, out, 100, 2);
        for (let b = 0; b < B; b++) if (out[b * dim + 3] !== storage[posOff[b] / 4 + 3]) bad++;
      }
      parentPort.postMessage(bad);`;
    const run = (rounds: number) =>
      new Promise<number>((resolve, reject) => {
        const w = new Worker(code, { eval: true, workerData: { file, rounds } });
        w.once('message', resolve);
        w.once('error', reject);
      });
    const k = addon();
    const rows = 50_000, dim = 16, B = 20_000;
    const storage = new Float32Array(rows * dim).map((_, i) => i % 9973);
    const posOff = Int32Array.from({ length: B }, (_, b) => ((b * 7919) % rows) * dim * 4);
    const splits = Int32Array.from({ length: B + 1 }, (_, b) => b);
    const out = new Float32Array(B * dim);
    const check = (): number => {
      out.fill(-1);
      k.combine(storage, posOff, new Float32Array(B).fill(1), splits, B, dim, out, 100, 2);
      let bad = 0;
      for (let b = 0; b < B; b++) if (out[b * dim + 3] !== storage[posOff[b] / 4 + 3]) bad++;
      return bad;
    };
    const worker = run(200);
    let mainBad = 0;
    for (let r = 0; r < 200; r++) {
      mainBad += check();
      if (r % 4 === 0) await new Promise((res) => setImmediate(res));
    }
    assert.equal(await worker, 0, 'the worker’s gathers are exact');
    assert.equal(mainBad, 0, 'the main thread’s gathers are exact');
    await new Promise((res) => setTimeout(res, 100)); // the worker's environment has exited (its cleanup hook ran)
    assert.equal(check(), 0, 'the pool still works after the worker exited');
  });
});

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import {
  checkCpuModel,
  lookupCostTable,
  measureGatherBandwidth,
  measureLoadBalance,
  measureLookupCost,
  rowsTable,
  sampleIds,
} from '../../src/measure';
import { cpuModelFigure, loadBalanceFigure, lookupCostFigure } from '../../src/viz';
import { cpuHostProfile, estimateStep, hardwareProfile } from '../../src/cost';
import { nativeKernels } from '../../src/kernels/native-kernels';

/** The gather helper needs a second core: its test skips on one, saying why. */
const CORES = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
const NEEDS_TWO_CORES = CORES < 2 ? `this machine has ${CORES} core: there is no gather helper thread on one core` : false;

before(async () => {
  await chooseBackend();
});

test('sampleIds: uniform ids stay in range; Zipf(1.05) rank frequencies match (i+1)^-s / H', () => {
  const u = sampleIds({ vocabularySize: 10, count: 10_000, random: 1 });
  assert.ok(u.every((x) => x >= 0 && x < 10));
  const V = 1000;
  const n = 400_000;
  const z = sampleIds({ vocabularySize: V, count: n, skew: { zipf: 1.05 }, random: 2 });
  const counts = new Float64Array(V);
  for (const x of z) counts[x]++;
  let H = 0;
  for (let k = 1; k <= V; k++) H += k ** -1.05;
  // p_0 = 1/H ≈ 0.1557; p_9 = 10^-1.05 / H ≈ 0.01388. Binomial sd: √(p(1-p)/n) ≈ 5.7e-4 and 1.9e-4; allow 5 sd.
  assert.ok(Math.abs(counts[0] / n - 1 / H) < 3e-3, `p0 ${counts[0] / n}`);
  assert.ok(Math.abs(counts[9] / n - 10 ** -1.05 / H) < 1e-3, `p9 ${counts[9] / n}`);
  assert.ok(z.every((x) => x >= 0 && x < V));
  // Same seed, same ids.
  assert.deepEqual(sampleIds({ vocabularySize: V, count: 100, skew: { zipf: 1.05 }, random: 2 }), z.subarray(0, 100));
});

test('sampleIds: bad options throw with the parameter and the value', () => {
  assert.throws(() => sampleIds({ vocabularySize: 0, count: 1 }), /sampleIds: expected vocabularySize to be a positive integer, but got 0/);
  assert.throws(() => sampleIds({ vocabularySize: 5, count: -1 }), /expected count to be an integer ≥ 0, but got -1/);
  assert.throws(() => sampleIds({ vocabularySize: 5, count: 1, skew: { zipf: -1 } }), /skew/);
});

test('measureLookupCost: times, bytes and stats of the engine and the dense baseline, no tensor leak', async () => {
  const before = tf.memory().numTensors;
  const r = await measureLookupCost({ vocabularySize: 1000, dim: 8, idsPerStep: 512, idsPerSample: 4, repeats: 2, seed: 3 });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(r.globalBatchSize, 128); // 512 ids / 4 per sample
  // (512 ids + 128 activations) × 8 × 4 bytes = 20,480
  assert.equal(r.lookupBytes, 20_480);
  assert.equal(r.tableBytes, 32_000);
  assert.ok(r.lookupMs > 0 && r.updateMs > 0 && r.dense !== null && r.dense.stepMs > 0);
  assert.equal(r.stats.tables[0].ids, 512);
  assert.equal(r.stats.tables[0].numShards, 16); // v4-8
  assert.equal(r.uniqueIds, r.stats.tables[0].uniqueIds);
  assert.ok(r.uniqueIds <= 512 && r.uniqueIds > 300); // E[U] = 1000·(1 − 0.999^512) ≈ 401
  // What ran: the SIMD gather (dim 8 % 4 = 0); not the helper (512 ids < its 16,384 and a 32 kB table < its 8 MiB).
  assert.equal(r.kernels, true);
  assert.equal(r.helperThread, false);
  const cpu = await measureLookupCost({ vocabularySize: 1000, dim: 8, idsPerStep: 512, placement: 'cpu', dense: false, repeats: 1 });
  assert.equal(cpu.dense, null);
  assert.equal(cpu.stats.tables[0].placement, 'cpu');
  // The JavaScript loops see the same ids (same seed) and so the same statistics.
  const js = await measureLookupCost({ vocabularySize: 1000, dim: 8, idsPerStep: 512, idsPerSample: 4, repeats: 2, seed: 3, dense: false, kernels: false, helperThread: false });
  assert.equal(js.kernels, false);
  assert.equal(js.helperThread, false);
  assert.equal(js.uniqueIds, r.uniqueIds);
  assert.deepEqual(js.stats.tables[0].uniqueIdsPerShard, r.stats.tables[0].uniqueIdsPerShard);
});

test('measureLookupCost: kernels reports false where the table has no SIMD gather (dim 6 % 4 ≠ 0), though asked for', async () => {
  const r = await measureLookupCost({ vocabularySize: 1000, dim: 6, idsPerStep: 512, dense: false, repeats: 1, kernels: true });
  assert.equal(r.kernels, false);
  assert.equal(r.helperThread, false);
});

test('measureLookupCost: helperThread reports that the gather helper ran on a large lookup, and not when it is off', { skip: NEEDS_TWO_CORES }, async () => {
  // 2^17 rows × 16 × 4 B = 8 MiB (the helper's smallest table) and 16,384 ids per step (its smallest lookup).
  const big = { vocabularySize: 2 ** 17, dim: 16, idsPerStep: 16_384, dense: false, repeats: 1, warmup: 0 } as const;
  // The helper belongs to the WebAssembly path (the native kernels have their own threads): ask for that path.
  const on = await measureLookupCost({ ...big, native: false });
  assert.equal(on.kernels, true);
  assert.equal(on.native, false);
  assert.equal(on.helperThread, true);
  const off = await measureLookupCost({ ...big, native: false, helperThread: false });
  assert.equal(off.kernels, true);
  assert.equal(off.helperThread, false);
  const js = await measureLookupCost({ ...big, kernels: false });
  assert.equal(js.kernels, false);
  assert.equal(js.native, false);
  assert.equal(js.helperThread, false);
  // With the native kernels (where they loaded), the helper stays idle and the result says which path ran.
  const native = await measureLookupCost(big);
  assert.equal(native.native, nativeKernels() !== null);
  if (native.native) assert.equal(native.helperThread, false);
});

test('measureLookupCost: a batch not divisible by the replicas, or ids not a multiple of idsPerSample, throw', async () => {
  await assert.rejects(measureLookupCost({ vocabularySize: 100, dim: 4, idsPerStep: 18, idsPerSample: 3 }), /divisible by the 4 replicas of v4-8/);
  await assert.rejects(measureLookupCost({ vocabularySize: 100, dim: 4, idsPerStep: 17, idsPerSample: 4 }), /idsPerStep \(17\) to be a multiple of idsPerSample \(4\)/);
  await assert.rejects(measureLookupCost({ vocabularySize: 100, dim: 0, idsPerStep: 16 }), /expected dim to be a positive integer, but got 0/);
});

test('measureLoadBalance: div sharding puts the Zipf head on shard 0, mod spreads it; limits cover the maxima', () => {
  const common = { vocabularySize: 100_000, globalBatchSize: 1024, idsPerSample: 2, skew: { zipf: 1.05 }, steps: 4 } as const;
  const div = measureLoadBalance({ ...common, sharding: 'div' });
  const mod = measureLoadBalance({ ...common, sharding: 'mod' });
  assert.equal(div.numShards, 16);
  // div: shard 0 holds ids 0..6249, P ≈ H(6250)/H(1e5) ≈ 0.78 of the mass → imbalance ≈ 16 × 0.78 ≈ 12.5.
  assert.ok(div.imbalance > 8, `div imbalance ${div.imbalance}`);
  assert.equal(div.idsPerShard.indexOf(Math.max(...div.idsPerShard)), 0);
  // mod: the hottest shard gets ≈ 2× the mean; after dedup the shards are nearly even.
  assert.ok(mod.imbalance > 1.3 && mod.imbalance < 4, `mod imbalance ${mod.imbalance}`);
  assert.ok(mod.uniqueImbalance < 1.5, `mod unique imbalance ${mod.uniqueImbalance}`);
  // Sum of ids per shard = ids per step = 2,048.
  assert.ok(Math.abs(mod.idsPerShard.reduce((a, b) => a + b, 0) - 2048) < 1e-6);
  for (const r of [div, mod]) {
    assert.ok(r.suggestedMaxIdsPerPartition >= 1.25 * r.maxIdsPerPartition && r.suggestedMaxIdsPerPartition % 8 === 0);
    assert.ok(r.suggestedMaxUniqueIdsPerPartition >= 1.25 * r.maxUniqueIdsPerPartition);
  }
  assert.throws(() => measureLoadBalance({ ...common, headroom: 0.5 }), /headroom to be a finite number ≥ 1, but got 0.5/);
});

test('checkCpuModel: the prediction is estimateStep on the engine stats with the measured host; ratio = measured / predicted', async () => {
  const m = await measureLookupCost({ vocabularySize: 2000, dim: 16, idsPerStep: 1024, placement: 'cpu', dense: false, repeats: 1 });
  const bw = 1e10;
  const c = checkCpuModel({ measured: m, copyBandwidth: bw });
  const e = estimateStep(m.stats, hardwareProfile('v4-8', { host: cpuHostProfile({ measured: bw }) }));
  assert.ok(Math.abs(c.predictedMs - (e.gather + e.optimizerUpdate) * 1000) < 1e-12);
  assert.ok(Math.abs(c.ratio - m.stepMs / c.predictedMs) < 1e-12);
  assert.equal(c.withinFactor2, c.ratio >= 0.5 && c.ratio <= 2);
  // Without the small-dim penalty (×1.75 at dim 16) the row-granular traffic shrinks: a smaller prediction.
  assert.ok(checkCpuModel({ measured: m, copyBandwidth: bw, smallDimPenalty: false }).predictedMs < c.predictedMs);
  const sc = await measureLookupCost({ vocabularySize: 2000, dim: 16, idsPerStep: 1024, dense: false, repeats: 1 });
  assert.throws(() => checkCpuModel({ measured: sc, copyBandwidth: bw }), /placement 'cpu', but got 'sparsecore'/);
  assert.throws(() => checkCpuModel({ measured: m, copyBandwidth: 0 }), /copyBandwidth to be a positive number/);
});

test('measureGatherBandwidth: a positive rate with the wasm kernel and the JS loop; bad options throw', () => {
  assert.ok(measureGatherBandwidth({ vocabularySize: 10_000, dim: 16, rows: 4096 }) > 0);
  assert.ok(measureGatherBandwidth({ vocabularySize: 10_000, dim: 16, rows: 4096, kernel: 'wasm' }) > 0);
  assert.ok(measureGatherBandwidth({ vocabularySize: 10_000, dim: 6, rows: 4096 }) > 0); // dim % 4 ≠ 0: the JS loop
  assert.ok(measureGatherBandwidth({ vocabularySize: 10_000, dim: 16, rows: 4096, kernel: 'js' }) > 0);
  assert.throws(() => measureGatherBandwidth({ vocabularySize: 10, dim: 16, rows: 0 }), /rows to be a positive integer, but got 0/);
  assert.throws(() => measureGatherBandwidth({ vocabularySize: 10, dim: 6, rows: 4, kernel: 'wasm' }), /dim % 4 = 0 \(dim is 6\); use kernel 'js'/);
  assert.throws(() => measureGatherBandwidth({ vocabularySize: 10, dim: 8, rows: 4, kernel: 'simd' as 'wasm' }), /kernel to be 'wasm' or 'js', but got simd/);
});

test('figures and tables: titles, axis titles with units, one trace per series', async () => {
  const rs = [
    await measureLookupCost({ vocabularySize: 1000, dim: 8, idsPerStep: 256, repeats: 1, dense: true }),
    await measureLookupCost({ vocabularySize: 1000, dim: 8, idsPerStep: 256, repeats: 1, dense: false, skew: { zipf: 1.05 } }),
  ];
  const f = lookupCostFigure({ title: 'T', results: rs, x: 'vocabularySize', copyBandwidth: 1e10 });
  // 2 skews × (lookup, update) + 1 dense line (uniform only) + the copy-bandwidth reference = 6.
  assert.equal(f.data.length, 6);
  assert.equal((f.layout.yaxis as { title: { text: string } }).title.text, 'time per step (ms)');
  assert.equal((f.layout.xaxis as { type: string }).type, 'log');
  assert.throws(() => lookupCostFigure({ title: 'T', results: rs, x: 'rows' as never, copyBandwidth: 1 }), /expected x to be one of vocabularySize, idsPerStep, dim/);
  const t = lookupCostTable(rs, 1e10);
  assert.equal(t.numRows(), 2);
  assert.equal(t.get('dense step ms', 1), '');
  const lb = measureLoadBalance({ vocabularySize: 1000, globalBatchSize: 64, steps: 1 });
  assert.equal(loadBalanceFigure({ title: 'L', results: [lb, lb] }).data.length, 2);
  const c = cpuModelFigure({ title: 'C', configurations: [{ label: 'a', times: { measured: 2, model: 1 } }] });
  assert.equal(c.data.length, 2);
  assert.throws(() => cpuModelFigure({ title: 'C', configurations: [{ label: 'a', times: { measured: 0 } }] }), /'a' to have a positive time 'measured', but got 0/);
  assert.throws(() => rowsTable([]), /at least one row/);
});

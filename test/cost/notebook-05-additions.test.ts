import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  productionLikeModel,
  speedupCeilings,
  speedupSparseCoreVsCpu,
  tutorialModel,
  cpuHostProfile,
} from '../../src/cost';
import { SPEEDUP_BANDS, speedupFigure, stepBreakdownFigure } from '../../src/viz';

test('tutorialModel: 2 tables of 2,048 × 64 and 295,296 dense FLOPs per sample', () => {
  const m = tutorialModel();
  assert.deepEqual(m.tables.map((t) => [t.name, t.vocabularySize, t.dim, t.idsPerSample]), [
    ['user_id', 2048, 64, 1],
    ['movie_id', 2048, 64, 1],
  ]);
  // 3 × 2 × (128·256 + 256·64 + 64·1) = 6 × 49,216
  assert.equal(m.denseFlopsPerSample, 295_296);
  assert.ok(Object.isFrozen(m));
});

test('speedupCeilings: C·HBM ÷ (H·DRAM) from the sourced constants', () => {
  const [v3, v4, v5p, v6e] = speedupCeilings();
  // v4-8: 4 chips × 1.2e12 / (1 host × 51 GiB/s = 54,760,833,024 B/s) ≈ 87.65
  assert.ok(Math.abs(v4.memoryCeiling - 4.8e12 / (51 * 2 ** 30)) < 1e-9);
  assert.equal(v4.hosts, 1);
  // v6e-8: 8 chips, 8 per host → 1 host; 8 × 1.638e12 / 5.476e10 ≈ 239.3
  assert.ok(Math.abs(v6e.memoryCeiling - 8 * 1.638e12 / (51 * 2 ** 30)) < 1e-9);
  assert.ok(Math.abs(v3.hbmOverIci - 900e9 / 8e11) < 1e-12); // 1.125
  assert.ok(v5p.memoryCeiling > v4.memoryCeiling);
  // A measured host at 2e10 B/s: v4-8 ceiling 4.8e12 / 2e10 = 240.
  assert.ok(Math.abs(speedupCeilings(cpuHostProfile({ measured: 2e10 }), ['v4-8'])[0].memoryCeiling - 240) < 1e-9);
  assert.throws(() => speedupCeilings(undefined, ['cpu']), /expected TPU topologies/);
});

test('stepBreakdownFigure: one stacked trace per part, each bar summing to 100 %, totals in the labels', () => {
  const [p] = speedupSparseCoreVsCpu({ model: productionLikeModel(), topology: 'v4-8', batchSizes: [4096] });
  const f = stepBreakdownFigure({ title: 'B', bars: [{ label: 'SC', breakdown: p.sparseCore }, { label: 'CPU', breakdown: p.cpu }] });
  assert.equal(f.data.length, 5);
  assert.equal(f.layout.barmode, 'stack');
  for (let i = 0; i < 2; i++) {
    const sum = f.data.reduce((s, t) => s + (t.y as number[])[i], 0);
    assert.ok(Math.abs(sum - 100) < 1e-9);
  }
  assert.match((f.data[0].x as string[])[1], /^CPU<br>[\d.]+ ms$/);
  assert.throws(() => stepBreakdownFigure({ title: 'B', bars: [] }), /at least one bar/);
});

test('speedupFigure: the two published bands as filled traces, then one line per series, log–log', () => {
  const points = speedupSparseCoreVsCpu({ model: productionLikeModel(), topology: 'v4-8', batchSizes: [1024, 16384] });
  const f = speedupFigure({ title: 'S', series: [{ name: 'v4-8', points }, { name: 'v4-8', points, embeddingOnly: true }] });
  assert.equal(f.data.length, SPEEDUP_BANDS.length + 2);
  assert.deepEqual(f.data[0].y, [10, 10, 30, 30, 10]);
  assert.equal(f.data[0].fill, 'toself');
  assert.deepEqual(f.data[0].x, [1024, 16384, 16384, 1024, 1024]);
  assert.deepEqual(f.data[3].y, points.map((p) => p.embeddingSpeedup));
  assert.equal(f.data[3].name, 'v4-8 (embeddings only)');
  assert.equal((f.layout.yaxis as { type: string }).type, 'log');
  assert.throws(() => speedupFigure({ title: 'S', series: [] }), /at least one series/);
});

test('cpuHostProfile({ dramBytesPerS }): a stated host bandwidth, not marked measured; not with measured', async () => {
  const { cpuHostProfile: profile } = await import('../../src/cost');
  const h = profile({ dramBytesPerS: 4e11 });
  assert.equal(h.dramBytesPerS, 4e11);
  assert.equal(h.measured, false);
  assert.equal(h.name, 'host 400 GB/s');
  assert.match(h.source, /4e\+?11 B\/s as stated by the caller|400000000000 B\/s as stated by the caller/);
  assert.throws(() => profile({ measured: 1e10, dramBytesPerS: 4e11 }), /expected measured or dramBytesPerS, but got both/);
  assert.throws(() => profile({ dramBytesPerS: 0 }), /expected dramBytesPerS to be a positive finite number/);
});

test('denseTimeForSpeedup: the dense time that brings the whole-step speedup to a target, by hand', async () => {
  const { denseTimeForSpeedup, stepCostBreakdown } = await import('../../src/cost');
  const zero = { comms: 0, optimizerUpdate: 0, hostTransfer: 0 };
  const sparseCore = stepCostBreakdown({ ...zero, gather: 1, denseCompute: 0.5 });
  const cpu = stepCostBreakdown({ ...zero, gather: 30, denseCompute: 0.5 });
  const point = { globalBatchSize: 1, sparseCore, cpu, speedup: 30.5 / 1.5, embeddingSpeedup: 30 };
  // (30 + D) / (1 + D) = 6 ⇔ D = (30 − 6) / 5 = 4.8
  assert.ok(Math.abs(denseTimeForSpeedup(point, 6) - 4.8) < 1e-12);
  assert.equal(denseTimeForSpeedup(point, 40), 0); // the embedding part alone is only 30×
  assert.throws(() => denseTimeForSpeedup(point, 1), /expected target to be a finite speedup > 1, but got 1/);
  // The production-like model on v4-8 needs a dense part ≈ 9–16× the modelled one for the paper's 6×.
  const [p] = speedupSparseCoreVsCpu({ model: productionLikeModel(), topology: 'v4-8', batchSizes: [16384] });
  const ratio = denseTimeForSpeedup(p, 6) / p.sparseCore.denseCompute;
  assert.ok(ratio > 9 && ratio < 16, String(ratio));
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TableLookupStats, LookupStats } from '../../src/embedding/lookup-stats-types';
import {
  cpuHostProfile,
  estimateStep,
  hardwareProfile,
  productionLikeModel,
  speedupSparseCoreVsCpu,
  syntheticLookupStats,
} from '../../src/cost';

const close = (a: number, b: number, rel = 1e-9) => Math.abs(a - b) <= rel * Math.abs(b);

function table(over: Partial<TableLookupStats>): TableLookupStats {
  return {
    table: 't',
    dim: 128,
    numShards: 16,
    placement: 'sparsecore',
    idsPerShard: new Array(16).fill(1),
    uniqueIdsPerShard: new Array(16).fill(1),
    maxIdsPerPartition: 0,
    maxUniqueIdsPerPartition: 0,
    droppedIds: 0,
    ids: 0,
    uniqueIds: 6e6,
    bytesGathered: 4.8e9,
    activationBytes: 4.8e8,
    allToAllBytesIn: 1.2e9,
    allToAllBytesOut: 4.8e9,
    gradientBytes: 4.8e9,
    imbalance: 1,
    ...over,
  };
}
const stats = (tables: TableLookupStats[], globalBatchSize = 4400): LookupStats => ({ step: 1, numReplicas: 4, globalBatchSize, tables });

describe('estimateStep', () => {
  // v4-8: C = 4 chips, HBM 1.2e12 B/s per chip, ICI 5.4e11 B/s per chip, peak 275e12 FLOP/s per chip.
  const v4 = hardwareProfile('v4-8');

  it('sparsecore, balanced shards (hand-computed)', () => {
    const b = estimateStep(stats([table({})]), v4, { slotsPerRow: 1, denseFlopsPerSample: 1e6 });
    // gather = (βu·G·p + A)/(C·B_hbm) = (4.8e9 + 4.8e8)/(4·1.2e12) = 5.28e9/4.8e12 = 1.1e-3 s   (dim 128: p = 1)
    assert.ok(close(b.gather, 1.1e-3));
    // comms = 2(C−1)/C² · (β·I + βu·(O + Rg))/B_ici = 0.375 · (1.2e9 + 9.6e9)/5.4e11 = 4.05e9/5.4e11 = 7.5e-3 s
    assert.ok(close(b.comms, 7.5e-3));
    // update = (A + βu·p·(2Rg + 2(1+k)·U·d·4))/(C·B_hbm); U·d·4 = 6e6·512 = 3.072e9
    //        = (4.8e8 + 9.6e9 + 4·3.072e9)/4.8e12 = 2.2368e10/4.8e12 = 4.66e-3 s
    assert.ok(close(b.optimizerUpdate, 4.66e-3));
    assert.equal(b.hostTransfer, 0);
    // dense = 1e6 FLOP × 4400 / (4 · 275e12 · 0.5) = 4.4e9/5.5e14 = 8e-6 s
    assert.ok(close(b.denseCompute, 8e-6));
    assert.ok(close(b.total(), 1.1e-3 + 7.5e-3 + 4.66e-3 + 8e-6));
  });

  it('sparsecore: the busiest shard sets the pace', () => {
    // 8 shards with 2 unique ids, 8 with 0 → βu = 2 / 1 = 2; ids imbalance β = 1.5.
    const t = table({ uniqueIdsPerShard: [2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0], imbalance: 1.5 });
    const b = estimateStep(stats([t]), v4);
    // gather = (2·4.8e9 + 4.8e8)/4.8e12 = 2.1e-3 s
    assert.ok(close(b.gather, 2.1e-3));
    // comms = 0.375 · (1.5·1.2e9 + 2·9.6e9)/5.4e11 = 0.375 · 2.1e10/5.4e11 = 0.01458333 s
    assert.ok(close(b.comms, (0.375 * 2.1e10) / 5.4e11));
    // default slotsPerRow 1: update = (4.8e8 + 2·2.1888e10)/4.8e12 = 4.4256e10/4.8e12 = 9.22e-3 s
    assert.ok(close(b.optimizerUpdate, 9.22e-3));
    assert.equal(b.denseCompute, 0); // no dense FLOPs by default
  });

  it('cpu-hosted tables (hand-computed, measured host)', () => {
    // Host: DRAM 1e10 B/s (as if measured), PCIe 1e9 B/s per chip. dim 32 → p = 1.75. Adam: k = 2.
    const host = cpuHostProfile({ measured: 1e10, pcieBytesPerS: 1e9, networkBytesPerS: 1e9 });
    const t = table({ placement: 'cpu', numShards: 1, dim: 32, bytesGathered: 1e9, activationBytes: 2e8, gradientBytes: 1e9,
      uniqueIds: 7_812_500, allToAllBytesIn: 0, allToAllBytesOut: 0, uniqueIdsPerShard: [1], idsPerShard: [1] });
    const b = estimateStep(stats([t]), hardwareProfile('v4-8', { host }), { slotsPerRow: 2 });
    // gather = (G·p + A)/(H·B_dram) = (1.75e9 + 2e8)/1e10 = 0.195 s
    assert.ok(close(b.gather, 0.195));
    // hostTransfer = 2A/(C·B_pcie) = 4e8/(4·1e9) = 0.1 s
    assert.ok(close(b.hostTransfer, 0.1));
    assert.equal(b.comms, 0); // one host
    // U·d·4 = 7,812,500 · 128 = 1e9. update = (A + p·(2Rg + 2·3·1e9))/B_dram = (2e8 + 1.75·8e9)/1e10 = 1.42 s
    assert.ok(close(b.optimizerUpdate, 1.42));
    // v4-32: 16 chips, 4 hosts. gather /4; comms = 2A·(H−1)/H/(H·B_net) = 4e8·0.75/4e9 = 0.075 s;
    // hostTransfer = 4e8/(16·1e9) = 0.025 s.
    const b32 = estimateStep(stats([t]), hardwareProfile('v4-32', { host }), { slotsPerRow: 2 });
    assert.ok(close(b32.gather, 0.195 / 4));
    assert.ok(close(b32.comms, 0.075));
    assert.ok(close(b32.hostTransfer, 0.025));
  });

  it('rejects mismatched or malformed stats and bad options', () => {
    assert.throws(
      () => estimateStep(stats([table({ numShards: 8 })]), v4),
      /estimateStep: stats\.tables\[0\] \('t'\) is sharded over 8 shards but the profile's topology 'v4-8' has numShards 16/,
    );
    assert.throws(() => estimateStep(stats([table({ bytesGathered: -5 })]), v4), /expected stats\.tables\[0\] \('t'\)\.bytesGathered to be a finite number ≥ 0, but got -5/);
    assert.throws(() => estimateStep(stats([table({ imbalance: 0.5 })]), v4), /imbalance to be a finite number ≥ 1/);
    assert.throws(() => estimateStep(stats([table({ placement: 'gpu' as never })]), v4), /placement to be 'sparsecore' or 'cpu', but got 'gpu'/);
    assert.throws(() => estimateStep(stats([table({})]), v4, { slotsPerRow: -1 }), /expected slotsPerRow to be an integer ≥ 0, but got -1/);
    assert.throws(() => estimateStep(stats([table({})]), v4, { denseUtilization: 0 }), /expected denseUtilization to be in \(0, 1\], but got 0/);
    assert.throws(() => estimateStep(stats([table({})], 0), v4), /expected stats\.globalBatchSize to be a positive integer, but got 0/);
  });
});

describe('production-like model and the SparseCore-vs-CPU speedup', () => {
  it('productionLikeModel is 26 tables in the stated ranges that fit v4-8 HBM with Adagrad', () => {
    const m = productionLikeModel();
    assert.equal(m.tables.length, 26);
    for (const t of m.tables) {
      assert.ok(t.vocabularySize >= 1e6 && t.vocabularySize <= 1e8 && t.dim >= 16 && t.dim <= 128);
    }
    assert.equal(m.tables.reduce((a, t) => a + t.idsPerSample, 0), 100); // 2·1 + 4·10 + 6·5 + 14·2
    // Σ dims = 2·16 + 4·32 + 6·64 + 14·128 = 2336; MACs 2336·1024 + 1024·512 + 512·256 + 256·1 = 3,047,680; ×6
    assert.equal(m.denseLayerSizes[0], 2336);
    assert.equal(m.denseFlopsPerSample, 18_286_080);
    const tableBytes = m.tables.reduce((a, t) => a + t.vocabularySize * t.dim * 4, 0);
    assert.ok(close(tableBytes, 50.688e9)); // 12.8e9 + 15.36e9 + 15.36e9 + 7.168e9
    assert.ok(2 * tableBytes < 4 * 32 * 2 ** 30); // table + accumulator < v4-8 HBM
  });

  it('speedup = T_cpu / T_sparsecore, per batch size, consistent with estimateStep', () => {
    const model = productionLikeModel();
    const points = speedupSparseCoreVsCpu({ model, topology: 'v4-8', batchSizes: [1024, 8192] });
    assert.deepEqual(points.map((p) => p.globalBatchSize), [1024, 8192]);
    const profile = hardwareProfile('v4-8');
    const direct = estimateStep(
      syntheticLookupStats({ tables: model.tables, globalBatchSize: 8192, topology: 'v4-8', placement: 'cpu' }),
      profile,
      { denseFlopsPerSample: model.denseFlopsPerSample },
    );
    assert.ok(close(points[1].cpu.total(), direct.total()));
    for (const p of points) {
      assert.ok(close(p.speedup, p.cpu.total() / p.sparseCore.total()));
      assert.ok(p.speedup > 1 && p.embeddingSpeedup >= p.speedup);
    }
    // Dense compute is the same on both sides, so a heavier dense part pulls the speedup towards 1.
    const heavy = speedupSparseCoreVsCpu({ model: { ...model, denseFlopsPerSample: 1e10 }, topology: 'v4-8', batchSizes: [8192] });
    assert.ok(heavy[0].speedup < points[1].speedup && heavy[0].speedup < 1.5);
    assert.throws(() => speedupSparseCoreVsCpu({ model, topology: 'v4-8', batchSizes: [] }), /expected batchSizes to be a non-empty array/);
  });
});

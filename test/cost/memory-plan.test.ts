// The memory planner against hand computation: bytes per shard, per chip and in this process for several tables,
// optimizers, storage kinds, weight precisions and topologies; the chips each generation needs; the errors for a
// table or a model that does not fit (naming the table, the bytes, and the storage kinds / precisions that would).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { ConfigError } from '../../src/errors';
import { tableConfig } from '../../src/embedding';
import { Adam } from '../../src/optimizers';
import {
  checkMemoryFit,
  formatBytes,
  MEMORY_GENERATIONS,
  planMemory,
  productionLikeModel,
  rowBytes,
  type MemoryBytes,
} from '../../src/cost';

const GiB = 2 ** 30;
const pick = (b: MemoryBytes) => [b.weights, b.slots, b.idMap, b.idBuffers, b.activations, b.total];

test('rowBytes: d·w weights + k·d·4 slots', () => {
  assert.deepEqual({ ...rowBytes(64, 1) }, { weights: 256, slots: 256, total: 512 });
  assert.deepEqual({ ...rowBytes(64, 1, 'bfloat16') }, { weights: 128, slots: 256, total: 384 });
  assert.deepEqual({ ...rowBytes(10, 2, 'float16') }, { weights: 20, slots: 80, total: 100 });
  assert.deepEqual({ ...rowBytes(8, 0) }, { weights: 32, slots: 0, total: 32 });
});

test('planMemory: one dense Adagrad float32 table on v4-8, by hand', () => {
  const plan = planMemory({ tables: [{ name: 'items', vocabularySize: 1e6, dim: 64 }] }, 'v4-8', { hostMemoryBytes: 8 * GiB });
  // v4-8: 4 chips × 4 SparseCores = 16 shards, 4 replicas; default batch 16 per replica = 64.
  assert.equal(plan.globalBatchSize, 64);
  assert.deepEqual({ ...plan.slice }, { chips: 4, shardsPerChip: 4, replicasPerChip: 1 });
  assert.equal(plan.numShards, 16);
  const [t] = plan.tables;
  // V padded to a multiple of 8N = 128: ⌈1e6 / 128⌉ = 7,813 → 1,000,064 rows, 62,504 per shard; dim 64 needs no padding.
  assert.equal(t.rowsPerShard, 62_504);
  assert.equal(t.paddedDim, 64);
  assert.equal(t.slotsPerRow, 1);
  assert.equal(t.optimizer, 'Adagrad');
  // per shard: weights 62,504·64·4 = 16,001,024; slots the same; ids ⌈64·1/16⌉ = 4 × (4 + 4) = 32.
  assert.deepEqual(pick(t.perShard), [16_001_024, 16_001_024, 0, 32, 0, 32_002_080]);
  // per chip: 4 shards, + activations 2 · ⌈64/4⌉ · 1 · 64 · 4 = 8,192.
  assert.deepEqual(pick(t.perChip), [64_004_096, 64_004_096, 0, 128, 8_192, 128_016_512]);
  // this process: 1e6·64·4 = 256e6 each, ids 64 × 8 = 512, activations 2·64·64·4 = 32,768.
  assert.deepEqual(pick(t.host), [256e6, 256e6, 0, 512, 32_768, 512_033_280]);
  assert.equal(plan.hbmBytesPerChip, 32 * GiB);
  assert.equal(plan.fits, true);
  assert.deepEqual({ ...plan.host }, { bytes: t.host, totalMemBytes: 8 * GiB, fits: true });
  assert.deepEqual(pick(plan.perChip), pick(t.perChip));
  assert.ok(Object.isFrozen(plan) && Object.isFrozen(plan.tables[0]));
  // Without the option, this machine's memory.
  assert.equal(planMemory({ tables: [{ vocabularySize: 10, dim: 4 }] }, 'v4-8').host.totalMemBytes, totalmem());
});

test('planMemory: optimizers, storage kinds and precisions on v6e-8 and v5p-8, by hand', () => {
  const tables = [
    // Adam (2 slots), bfloat16 weights, dim 10 → padded 16, 3 ids per sample.
    { name: 'a', vocabularySize: 1000, dim: 10, optimizer: 'adam', weightPrecision: 'bfloat16', idsPerSample: 3 },
    // SGD (0 slots), float16, lazy: 5,000 of 1e6 rows touched.
    { name: 'b', vocabularySize: 1e6, dim: 8, optimizer: 'SGD', storage: 'lazy', weightPrecision: 'float16', expectedRowsTouched: 5000 },
    // FTRL (2 slots), float32, dynamic with a 1,000-row budget, 64-bit ids, 2 per sample.
    { name: 'c', dim: 8, optimizer: 'ftrl', storage: 'dynamic', rowBudget: 1000, idsPerSample: 2 },
    // A tableConfig result without an optimizer: the plan's optimizer (AdagradMomentum, 2 slots).
    tableConfig({ name: 'd', vocabularySize: 100, dim: 8 }),
    // An optimizer object.
    { name: 'e', vocabularySize: 64, dim: 8, optimizer: new Adam() },
  ] as const;
  const plan = planMemory({ tables, globalBatchSize: 128, optimizer: 'adagradmomentum' }, 'v6e-8', { hostMemoryBytes: GiB });
  // v6e-8: 8 chips × 2 SparseCores = 16 shards, 8 replicas; 8N = 128; per replica 16 samples.
  assert.deepEqual({ ...plan.slice }, { chips: 8, shardsPerChip: 2, replicasPerChip: 1 });
  const [a, b, c, d, e] = plan.tables;
  assert.deepEqual([a, b, c, d, e].map((t) => [t.optimizer, t.slotsPerRow]), [['Adam', 2], ['SGD', 0], ['FTRL', 2], ['AdagradMomentum', 2], ['Adam', 2]]);
  // a: ⌈1000/128⌉·128 = 1,024 rows → 64 per shard; weights 64·16·2 = 2,048, slots 64·16·2·4 = 8,192;
  //    ids ⌈128·3/16⌉ = 24 × 8 = 192. Chip: ×2 + activations 2·16·10·4 = 1,280.
  assert.deepEqual(pick(a.perShard), [2048, 8192, 0, 192, 0, 10_432]);
  assert.deepEqual(pick(a.perChip), [4096, 16_384, 0, 384, 1280, 22_144]);
  //    host: 1000·10·2 = 20,000; 1000·10·2·4 = 80,000; 384 ids × 8 = 3,072; 2·128·10·4 = 10,240.
  assert.deepEqual(pick(a.host), [20_000, 80_000, 0, 3072, 10_240, 113_312]);
  // b: lazy 5,000 rows → 5,120 → 320 per shard; weights 320·8·2 = 5,120; no slots; ids 8 × 8 = 64.
  assert.equal(b.residentRows, 5000);
  assert.deepEqual(pick(b.perShard), [5120, 0, 0, 64, 0, 5184]);
  assert.deepEqual(pick(b.perChip), [10_240, 0, 0, 128, 1024, 11_392]);
  assert.deepEqual(pick(b.host), [80_000, 0, 0, 1024, 8192, 89_216]);
  // c: dynamic budget 1,000 → 64 rows per shard; weights 64·8·4 = 2,048, slots 4,096, id map 64·32 = 2,048;
  //    ids ⌈256/16⌉ = 16 × (8 + 4) = 192.
  assert.equal(c.vocabularySize, undefined);
  assert.deepEqual(pick(c.perShard), [2048, 4096, 2048, 192, 0, 8384]);
  assert.deepEqual(pick(c.perChip), [4096, 8192, 4096, 384, 1024, 17_792]);
  assert.deepEqual(pick(c.host), [32_000, 64_000, 32_000, 3072, 8192, 139_264]);
  // d: 100 → 128 rows → 8 per shard; weights 8·8·4 = 256, slots 512; e: 64 → 128 → 8 per shard, the same.
  assert.deepEqual(pick(d.perShard), [256, 512, 0, 64, 0, 832]);
  assert.deepEqual(pick(e.perShard), pick(d.perShard));
  // Totals: the field-wise sums of the tables.
  assert.equal(plan.perShard.total, 10_432 + 5184 + 8384 + 832 + 832);
  assert.equal(plan.perChip.total, [a, b, c, d, e].reduce((s, t) => s + t.perChip.total, 0));
  assert.equal(plan.host.bytes.total, [a, b, c, d, e].reduce((s, t) => s + t.host.total, 0));

  // The same table on v5p-8 (4 chips × 4 SparseCores, 16 shards, 4 replicas): the same shards, 2× the shards per chip.
  const v5p = planMemory({ tables: [tables[0]], globalBatchSize: 128 }, 'v5p-8');
  assert.deepEqual(pick(v5p.tables[0].perShard), pick(a.perShard));
  // chip: 4 shards + activations 2 · 32 · 10 · 4 = 2,560.
  assert.deepEqual(pick(v5p.tables[0].perChip), [8192, 32_768, 0, 768, 2560, 44_288]);
  assert.equal(v5p.hbmBytesPerChip, 95 * GiB);
});

test('planMemory: chips each generation needs, by hand (a 64 GiB table)', () => {
  // 2^27 rows × 64, Adagrad float32: 2^27 · 512 B = 64 GiB of state, + small buffers.
  const plan = planMemory({ tables: [{ name: 'big', vocabularySize: 2 ** 27, dim: 64 }] }, 'v4-8');
  const chips = Object.fromEntries(plan.chipsNeeded.map((c) => [c.generation, c.chips]));
  // v3 (32 GiB, 2 shards/chip): 2 chips hold exactly 32 GiB each + buffers → too much; 3 fit.
  // v4 (32 GiB, 4 shards/chip): likewise 3. v5e (16e9 B, 1 shard): ⌈68.7e9 / 16e9⌉ = 5 → 5 shards of
  //   26,843,552 rows × 512 = 13.7e9 B each: 5. v5p (95 GiB): 1. v6e (32e9 B): ⌈68.7e9 / 32e9⌉ = 3 → 22.9e9 B: 3.
  assert.deepEqual(chips, { v3: 3, v4: 3, v5e: 5, v5p: 1, v6e: 3 });
  const v5e = plan.chipsNeeded.find((c) => c.generation === 'v5e')!;
  // 5 shards: 2^27 padded to a multiple of 40 = 134,217,760 → 26,843,552 rows each × 512 B, + ids ⌈64/5⌉·8 + acts 2·13·64·4.
  assert.equal(v5e.perChipBytes, 26_843_552 * 512 + 13 * 8 + 2 * 13 * 64 * 4);
  assert.equal(v5e.hbmBytesPerChip, 16e9);
  assert.deepEqual(MEMORY_GENERATIONS.map((g) => [g.generation, g.hbmBytesPerChip, g.shardsPerChip]), [
    ['v3', 32 * GiB, 2], ['v4', 32 * GiB, 4], ['v5e', 16e9, 1], ['v5p', 95 * GiB, 4], ['v6e', 32e9, 2],
  ]);
  // On v4-8 (4 chips) it fits: 16 GiB per chip.
  assert.equal(plan.fits, true);
  // The production-like model (26 tables, 50.7 GB of weights + as much Adagrad state) fits a v4-8 as documented.
  const prod = planMemory({ tables: productionLikeModel().tables, globalBatchSize: 16384 }, 'v4-8');
  assert.equal(prod.fits, true);
  assert.ok(prod.perChip.total > 23 * GiB && prod.perChip.total < 24 * GiB, formatBytes(prod.perChip.total));
});

test('checkMemoryFit: a table too big for the slice names itself, its bytes and the storage that would fit', () => {
  const plan = planMemory({ tables: [{ name: 'catalogue', vocabularySize: 2 ** 30, dim: 64 }, { name: 'small', vocabularySize: 10, dim: 8 }] }, 'v4-8');
  assert.equal(plan.fits, false);
  assert.throws(
    () => checkMemoryFit(plan),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.kind, 'table_too_big');
      // 2^30 rows → 2^26 per shard × 512 B × 4 shards = 128 GiB per chip (+ 8,320 B of buffers).
      assert.match(e.message, /^checkMemoryFit: table 'catalogue' \(1,073,741,824 rows × 64, dense float32, Adagrad: 1 slot per row\) needs 128\.0 GiB per chip on v4-8 \(4 chips × 4 shards\), more than its 32\.0 GiB of HBM per chip\./);
      // dense float16 would be 96 GiB: not offered. Lazy float32: 4 shards × 8·⌈r/128⌉ rows × 512 B + 8,320 ≤ 32 GiB
      // ⇔ ⌈r/128⌉ ≤ 2,097,151 ⇔ r ≤ 268,435,328; with 2-byte weights (384 B per row): ⌈r/128⌉ ≤ 2,796,201 ⇔ r ≤ 357,913,728.
      assert.doesNotMatch(e.message, /Alone, it would fit as: dense/);
      assert.match(e.message, /lazy float32 with expectedRowsTouched ≤ 268,435,328; lazy float16 or bfloat16 with expectedRowsTouched ≤ 357,913,728; dynamic float32 with rowBudget ≤ [\d,]+; dynamic float16 or bfloat16 with rowBudget ≤ [\d,]+\./);
      // 2^30 · 512 B = 512 GiB: ≥ 16 v4 chips at 32 GiB, plus buffers → 17.
      assert.match(e.message, /Or use a bigger slice: the model needs 17 v4 chips \(v3: 17, v5e: 35, v5p: 6, v6e: 18\)\./);
      return true;
    },
  );
});

test('checkMemoryFit: dense at a lower precision is offered when it fits, with its bytes', () => {
  // 2^26 rows × 64 SGD on v4-8: float32 2^26·256 B / 4 chips = 4 GiB per chip; make HBM small with a custom topology.
  const topo = { name: 'tiny', generation: 'v4' as const, chips: 1, tensorCoresPerChip: 2, sparseCoresPerChip: 4, numReplicas: 1, shardsPerReplica: 4, numShards: 4, hbmBytesPerChip: 3 * GiB };
  const plan = planMemory({ tables: [{ name: 'w', vocabularySize: 2 ** 22, dim: 256, optimizer: 'sgd' }], globalBatchSize: 16 }, topo);
  // float32: 2^22 · 1,024 B = 4 GiB > 3 GiB; float16 / bfloat16: 2 GiB (+ buffers: ids 4·8·4, acts 2·16·256·4) fit.
  assert.throws(() => checkMemoryFit(plan), /needs 4\.0 GiB per chip on tiny \(1 chips × 4 shards\).*Alone, it would fit as: dense float16 or bfloat16 \(2\.0 GiB\); lazy float32 with expectedRowsTouched ≤ [\d,]+; lazy float16 or bfloat16 \(any rows touched\)/);
});

test('checkMemoryFit: tables that fit alone but not together give model_too_big; a fitting plan passes', () => {
  // Two 2^28 × 32 Adagrad tables on v4-8: each 2^28 · 256 B / 4 = 16 GiB per chip (+ buffers): 32 GiB + ε together.
  const tables = [{ name: 'x', vocabularySize: 2 ** 28, dim: 32 }, { name: 'y', vocabularySize: 2 ** 28, dim: 32 }];
  const plan = planMemory({ tables }, 'v4-8');
  assert.throws(() => checkMemoryFit(plan), (e: unknown) => e instanceof ConfigError && e.kind === 'model_too_big' &&
    /the model's 2 tables need 32\.0 GiB per chip on v4-8 .* each fits alone\. Largest: 'x' 16\.0 GiB, 'y' 16\.0 GiB\. .*the model needs 5 v4 chips/.test(e.message));
  assert.doesNotThrow(() => checkMemoryFit(planMemory({ tables: tables.slice(0, 1) }, 'v4-8')));
});

test('checkMemoryFit: this machine — the cpu topology, or host: true on a TPU slice', () => {
  const config = { tables: [{ name: 'items', vocabularySize: 1e8, dim: 64 }] };
  // 1e8 · 512 B = 51.2e9 B = 47.7 GiB in this process.
  const small = planMemory(config, 'cpu', { hostMemoryBytes: 24 * GiB });
  assert.equal(small.fits, false);
  assert.equal(small.hbmBytesPerChip, 0);
  assert.throws(() => checkMemoryFit(small), (e: unknown) => e instanceof ConfigError && e.kind === 'table_too_big' &&
    /table 'items' .* needs 47\.7 GiB in this process, more than this machine's 24\.0 GiB of memory \(os\.totalmem\(\)\)\. Alone, it would fit as: lazy float32 with expectedRowsTouched ≤ [\d,]+/.test(e.message));
  // Lazy float32 within 24 GiB: r · 512 + ids 16·8 + acts 2·16·64·4 ≤ 24 GiB ⇔ r ≤ 50,331,631.
  assert.throws(() => checkMemoryFit(small), /lazy float32 with expectedRowsTouched ≤ 50,331,631;/);
  const big = planMemory(config, 'v4-8', { hostMemoryBytes: 24 * GiB });
  assert.equal(big.fits, true); // 12 GiB per v4 chip
  assert.doesNotThrow(() => checkMemoryFit(big));
  assert.throws(() => checkMemoryFit(big, { host: true }), /in this process/);
  assert.doesNotThrow(() => checkMemoryFit(planMemory(config, 'cpu', { hostMemoryBytes: 64 * GiB })));
});

test('planMemory: bad tables are refused naming the table, the field and the fix', () => {
  const bad = (table: object, re: RegExp) =>
    assert.throws(() => planMemory({ tables: [table as never] }, 'v4-8'), (e: unknown) => e instanceof ConfigError && e.kind === 'invalid_plan' && re.test(e.message));
  bad({ name: 't', dim: 8, storage: 'dynamic' }, /table 't' rowBudget .* to be set for storage 'dynamic', but it is missing/);
  bad({ name: 't', vocabularySize: 10, dim: 8, rowBudget: 5 }, /rowBudget only with storage 'dynamic', but the table is 'dense'/);
  bad({ name: 't', vocabularySize: 10, dim: 8, storage: 'lazy', expectedRowsTouched: 11 }, /expectedRowsTouched to be at most vocabularySize \(10\), but got 11/);
  bad({ name: 't', vocabularySize: 10, dim: 8, expectedRowsTouched: 5 }, /expectedRowsTouched only with storage 'lazy'/);
  bad({ name: 't', vocabularySize: 10, dim: 8, storage: 'sparse' }, /storage to be one of dense, lazy, dynamic, but got 'sparse'/);
  bad({ name: 't', vocabularySize: 10, dim: 8, weightPrecision: 'int8' }, /weightPrecision to be one of float32, float16, bfloat16, but got 'int8'/);
  bad({ name: 't', vocabularySize: 10, dim: 8, optimizer: 'rmsprop' }, /optimizer to be one of Adagrad, AdagradMomentum, Adam, FTRL, SGD \(any case\).*but got 'rmsprop'/);
  bad({ name: 't', vocabularySize: 12.5, dim: 8 }, /table 't' vocabularySize to be a positive integer, but got 12\.5/);
  bad({ name: 't', vocabularySize: 10, dim: 8, storage: 'dynamic', rowBudget: 0 }, /rowBudget to be a positive integer, but got 0/);
  assert.throws(() => planMemory({ tables: [{ name: 'a', vocabularySize: 1, dim: 1 }, { name: 'a', vocabularySize: 1, dim: 1 }] }, 'v4-8'), /'a' appears twice/);
  assert.throws(() => planMemory({ tables: [] }, 'v4-8'), /non-empty array/);
  assert.throws(() => planMemory({ tables: [{ vocabularySize: 1, dim: 1 }], globalBatchSize: 0 }, 'v4-8'), /globalBatchSize to be a positive integer, but got 0/);
  assert.throws(() => planMemory({ tables: [{ vocabularySize: 1, dim: 1 }] }, 'v9-8'), /unknown|expected one of/);
});

test('formatBytes and memoryPlanRows / memoryPlanSummary: the plan for people', async () => {
  const { memoryPlanRows, memoryPlanSummary } = await import('../../src/cost');
  assert.deepEqual([0, 1023, 1024, 1536, 32 * GiB, 2 ** 50].map(formatBytes), ['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '32.0 GiB', '1.0 PiB']);
  const plan = planMemory({ tables: [{ name: 'items', vocabularySize: 1e6, dim: 64 }, { name: 'ids', dim: 8, storage: 'dynamic', rowBudget: 1000, optimizer: 'sgd' }] }, 'v4-8', { hostMemoryBytes: GiB });
  const rows = memoryPlanRows(plan);
  assert.deepEqual(rows.map((r) => r.table), ['items', 'ids', 'total']);
  // items: 32,002,080 B per shard = 30.5 MiB, 128,016,512 B per chip = 122.1 MiB, 512,033,280 B here = 488.3 MiB.
  assert.deepEqual({ ...rows[0] }, {
    table: 'items', rows: '1,000,000', dim: '64', optimizer: 'Adagrad (1 slot)', storage: 'dense', precision: 'float32',
    'per shard': '30.5 MiB', 'per chip': '122.1 MiB', 'this process': '488.3 MiB',
  });
  assert.equal(rows[1].optimizer, 'SGD (0 slots)');
  assert.equal(rows[2]['per chip'], formatBytes(plan.perChip.total));
  const summary = memoryPlanSummary(plan);
  assert.match(summary[0], /^v4-8 \(4 chips × 4 shards, global batch 64\): 122\.\d MiB per chip of 32\.0 GiB HBM \(0\.4 %\) — fits\.$/);
  assert.match(summary[2], /^this machine: 488\.\d MiB of 1\.0 GiB \(os\.totalmem\(\)\) — fits\.$/);
  assert.match(summary[3], /^chips needed: v3 1, v4 1, v5e 1, v5p 1, v6e 1 /);
});

// Time and memory together: planStep gives the step-time model and the memory plan of the same tables, and the
// optimizer term of the time model reads and writes each row's state with the memory plan's bytes per row (rowBytes:
// the table's optimizer slots and weight precision), one formula for both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors';
import {
  estimateStep,
  hardwareProfile,
  planMemory,
  planStep,
  productionLikeModel,
  smallDimPenalty,
  syntheticLookupStats,
} from '../../src/cost';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('estimateStep: per-table row state (slots, weight precision) sets the optimizer bytes, by hand', () => {
  const tables = [{ name: 'a', vocabularySize: 1e6, dim: 64, idsPerSample: 4 }, { name: 'b', vocabularySize: 1e5, dim: 32, idsPerSample: 1 }];
  const stats = syntheticLookupStats({ tables, globalBatchSize: 4096, topology: 'v4-8', placement: 'sparsecore' });
  const profile = hardwareProfile('v4-8');
  const base = estimateStep(stats, profile); // every table: 1 slot (Adagrad), float32
  // Table 'a' as Adam with bfloat16 weights: its row state goes from 64·4 + 64·4 = 512 B to 64·2 + 2·64·4 = 640 B.
  const mixed = estimateStep(stats, profile, { tables: { a: { slotsPerRow: 2, weightPrecision: 'bfloat16' } } });
  const a = stats.tables[0];
  const u = a.uniqueIdsPerShard;
  const betaU = (Math.max(...u) * u.length) / u.reduce((s, x) => s + x, 0);
  // optimizerUpdate_a changes by βu · p · 2 · U · (640 − 512) / (C · B_hbm); nothing else changes.
  const delta = (betaU * smallDimPenalty(64) * 2 * a.uniqueIds * (640 - 512)) / (4 * 1.2e12);
  close(mixed.optimizerUpdate - base.optimizerUpdate, delta, 'optimizerUpdate delta');
  assert.ok(delta > 0);
  assert.equal(mixed.gather, base.gather);
  assert.equal(mixed.comms, base.comms);
  // slotsPerRow for every table, or the same through `tables`: equal results.
  const sgdAll = estimateStep(stats, profile, { slotsPerRow: 0 });
  const sgdByName = estimateStep(stats, profile, { tables: { a: { slotsPerRow: 0 }, b: { slotsPerRow: 0 } } });
  assert.equal(sgdByName.optimizerUpdate, sgdAll.optimizerUpdate);
  assert.ok(sgdAll.optimizerUpdate < base.optimizerUpdate);
  assert.throws(() => estimateStep(stats, profile, { tables: { a: { slotsPerRow: -1 } } }), (e: unknown) =>
    e instanceof ConfigError && e.kind === 'invalid_option' && /tables\['a'\]\.slotsPerRow to be an integer ≥ 0, but got -1/.test(e.message));
  assert.throws(() => estimateStep(stats, profile, { tables: { a: { slotsPerRow: 1, weightPrecision: 'int4' as never } } }), /weightPrecision to be one of float32, float16, bfloat16, but got 'int4'/);
});

test('planStep: the memory plan and the step time of the same tables, the optimizer term from the plan', () => {
  const model = productionLikeModel();
  const tables = model.tables.map((t, i) => (i < 2 ? { ...t, optimizer: 'adam', weightPrecision: 'bfloat16' as const } : t));
  const plan = planStep({ tables, topology: 'v4-8', globalBatchSize: 16384, denseFlopsPerSample: model.denseFlopsPerSample, memory: { hostMemoryBytes: 2 ** 40 } });
  // Memory: exactly planMemory's answer.
  const memory = planMemory({ tables, globalBatchSize: 16384 }, 'v4-8', { hostMemoryBytes: 2 ** 40 });
  assert.deepEqual(JSON.parse(JSON.stringify(plan.memory)), JSON.parse(JSON.stringify(memory)));
  assert.equal(plan.memory.tables[0].slotsPerRow, 2);
  // Time: estimateStep on the same synthetic stats with each table's slots and precision.
  const stats = syntheticLookupStats({ tables: model.tables, globalBatchSize: 16384, topology: 'v4-8', placement: 'sparsecore' });
  const byName = Object.fromEntries(model.tables.map((t, i) => [t.name, i < 2 ? { slotsPerRow: 2, weightPrecision: 'bfloat16' as const } : { slotsPerRow: 1 }]));
  const expected = estimateStep(stats, hardwareProfile('v4-8'), { denseFlopsPerSample: model.denseFlopsPerSample, tables: byName });
  assert.equal(plan.time.total(), expected.total());
  assert.equal(plan.time.optimizerUpdate, expected.optimizerUpdate);
  // …which differs from the all-Adagrad float32 step by the two tables' row state only.
  const adagrad = estimateStep(stats, hardwareProfile('v4-8'), { denseFlopsPerSample: model.denseFlopsPerSample });
  assert.notEqual(plan.time.optimizerUpdate, adagrad.optimizerUpdate);
  assert.equal(plan.time.gather, adagrad.gather);
  assert.ok(Object.isFrozen(plan));
  // A dynamic table's ids are drawn over its rowBudget when it states no id space.
  const dyn = planStep({ tables: [{ name: 'd', dim: 16, storage: 'dynamic', rowBudget: 1e6 }], topology: 'v5p-8', globalBatchSize: 1024 });
  assert.equal(dyn.memory.tables[0].residentRows, 1e6);
  assert.ok(dyn.time.total() > 0);
  assert.throws(() => planStep({ tables: [{ vocabularySize: 10, dim: 4 }], topology: 'cpu', globalBatchSize: 8 }), /expected a TPU topology/);
});

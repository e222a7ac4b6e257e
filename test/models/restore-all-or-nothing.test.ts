import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { loadCheckpoint, saveCheckpoint } from '../../src/checkpoint';
import type { NamedTensor } from '../../src/checkpoint/safetensors';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { CheckpointError, InputError } from '../../src/errors';
import { kerasAdagrad, SGD } from '../../src/optimizers';
import { Random } from '../../src/random';
import { RankingModel, rankingCheckpointContent, rankingStateFromCheckpoint, type RankingModelState, type RatingBatch } from '../../src/models';

// Users 50 × 4 (table_1), movies 40 × 4 (table_0), Dense(8, relu) → Dense(1).
const model = (seed: number, optimizer: 'adagrad' | 'sgd' = 'adagrad'): RankingModel =>
  new RankingModel({
    topology: 'v4-8',
    optimizer: optimizer === 'adagrad' ? kerasAdagrad({ learningRate: 0.1 }) : new SGD({ learningRate: 0.1 }),
    userVocabularySize: 50,
    movieVocabularySize: 40,
    embeddingDim: 4,
    hiddenUnits: [8],
    seed,
  });

function batches(n: number, seed: number): RatingBatch[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => {
    const u = Int32Array.from({ length: 32 }, () => rng.int(50));
    const m = Int32Array.from({ length: 32 }, () => rng.int(40));
    return { user_id: u, movie_id: m, user_rating: Float32Array.from(u, (x, i) => 1 + ((x * 7 + m[i]) % 5)) };
  });
}

/** Every table, slot, dense weight and dense optimizer weight of a model, and its step. */
async function snapshot(m: RankingModel): Promise<RankingModelState> {
  return m.getState();
}

const bytes = (t: NamedTensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** Bit-identical states (NaN-safe: compares bytes). */
function assertSameState(a: RankingModelState, b: RankingModelState): void {
  assert.equal(b.step, a.step);
  for (const g of ['tables', 'dense', 'optimizer'] as const) {
    assert.deepEqual(b[g].map((t) => [t.name, t.dtype, [...t.shape]]), a[g].map((t) => [t.name, t.dtype, [...t.shape]]), `${g}: same tensors`);
    a[g].forEach((t, i) => assert.ok(bytes(t).equals(bytes(b[g][i])), `${g} '${t.name}' is bit-identical`));
  }
}

/** A model trained 3 steps (dense optimizer slots exist) and a state from another, differently trained model. */
async function target(): Promise<{ m: RankingModel; source: RankingModelState }> {
  const m = model(1);
  await m.fit(batches(3, 2), { epochs: 1, verbose: 0 });
  const other = model(9);
  await other.fit(batches(2, 5), { epochs: 1, verbose: 0 });
  const source = await other.getState();
  other.dispose();
  return { m, source };
}

/** setState(state) must reject with InputError `bad_state` matching `pattern`, change nothing and leak nothing. */
async function assertRejectedUnchanged(m: RankingModel, state: RankingModelState, pattern: RegExp): Promise<void> {
  const before = await snapshot(m);
  const tensors = tf.memory().numTensors;
  await assert.rejects(m.setState(state), (e: unknown) => e instanceof InputError && e.kind === 'bad_state' && pattern.test(e.message));
  assert.equal(tf.memory().numTensors, tensors, 'no tensor leaked');
  assertSameState(before, await snapshot(m));
}

const replace = (list: readonly NamedTensor[], name: string, t: Partial<NamedTensor>): NamedTensor[] =>
  list.map((x) => (x.name === name ? { ...x, ...t } : x));

describe('restore is all-or-nothing (RankingModel.setState, TPUEmbedding.importTables)', () => {
  let root: string;
  before(async () => {
    await chooseBackend();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'restore-all-or-nothing-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('a state without dense optimizer weights is a typed error naming optimizer/iter, model unchanged', async () => {
    const { m, source } = await target();
    await assertRejectedUnchanged(m, { ...source, optimizer: [] }, /RankingModel\.setState: expected optimizer tensor 'optimizer\/iter', but the state has none/);
    // A missing accumulator of one dense weight: none or all of them.
    const partial = source.optimizer.filter((t) => t.name !== 'ratings/layer_with_weights-1/bias/accumulator');
    await assertRejectedUnchanged(m, { ...source, optimizer: partial }, /'ratings\/layer_with_weights-1\/bias\/accumulator'/);
    m.dispose();
  });

  it('a checkpoint without optimizer.safetensors is a CheckpointError before setState', async () => {
    const src = model(4);
    await src.fit(batches(1, 3), { epochs: 1, verbose: 0 });
    const content = await rankingCheckpointContent(src);
    const saved = await saveCheckpoint(path.join(root, 'no-optimizer'), { ...content, groups: content.groups.filter((g) => g.file !== 'optimizer.safetensors') });
    const loaded = await loadCheckpoint(saved.dir);
    assert.throws(() => rankingStateFromCheckpoint(loaded), (e: unknown) => e instanceof CheckpointError && e.kind === 'not_a_ranking_checkpoint' && /optimizer\.safetensors/.test(e.message));
    src.dispose();
  });

  it('a state from a model with another optimizer is refused before anything changes (Adagrad state → SGD model)', async () => {
    const m = model(1, 'sgd');
    await m.fit(batches(3, 2), { epochs: 1, verbose: 0 });
    const { m: other, source } = await target();
    other.dispose();
    await assertRejectedUnchanged(m, source, /the state's tables hold 'table_0\/accumulators', 'table_1\/accumulators', which this model does not have \(its tables are table_0 with SGD slots none/);
    // Tables right (SGD slots) but the dense optimizer's state is Adagrad's.
    const sgdTables = source.tables.filter((t) => !t.name.includes('/'));
    await assertRejectedUnchanged(m, { ...source, tables: sgdTables }, /the state's optimizer hold 'ratings\/layer_with_weights-0\/kernel\/accumulator'.*only optimizer\/iter/);
    m.dispose();
  });

  it('an equal-element-count shape mismatch is refused (dense optimizer slot [4, 16] for [8, 8]; importTables of [25, 8] for [50, 4])', async () => {
    const { m, source } = await target();
    const name = 'ratings/layer_with_weights-0/kernel/accumulator';
    await assertRejectedUnchanged(m, { ...source, optimizer: replace(source.optimizer, name, { shape: [4, 16] }) }, /expected 'ratings\/layer_with_weights-0\/kernel\/accumulator' of shape \[8, 8\], but got \[4, 16\]/);
    await assertRejectedUnchanged(m, { ...source, tables: replace(source.tables, 'table_1', { shape: [25, 8] }) }, /expected 'table_1' of shape \[50, 4\], but got \[25, 8\]/);

    // importTables with another embedding's exportTables(): table_0 fits, table_1 has 200 values in another shape.
    const opt = kerasAdagrad({ learningRate: 0.1 });
    const other = new TPUEmbedding({
      features: { movie_id: featureConfig({ table: tableConfig({ vocabularySize: 40, dim: 4 }) }), user_id: featureConfig({ table: tableConfig({ vocabularySize: 25, dim: 8 }) }) },
      optimizer: opt,
      topology: 'v4-8',
      seed: 42,
    });
    const before = await snapshot(m);
    assert.throws(() => m.embedding.importTables(other.exportTables()), (e: unknown) => e instanceof InputError && e.kind === 'shape_mismatch' && /expected table 'table_1' of shape \[50, 4\], but got \[25, 8\]/.test(e.message));
    assertSameState(before, await snapshot(m));
    m.dispose();
  });

  it('a dense kernel consistently relabelled int32 in a checkpoint is refused naming it (it used to predict ~1e10)', async () => {
    const { m, source } = await target();
    const kernel = 'ratings/layer_with_weights-0/kernel';
    const src = model(9);
    await src.setState(source);
    const content = await rankingCheckpointContent(src);
    // The float32 bytes relabelled int32 in the manifest and the safetensors header alike: hashes and headers agree.
    const groups = content.groups.map((g) => ({
      ...g,
      tensors: g.tensors.map((t) => (t.name === kernel ? { ...t, dtype: 'int32' as const, data: new Int32Array(t.data.buffer, t.data.byteOffset, t.data.length) } : t)),
    }));
    const saved = await saveCheckpoint(path.join(root, 'relabelled'), { ...content, groups });
    const state = rankingStateFromCheckpoint(await loadCheckpoint(saved.dir));
    await assertRejectedUnchanged(m, state, /expected 'ratings\/layer_with_weights-0\/kernel' to be float32, but got int32/);
    // Same dtype label but an Int32Array of data: refused too.
    await assertRejectedUnchanged(m, { ...source, dense: replace(source.dense, kernel, { data: new Int32Array(64) }) }, /expected the data of 'ratings\/layer_with_weights-0\/kernel' to be a Float32Array of 64 values, but got Int32Array of 64 values/);
    src.dispose();
    m.dispose();
  });

  it('NaN or ±Inf in a table, a slot, a dense weight or a dense optimizer slot is refused naming the tensor', async () => {
    const { m, source } = await target();
    const poisoned = (list: readonly NamedTensor[], name: string, index: number, value: number): NamedTensor[] =>
      list.map((t) => {
        if (t.name !== name) return t;
        const data = Float32Array.from(t.data as Float32Array);
        data[index] = value;
        return { ...t, data };
      });
    await assertRejectedUnchanged(m, { ...source, tables: poisoned(source.tables, 'table_1', 3 * 4 + 2, NaN) }, /expected finite values in 'table_1', but it holds NaN at flat index 14/);
    await assertRejectedUnchanged(m, { ...source, tables: poisoned(source.tables, 'table_0/accumulators', 5, Infinity) }, /'table_0\/accumulators', but it holds Infinity at flat index 5/);
    await assertRejectedUnchanged(m, { ...source, dense: poisoned(source.dense, 'ratings/layer_with_weights-1/bias', 0, -Infinity) }, /'ratings\/layer_with_weights-1\/bias', but it holds -Infinity/);
    await assertRejectedUnchanged(m, { ...source, optimizer: poisoned(source.optimizer, 'ratings/layer_with_weights-0/bias/accumulator', 1, NaN) }, /'ratings\/layer_with_weights-0\/bias\/accumulator', but it holds NaN/);

    // TPUEmbedding.importTables on its own: every table checked before any is written.
    const full = m.embedding.exportTables();
    const bad = Float32Array.from(full.table_1.weights);
    bad[7 * 4] = NaN;
    const before = await snapshot(m);
    assert.throws(
      () => m.embedding.importTables({ table_0: { weights: new Float32Array(160).fill(1), slots: {} }, table_1: { weights: bad, slots: {} } }),
      (e: unknown) => e instanceof InputError && e.kind === 'non_finite_value' && /expected finite values in 'table_1', but row 7 holds NaN at column 0/.test(e.message),
    );
    assertSameState(before, await snapshot(m));
    m.dispose();
  });

  it('importTables refuses a slot the table optimizer does not keep (Adam momenta into an Adagrad table), before writing any table', async () => {
    const { m } = await target();
    const before = await snapshot(m);
    const ok = { weights: new Float32Array(40 * 4).fill(2), slots: {} };
    assert.throws(
      () => m.embedding.importTables({ table_0: ok, table_1: { weights: new Float32Array(200), slots: { momenta: new Float32Array(200) } } }),
      (e: unknown) => e instanceof InputError && e.kind === 'unknown_slot' && /table 'table_1' has no slot 'momenta' \(its optimizer Adagrad keeps accumulators\)/.test(e.message),
    );
    assertSameState(before, await snapshot(m));
    m.dispose();
  });

  it('a valid state still restores, and the restored model continues training', async () => {
    const { m, source } = await target();
    await m.setState(source);
    assertSameState(source, await snapshot(m));
    await m.fit(batches(1, 8), { epochs: 1, verbose: 0 });
    assert.equal(m.step, source.step + 1);
    m.dispose();
  });
});

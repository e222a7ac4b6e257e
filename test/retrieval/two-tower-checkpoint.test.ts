import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chooseBackend } from '../../src/backend';
import { loadCheckpoint, saveCheckpoint } from '../../src/checkpoint';
import { CheckpointError, InputError } from '../../src/errors';
import { Random } from '../../src/random';
import { SIDE_FEATURE_VOCABULARY } from '../../src/data';
import { TwoTowerModel, twoTowerCheckpointContent, twoTowerStateFromCheckpoint, type RetrievalBatch, type RetrievalSideFeatures } from '../../src/retrieval';

const USERS = 30;
const MOVIES = 40;
const side: RetrievalSideFeatures = {
  user_gender: Int32Array.from({ length: USERS }, (_, u) => u % 2),
  bucketized_user_age: Int32Array.from({ length: USERS }, (_, u) => u % 7),
  user_occupation_label: Int32Array.from({ length: USERS }, (_, u) => u % 5),
  movie_genres: { values: Int32Array.from({ length: MOVIES }, (_, m) => m % 6), rowSplits: Int32Array.from({ length: MOVIES + 1 }, (_, i) => i) },
  vocabulary: SIDE_FEATURE_VOCABULARY,
};

const model = (topology: string, seed: number): TwoTowerModel =>
  new TwoTowerModel({
    topology,
    userVocabularySize: USERS,
    movieVocabularySize: MOVIES,
    embeddingDim: 8,
    sideDim: 4,
    queryFeatures: ['user_gender', 'bucketized_user_age'],
    candidateGenres: true,
    sideFeatures: side,
    queryUnits: [16, 8],
    candidateUnits: [8],
    candidateIds: Int32Array.from({ length: MOVIES }, (_, i) => i),
    seed,
  });

function batches(n: number, seed: number): RetrievalBatch[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => {
    const user_id = Int32Array.from({ length: 32 }, () => rng.int(USERS));
    return { user_id, movie_id: Int32Array.from(user_id, (u) => (u * 3 + rng.int(4)) % MOVIES) };
  });
}

/**
 * Trains with fit and returns every step's loss (the core's StepLogs). The logQ probabilities are data, not state:
 * every model estimates them from the whole training set `all` first, as a resumed run does.
 */
async function stepLosses(m: TwoTowerModel, data: RetrievalBatch[], all: RetrievalBatch[] = data): Promise<number[]> {
  m.estimateCandidateProbability(all);
  const losses: number[] = [];
  await m.fit(data, { verbose: 0, callbacks: [{ onStepEnd: (_s, logs) => void losses.push(logs.loss) }] });
  return losses;
}

describe('TwoTowerModel checkpoints', () => {
  let root: string;
  before(async () => {
    await chooseBackend();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'two-tower-ckpt-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('save → load → continue training gives the losses of uninterrupted training; restores on other topologies', async () => {
    const data = batches(8, 1);
    const reference = model('v4-8', 1);
    const full = await stepLosses(reference, data);

    const trained = model('v4-8', 1);
    await stepLosses(trained, data.slice(0, 3), data);
    const saved = await saveCheckpoint(root, await twoTowerCheckpointContent(trained));
    const loaded = await loadCheckpoint(saved.dir);
    assert.equal(loaded.manifest.step, 3);
    assert.deepEqual(loaded.tensors.get('user_id/accumulators')?.shape, [USERS, 8]);
    assert.deepEqual(loaded.tensors.get('movie_genres')?.shape, [SIDE_FEATURE_VOCABULARY.movie_genres, 4]);
    assert.ok(loaded.tensors.has('query/layer_with_weights-1/kernel/accumulator'));
    assert.ok(loaded.tensors.has('candidate/layer_with_weights-0/bias'));
    assert.equal(loaded.tensors.get('optimizer/iter')?.dtype, 'int64');

    // Another seed: every value comes from the checkpoint.
    const resumed = model('v4-8', 99);
    await resumed.setState(twoTowerStateFromCheckpoint(loaded));
    assert.equal(resumed.step, 3);
    const rest = await stepLosses(resumed, data.slice(3), data);
    assert.deepEqual(rest, full.slice(3));
    assert.equal(resumed.step, 8);

    const q = trained.queryEmbeddings([0, 5, 29]);
    const c = trained.candidateEmbeddings([0, 17, 39]);
    for (const topology of ['v4-32', 'cpu']) {
      const other = model(topology, 7);
      await other.setState(twoTowerStateFromCheckpoint(loaded));
      other.queryEmbeddings([0, 5, 29]).forEach((x, i) => assert.ok(Math.abs(x - q[i]) <= 1e-6, `${topology} query ${i}`));
      other.candidateEmbeddings([0, 17, 39]).forEach((x, i) => assert.ok(Math.abs(x - c[i]) <= 1e-6, `${topology} candidate ${i}`));
      other.dispose();
    }
    for (const m of [reference, trained, resumed]) m.dispose();
  });

  it('setState is all or nothing: a bad tensor or another model state is refused naming it, nothing changes', async () => {
    const source = model('v4-8', 1);
    await stepLosses(source, batches(2, 2));
    const state = await source.getState();
    const target = model('v4-8', 5);
    await stepLosses(target, batches(1, 3));
    const before = await target.getState();
    const tensors = tf.memory().numTensors;
    const poisoned = state.dense.map((t) => (t.name === 'candidate/layer_with_weights-0/kernel' ? { ...t, data: Float32Array.from(t.data as Float32Array, (x, i) => (i === 2 ? NaN : x)) } : t));
    const refuse = async (bad: unknown, message: RegExp): Promise<void> => {
      await assert.rejects(target.setState(bad as never), (e: unknown) => e instanceof InputError && e.kind === 'bad_state' && message.test(e.message));
      assert.deepEqual(await target.getState(), before);
      assert.equal(target.step, 1);
    };
    await refuse({ ...state, dense: poisoned }, /TwoTowerModel.setState: expected finite values in 'candidate\/layer_with_weights-0\/kernel', but it holds NaN at flat index 2/);
    await refuse({ ...state, tables: state.tables.filter((t) => t.name !== 'movie_genres') }, /expected table tensor 'movie_genres', but the state has none/);
    await refuse({ ...state, tables: [...state.tables, { ...state.tables[0], name: 'table_0' }] }, /the state's tables hold 'table_0', which this model does not have/);
    assert.equal(tf.memory().numTensors, tensors, 'a refused state frees what it built');
    await target.setState(state);
    assert.deepEqual(await target.getState(), state);
    source.dispose();
    target.dispose();
    await assert.rejects(target.getState(), /TwoTowerModel.getState: the model was disposed/);
  });

  it('twoTowerStateFromCheckpoint refuses a checkpoint without the three state files', async () => {
    const saved = await saveCheckpoint(path.join(root, 'partial'), { step: 1, groups: [{ file: 'tables.safetensors', tensors: [{ name: 't', dtype: 'float32', shape: [1], data: Float32Array.of(1) }] }] });
    const loaded = await loadCheckpoint(saved.dir);
    assert.throws(
      () => twoTowerStateFromCheckpoint(loaded),
      (e: unknown) => e instanceof CheckpointError && e.kind === 'not_a_two_tower_checkpoint' && /expected the checkpoint to hold dense.safetensors.*twoTowerCheckpointContent/.test(e.message),
    );
  });
});

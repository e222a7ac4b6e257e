// TensorFlow 2.21 as the oracle: one Python process answers every check (TF's import is slow), one more writes the
// SavedModel through `npm run export:saved-model`. TensorFlow must be installed (`.ci/run` does it):
// without it these tests fail with the pip command to run, they are never skipped.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { loadCheckpoint, saveCheckpoint } from '../../src/checkpoint';
import { TPUEmbedding, featureConfig, tableConfig, type FeatureInput } from '../../src/embedding';
import { emitJaxConfig, emitKerasRsConfig, emitTfConfig, runPythonModule } from '../../src/interop';
import { Adagrad, Adam, FTRL, kerasAdagrad } from '../../src/optimizers';
import { Random } from '../../src/random';
import { RankingModel, rankingCheckpointContent, rankingStateFromCheckpoint, type RatingBatch } from '../../src/models';

const ROOT = path.resolve(__dirname, '..', '..');
const COMBINERS = ['sum', 'mean', 'sqrtn'] as const;
const SIZES = { userVocabularySize: 50, movieVocabularySize: 120, embeddingDim: 16 } as const; // movie 100 exists; default Dense 256 → 64 → 1
const PAIRS = 256;

interface LookupCase {
  tables: { name: string; vocabularySize: number; dim: number; combiner: string; weights: number[] }[];
  features: { name: string; table: string; maxSequenceLength: number }[];
  inputs: Record<string, Record<string, unknown>>;
}

/** One embedding per combiner: ragged with weights (an empty bag too), sparse with weights, dense, a sequence feature, a shared table. */
function lookupCase(combiner: (typeof COMBINERS)[number]): { emb: TPUEmbedding; inputs: Record<string, FeatureInput>; request: LookupCase } {
  const a = tableConfig({ vocabularySize: 30, dim: 8, combiner, name: `a_${combiner}` });
  const b = tableConfig({ vocabularySize: 17, dim: 4, combiner, name: `b_${combiner}` });
  const features = {
    ragged: featureConfig({ table: a }),
    sparse: featureConfig({ table: a }),
    dense: featureConfig({ table: b }),
    seq: featureConfig({ table: b, maxSequenceLength: 3 }),
    seqSparse: featureConfig({ table: a, maxSequenceLength: 2 }),
  };
  const emb = new TPUEmbedding({ features, optimizer: new Adagrad(), topology: 'v4-8', seed: 5 });
  // 8 samples; sample 2 of `ragged` is an empty bag (zeros); `seq` has bags longer than L = 3 (truncated).
  const ragged = { values: [1, 5, 5, 29, 0, 7, 3, 3, 3, 12, 8, 2, 2, 9], rowSplits: [0, 2, 4, 4, 6, 9, 10, 12, 14], weights: [0.5, 2, 1, 0.25, 3, 1, 1, 0.5, 2, 1.5, 1, 1, 4, 0.1] };
  const sparse = {
    indices: [[0, 0], [0, 1], [1, 0], [2, 0], [2, 1], [2, 2], [3, 0], [4, 0], [5, 0], [5, 1], [6, 0], [7, 0], [7, 1]],
    values: [4, 4, 11, 0, 1, 2, 28, 6, 6, 7, 13, 14, 15],
    denseShape: [8, 3],
    weights: [1, 2, 0.5, 1, 1, 1, 3, 0.2, 1, 1, 2, 1, 0.75],
  };
  const dense = [0, 16, 3, 3, 7, 9, 1, 2];
  const seq = { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], rowSplits: [0, 1, 5, 6, 8, 8, 11, 13, 16] };
  // TF places a sparse sequence id at its column (scatter_nd): row 5 has only position 1, row 2 skips position 1,
  // row 7 has an id at position 2 ≥ L = 2 (truncated).
  const seqSparse = { indices: [[0, 0], [0, 1], [1, 0], [2, 0], [2, 2], [3, 0], [4, 0], [5, 1], [6, 0], [7, 0], [7, 2]], values: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], denseShape: [8, 3] };
  const inputs: Record<string, FeatureInput> = { ragged, sparse, dense, seq, seqSparse };
  const full = emb.exportTables();
  const request: LookupCase = {
    tables: Object.values(full).map((t) => ({ name: t.name, vocabularySize: t.vocabularySize, dim: t.dim, combiner, weights: Array.from(t.weights) })),
    features: Object.entries(features).map(([name, f]) => ({ name, table: f.table.name as string, maxSequenceLength: f.maxSequenceLength })),
    inputs: {
      ragged: { kind: 'ragged', ...ragged },
      sparse: { kind: 'sparse', ...sparse, indices: sparse.indices.flat() },
      dense: { kind: 'dense', values: dense, shape: [8] },
      seq: { kind: 'ragged', ...seq },
      seqSparse: { kind: 'sparse', ...seqSparse, indices: seqSparse.indices.flat() },
    },
  };
  return { emb, inputs, request };
}

function batches(n: number, seed: number): RatingBatch[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => {
    const u = Int32Array.from({ length: 32 }, () => rng.int(SIZES.userVocabularySize));
    const m = Int32Array.from({ length: 32 }, () => rng.int(SIZES.movieVocabularySize));
    return { user_id: u, movie_id: m, user_rating: Float32Array.from(u, (x, i) => 1 + ((x * 7 + m[i]) % 5)) };
  });
}

const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void => {
  assert.equal(got.length, want.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  assert.ok(worst <= tol, `${what}: max |Δ| = ${worst} > ${tol}`);
};

describe('carry-over to TensorFlow 2.21 (TF as the oracle)', () => {
  let dir: string;
  let answer: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const engine: Record<string, Record<string, { shape: number[]; values: Float32Array }>> = {};
  const pairs = { user_id: [] as number[], movie_id: [] as number[] };
  let trainedPredictions: Float32Array;
  let tfjsServing: number;
  let ckptDir: string;
  let emittedFile: string;
  let kerasRsFile: string;
  let jaxFile: string;
  let exportRun: { status: number | null; stdout: string; stderr: string; seconds: number };
  let oracleSeconds = 0;

  // A missing TensorFlow (or any setup failure) fails every test below with its message (the pip command),
  // so the runner counts failures rather than cancelled tests.
  let setupError: Error | null = null;
  const ready = (): void => {
    if (setupError) throw setupError;
  };

  before(async () => {
    try {
      await setUp();
    } catch (e) {
      setupError = e as Error;
    }
  });

  async function setUp(): Promise<void> {
    await chooseBackend();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interop-tf-'));
    // (a) lookups: the engine's activations, and the same tables/inputs for TF.
    const lookups: LookupCase[] = [];
    for (const c of COMBINERS) {
      const { emb, inputs, request } = lookupCase(c);
      const acts = emb.lookup(inputs);
      engine[c] = Object.fromEntries(Object.entries(acts).map(([k, t]) => [k, { shape: t.shape, values: t.dataSync() as Float32Array }]));
      tf.dispose(Object.values(acts));
      lookups.push(request);
    }
    // (b) a model trained here, checkpointed; 256 pairs to predict.
    const model = new RankingModel({ topology: 'v4-8', optimizer: kerasAdagrad({ learningRate: 0.1 }), ...SIZES, seed: 3 });
    await model.fit(batches(6, 4), { epochs: 1, verbose: 0 });
    const rng = new Random(11);
    for (let i = 0; i < PAIRS; i++) {
      pairs.user_id.push(rng.int(SIZES.userVocabularySize));
      pairs.movie_id.push(rng.int(SIZES.movieVocabularySize));
    }
    trainedPredictions = model.predict(pairs);
    ckptDir = (await saveCheckpoint(path.join(dir, 'ckpts'), await rankingCheckpointContent(model))).dir;
    // (c) the tfjs serving model's prediction for user 30 / movie 100.
    const served = model.exportServingModel();
    const out = served.predict([tf.tensor1d([30], 'int32'), tf.tensor1d([100], 'int32')]) as tf.Tensor;
    tfjsServing = out.dataSync()[0];
    tf.dispose(out);
    served.dispose();
    // (d) the emitted TF config: a global Adagrad, a table with its own FTRL, a sequence feature, id limits.
    const users = tableConfig({ vocabularySize: 50, dim: 16, name: 'users', combiner: 'sqrtn' });
    const movies = tableConfig({ vocabularySize: 120, dim: 8, name: 'movies', optimizer: new FTRL({ learningRate: 0.05, l1RegularizationStrength: 0.01 }) });
    const configEmb = new TPUEmbedding({
      features: { user_id: featureConfig({ table: users }), movie_id: featureConfig({ table: movies }), history: featureConfig({ table: movies, maxSequenceLength: 10 }) },
      optimizer: kerasAdagrad({ learningRate: 0.1 }),
      topology: 'v4-8',
      maxIdsPerPartition: 64,
      maxUniqueIdsPerPartition: 32,
    });
    emittedFile = path.join(dir, 'tpu_config.py');
    fs.writeFileSync(emittedFile, emitTfConfig(configEmb));
    // Keras-RS and JAX: the same tables plus one with Adam (its own optimizer), a global batch of 64.
    const clicks = tableConfig({ vocabularySize: 300, dim: 8, name: 'clicks', combiner: 'sum', optimizer: new Adam({ learningRate: 0.01 }) });
    const otherEmb = new TPUEmbedding({
      features: { user_id: featureConfig({ table: users }), movie_id: featureConfig({ table: movies }), history: featureConfig({ table: movies, maxSequenceLength: 10 }), clicks: featureConfig({ table: clicks }) },
      optimizer: kerasAdagrad({ learningRate: 0.1 }),
      topology: 'v4-8',
      maxIdsPerPartition: 64,
      maxUniqueIdsPerPartition: 32,
    });
    kerasRsFile = path.join(dir, 'keras_rs_config.py');
    fs.writeFileSync(kerasRsFile, emitKerasRsConfig(otherEmb, { batchSize: 64, placement: 'sparsecore' }));
    jaxFile = path.join(dir, 'jax_config.py');
    fs.writeFileSync(jaxFile, emitJaxConfig(otherEmb, { batchSize: 64 }));
    model.dispose();

    // `npm run export:saved-model -- <checkpoint> <out>` (a real npm run, as a user types it).
    const t0 = performance.now();
    const run = spawnSync('npm', ['run', '--silent', 'export:saved-model', '--', path.join(dir, 'ckpts'), path.join(dir, 'saved-model')], { cwd: ROOT, encoding: 'utf8' });
    exportRun = { status: run.status, stdout: run.stdout, stderr: run.stderr, seconds: (performance.now() - t0) / 1000 };

    const request = {
      slotNames: true,
      lookups,
      restore: { checkpoint: ckptDir, ...pairs },
      reverse: { tfPrefix: path.join(dir, 'tf-ckpt', 'model'), outRoot: path.join(dir, 'back'), movieVocabularySize: SIZES.movieVocabularySize, userVocabularySize: SIZES.userVocabularySize, dim: SIZES.embeddingDim, units: [256, 64, 1], seed: 7, step: 12, ...pairs },
      roundTrip: { checkpoint: ckptDir, tfPrefix: path.join(dir, 'round-trip-tf', 'model'), outRoot: path.join(dir, 'round-trip') },
      savedModel: { dir: path.join(dir, 'saved-model'), user_id: [30], movie_id: [100] },
      emitted: [{ file: emittedFile }],
      pyChecks: [{ file: kerasRsFile, module: 'keras_rs' }, { file: jaxFile, module: 'jax_tpu_embedding' }],
    };
    fs.writeFileSync(path.join(dir, 'request.json'), JSON.stringify(request));
    const oracle = await runPythonModule('interop tests', 'tpu_embeddings_interop.oracle', [path.join(dir, 'request.json')]);
    oracleSeconds = oracle.seconds;
    answer = JSON.parse(oracle.stdout.trim().split('\n').pop() as string);
    console.log(`interop: TensorFlow ${answer.tensorflow}; oracle process ${oracleSeconds.toFixed(1)} s, export:saved-model ${exportRun.seconds.toFixed(1)} s`);
  }
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("TF's _slot_names() are the slot names we write", () => {
    ready();
    assert.deepEqual(answer.slotNames, { SGD: [], Adagrad: ['accumulators'], AdagradMomentum: ['accumulators', 'momenta'], Adam: ['momenta', 'velocities'], FTRL: ['accumulators', 'linears'] });
  });

  it('(a) TPUEmbeddingForServing lookups equal the engine for every combiner: weighted ragged and sparse, dense, sequence features', () => {
    ready();
    COMBINERS.forEach((c, i) => {
      const got = answer.lookups[i] as Record<string, { shape: number[]; values: number[] }>;
      for (const [feature, mine] of Object.entries(engine[c])) {
        assert.deepEqual(got[feature].shape, mine.shape, `${c}/${feature} shape`);
        close(mine.values, got[feature].values, 1e-6, `${c}/${feature}`);
      }
    });
  });

  it('(b) a checkpoint trained here restores in TF and predicts within 1e-5 of the engine on 256 pairs', () => {
    ready();
    assert.equal(answer.restore.step, 6);
    close(trainedPredictions, answer.restore.predictions, 1e-5, 'TF restore');
  });

  it("(b) and back: a TF checkpoint converted to a tpu-embeddings checkpoint restores in RankingModel with TF's predictions", async () => {
    ready();
    const r = answer.reverse;
    close(r.convertedPredictions, r.predictions, 0, 'TF checkpoint → TF model');
    const loaded = await loadCheckpoint(r.checkpoint);
    assert.equal(loaded.manifest.step, 12);
    assert.equal(loaded.tensors.get('optimizer/iter')?.dtype, 'int64');
    const model = new RankingModel({ topology: 'v4-8', optimizer: kerasAdagrad({ learningRate: 0.1 }), ...SIZES, seed: 99 });
    await model.setState(rankingStateFromCheckpoint(loaded));
    close(model.predict(pairs), r.predictions, 1e-5, 'converted checkpoint in tpu-embeddings');
    // It trains on from there, and saves again.
    await model.fit(batches(1, 8), { epochs: 1, verbose: 0 });
    assert.equal(model.step, 13);
    await saveCheckpoint(path.join(dir, 'back'), await rankingCheckpointContent(model));
    model.dispose();
  });

  it('round trip tpu-embeddings → TF checkpoint → tpu-embeddings keeps every table and slot bit for bit', async () => {
    ready();
    const before = await loadCheckpoint(ckptDir);
    const after = await loadCheckpoint(answer.roundTrip.checkpoint);
    assert.equal(after.manifest.step, 6);
    for (const name of ['table_0', 'table_0/accumulators', 'table_1', 'table_1/accumulators', 'ratings/layer_with_weights-0/kernel', 'ratings/layer_with_weights-2/bias']) {
      assert.deepEqual(after.tensors.get(name)?.shape, before.tensors.get(name)?.shape, name);
      assert.deepEqual(after.tensors.get(name)?.data, before.tensors.get(name)?.data, name);
    }
    const model = new RankingModel({ topology: 'v4-32', optimizer: kerasAdagrad({ learningRate: 0.1 }), ...SIZES, seed: 5 });
    await model.setState(rankingStateFromCheckpoint(after));
    close(model.predict(pairs), trainedPredictions, 1e-6, 'round trip');
    model.dispose();
  });

  it("(c) npm run export:saved-model writes a SavedModel whose 'serving' output_0 equals the tfjs prediction for user 30 / movie 100", () => {
    ready();
    assert.equal(exportRun.status, 0, exportRun.stderr);
    assert.match(exportRun.stdout, /SavedModel written to .*saved-model from .*ckpt-6 \(step 6\)/);
    assert.deepEqual(answer.savedModel.outputs, ['output_0']);
    close(answer.savedModel.predictions, [tfjsServing], 1e-5, 'SavedModel output_0 vs tfjs');
  });

  it('(d) the emitted TF config constructs in TF with the same tables, features, optimizers and limits', () => {
    ready();
    const e = answer.emitted[0];
    assert.equal(e.optimizer, 'Adagrad');
    assert.equal(e.learningRate, 0.1);
    assert.deepEqual(e.features, {
      user_id: { table: 'users', vocabularySize: 50, dim: 16, combiner: 'sqrtn', maxSequenceLength: 0, tableOptimizer: null },
      movie_id: { table: 'movies', vocabularySize: 120, dim: 8, combiner: 'mean', maxSequenceLength: 0, tableOptimizer: 'FTRL' },
      history: { table: 'movies', vocabularySize: 120, dim: 8, combiner: 'mean', maxSequenceLength: 10, tableOptimizer: 'FTRL' },
    });
    assert.deepEqual(e.built, ['movies', 'users']);
    assert.deepEqual(e.sparseCore, { max_ids_per_table: { users: 64, movies: 64 }, max_unique_ids_per_table: { users: 32, movies: 32 }, allow_id_dropping: false });
  });

  it('the emitted Keras-RS and JAX configs compile and use only those libraries\' documented fields', () => {
    ready();
    // Fields of keras_rs/src/layers/embedding/distributed_embedding_config.py (TableConfig, FeatureConfig) and of
    // jax_tpu_embedding/sparsecore/lib/nn/embedding_spec.py (TableSpec, FeatureSpec, the optimizer specs).
    const documented: Record<string, { all: string[]; required: string[] }> = {
      'keras_rs.layers.TableConfig': { all: ['name', 'vocabulary_size', 'embedding_dim', 'initializer', 'optimizer', 'combiner', 'placement', 'max_ids_per_partition', 'max_unique_ids_per_partition'], required: ['name', 'vocabulary_size', 'embedding_dim'] },
      'keras_rs.layers.FeatureConfig': { all: ['name', 'table', 'input_shape', 'output_shape'], required: ['name', 'table', 'input_shape', 'output_shape'] },
      'embedding_spec.TableSpec': { all: ['name', 'vocabulary_size', 'embedding_dim', 'initializer', 'optimizer', 'combiner', 'max_ids_per_partition', 'max_unique_ids_per_partition', 'suggested_coo_buffer_size_per_device', 'quantization_config'], required: ['name', 'vocabulary_size', 'embedding_dim', 'initializer', 'optimizer', 'combiner'] },
      'embedding_spec.FeatureSpec': { all: ['name', 'table_spec', 'input_shape', 'output_shape'], required: ['name', 'table_spec', 'input_shape', 'output_shape'] },
      'embedding_spec.AdagradOptimizerSpec': { all: ['learning_rate', 'initial_accumulator_value'], required: [] },
      'embedding_spec.AdamOptimizerSpec': { all: ['learning_rate', 'beta_1', 'beta_2', 'epsilon'], required: [] },
      'embedding_spec.FTRLOptimizerSpec': { all: ['learning_rate', 'learning_rate_power', 'l1_regularization_strength', 'l2_regularization_strength', 'beta', 'initial_accumulator_value', 'initial_linear_value', 'multiply_linear_by_learning_rate'], required: [] },
    };
    const [keras, jax] = answer.pyChecks as { calls: { callee: string; keywords: string[] }[]; kerasBuilt: string[]; import: true | string }[];
    for (const [check, tables, features] of [[keras, 'keras_rs.layers.TableConfig', 'keras_rs.layers.FeatureConfig'], [jax, 'embedding_spec.TableSpec', 'embedding_spec.FeatureSpec']] as const) {
      assert.equal(check.calls.filter((c) => c.callee === tables).length, 3, tables); // users, movies, clicks
      assert.equal(check.calls.filter((c) => c.callee === features).length, 4, features);
      for (const c of check.calls.filter((x) => documented[x.callee])) {
        const d = documented[c.callee];
        for (const k of c.keywords) assert.ok(d.all.includes(k), `${c.callee}: '${k}' is not a documented field`);
        for (const k of d.required) assert.ok(c.keywords.includes(k), `${c.callee}: missing '${k}'`);
      }
    }
    // The Keras optimizers and initializers the Keras-RS config names are real Keras objects (Keras 3 ships with TF).
    assert.deepEqual([...keras.kerasBuilt].sort(), ['Adagrad', 'Adam', 'Ftrl', 'TruncatedNormal', 'TruncatedNormal', 'TruncatedNormal'].sort());
    assert.ok(jax.calls.some((c) => c.callee === 'embedding_spec.FTRLOptimizerSpec'));
    // keras-rs and jax-tpu-embedding are not on this machine's package index: say so rather than pretend.
    console.log(`interop: import keras_rs → ${keras.import}; import jax_tpu_embedding → ${jax.import}`);
  });
});

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { ConfigError, InputError } from '../../src/errors';
import { kerasAdagrad, SGD } from '../../src/optimizers';
import { Random } from '../../src/random';
import { RankingModel, type RatingBatch, type RankingModelState } from '../../src/models';
import { DenseStack } from '../../src/models/dense-stack';

/** A tiny tutorial-shaped model: vocab 12 × dim 4 tables, Dense(8, relu) → Dense(1). */
function tinyModel(options: { topology?: string; placement?: 'sparsecore' | 'cpu'; seed?: number; lr?: number } = {}): RankingModel {
  return new RankingModel({
    topology: options.topology ?? 'v4-8',
    placement: options.placement,
    optimizer: kerasAdagrad({ learningRate: options.lr ?? 0.1 }),
    userVocabularySize: 12,
    movieVocabularySize: 12,
    embeddingDim: 4,
    hiddenUnits: [8],
    seed: options.seed ?? 3,
  });
}

/** Synthetic ratings with structure: rating = 3 + (u % 3) − (m % 2), so a model can learn it. */
function syntheticBatches(count: number, size: number, seed: number): RatingBatch[] {
  const rng = new Random(seed);
  return Array.from({ length: count }, () => {
    const u = Int32Array.from({ length: size }, () => 1 + rng.int(11));
    const m = Int32Array.from({ length: size }, () => 1 + rng.int(11));
    const r = Float32Array.from(u, (x, i) => 3 + (x % 3) - (m[i] % 2));
    return { user_id: u, movie_id: m, user_rating: r };
  });
}

function tensorOf(state: RankingModelState, group: 'tables' | 'dense', name: string): Float32Array {
  const t = state[group].find((x) => x.name === name);
  assert.ok(t, `state has ${name}`);
  return t.data as Float32Array;
}

/** The forward pass by hand: concat(user row, movie row) → relu(x·W0 + b0) → ·W1 + b1. */
function handPredict(state: RankingModelState, u: number, m: number): number {
  const dim = 4;
  const user = tensorOf(state, 'tables', 'table_1').subarray(u * dim, u * dim + dim);
  const movie = tensorOf(state, 'tables', 'table_0').subarray(m * dim, m * dim + dim);
  const x = [...user, ...movie];
  const W0 = tensorOf(state, 'dense', 'ratings/layer_with_weights-0/kernel'); // [8, 8] row-major
  const b0 = tensorOf(state, 'dense', 'ratings/layer_with_weights-0/bias');
  const W1 = tensorOf(state, 'dense', 'ratings/layer_with_weights-1/kernel'); // [8, 1]
  const b1 = tensorOf(state, 'dense', 'ratings/layer_with_weights-1/bias');
  let out = b1[0];
  for (let j = 0; j < 8; j++) {
    let h = b0[j];
    for (let i = 0; i < 8; i++) h += x[i] * W0[i * 8 + j];
    out += Math.max(0, h) * W1[j];
  }
  return out;
}

describe('RankingModel', () => {
  before(async () => {
    await chooseBackend();
  });

  it('uses the tutorial defaults: tables 2048×64 named table_0 (movies) and table_1 (users), Dense 256→64→1', async () => {
    const model = new RankingModel();
    assert.equal(model.config.topology.name, 'v4-8');
    assert.deepEqual(model.tower.units, [256, 64, 1]);
    assert.deepEqual(model.embedding.tableNames, ['table_0', 'table_1']);
    const state = await model.getState();
    assert.deepEqual(
      state.tables.map((t) => `${t.name}:${t.shape.join('x')}`),
      ['table_0:2048x64', 'table_0/accumulators:2048x64', 'table_1:2048x64', 'table_1/accumulators:2048x64'],
    );
    // kernel 0 is [2·64, 256]: the concatenation of the user and movie activations.
    assert.deepEqual(state.dense.map((t) => t.shape), [[128, 256], [256], [256, 64], [64], [64, 1], [1]]);
    model.dispose();
  });

  it('a short training run lowers the loss', async () => {
    const model = tinyModel();
    const data = syntheticBatches(8, 32, 1);
    const history = await model.fit(data, { epochs: 6, verbose: 0 });
    // 8 steps per epoch × 6 epochs; the epoch loss falls by more than half (targets have variance ≈ 0.9).
    assert.equal(history.stepLoss.length, 48);
    assert.equal(model.step, 48);
    assert.ok(history.history.loss[5] < 0.5 * history.history.loss[0], `losses ${history.history.loss.join(', ')}`);
    // Epoch RMSE = √(Σ loss·B / Σ B) = √(mean loss) when all batches have the same size.
    assert.ok(Math.abs(history.history.rmse[5] - Math.sqrt(history.history.loss[5])) < 1e-6);
    model.dispose();
  });

  it('predict and evaluate agree with a hand-computed forward pass', async () => {
    const model = tinyModel();
    await model.fit(syntheticBatches(3, 16, 2), { epochs: 1, verbose: 0 });
    const state = await model.getState();
    const users = [1, 5, 11, 0, 7];
    const movies = [2, 2, 9, 11, 3];
    // 5 ids on v4-8 (4 replicas): padded to 8 for the lookup, padding sliced off.
    const p = model.predict({ user_id: users, movie_id: movies });
    assert.equal(p.length, 5);
    users.forEach((u, i) => assert.ok(Math.abs(p[i] - handPredict(state, u, movies[i])) < 1e-5, `pair ${i}: ${p[i]}`));

    const labels = Float32Array.of(4, 1, 3, 5, 2);
    const batch = { user_id: Int32Array.from(users), movie_id: Int32Array.from(movies), user_rating: labels };
    const second = { user_id: Int32Array.of(3, 4, 6), movie_id: Int32Array.of(1, 1, 8), user_rating: Float32Array.of(5, 5, 1) };
    const result = await model.evaluate([batch, second]);
    const err = (u: number[], m: number[], y: Float32Array) => u.map((x, i) => (handPredict(state, x, m[i]) - y[i]) ** 2);
    const e1 = err(users, movies, labels);
    const e2 = err([3, 4, 6], [1, 1, 8], second.user_rating);
    const sum = (a: number[]) => a.reduce((s, x) => s + x, 0);
    // loss = mean over batches of SSE/B; rmse = √(SSE / all examples).
    assert.ok(Math.abs(result.loss - (sum(e1) / 5 + sum(e2) / 3) / 2) < 1e-4, `loss ${result.loss}`);
    assert.ok(Math.abs(result.rmse - Math.sqrt((sum(e1) + sum(e2)) / 8)) < 1e-4, `rmse ${result.rmse}`);
    assert.equal(result.examples, 8);
    // steps: only the first batch.
    const first = await model.evaluate([batch, second], { steps: 1 });
    assert.equal(first.examples, 5);
    model.dispose();
  });

  it('the training step matches a hand-derived SGD update of the output bias', async () => {
    // With SGD(lr) the output bias moves by −lr · ∂loss/∂b = −lr · (2/B) Σ (p − y).
    const model = new RankingModel({
      topology: 'cpu',
      optimizer: new SGD({ learningRate: 0.05 }),
      userVocabularySize: 12, movieVocabularySize: 12, embeddingDim: 4, hiddenUnits: [8], seed: 5,
    });
    const batch = syntheticBatches(1, 8, 9)[0];
    const p = model.predict(batch);
    let g = 0;
    for (let i = 0; i < 8; i++) g += (2 / 8) * (p[i] - batch.user_rating[i]);
    const before = (await model.getState()).dense[3].data[0] as number;
    const loss = model.trainStep(batch);
    const after = (await model.getState()).dense[3].data[0] as number;
    assert.ok(Math.abs(after - (before - 0.05 * g)) < 1e-5, `bias ${before} → ${after}, expected ${before - 0.05 * g}`);
    const mse = p.reduce((s, x, i) => s + (x - batch.user_rating[i]) ** 2, 0) / 8;
    assert.ok(Math.abs(loss - mse) < 1e-4, `loss ${loss} vs ${mse}`);
    model.dispose();
  });

  it('getState → setState continues training with the same losses as an uninterrupted run', async () => {
    const data = syntheticBatches(10, 16, 4);
    const uninterrupted = tinyModel();
    const full = await uninterrupted.fit(data, { epochs: 1, verbose: 0 });

    const first = tinyModel();
    await first.fit(data.slice(0, 4), { epochs: 1, verbose: 0 });
    const state = await first.getState();
    assert.equal(state.step, 4);
    assert.ok(state.optimizer.some((t) => t.name === 'ratings/layer_with_weights-0/kernel/accumulator'));
    assert.ok(state.optimizer.some((t) => t.name === 'optimizer/iter'));

    const resumed = tinyModel({ seed: 99 }); // other initial values: everything must come from the state
    await resumed.setState(state);
    assert.equal(resumed.step, 4);
    const rest = await resumed.fit(data.slice(4), { epochs: 1, verbose: 0 });
    assert.deepEqual(rest.stepLoss, full.stepLoss.slice(4));
    assert.deepEqual(rest.stepIndex, [5, 6, 7, 8, 9, 10]);
    // Restoring on a CPU-placed model gives the same predictions.
    const cpu = tinyModel({ topology: 'v4-8', placement: 'cpu', seed: 7 });
    await cpu.setState(await resumed.getState());
    const ids = { user_id: [1, 2, 3, 4], movie_id: [4, 3, 2, 1] };
    const a = resumed.predict(ids);
    const b = cpu.predict(ids);
    a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-6));
    for (const m of [uninterrupted, first, resumed, cpu]) m.dispose();
  });

  it('setState names what is missing or mis-shaped and changes nothing', async () => {
    const model = tinyModel();
    const state = await model.getState();
    const noTable = { ...state, tables: state.tables.filter((t) => t.name !== 'table_1/accumulators') };
    await assert.rejects(model.setState(noTable), (e: unknown) => e instanceof InputError && /table_1\/accumulators/.test(e.message));
    const wide = new RankingModel({ topology: 'cpu', userVocabularySize: 12, movieVocabularySize: 12, embeddingDim: 4, hiddenUnits: [16] });
    await assert.rejects(wide.setState(state), (e: unknown) => e instanceof InputError && /expected 'ratings\/layer_with_weights-0\/kernel' of shape \[8, 16\], but got \[8, 8\]/.test(e.message));
    model.dispose();
    wide.dispose();
  });

  it('fit with stepsPerEpoch continues one iterator across epochs (Keras semantics)', async () => {
    const data = syntheticBatches(5, 8, 6);
    const pulled: number[] = [];
    const dataset = {
      *[Symbol.iterator]() {
        for (let i = 0; i < data.length; i++) {
          pulled.push(i);
          yield data[i];
        }
      },
    };
    const model = tinyModel();
    const seen: string[] = [];
    const history = await model.fit(dataset, {
      epochs: 3,
      stepsPerEpoch: 2,
      verbose: 0,
      callbacks: [{ onStepEnd: (step, logs) => void seen.push(`${logs.epoch}:${logs.stepInEpoch}:${step}`), onEpochEnd: (e) => void seen.push(`end ${e}`) }],
    });
    // Epoch 1 uses batches 0,1; epoch 2 batches 2,3; epoch 3 batch 4, then the dataset starts over at batch 0.
    assert.deepEqual(pulled, [0, 1, 2, 3, 4, 0]);
    assert.deepEqual(seen, ['0:0:1', '0:1:2', 'end 0', '1:0:3', '1:1:4', 'end 1', '2:0:5', '2:1:6', 'end 2']);
    assert.equal(history.epochs.length, 3);
    assert.equal(history.epochs[0].examples, 16);
    model.dispose();
  });

  it('fit reports validation metrics per epoch', async () => {
    const model = tinyModel();
    const val = syntheticBatches(2, 8, 8);
    const history = await model.fit(syntheticBatches(2, 8, 7), { epochs: 2, validationData: val, verbose: 0 });
    assert.equal(history.history.val_rmse.length, 2);
    const direct = await model.evaluate(val);
    assert.ok(Math.abs(history.history.val_rmse[1] - direct.rmse) < 1e-6);
    model.dispose();
  });

  it('rejects bad options and batches with messages that say what to fix', async () => {
    const model = tinyModel();
    const data = syntheticBatches(1, 8, 1);
    await assert.rejects(model.fit(data, { epochs: 0, verbose: 0 }), (e: unknown) => e instanceof ConfigError && /expected epochs to be a positive integer, but got 0/.test(e.message));
    await assert.rejects(model.fit([], { verbose: 0 }), (e: unknown) => e instanceof InputError && e.kind === 'empty_dataset');
    const bad = { user_id: Int32Array.of(1, 2), movie_id: Int32Array.of(1), user_rating: Float32Array.of(3, 4) };
    await assert.rejects(model.fit([bad], { verbose: 0 }), (e: unknown) => e instanceof InputError && /same length/.test(e.message));
    // 6 is not divisible by the 4 replicas of v4-8: the embedding refuses the training batch.
    const six = syntheticBatches(1, 6, 1);
    await assert.rejects(model.fit(six, { verbose: 0 }), (e: unknown) => e instanceof InputError && e.kind === 'batch_not_divisible');
    assert.throws(() => model.predict({ user_id: [99], movie_id: [1] }), (e: unknown) => e instanceof InputError && /user_id/.test(e.message));
    model.trainStep(data[0]);
    assert.throws(() => model.compile({ optimizer: kerasAdagrad({ learningRate: 0.5 }) }), (e: unknown) => e instanceof ConfigError && e.kind === 'optimizer_mismatch');
    assert.throws(() => new RankingModel({ embeddingDim: 0 }), /expected embeddingDim to be a positive integer, but got 0/);
    // Options say how to fix them: the default to fall back on, or what leaving them out means.
    const option = (kind: string, message: string) => (e: unknown) => e instanceof ConfigError && e.kind === kind && e.message === message;
    assert.throws(() => new RankingModel({ userVocabularySize: 12.5 }), option('invalid_model_config', "rankingModelConfig: expected userVocabularySize to be a positive integer, but got 12.5. Leave it out for the tutorial's 2048."));
    assert.throws(() => new RankingModel({ placement: 'gpu' as never }), option('invalid_model_config', "rankingModelConfig: expected placement to be one of sparsecore, cpu, but got 'gpu'."));
    assert.throws(() => new RankingModel({ seed: 0.5 }), option('invalid_model_config', 'rankingModelConfig: expected seed to be an integer, but got 0.5.'));
    assert.throws(() => new DenseStack({ inputDim: 4, units: [8, 0], seed: 1 }), option('invalid_dense_units', 'DenseStack: expected units[1] to be a positive integer, but got 0. units are [8, 0].'));
    await assert.rejects(model.fit(data, { stepsPerEpoch: 0, verbose: 0 }), option('invalid_fit_options', 'RankingModel.fit: expected stepsPerEpoch to be a positive integer, but got 0. Leave it out for one pass over the dataset per epoch.'));
    await assert.rejects(model.evaluate(data, { steps: -1 }), option('invalid_evaluate_options', 'RankingModel.evaluate: expected steps to be a positive integer, but got -1. Leave it out to evaluate the whole dataset.'));
    model.dispose();
    assert.throws(() => model.predict({ user_id: [1], movie_id: [1] }), /disposed/);
  });

  it('a step the embedding rejects (non-finite gradients) changes neither the tables nor the dense weights', async () => {
    const model = tinyModel();
    const before = await model.getState();
    const batch = syntheticBatches(1, 8, 2)[0];
    const poisoned = { ...batch, user_rating: Float32Array.from(batch.user_rating, (r, i) => (i === 3 ? NaN : r)) };
    assert.throws(() => model.trainStep(poisoned), (e: unknown) => e instanceof InputError && e.kind === 'non_finite_gradient');
    const after = await model.getState();
    assert.deepEqual(after.dense, before.dense);
    assert.deepEqual(after.tables, before.tables);
    assert.equal(model.step, 0);
    model.dispose();
  });

  it('leaks no tensors across fit, evaluate, predict, getState, setState, export and dispose', async () => {
    const start = tf.memory().numTensors;
    const model = tinyModel();
    const data = syntheticBatches(3, 8, 3);
    await model.fit(data, { epochs: 1, verbose: 0 }); // creates the dense optimizer's slots once
    const before = tf.memory().numTensors;
    await model.fit(data, { epochs: 2, verbose: 0, validationData: data });
    await model.evaluate(data);
    model.predict({ user_id: [1, 2, 3], movie_id: [3, 2, 1] });
    await model.setState(await model.getState());
    assert.equal(tf.memory().numTensors, before);
    model.exportServingModel().dispose();
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
    assert.equal(tf.memory().numTensors, start);
  });
});

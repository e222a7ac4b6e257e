import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../../errors';
import { TPUEmbedding, type FeatureConfig, type FeatureInput, type FullTable } from '../../embedding';
import { Adam, denseOptimizerFor, type EmbeddingOptimizer, type LearningRate } from '../../optimizers';
import { resolveTopology, type Topology } from '../../strategy';
import { Random } from '../../random';
import type { DenseWeight } from '../dense-stack';
import { runFitLoop, type FitLoopOptions } from '../fit-loop';
import type { EpochLogs, History } from '../history';
import { openBatches, type BatchDataset } from '../rating-batch';
import { runTrainingStep } from '../training-step';
import type { EvaluateResult } from '../ranking-model';
import { numberOption, placementOption, type DenseInput, type RatingModelOptions } from './rating-model-options';

/**
 * One global batch for the models of `models/beyond`: columns by name, as the data folder's batches carry them
 * (`batch.features`): the ids of every engine feature under its feature name, the dense columns, and the label.
 *
 * ```
 * user_id      Int32Array [B]          ids of the user_id feature
 * movie_id     Int32Array [B]          ids of the movie_id feature
 * movie_genres RaggedInput             (any FeatureInput, for multivalent features)
 * raw_user_age Float32Array [B]        a dense input column
 * user_rating  Float32Array [B]        the label (labelColumn)
 * ```
 */
export type ColumnBatch = Readonly<Record<string, unknown>>;

/** Options of {@link EmbeddingRatingModel.fit}. */
export interface RatingFitOptions extends FitLoopOptions<EpochLogs> {
  /** Evaluated at the end of every epoch (`val_loss`, `val_rmse`); carve it from the training data (`validationSplit`). @default undefined */
  readonly validationData?: BatchDataset<ColumnBatch>;
}

/** A copy of a model's weights (tables with their slots, dense weights), for early stopping. */
export interface WeightSnapshot {
  readonly tables: Readonly<Record<string, FullTable>>;
  readonly dense: readonly Float32Array[];
}

/** What a model supplies to its base: its dense weights and its forward pass. */
export interface RatingModelParts {
  /** The model's dense weights (checkpoint names), in the order the dense optimizer sees them. */
  readonly dense: readonly DenseWeight[];
}

let modelCounter = 0;

/**
 * The base of the models of `models/beyond` (biased MF, DLRM, DCN-v2, the feature MLP): a `TPUEmbedding` over any
 * list of engine features, dense weights, and one training path — the training core's step
 * ({@link runTrainingStep}) and fit loop ({@link runFitLoop}) — with what every rating model adds:
 *
 * ```
 * batch columns ─ TPUEmbedding.lookup ─ activations {feature: [B, dim] | [B, L, dim]} ─┐
 * dense columns ─ (v − offset) × scale ─ [B, k] ─────────────────────────────────────────┴ forward → r̂ − μ [B]
 * prediction = μ + forward(...)                     μ = the mean training rating (or globalMean)
 * loss = Σ (prediction − label)² / B  +  l2 × Σ_features Σ activation² / B
 * ```
 * The L2 term is TensorFlow's way of regularising embeddings (an activity loss on the looked-up rows, so only the
 * rows in the batch, weighted by how often they occur); the table optimizers' row-wise `weightDecayFactor` is the
 * other way and works here too.
 *
 * Subclasses implement {@link forward}. Early stopping is the {@link earlyStopping} callback (it sets
 * {@link stopTraining} and restores a {@link WeightSnapshot}).
 */
export abstract class EmbeddingRatingModel {
  /** The simulated TPUEmbedding holding every table. */
  readonly embedding: TPUEmbedding;
  /** The tables' optimizer. */
  readonly optimizer: EmbeddingOptimizer;
  readonly topology: Topology;
  /** L2 coefficient on the looked-up activations. */
  readonly l2: number;
  readonly denseInputs: readonly DenseInput[];
  readonly labelColumn: string;
  /** Set to true (e.g. by {@link earlyStopping}) to end `fit` after the current epoch (Keras' `model.stop_training`). */
  stopTraining = false;
  /** Predictions are clipped to this range at evaluation and prediction (not in training), or not at all. */
  predictionRange: readonly [number, number] | null = null;
  /** Unique prefix of this model's tfjs variable names. */
  protected readonly variablePrefix: string;
  /** Seeded stream for dropout masks. */
  protected readonly rng: Random;
  private mean: number | undefined;
  private denseOpt: tf.Optimizer | null;
  private readonly denseLr: LearningRate | undefined;
  private parts: RatingModelParts = { dense: [] };
  private globalStep = 0;
  private disposed = false;

  /**
   * @param api the model's name, for messages.
   * @param options see {@link RatingModelOptions}; `features` must be filled in by the subclass.
   * @throws ConfigError `invalid_model_config` naming the option.
   */
  protected constructor(protected readonly api: string, options: RatingModelOptions & { readonly features: Readonly<Record<string, FeatureConfig>> }) {
    this.topology = resolveTopology(options.topology ?? 'v4-8');
    this.optimizer = options.optimizer ?? new Adam({ learningRate: 0.001 });
    if (typeof (this.optimizer as { applyRows?: unknown })?.applyRows !== 'function') {
      throw new ConfigError('invalid_model_config', `${api}: expected optimizer to be an embedding optimizer (e.g. new Adam({ learningRate: 0.001 })), but got ${String(this.optimizer)}.`);
    }
    this.l2 = numberOption(api, 'l2', options.l2, 0, 'a finite number ≥ 0', (x) => x >= 0);
    this.mean = options.globalMean === undefined ? undefined : numberOption(api, 'globalMean', options.globalMean, 0, 'a finite number', () => true);
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed)) throw new ConfigError('invalid_model_config', `${api}: expected seed to be an integer, but got ${String(seed)}.`);
    this.rng = new Random(seed + 7919);
    this.labelColumn = options.labelColumn ?? 'user_rating';
    this.denseInputs = Object.freeze((options.denseInputs ?? []).map((d, i) => {
      if (!d || typeof d.column !== 'string') throw new ConfigError('invalid_model_config', `${api}: expected denseInputs[${i}] to be { column, offset?, scale? }, but got ${JSON.stringify(d)}.`);
      return Object.freeze({ column: d.column, offset: numberOption(api, `denseInputs[${i}].offset`, d.offset, 0, 'a finite number', () => true), scale: numberOption(api, `denseInputs[${i}].scale`, d.scale, 1, 'a finite number', () => true) });
    }));
    const lr = options.denseLearningRate;
    if (lr !== undefined && typeof lr !== 'function') numberOption(api, 'denseLearningRate', lr, 0, 'a finite number ≥ 0 or a function of the step', (x) => x >= 0);
    this.denseLr = lr;
    this.denseOpt = options.denseOptimizer ?? null;
    this.variablePrefix = `rating_model_${modelCounter++}`;
    this.embedding = new TPUEmbedding({
      features: options.features,
      optimizer: this.optimizer,
      topology: this.topology,
      placement: placementOption(api, options.placement),
      seed,
    });
  }

  /** Called once by the subclass constructor with its dense weights. */
  protected setParts(parts: RatingModelParts): void {
    this.parts = parts;
  }

  /**
   * The forward pass without the global mean: `[B]` (or `[B, 1]`). Runs under `tf.engine().gradients` in training
   * and under `tf.tidy` otherwise.
   * @param acts one activation per engine feature (`[B, dim]` pooled, `[B, L, dim]` sequence).
   * @param dense the standardised dense columns `[B, k]`, or null when the model has none.
   * @param training true in a training step (dropout on).
   */
  protected abstract forward(acts: Readonly<Record<string, tf.Tensor>>, dense: tf.Tensor2D | null, training: boolean): tf.Tensor;

  /** The dense weights (checkpoint names). */
  get denseWeights(): readonly DenseWeight[] {
    return this.parts.dense;
  }

  /** The constant added to every prediction (the mean training rating once `fit` has seen the data). */
  get globalMean(): number | undefined {
    return this.mean;
  }

  /** Training steps taken so far. */
  get step(): number {
    return this.globalStep;
  }

  private get denseOptimizer(): tf.Optimizer | null {
    if (this.parts.dense.length === 0) return null;
    if (!this.denseOpt) this.denseOpt = denseOptimizerFor(this.optimizer);
    return this.denseOpt;
  }

  /**
   * One training step on one global batch (the training core's {@link runTrainingStep}).
   * @returns the step's loss (Σ squared errors / B + the L2 term).
   * @throws InputError for a malformed batch or ids out of range (nothing is updated).
   */
  trainStep(batch: ColumnBatch): number {
    this.checkAlive('trainStep');
    const mu = this.requireMean('trainStep');
    const labels = this.labels(`${this.api}.trainStep`, batch);
    const b = labels.length;
    const opt = this.denseOptimizer;
    if (opt && typeof this.denseLr === 'function') setDenseLearningRate(opt, this.denseLr(this.globalStep + 1));
    const denseX = this.denseMatrix(`${this.api}.trainStep`, batch, b);
    try {
      const loss = runTrainingStep({
        api: `${this.api}.trainStep`,
        lookups: [{ embedding: this.embedding, features: this.featureInputs(batch) }],
        variables: this.parts.dense.map((w) => w.variable),
        denseOptimizer: opt,
        loss: ([acts]) => {
          const p = tf.add(tf.reshape(this.forward(acts, denseX, true), [b]), mu);
          const sse = tf.sum(tf.square(tf.sub(p, tf.tensor1d(labels, 'float32'))));
          return tf.mul(tf.add(sse, this.regularization(acts)), 1 / b) as tf.Scalar;
        },
      });
      this.globalStep++;
      return loss;
    } finally {
      denseX?.dispose();
    }
  }

  /** `l2 × Σ_features Σ activation²` (divided by B with the loss). Subclasses may refine it. */
  protected regularization(acts: Readonly<Record<string, tf.Tensor>>): tf.Scalar {
    if (this.l2 === 0) return tf.scalar(0);
    return tf.mul(tf.addN(Object.values(acts).map((a) => tf.sum(tf.square(a)))), this.l2) as tf.Scalar;
  }

  /**
   * Trains (Keras' `fit`, the training core's loop): per epoch the mean loss, the training `rmse` (from the step
   * losses, so it includes the L2 term: an upper bound of the training RMSE when `l2` > 0), throughput, and with
   * `validationData` `val_loss`/`val_rmse` (no L2 term). Stops early when
   * {@link stopTraining} is set (by {@link earlyStopping}). The first call computes the global mean of the labels
   * from one pass over `dataset` unless `globalMean` was given.
   * @throws ConfigError for invalid options; InputError for malformed batches or an empty dataset.
   */
  async fit(dataset: BatchDataset<ColumnBatch>, options: RatingFitOptions = {}): Promise<History> {
    this.checkAlive('fit');
    const api = `${this.api}.fit`;
    if (this.mean === undefined) this.mean = await this.labelMean(api, dataset);
    this.stopTraining = false;
    return runFitLoop<ColumnBatch, EpochLogs>(
      {
        api,
        dataset,
        step: (batch) => {
          const loss = this.trainStep(batch);
          return { loss, batchSize: (batch[this.labelColumn] as ArrayLike<number>).length };
        },
        globalStep: () => this.globalStep,
        stopRequested: () => this.stopTraining,
        epochLogs: async (base, totals) => {
          const val = options.validationData ? await this.evaluate(options.validationData) : undefined;
          // The step loss includes the L2 term, so this RMSE is slightly above the pure training RMSE when l2 > 0.
          const rmse = Math.sqrt(totals.lossTimesBatchSum / totals.examples);
          return { ...base, rmse, ...(val ? { val_loss: val.loss, val_rmse: val.rmse } : {}) };
        },
      },
      options,
    );
  }

  /**
   * Evaluates from the dataset's start: loss (mean over batches of Σ squared errors / B) and RMSE, no update.
   * @throws InputError for malformed batches or an empty dataset.
   */
  async evaluate(dataset: BatchDataset<ColumnBatch>): Promise<EvaluateResult> {
    this.checkAlive('evaluate');
    const api = `${this.api}.evaluate`;
    const reader = openBatches<ColumnBatch>(api, dataset);
    let lossSum = 0;
    let sse = 0;
    let examples = 0;
    let n = 0;
    for (let batch = await reader.next(); batch !== null; batch = await reader.next()) {
      const labels = this.labels(api, batch);
      const p = this.predict(batch);
      let s = 0;
      for (let i = 0; i < labels.length; i++) s += (p[i] - labels[i]) ** 2;
      lossSum += s / labels.length;
      sse += s;
      examples += labels.length;
      n++;
    }
    if (n === 0) throw new InputError('empty_dataset', `${api}: expected at least one batch, but the dataset yielded none.`);
    return { loss: lossSum / n, rmse: Math.sqrt(sse / examples), examples };
  }

  /**
   * Predicted ratings for a batch of any size B ≥ 1 (padded to a multiple of the replicas with id 0 / empty bags,
   * the padding dropped), clipped to {@link predictionRange} when set.
   * @param batch the feature columns (and dense columns) of B examples; the label is not needed.
   * @returns `Float32Array [B]`.
   * @throws InputError `bad_batch` for a missing column; the embedding's InputError for ids out of range.
   */
  predict(batch: ColumnBatch): Float32Array {
    this.checkAlive('predict');
    const api = `${this.api}.predict`;
    const mu = this.requireMean('predict');
    const b = batchLength(api, batch, this.embedding.featureNames[0]);
    const r = this.embedding.numReplicas;
    const padded = Math.ceil(b / r) * r;
    const inputs = this.featureInputs(batch);
    const padIn = padded === b ? inputs : Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, padInput(api, k, v, b, padded, r)]));
    const acts = this.embedding.lookup(padIn);
    const denseX = this.denseMatrix(api, batch, b, padded);
    try {
      const out = tf.tidy(() => tf.add(tf.reshape(this.forward(acts, denseX, false), [padded]), mu));
      const all = out.dataSync() as Float32Array;
      out.dispose();
      const p = Float32Array.from(all.subarray(0, b));
      if (this.predictionRange) {
        const [lo, hi] = this.predictionRange;
        for (let i = 0; i < b; i++) p[i] = Math.min(hi, Math.max(lo, p[i]));
      }
      return p;
    } finally {
      tf.dispose(Object.values(acts));
      denseX?.dispose();
    }
  }

  /** A copy of every table (weights and slots) and every dense weight. */
  snapshotWeights(): WeightSnapshot {
    this.checkAlive('snapshotWeights');
    return { tables: this.embedding.exportTables(), dense: this.parts.dense.map((w) => Float32Array.from(w.variable.dataSync() as Float32Array)) };
  }

  /**
   * Writes a {@link WeightSnapshot} back (tables checked first by `importTables`, all or nothing).
   * @throws InputError `bad_state` when the snapshot does not match this model's dense weights.
   */
  restoreWeights(snapshot: WeightSnapshot): void {
    this.checkAlive('restoreWeights');
    const dense = this.parts.dense;
    if (snapshot.dense.length !== dense.length || dense.some((w, i) => snapshot.dense[i].length !== w.variable.size)) {
      throw new InputError('bad_state', `${this.api}.restoreWeights: expected a snapshot of this model (${dense.length} dense weights), but got one with ${snapshot.dense.length}. Take it with snapshotWeights() of the same model.`);
    }
    this.embedding.importTables(snapshot.tables);
    dense.forEach((w, i) => {
      const t = tf.tensor(snapshot.dense[i], w.variable.shape, 'float32');
      w.variable.assign(t);
      t.dispose();
    });
  }

  /** Frees the dense variables and optimizer state. */
  dispose(): void {
    if (this.disposed) return;
    for (const w of this.parts.dense) w.variable.dispose();
    this.denseOpt?.dispose();
    this.disposed = true;
  }

  /** A dropout of rate `rate` in training (inverted scaling, seeded), the identity otherwise. */
  protected dropout(x: tf.Tensor, rate: number, training: boolean): tf.Tensor {
    return training && rate > 0 ? tf.dropout(x, rate, undefined, this.rng.int(2 ** 31)) : x;
  }

  /** The engine features' inputs, taken from the batch columns of the same names. */
  private featureInputs(batch: ColumnBatch): Record<string, FeatureInput> {
    const out: Record<string, FeatureInput> = {};
    for (const f of this.embedding.featureNames) {
      const v = batch?.[f];
      if (v === undefined || v === null) {
        throw new InputError('bad_batch', `${this.api}: expected the batch to carry column '${f}' (an engine feature), but it has ${Object.keys(batch ?? {}).join(', ') || 'no columns'}. Add '${f}' to the dataset's features.`);
      }
      out[f] = v as FeatureInput;
    }
    return out;
  }

  private labels(api: string, batch: ColumnBatch): Float32Array {
    const y = batch?.[this.labelColumn];
    if (!(y instanceof Float32Array || Array.isArray(y)) || y.length < 1) {
      throw new InputError('bad_batch', `${api}: expected the batch to carry the label column '${this.labelColumn}' as a non-empty Float32Array, but got ${y === undefined ? 'none' : typeof y}.`);
    }
    return y instanceof Float32Array ? y : Float32Array.from(y as number[]);
  }

  /** The standardised dense columns `[padded, k]` (zero rows for the padding), or null without dense inputs. */
  private denseMatrix(api: string, batch: ColumnBatch, b: number, padded: number = b): tf.Tensor2D | null {
    const k = this.denseInputs.length;
    if (k === 0) return null;
    const x = new Float32Array(padded * k);
    this.denseInputs.forEach((d, j) => {
      const col = batch?.[d.column] as ArrayLike<number> | undefined;
      if (!col || typeof col.length !== 'number' || col.length !== b) {
        throw new InputError('bad_batch', `${api}: expected dense column '${d.column}' with ${b} values, but got ${col === undefined ? 'none' : col.length}. Add '${d.column}' to the dataset's features.`);
      }
      for (let i = 0; i < b; i++) x[i * k + j] = (Number(col[i]) - (d.offset ?? 0)) * (d.scale ?? 1);
    });
    return tf.tensor2d(x, [padded, k]);
  }

  private async labelMean(api: string, dataset: BatchDataset<ColumnBatch>): Promise<number> {
    const reader = openBatches<ColumnBatch>(api, dataset);
    let sum = 0;
    let n = 0;
    for (let batch = await reader.next(); batch !== null; batch = await reader.next()) {
      const y = this.labels(api, batch);
      for (let i = 0; i < y.length; i++) sum += y[i];
      n += y.length;
    }
    if (n === 0) throw new InputError('empty_dataset', `${api}: expected at least one batch to compute the global mean, but the dataset yielded none.`);
    return sum / n;
  }

  private requireMean(what: string): number {
    if (this.mean === undefined) {
      throw new InputError('not_fitted', `${this.api}.${what}: the global mean is not known yet; call fit first or pass globalMean in the options.`);
    }
    return this.mean;
  }

  protected checkAlive(what: string): void {
    if (this.disposed) throw new InputError('disposed', `${this.api}.${what}: the model was disposed; create a new model.`);
  }
}

/** B of a batch: the length of its first feature's column. */
function batchLength(api: string, batch: ColumnBatch, feature: string): number {
  const v = batch?.[feature] as { length?: number; rowSplits?: ArrayLike<number> } | undefined;
  const b = v?.rowSplits ? v.rowSplits.length - 1 : v?.length;
  if (typeof b !== 'number' || b < 1) {
    throw new InputError('bad_batch', `${api}: expected column '${feature}' with at least one example, but got ${v === undefined ? 'none' : b}.`);
  }
  return b;
}

/** Pads one feature's input from b to `padded` examples: id 0 for dense ids, empty bags for ragged input. */
function padInput(api: string, name: string, v: FeatureInput, b: number, padded: number, replicas: number): FeatureInput {
  if (v instanceof Int32Array || (Array.isArray(v) && typeof v[0] === 'number')) {
    const out = new Int32Array(padded);
    out.set(v as ArrayLike<number>);
    return out;
  }
  const r = v as { values?: ArrayLike<number>; rowSplits?: ArrayLike<number>; weights?: ArrayLike<number> };
  if (r && r.rowSplits && r.values && !(r.rowSplits instanceof tf.Tensor)) {
    const splits = new Int32Array(padded + 1);
    splits.set(r.rowSplits as ArrayLike<number>);
    splits.fill(Number(r.rowSplits[b]), b + 1);
    return { values: r.values, rowSplits: splits, ...(r.weights ? { weights: r.weights } : {}) };
  }
  throw new InputError('bad_batch', `${api}: feature '${name}' has ${b} examples, not a multiple of the ${replicas} replicas, and only Int32Array or ragged (values + rowSplits) inputs can be padded. Pass a multiple of the replicas.`);
}

/**
 * Sets a tfjs optimizer's learning rate for its next `applyGradients`: `setLearningRate` where tfjs has it (SGD,
 * Momentum keep it as a cached scalar), else the `learningRate` field the others (Adam, Adagrad, RMSProp) read at
 * every update.
 */
function setDenseLearningRate(opt: tf.Optimizer, lr: number): void {
  const o = opt as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

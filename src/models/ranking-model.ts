import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../errors';
import { positiveInteger, where } from '../validation';
import { denseOptimizerFor } from '../optimizers';
import type { EmbeddingOptimizer } from '../optimizers';
import type { NamedTensor } from '../checkpoint/safetensors';
import { fileSystemIO, type FileSystemIOOptions } from '../checkpoint/file-system-io';
import { DenseStack } from './dense-stack';
import type { EpochLogs, History } from './history';
import { runFitLoop, type FitLoopOptions } from './fit-loop';
import { checkRatingBatch, openBatches, type RatingBatch, type RatingDataset } from './rating-batch';
import { rankingModelConfig, type RankingModelConfig, type RankingModelOptions } from './ranking-model-config';
import { buildServingModel } from './serving-model';
import { readModelState, restoreModelState, type ModelState, type ModelStateParts } from './model-state';
import type { TPUEmbedding } from '../embedding';
import { runTrainingStep, type StepGradients } from './training-step';
import { MeanSquaredErrorSum } from './mean-squared-error-sum';
import { createRankingEmbedding, lookupPadded, rankingTableName, tablesToTensors } from './ranking-embedding';

/** Options of {@link RankingModel.compile}. */
export interface CompileOptions {
  /**
   * The one optimizer for the tables and the dense weights (the tutorial's `model.compile(optimizer=optimizer)`).
   * It must be the optimizer the tables were built with (the model's `optimizer` option) or, before the first use
   * of the model, any embedding optimizer (it then replaces it). @default the model's optimizer
   */
  readonly optimizer?: EmbeddingOptimizer;
  /**
   * The tfjs optimizer of the dense weights. @default denseOptimizerFor(optimizer)
   */
  readonly denseOptimizer?: tf.Optimizer;
}

/** Options of {@link RankingModel.fit} (Keras' `fit` arguments, camel-cased; epochs, stepsPerEpoch, callbacks and verbose from the training core). */
export interface FitOptions extends FitLoopOptions<EpochLogs> {
  /** Evaluated at the end of every epoch (`val_loss`, `val_rmse`). @default undefined */
  readonly validationData?: RatingDataset;
  /** Validation batches per epoch. @default all */
  readonly validationSteps?: number;
}

/** Options of {@link RankingModel.evaluate}. */
export interface EvaluateOptions {
  /** Batches to evaluate (from the dataset's start). @default all */
  readonly steps?: number;
}

/** What {@link RankingModel.evaluate} returns. */
export interface EvaluateResult {
  /** Mean over batches of Σ squared errors / batch size (Keras averages the per-batch losses). */
  readonly loss: number;
  /** √(Σ squared errors / examples) over all evaluated examples. */
  readonly rmse: number;
  /** Examples evaluated. */
  readonly examples: number;
}

/** Ids for {@link RankingModel.predict}: one entry per example. */
export interface PredictInput {
  readonly user_id: ArrayLike<number>;
  readonly movie_id: ArrayLike<number>;
}

/**
 * The ranking model's whole training state ({@link ModelState}: `tables` `table_0`, `table_0/accumulators`, …;
 * `dense` `ratings/layer_with_weights-<i>/kernel|bias`; `optimizer` `optimizer/iter` and the dense optimizer's slots).
 */
export type RankingModelState = ModelState;

/**
 * The ranking model of TensorFlow's "TPU embeddings" tutorial, trained on the simulated TPU:
 *
 * ```
 * user_id  [B] ─ TPUEmbedding (table_1, 2048×64) ─┐
 *                                                  concat [B,128] → Dense(256,relu) → Dense(64,relu) → Dense(1) → rating [B]
 * movie_id [B] ─ TPUEmbedding (table_0, 2048×64) ─┘
 * loss = Σ (rating − label)² / B     (the tutorial's MSE with Reduction.NONE, summed, × 1/global batch)
 * ```
 * Tables are named as TensorFlow names them for the tutorial's feature config (`movie_id` first): `table_0` is the
 * movie table, `table_1` the user table.
 *
 * One training step: `lookup` → activations `[B, 64]` per feature → the dense forward pass and the loss under
 * `tf.engine().gradients`, which returns the gradients of the dense weights **and** of the activations in one backward
 * pass → `TPUEmbedding.applyGradients` applies the second (summed per unique row, sparse update of the touched rows
 * only; it checks them first, so a rejected step changes nothing), then the dense optimizer the first. The step and
 * the fit loop are the training core's ({@link runTrainingStep}, {@link runFitLoop}), shared with the two-tower model;
 * this model supplies its forward pass, loss and metrics. With the loss scaled by 1/global batch, one global-batch
 * step equals the all-reduced per-replica steps of a TPUStrategy.
 *
 * The reported `loss` is the global-batch loss (the sum of the per-replica losses, i.e. the batch MSE); Keras on a
 * TPU prints one replica's share, which is why the tutorial's printed losses (~0.009) are much smaller.
 *
 * @example
 * const model = new RankingModel({ topology: 'v4-8' });
 * model.compile({ optimizer: model.config.optimizer });
 * const history = await model.fit(train, { stepsPerEpoch: 10, epochs: 10 });
 * const { rmse } = await model.evaluate(test, { steps: 10 });
 * model.predict({ user_id: [30], movie_id: [100] }); // Float32Array [rating]
 */
export class RankingModel {
  /** The validated config (defaults filled in). */
  readonly config: RankingModelConfig;
  /** The dense tower (variables and forward pass). */
  readonly tower: DenseStack;
  private optimizerInUse: EmbeddingOptimizer;
  private embeddingImpl: TPUEmbedding | null = null;
  private denseOpt: tf.Optimizer | null = null;
  private globalStep = 0;
  private disposed = false;
  /** The loss with its cached constants (1/B and 2 as tensors created once). */
  private readonly losses = new MeanSquaredErrorSum();

  /**
   * @param options see {@link RankingModelOptions} (or an already validated {@link RankingModelConfig}).
   * @throws ConfigError from {@link rankingModelConfig}.
   */
  constructor(options: RankingModelOptions = {}) {
    this.config = rankingModelConfig(options);
    this.optimizerInUse = this.config.optimizer;
    this.tower = new DenseStack({ inputDim: 2 * this.config.embeddingDim, units: [...this.config.hiddenUnits, 1], seed: this.config.seed + 1 });
  }

  /** Training steps taken so far (restored by {@link setState}). */
  get step(): number {
    return this.globalStep;
  }

  /** The optimizer of the tables and dense weights. */
  get optimizer(): EmbeddingOptimizer {
    return this.optimizerInUse;
  }

  /** The simulated `TPUEmbedding` (built on first use). */
  get embedding(): TPUEmbedding {
    this.checkAlive('embedding');
    if (!this.embeddingImpl) this.embeddingImpl = createRankingEmbedding(this.config, this.optimizerInUse);
    return this.embeddingImpl;
  }

  /**
   * Sets the optimizer (Keras' `compile`). Builds a fresh dense optimizer with `denseOptimizerFor` unless given
   * (so compiling again resets the dense optimizer's slots; the tables' slots are kept).
   * @throws ConfigError `optimizer_mismatch` when the tables were already built with another optimizer.
   */
  compile(options: CompileOptions = {}): void {
    this.checkAlive('compile');
    const opt = options.optimizer ?? this.optimizerInUse;
    if (this.embeddingImpl && opt !== this.optimizerInUse) {
      throw new ConfigError(
        'optimizer_mismatch',
        'RankingModel.compile: expected the optimizer the tables were built with (the model was already used), but got another optimizer object. ' +
          'Pass the optimizer in the model options (new RankingModel({ optimizer })) or call compile before fit/predict.',
      );
    }
    this.optimizerInUse = opt;
    this.denseOpt?.dispose();
    this.denseOpt = options.denseOptimizer ?? denseOptimizerFor(opt);
  }

  private get denseOptimizer(): tf.Optimizer {
    if (!this.denseOpt) this.compile();
    return this.denseOpt as tf.Optimizer;
  }

  /**
   * One training step on one global batch.
   * @returns the step's loss (Σ squared errors / B).
   * @throws InputError for a malformed batch or ids out of range (nothing is updated).
   */
  trainStep(batch: RatingBatch): number {
    this.checkAlive('trainStep');
    const b = checkRatingBatch('RankingModel.trainStep', batch);
    const lossValue = runTrainingStep({
      api: 'RankingModel.trainStep',
      lookups: [{ embedding: this.embedding, features: { user_id: batch.user_id, movie_id: batch.movie_id } }],
      variables: this.tower.variables,
      denseOptimizer: this.denseOptimizer,
      loss: ([acts]) => this.lossOf(acts.user_id as tf.Tensor2D, acts.movie_id as tf.Tensor2D, batch.user_rating, b),
      lossAndGrads: ([acts]) => this.lossAndGradsOf(acts.user_id as tf.Tensor2D, acts.movie_id as tf.Tensor2D, batch.user_rating, b),
    });
    this.globalStep++;
    return lossValue;
  }

  /** Σ (prediction − label)² / b, for autodiff (the reference of {@link lossAndGradsOf}). */
  private lossOf(user: tf.Tensor2D, movie: tf.Tensor2D, labels: Float32Array, b: number): tf.Scalar {
    const p = tf.reshape(this.tower.apply(tf.concat([user, movie], 1)), [b]) as tf.Tensor1D;
    return this.losses.loss(p, labels).value;
  }

  /**
   * The lean step's forward and backward pass: the same math as autodiff of {@link lossOf}, without the tape. The
   * loss gradient `(2·(p − label))·(1/b)` is {@link MeanSquaredErrorSum.loss}'s. The values equal autodiff's up to
   * float32 rounding: under the tape tfjs runs the ReLU layers as BatchMatMul + Add + Relu, here they are one
   * `_FusedMatMul` (which starts its sums from the bias); without ReLU layers the two are bit for bit equal.
   */
  private lossAndGradsOf(user: tf.Tensor2D, movie: tf.Tensor2D, labels: Float32Array, b: number): StepGradients {
    return tf.tidy(() => {
      const { output, backward } = this.tower.forwardBackward(tf.concat([user, movie], 1));
      const { value, dPredictions } = this.losses.loss(tf.reshape(output, [b]) as tf.Tensor1D, labels);
      const { dx, grads } = backward(tf.reshape(dPredictions(), [b, 1]));
      const [dUser, dMovie] = tf.split(dx, 2, 1);
      return { value, variableGrads: grads, activationGrads: [{ user_id: dUser, movie_id: dMovie }] };
    });
  }

  /**
   * Trains (Keras' `fit`): per step {@link trainStep}; per epoch the mean loss, the training RMSE, throughput and,
   * with `validationData`, `val_loss`/`val_rmse`.
   * @param dataset global batches (see {@link RatingDataset}).
   * @param options see {@link FitOptions}.
   * @returns the {@link History}.
   * @throws ConfigError for invalid options; InputError for malformed batches or an empty dataset.
   */
  async fit(dataset: RatingDataset, options: FitOptions = {}): Promise<History> {
    this.checkAlive('fit');
    return runFitLoop<RatingBatch, EpochLogs>(
      {
        api: 'RankingModel.fit',
        dataset,
        step: (batch) => ({ loss: this.trainStep(batch), batchSize: batch.user_id.length }),
        globalStep: () => this.globalStep,
        epochLogs: async ({ epoch, lastStep, loss, ...rest }, totals) => {
          const val = options.validationData ? await this.evaluate(options.validationData, { steps: options.validationSteps }) : undefined;
          // The step loss is Σ squared errors / B, so Σ loss × B over the epoch is its Σ squared errors.
          const rmse = Math.sqrt(totals.lossTimesBatchSum / totals.examples);
          return { epoch, lastStep, loss, rmse, ...(val ? { val_loss: val.loss, val_rmse: val.rmse } : {}), ...rest };
        },
      },
      options,
    );
  }

  /**
   * Evaluates (Keras' `evaluate`) from the dataset's start: loss and RMSE, no update.
   * @param dataset batches (any size; a short last batch is fine).
   * @param options.steps batches to use. @default all
   * @returns {@link EvaluateResult}.
   * @throws InputError for malformed batches or an empty dataset.
   */
  async evaluate(dataset: RatingDataset, options: EvaluateOptions = {}): Promise<EvaluateResult> {
    this.checkAlive('evaluate');
    const steps = options.steps;
    if (steps !== undefined) positiveInteger(steps, where(ConfigError, 'invalid_evaluate_options', 'RankingModel.evaluate')('steps', 'Leave it out to evaluate the whole dataset.'));
    const reader = openBatches('RankingModel.evaluate', dataset);
    let lossSum = 0;
    let sse = 0;
    let examples = 0;
    let n = 0;
    while (steps === undefined || n < steps) {
      const batch = await reader.next();
      if (batch === null) break;
      const b = checkRatingBatch('RankingModel.evaluate', batch);
      const p = this.predict(batch);
      let s = 0;
      for (let i = 0; i < b; i++) {
        const d = p[i] - batch.user_rating[i];
        s += d * d;
      }
      lossSum += s / b;
      sse += s;
      examples += b;
      n++;
    }
    if (n === 0) {
      throw new InputError('empty_dataset', 'RankingModel.evaluate: expected at least one batch, but the dataset yielded none.');
    }
    return { loss: lossSum / n, rmse: Math.sqrt(sse / examples), examples };
  }

  /**
   * Predicted ratings for pairs of ids (the tutorial's `model({ user_id, movie_id })`). Goes through
   * `TPUEmbedding.lookup` like a TPU evaluation step (so it appears in the embedding's lookup statistics); a batch
   * not divisible by the replicas is padded with id 0 and the padding dropped.
   * @param input `user_id` and `movie_id`, same length B ≥ 1, ids in range.
   * @returns `Float32Array [B]`.
   * @throws InputError `bad_batch` for mismatched lengths; the embedding's InputError for ids out of range.
   * @example model.predict({ user_id: [30], movie_id: [100] })
   */
  predict(input: PredictInput): Float32Array {
    this.checkAlive('predict');
    const b = input?.user_id?.length;
    if (!b || input.movie_id?.length !== b) {
      throw new InputError('bad_batch', `RankingModel.predict: expected user_id and movie_id of the same length ≥ 1, but got ${input?.user_id?.length}, ${input?.movie_id?.length}.`);
    }
    const acts = lookupPadded(this.embedding, Int32Array.from(input.user_id), Int32Array.from(input.movie_id));
    try {
      const out = tf.tidy(() => this.tower.apply(tf.concat([acts.user_id, acts.movie_id], 1)));
      const data = out.dataSync() as Float32Array;
      out.dispose();
      return Float32Array.from(data);
    } finally {
      tf.dispose([acts.user_id, acts.movie_id]);
    }
  }

  /**
   * The whole training state as named tensors (copies): full tables and slots, dense weights, dense optimizer state.
   * @returns {@link RankingModelState}.
   */
  async getState(): Promise<RankingModelState> {
    this.checkAlive('getState');
    return readModelState(this.globalStep, this.stateParts(), this.denseOptimizer);
  }

  /**
   * Restores a state from {@link getState} (or a checkpoint): tables (resharded onto this model's topology), dense
   * weights and dense optimizer state. Training then continues exactly as it would have.
   *
   * All or nothing ({@link restoreModelState}): the whole state is checked first ({@link checkRankingState}: every
   * tensor present and none unexpected, dtypes, shapes, finite values, the optimizer's slots), the dense optimizer is
   * rebuilt aside, and only then are tables, dense weights, optimizer and step replaced. A rejected state leaves the
   * model as it was.
   * @throws InputError `bad_state` naming the tensor (missing, unexpected, wrong dtype or shape, non-finite).
   */
  async setState(state: RankingModelState): Promise<void> {
    this.checkAlive('setState');
    const embedding = this.embedding;
    const restored = await restoreModelState('RankingModel.setState', state, this.stateParts(), () => !this.disposed && this.embeddingImpl === embedding);
    if (!restored) return this.checkAlive('setState');
    this.denseOpt?.dispose();
    this.denseOpt = restored.denseOptimizer;
    this.globalStep = restored.step;
  }

  private stateParts(): ModelStateParts {
    return { embeddings: [this.embedding], dense: this.tower.weights, optimizer: this.optimizerInUse };
  }

  /**
   * A plain tfjs `LayersModel` for serving: named int32 inputs `user_id` and `movie_id` (`[batch]` ids; declared `[batch, 1]`),
   * `Embedding` layers holding the trained full tables, `Concatenate`, the same Dense stack, output `[batch, 1]`.
   * Save it with {@link RankingModel.saveServingModel} (or `model.save(fileSystemIO(dir))`); `tf.loadLayersModel` alone
   * can serve it (no project code).
   * @returns a new LayersModel (dispose it when done).
   */
  exportServingModel(): tf.LayersModel {
    this.checkAlive('exportServingModel');
    const tables = tablesToTensors(this.embedding);
    const get = (name: string): NamedTensor => tables.find((t) => t.name === name) as NamedTensor;
    return buildServingModel({
      userTable: get(rankingTableName(this.embedding, 'user_id')),
      movieTable: get(rankingTableName(this.embedding, 'movie_id')),
      dense: this.tower.weights.map((w) => ({ name: w.name, variable: w.variable })),
      units: this.tower.units,
    });
  }

  /**
   * Builds the serving model ({@link RankingModel.exportServingModel}) and saves it to a local directory as
   * `model.json` + weights files with {@link fileSystemIO}, on any backend in Node (no `file://` router to register).
   * The save is atomic: an export already in `dir` stays whole and loadable until the new one is complete (a killed
   * process leaves the old or the new model, never a mix); the next save removes leftovers.
   * Load it with `tf.loadLayersModel(fileSystemIO(dir))`, or `tf.loadLayersModel('file://<dir>/model.json')` after
   * `registerFileSystemRouter()` (or under tfjs-node).
   * @param dir the export directory (created if missing).
   * @param options weightShardBytes (largest weights file, default 4 MiB).
   * @returns tfjs' save result (bytes of topology and weights).
   * @throws InputError `bad_path` when dir is not a non-empty string; CheckpointError `write_failed` when the files cannot be written.
   * @example
   * await model.saveServingModel('outputs/serving-model');
   * const served = await tf.loadLayersModel(fileSystemIO('outputs/serving-model'));
   */
  async saveServingModel(dir: string, options: FileSystemIOOptions = {}): Promise<tf.io.SaveResult> {
    this.checkAlive('saveServingModel');
    if (typeof dir !== 'string' || dir.length === 0) {
      throw new InputError('bad_path', `RankingModel.saveServingModel: expected dir to be a directory path, but got ${JSON.stringify(dir)}. Pass e.g. 'outputs/serving-model'.`);
    }
    const handler = fileSystemIO(dir, options);
    const served = this.exportServingModel();
    try {
      return await served.save(handler);
    } finally {
      served.dispose();
    }
  }

  /** Frees the dense variables and optimizer state. The model cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.tower.dispose();
    this.losses.dispose();
    this.denseOpt?.dispose();
    this.disposed = true;
  }

  private checkAlive(api: string): void {
    if (this.disposed) throw new InputError('disposed', `RankingModel.${api}: the model was disposed; create a new RankingModel.`);
  }
}

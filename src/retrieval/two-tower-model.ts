import * as tf from '@tensorflow/tfjs';
import { TPUEmbedding, featureConfig, tableConfig, type FeatureConfig, type FeatureInput } from '../embedding';
import { ConfigError, InputError } from '../errors';
import {
  DenseStack,
  runTrainingStep,
  runFitLoop,
  readModelState,
  restoreModelState,
  type BaseEpochLogs,
  type FitLoopOptions,
  type ModelState,
  type ModelStateParts,
} from '../models';
import { denseOptimizerFor } from '../optimizers';
import type { CandidateIndex, IndexKind } from './candidate-index';
import { ExactIndex, type ExactIndexOptions } from './exact-index';
import { FactorizedTopK, DEFAULT_TOP_KS, type TopKAccuracy } from './factorized-top-k';
import { HnswIndex, type HnswIndexOptions } from './hnsw-index';
import { Recommender } from './recommender';
import { batchOf } from './retrieval-batch';
import { retrievalLoss } from './retrieval-loss';
import { SeenItems } from './seen-items';
import { Random } from '../random';
import { genresOf } from './retrieval-side-features';
import { twoTowerConfig, type TwoTowerConfig, type TwoTowerOptions } from './two-tower-config';

/** One global batch of (user, movie) pairs: user i chose movie i. */
export interface RetrievalBatch {
  readonly user_id: ArrayLike<number>;
  readonly movie_id: ArrayLike<number>;
}

/** Batches for {@link TwoTowerModel.fit}: plain {@link RetrievalBatch}es, or the library's `Dataset.batch(...)` batches. */
export type RetrievalDataset = Iterable<RetrievalBatch | { readonly features: RetrievalBatch }>;

/** One epoch of {@link TwoTowerModel.fit}: the core's fields ({@link BaseEpochLogs}) and retrieval's metrics. */
export interface RetrievalEpochLogs extends BaseEpochLogs {
  /** Mean over steps of the step loss (Σ over the batch of the softmax cross-entropy, as TFRS reports it). */
  readonly loss: number;
  /** Mean loss per example. */
  readonly lossPerExample: number;
  /** Factorized top-K accuracy on `validationData` (when given). */
  readonly topK?: TopKAccuracy;
}

/** Options of {@link TwoTowerModel.fit}: the training core's (epochs, stepsPerEpoch, callbacks, verbose) and retrieval's. */
export interface RetrievalFitOptions extends Omit<FitLoopOptions<RetrievalEpochLogs>, 'verbose'> {
  /** Evaluated after every epoch with {@link TwoTowerModel.evaluate}. @default undefined */
  readonly validationData?: RetrievalDataset;
  /** Cut-offs of the validation metric. @default [1, 5, 10, 50, 100] */
  readonly ks?: readonly number[];
  /** Called after every epoch (e.g. to update a live figure), after the callbacks. @default undefined */
  readonly onEpochEnd?: (logs: RetrievalEpochLogs) => void | Promise<void>;
  /**
   * Progress output as the ranking model's `fit` (0 silent, 1 bar, 2 one line per epoch, 'auto'); `true` is
   * 'auto' and `false` is 0. @default 'auto'
   */
  readonly verbose?: boolean | 0 | 1 | 2 | 'auto';
}

/** Options of {@link TwoTowerModel.buildIndex}. */
export type BuildIndexOptions = ExactIndexOptions & HnswIndexOptions;

/**
 * A two-tower retrieval model (TFRS's basic retrieval tutorial) on simulated TPU embeddings: a query tower and a
 * candidate tower, each a `TPUEmbedding` (its own tables, sharded over the slice) plus optional dense layers,
 * trained with the in-batch softmax of `tfrs.tasks.Retrieval` ({@link retrievalLoss}).
 *
 * ```
 * batch (user_id, movie_id) [B]
 *   query:      TPUEmbedding.lookup(user_id, demographics, user_history) → concat → Dense* → q [B, d]
 *   candidate:  TPUEmbedding.lookup(movie_id, genres, buckets)           → concat → Dense* → c [B (+B history negatives), d]
 *   loss = retrievalLoss(q, c, temperature, candidateIds = movie_id, logQ)   (Σ over the batch)
 * tf.engine().gradients → activations (both TPUEmbedding.applyGradients, sparse) and dense weights (denseOptimizerFor)
 * ```
 * Steps and `fit` run on the training core ({@link runTrainingStep}, {@link runFitLoop}) like the ranking model: a
 * rejected step (e.g. `non_finite_gradient`) changes neither tower. State and checkpoints as the ranking model's:
 * {@link TwoTowerModel.getState}/{@link TwoTowerModel.setState}, `twoTowerCheckpointContent`, `twoTowerStateFromCheckpoint`.
 * In-batch negatives are the whole global batch (as if the candidate embeddings were all-gathered across
 * replicas); TFRS under a TPUStrategy without that gather uses each replica's share only.
 *
 * @example
 * const model = new TwoTowerModel({ userVocabularySize: 944, movieVocabularySize: 1683, candidateIds: data.movies.movie_id });
 * await model.fit(train.batch(1024), { epochs: 3, validationData: test.batch(4096) });
 * model.evaluate(test.batch(4096)); // { 1: …, 100: 0.36 }
 * const rec = model.recommender('hnsw'); rec.recommend(42, 10);
 */
export class TwoTowerModel {
  readonly config: TwoTowerConfig;
  /** The query tower's embedding engine (`user_id` and demographics). */
  readonly queryEmbedding: TPUEmbedding;
  /** The candidate tower's embedding engine (`movie_id` and genres). */
  readonly candidateEmbedding: TPUEmbedding;
  /** Dense layers of the query tower (null: the tower is its one embedding). */
  readonly queryTower: DenseStack | null;
  readonly candidateTower: DenseStack | null;
  /** Sampling probability per movie id (logQ correction), estimated by {@link fit} from the training data. */
  candidateProbability: Float64Array | null = null;
  /**
   * The movies each user rated in training, read by the `user_history` feature (`config.queryHistory`); {@link fit}
   * collects them from its training data when null. Not part of {@link getState}: set it again after a restore.
   */
  history: SeenItems | null = null;
  private denseOpt: tf.Optimizer;
  private steps = 0;
  private disposed = false;

  /**
   * @param options see {@link TwoTowerOptions}.
   * @throws ConfigError from {@link twoTowerConfig}.
   */
  constructor(options: TwoTowerOptions = {}) {
    const c = twoTowerConfig(options);
    this.config = c;
    const qf: Record<string, FeatureConfig> = {};
    if (c.queryUserId) qf.user_id = featureConfig({ table: tableConfig({ vocabularySize: c.userVocabularySize, dim: c.embeddingDim, name: 'user_id' }) });
    for (const f of c.queryFeatures) qf[f] = featureConfig({ table: tableConfig({ vocabularySize: c.sideFeatures!.vocabulary[f], dim: c.sideDim, name: f }) });
    if (c.queryHistory) qf.user_history = featureConfig({ table: tableConfig({ vocabularySize: c.movieVocabularySize, dim: c.embeddingDim, combiner: 'sqrtn', name: 'user_history' }) });
    const cf: Record<string, FeatureConfig> = {
      movie_id: featureConfig({ table: tableConfig({ vocabularySize: c.movieVocabularySize, dim: c.embeddingDim, name: 'movie_id' }) }),
    };
    if (c.candidateGenres) cf.movie_genres = featureConfig({ table: tableConfig({ vocabularySize: c.sideFeatures!.vocabulary.movie_genres, dim: c.sideDim, combiner: 'mean', name: 'movie_genres' }) });
    for (const [name, f] of Object.entries(c.candidateBuckets)) cf[name] = featureConfig({ table: tableConfig({ vocabularySize: f.vocabulary, dim: c.sideDim, name }) });
    const common = { optimizer: c.optimizer, topology: c.topology, placement: c.placement };
    this.queryEmbedding = new TPUEmbedding({ ...common, features: qf, seed: c.seed });
    this.candidateEmbedding = new TPUEmbedding({ ...common, features: cf, seed: c.seed + 100 });
    const qWidth = (c.queryUserId ? c.embeddingDim : 0) + c.sideDim * c.queryFeatures.length + (c.queryHistory ? c.embeddingDim : 0);
    const cWidth = c.embeddingDim + (c.candidateGenres ? c.sideDim : 0) + c.sideDim * Object.keys(c.candidateBuckets).length;
    this.queryTower = c.queryUnits.length ? new DenseStack({ inputDim: qWidth, units: c.queryUnits, seed: c.seed + 1, scope: 'query' }) : null;
    this.candidateTower = c.candidateUnits.length ? new DenseStack({ inputDim: cWidth, units: c.candidateUnits, seed: c.seed + 2, scope: 'candidate' }) : null;
    this.denseOpt = denseOptimizerFor(c.optimizer);
  }

  /** Training steps taken. */
  get step(): number {
    return this.steps;
  }

  /** Embedding width of both towers' outputs. */
  get dim(): number {
    return this.config.embeddingDim;
  }

  /** The candidates of evaluation and the index (`config.candidateIds`). */
  get candidateIds(): Int32Array {
    return this.config.candidateIds;
  }

  /**
   * Estimates the logQ sampling probabilities from the movie frequencies of `dataset`
   * (p(m) = count(m) / examples, the probability that a batch slot holds movie m).
   */
  estimateCandidateProbability(dataset: RetrievalDataset): Float64Array {
    const counts = new Float64Array(this.config.movieVocabularySize);
    let total = 0;
    for (const b of dataset) {
      const m = batchOf(b).movie_id;
      for (let i = 0; i < m.length; i++) {
        if (m[i] >= 0 && m[i] < counts.length) counts[m[i]]++;
        total++;
      }
    }
    for (let j = 0; j < counts.length; j++) counts[j] = total > 0 ? Math.max(counts[j], 1) / total : 1;
    this.candidateProbability = counts;
    return counts;
  }

  /**
   * One training step on one global batch (size divisible by the replicas).
   * @returns the step's loss (Σ over the batch).
   * @throws InputError for ids out of range or a malformed batch (nothing is updated).
   */
  trainStep(batch: RetrievalBatch): number {
    this.check('trainStep');
    const users = toIds('TwoTowerModel.trainStep', 'user_id', batch.user_id);
    const movies = toIds('TwoTowerModel.trainStep', 'movie_id', batch.movie_id);
    if (users.length !== movies.length || users.length === 0) {
      throw new InputError('bad_batch', `TwoTowerModel.trainStep: expected user_id and movie_id of the same non-zero length, but got ${users.length} and ${movies.length}.`);
    }
    const c = this.config;
    const query = this.queryFeatures(users, movies, 'trainStep');
    const candidates = c.historyNegatives ? this.withHistoryNegatives(users, movies) : movies;
    let probs: Float32Array | undefined;
    if (c.samplingCorrection) {
      if (!this.candidateProbability) {
        throw new InputError('no_sampling_probability', 'TwoTowerModel.trainStep: samplingCorrection needs candidate probabilities; call estimateCandidateProbability(train) first (fit does it).');
      }
      probs = Float32Array.from(candidates, (m) => this.candidateProbability![m] ?? 1);
    }
    const loss = runTrainingStep({
      api: 'TwoTowerModel.trainStep',
      lookups: [
        { embedding: this.queryEmbedding, features: query },
        { embedding: this.candidateEmbedding, features: this.candidateFeatures(candidates) },
      ],
      variables: [...(this.queryTower?.variables ?? []), ...(this.candidateTower?.variables ?? [])],
      denseOptimizer: this.denseOpt,
      loss: ([q, cand]) =>
        retrievalLoss(this.head(this.queryTower, Object.values(q)), this.head(this.candidateTower, Object.values(cand)), {
          temperature: c.temperature,
          candidateIds: c.removeAccidentalHits ? candidates : undefined,
          candidateSamplingProbability: probs,
        }),
    });
    this.steps++;
    return loss;
  }

  /**
   * Trains (Keras `fit`) with the training core's loop (as `RankingModel.fit`): every batch of `train` once per
   * epoch (or `stepsPerEpoch` steps); with `validationData`, the factorized top-K accuracy after each epoch.
   * Estimates the logQ probabilities from `train` first when the correction is on.
   * @returns one {@link RetrievalEpochLogs} per epoch.
   * @throws ConfigError `invalid_fit_options`, `invalid_verbose`; InputError for bad batches or an empty dataset.
   */
  async fit(train: RetrievalDataset, options: RetrievalFitOptions = {}): Promise<RetrievalEpochLogs[]> {
    this.check('fit');
    const { verbose, onEpochEnd, validationData, ks, ...loop } = options;
    if (this.config.samplingCorrection && !this.candidateProbability) this.estimateCandidateProbability(train);
    if (this.config.queryHistory && !this.history) this.history = SeenItems.fromDataset(train);
    const history = await runFitLoop<RetrievalBatch, RetrievalEpochLogs>(
      {
        api: 'TwoTowerModel.fit',
        dataset: train,
        step: (batch) => ({ loss: this.trainStep(batch), batchSize: batch.user_id.length }),
        globalStep: () => this.steps,
        epochLogs: ({ epoch, lastStep, loss, ...rest }, totals) => {
          const topK = validationData ? this.evaluate(validationData, { ks }) : undefined;
          return { epoch, lastStep, loss, lossPerExample: totals.lossSum / totals.examples, ...(topK ? { topK } : {}), ...rest };
        },
      },
      {
        ...loop,
        verbose: verbose === true ? 'auto' : verbose === false ? 0 : verbose,
        callbacks: [...(loop.callbacks ?? []), ...(onEpochEnd ? [{ onEpochEnd: (_e: number, logs: RetrievalEpochLogs) => onEpochEnd(logs) }] : [])],
      },
    );
    return history.epochs;
  }

  /**
   * Factorized top-K accuracy (TFRS `FactorizedTopK`) of `dataset`'s pairs against every candidate of
   * `config.candidateIds`.
   * @param dataset (user, movie) pairs; movies must be candidates.
   * @param options.ks cut-offs. @default [1, 5, 10, 50, 100]
   * @returns accuracy per K.
   */
  evaluate(dataset: RetrievalDataset, options: { readonly ks?: readonly number[] } = {}): TopKAccuracy {
    this.check('evaluate');
    const ids = this.config.candidateIds;
    const metric = new FactorizedTopK(ids, this.candidateEmbeddings(ids), this.dim, { ks: options.ks ?? DEFAULT_TOP_KS });
    try {
      let cache: Float32Array | null = null;
      for (const b of dataset) {
        const batch = batchOf(b);
        cache ??= this.queryEmbeddings(Int32Array.from({ length: this.config.userVocabularySize }, (_, i) => i));
        const users = toIds('TwoTowerModel.evaluate', 'user_id', batch.user_id);
        const q = new Float32Array(users.length * this.dim);
        for (let i = 0; i < users.length; i++) q.set(cache.subarray(users[i] * this.dim, (users[i] + 1) * this.dim), i * this.dim);
        metric.updateState(q, batch.movie_id);
      }
      return metric.result();
    } finally {
      metric.dispose();
    }
  }

  /**
   * Query embeddings of users (the query tower on their ids and demographics).
   * @param userIds `[n]` ids in [0, userVocabularySize).
   * @returns `[n, dim]` row-major.
   */
  queryEmbeddings(userIds: ArrayLike<number>): Float32Array {
    this.check('queryEmbeddings');
    const ids = toIds('TwoTowerModel.queryEmbeddings', 'user_id', userIds);
    return this.embed(ids, (x) => this.queryFeatures(x, null, 'queryEmbeddings'), this.queryEmbedding, this.queryTower);
  }

  /**
   * Candidate embeddings of movies (the candidate tower on their ids and genres).
   * @param movieIds `[n]` ids. @default config.candidateIds
   * @returns `[n, dim]` row-major.
   */
  candidateEmbeddings(movieIds: ArrayLike<number> = this.config.candidateIds): Float32Array {
    this.check('candidateEmbeddings');
    const ids = toIds('TwoTowerModel.candidateEmbeddings', 'movie_id', movieIds);
    return this.embed(ids, (x) => this.candidateFeatures(x), this.candidateEmbedding, this.candidateTower);
  }

  /**
   * Embeds every candidate of `config.candidateIds` and indexes them.
   * @param kind 'exact' ({@link ExactIndex}) or 'hnsw' ({@link HnswIndex}). @default 'exact'
   * @param options block size (exact) or HNSW parameters.
   * @returns the index (the caller disposes it).
   */
  buildIndex(kind: IndexKind = 'exact', options: BuildIndexOptions = {}): CandidateIndex {
    const ids = this.config.candidateIds;
    const vectors = this.candidateEmbeddings(ids);
    if (kind === 'exact') return ExactIndex.build(ids, vectors, this.dim, { blockSize: options.blockSize });
    if (kind === 'hnsw') return HnswIndex.build(ids, vectors, this.dim, options);
    throw new InputError('bad_option', `TwoTowerModel.buildIndex: expected kind to be 'exact' or 'hnsw', but got ${JSON.stringify(kind)}.`);
  }

  /**
   * The query model for serving, as a plain tfjs LayersModel: int32 input `user_id` of shape `[batch, 1]` →
   * `Embedding` → output `[batch, dim]`. The query tower (id table, demographics, dense layers) is folded into the
   * embedding: row u holds user u's query embedding, so `tf.loadLayersModel` alone serves it. Users outside
   * [0, userVocabularySize) cannot be served (as with the ranking export).
   * @returns a new LayersModel (dispose it when done).
   */
  exportQueryModel(): tf.LayersModel {
    this.check('exportQueryModel');
    const n = this.config.userVocabularySize;
    const table = this.queryEmbeddings(Int32Array.from({ length: n }, (_, i) => i));
    const input = tf.input({ shape: [1], dtype: 'int32', name: 'user_id' });
    const w = tf.tensor2d(table, [n, this.dim]);
    const emb = tf.layers.embedding({ inputDim: n, outputDim: this.dim, name: 'query_embedding', weights: [w] });
    const out = tf.layers.flatten({ name: 'query' }).apply(emb.apply(input)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out, name: 'query_model' });
    w.dispose();
    return model;
  }

  /**
   * A {@link Recommender} over this model: the exported query model and a fresh index of every candidate.
   * @param kind index kind. @default 'hnsw'
   */
  recommender(kind: IndexKind = 'hnsw', options: BuildIndexOptions = {}): Recommender {
    return new Recommender(this.exportQueryModel(), this.buildIndex(kind, options));
  }

  /**
   * The whole training state ({@link ModelState}): both towers' full tables and slots (`user_id`,
   * `user_id/accumulators`, …, `movie_id`, `movie_genres`, …), the dense weights (`query/layer_with_weights-<i>/kernel`,
   * `candidate/…`) and the dense optimizer (`optimizer/iter`, slots). The logQ probabilities are not part of it:
   * `fit` estimates them again from its training data.
   * @returns copies, for {@link setState} or `twoTowerCheckpointContent`.
   */
  async getState(): Promise<ModelState> {
    this.check('getState');
    return readModelState(this.steps, this.stateParts(), this.denseOpt);
  }

  /**
   * Restores a state from {@link getState} (or a checkpoint, `twoTowerStateFromCheckpoint`): tables (resharded onto
   * this model's topology), dense weights, dense optimizer and step; training then continues exactly as it would have.
   * All or nothing, as `RankingModel.setState` ({@link restoreModelState}): a rejected state leaves the model as it was.
   * @throws InputError `bad_state` naming the tensor (missing, unexpected, wrong dtype or shape, non-finite).
   */
  async setState(state: ModelState): Promise<void> {
    this.check('setState');
    const restored = await restoreModelState('TwoTowerModel.setState', state, this.stateParts(), () => !this.disposed);
    if (!restored) return this.check('setState');
    this.denseOpt.dispose();
    this.denseOpt = restored.denseOptimizer;
    this.steps = restored.step;
  }

  private stateParts(): ModelStateParts {
    return {
      embeddings: [this.queryEmbedding, this.candidateEmbedding],
      dense: [...(this.queryTower?.weights ?? []), ...(this.candidateTower?.weights ?? [])],
      optimizer: this.config.optimizer,
    };
  }

  /** Frees the dense variables and the dense optimizer. */
  dispose(): void {
    if (this.disposed) return;
    this.queryTower?.dispose();
    this.candidateTower?.dispose();
    this.denseOpt.dispose();
    this.disposed = true;
  }

  // ---------------------------------------------------------------------------------------------------------------

  /** The query tower's inputs; `leaveOut[i]` (training) is dropped from example i's history. */
  private queryFeatures(users: Int32Array, leaveOut: Int32Array | null, api: string): Record<string, FeatureInput> {
    const out: Record<string, FeatureInput> = this.config.queryUserId ? { user_id: users } : {};
    const side = this.config.sideFeatures;
    for (const f of this.config.queryFeatures) {
      const col = side![f];
      out[f] = Int32Array.from(users, (u) => (u < col.length ? col[u] : 0));
    }
    if (this.config.queryHistory) {
      if (!this.history) {
        throw new InputError('no_history', `TwoTowerModel.${api}: queryHistory needs each user's training movies; set model.history = SeenItems.fromDataset(train) first (fit does it).`);
      }
      out.user_history = historyBags(this.history, users, leaveOut, this.config.movieVocabularySize);
    }
    return out;
  }

  /** `[2B]`: the batch's movies, then one other movie of each pair's user (see `historyNegatives`). */
  private withHistoryNegatives(users: Int32Array, movies: Int32Array): Int32Array {
    const rng = new Random(this.config.seed * 1_000_003 + this.steps);
    const B = movies.length;
    const out = new Int32Array(2 * B);
    out.set(movies);
    const ids = this.config.candidateIds;
    for (let i = 0; i < B; i++) {
      const seen = this.history!.of(users[i]);
      const others = seen.length - (seen.includes(movies[i]) ? 1 : 0);
      let pick = ids[rng.int(ids.length)];
      if (others > 0) {
        do pick = seen[rng.int(seen.length)];
        while (pick === movies[i]);
      }
      out[B + i] = pick;
    }
    return out;
  }

  private candidateFeatures(movies: Int32Array): Record<string, FeatureInput> {
    const out: Record<string, FeatureInput> = { movie_id: movies };
    if (this.config.candidateGenres) out.movie_genres = genresOf(this.config.sideFeatures!, movies);
    for (const [name, f] of Object.entries(this.config.candidateBuckets)) out[name] = Int32Array.from(movies, (m) => (m < f.values.length ? f.values[m] : 0));
    return out;
  }

  private head(tower: DenseStack | null, acts: tf.Tensor[]): tf.Tensor2D {
    const x = (acts.length === 1 ? acts[0] : tf.concat(acts as tf.Tensor2D[], 1)) as tf.Tensor2D;
    return tower ? tower.apply(x) : x;
  }

  /** Looks up ids in chunks, padding each chunk to a multiple of the replicas (inference only). */
  private embed(ids: Int32Array, features: (ids: Int32Array) => Record<string, FeatureInput>, emb: TPUEmbedding, tower: DenseStack | null): Float32Array {
    const out = new Float32Array(ids.length * this.dim);
    const R = emb.numReplicas;
    const chunk = 4096;
    for (let s = 0; s < ids.length; s += chunk) {
      const n = Math.min(chunk, ids.length - s);
      const padded = new Int32Array(Math.ceil(n / R) * R);
      padded.set(ids.subarray(s, s + n));
      const acts = emb.lookup(features(padded));
      const names = Object.keys(acts);
      const y = tf.tidy(() => this.head(tower, names.map((k) => acts[k])).slice([0, 0], [n, this.dim]));
      tf.dispose(Object.values(acts));
      out.set(y.dataSync() as Float32Array, s * this.dim);
      y.dispose();
    }
    return out;
  }

  private check(api: string): void {
    if (this.disposed) throw new InputError('disposed', `TwoTowerModel.${api}: the model was disposed; create a new TwoTowerModel.`);
  }
}

/** Ragged `user_history` rows: user i's seen movies (in the table's range), without `leaveOut[i]`. */
function historyBags(history: SeenItems, users: Int32Array, leaveOut: Int32Array | null, vocabulary: number): { values: Int32Array; rowSplits: Int32Array } {
  const rowSplits = new Int32Array(users.length + 1);
  for (let i = 0; i < users.length; i++) rowSplits[i + 1] = rowSplits[i] + history.of(users[i]).length;
  const values = new Int32Array(rowSplits[users.length]);
  let n = 0;
  for (let i = 0; i < users.length; i++) {
    const seen = history.of(users[i]);
    const skip = leaveOut ? leaveOut[i] : -1;
    for (let k = 0; k < seen.length; k++) if (seen[k] !== skip && seen[k] >= 0 && seen[k] < vocabulary) values[n++] = seen[k];
    rowSplits[i + 1] = n;
  }
  return { values: values.slice(0, n), rowSplits };
}

function toIds(api: string, name: string, v: ArrayLike<number>): Int32Array {
  if (v === null || typeof v !== 'object' || typeof v.length !== 'number') throw new InputError('bad_batch', `${api}: expected ${name} to be an array of ids, but got ${String(v)}.`);
  if (v instanceof Int32Array) return v;
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isInteger(v[i])) throw new InputError('bad_batch', `${api}: expected ${name} to hold integer ids, but got ${String(v[i])} at ${i}.`);
    out[i] = v[i];
  }
  return out;
}

import { PLACEMENTS } from '../embedding';
import { ConfigError } from '../errors';
import { kerasAdagrad, type EmbeddingOptimizer } from '../optimizers';
import { resolveTopology, type Topology } from '../strategy';
import type { CandidateBucketFeature } from './candidate-bucket-feature';
import { QUERY_SIDE_FEATURES, type QuerySideFeature, type RetrievalSideFeatures } from './retrieval-side-features';

/** Options of {@link twoTowerConfig}; the defaults are TFRS's basic retrieval tutorial plus the logQ correction. */
export interface TwoTowerOptions {
  /** Simulated slice (preset name or Topology). @default 'v4-8' */
  readonly topology?: Topology | string;
  /** @default 'sparsecore' */
  readonly placement?: (typeof PLACEMENTS)[number];
  /** Optimizer of the tables and (through `denseOptimizerFor`) the dense layers. @default kerasAdagrad({ learningRate: 0.1 }) */
  readonly optimizer?: EmbeddingOptimizer;
  /** Rows of the `user_id` table (ids must be below). @default 2048 */
  readonly userVocabularySize?: number;
  /** Rows of the `movie_id` table. @default 2048 */
  readonly movieVocabularySize?: number;
  /** Width of the id tables and of both towers' outputs. @default 32 */
  readonly embeddingDim?: number;
  /** Width of the side-feature tables (demographics, genres). @default 16 */
  readonly sideDim?: number;
  /** Demographic features of the query tower. @default [] */
  readonly queryFeatures?: readonly QuerySideFeature[];
  /**
   * Add `user_history` to the query tower: the movies the user rated in the training data as a multivalent feature
   * (its own `[movieVocabularySize, embeddingDim]` table, `sqrtn` combiner). In training, each pair's own movie is
   * left out of its user's history (the tower learns to predict a held-out movie from the others, the task it
   * faces at test time); in evaluation and serving the whole training history is used. `fit` collects the
   * histories from its training data (`model.history`). @default false
   */
  readonly queryHistory?: boolean;
  /**
   * Keep the `user_id` table in the query tower. Without it (only with `queryHistory` or `queryFeatures`) the
   * query is a function of what the user rated and who they are, and cannot memorise single (user, movie) pairs.
   * @default true
   */
  readonly queryUserId?: boolean;
  /**
   * Hard negatives (needs `queryHistory`): for each pair (u, m) of a batch, one other movie of u's training history
   * joins the batch's candidates as an extra negative, for every query. Under the leave-one-out history a pair's
   * own movie is never in its history, so these are true negatives of that example: the model learns what MovieLens
   * shows, that a user does not rate a movie twice. A user with no other movie gets a uniformly drawn one (the
   * mixed-negative sampling of Yang et al. 2020). @default false
   */
  readonly historyNegatives?: boolean;
  /** Add `movie_genres` (multivalent, mean combiner) to the candidate tower. @default false */
  readonly candidateGenres?: boolean;
  /**
   * Categorical features of movies for the candidate tower, by name (each its own `sideDim`-wide table), e.g.
   * `{ movie_year: releaseYearBuckets(...), movie_popularity: popularityBuckets(train, …) }`. @default {}
   */
  readonly candidateBuckets?: Readonly<Record<string, CandidateBucketFeature>>;
  /** Per-id side features (required when queryFeatures or candidateGenres are used). @default undefined */
  readonly sideFeatures?: RetrievalSideFeatures;
  /**
   * Dense layers on top of each tower's concatenated embeddings (ReLU, the last linear, the last width must be
   * embeddingDim). @default [] with id features only (the tower is the id embedding), [embeddingDim] with side features
   */
  readonly queryUnits?: readonly number[];
  /** @default as queryUnits, for the candidate tower */
  readonly candidateUnits?: readonly number[];
  /** Softmax temperature. @default 1 */
  readonly temperature?: number;
  /** Remove accidental hits (in-batch negatives with the positive's movie id). @default true */
  readonly removeAccidentalHits?: boolean;
  /**
   * Correct the in-batch softmax for the sampling probability of each candidate (logQ; TFRS
   * `candidate_sampling_probability`), estimated from the training data's movie frequencies. @default true
   */
  readonly samplingCorrection?: boolean;
  /** Candidate movie ids for evaluation and the index. @default every id in [0, movieVocabularySize) */
  readonly candidateIds?: ArrayLike<number>;
  /** Seed of the table and dense initialisers. @default 0 */
  readonly seed?: number;
}

/** A validated, frozen {@link TwoTowerOptions} with every default filled in. */
export interface TwoTowerConfig {
  readonly topology: Topology;
  readonly placement: (typeof PLACEMENTS)[number];
  readonly optimizer: EmbeddingOptimizer;
  readonly userVocabularySize: number;
  readonly movieVocabularySize: number;
  readonly embeddingDim: number;
  readonly sideDim: number;
  readonly queryFeatures: readonly QuerySideFeature[];
  readonly queryHistory: boolean;
  readonly queryUserId: boolean;
  readonly historyNegatives: boolean;
  readonly candidateGenres: boolean;
  readonly candidateBuckets: Readonly<Record<string, CandidateBucketFeature>>;
  readonly sideFeatures: RetrievalSideFeatures | undefined;
  readonly queryUnits: readonly number[];
  readonly candidateUnits: readonly number[];
  readonly temperature: number;
  readonly removeAccidentalHits: boolean;
  readonly samplingCorrection: boolean;
  readonly candidateIds: Int32Array;
  readonly seed: number;
}

/**
 * Validates the two-tower retrieval model's options once and fills in defaults:
 *
 * ```
 * query tower:     user_id [B] → table 2048×32 ─┐ (+ user_gender, bucketized_user_age, user_occupation_label → 16 each)
 *                                                │ (+ user_history: the user's training movies, ragged, sqrtn → 32)
 *                                                └ concat → Dense(queryUnits) → query [B, 32]
 * candidate tower: movie_id [B] → table 2048×32 ─┐ (+ movie_genres, ragged, mean combiner → 16; + candidateBuckets → 16 each)
 *                                                └ concat → Dense(candidateUnits) → candidate [B, 32]
 * loss: in-batch softmax (TFRS Retrieval) with temperature, accidental-hit removal and the logQ correction
 * ```
 *
 * @param options see {@link TwoTowerOptions}.
 * @returns a frozen {@link TwoTowerConfig}.
 * @throws ConfigError `invalid_model_config` naming the field, the rule and the value; `unknown_topology`.
 * @example
 * const config = twoTowerConfig({ userVocabularySize: 944, movieVocabularySize: 1683, candidateIds: data.movies.movie_id });
 */
export function twoTowerConfig(options: TwoTowerOptions = {}): TwoTowerConfig {
  const bad = (msg: string): ConfigError => new ConfigError('invalid_model_config', `twoTowerConfig: ${msg}`);
  if (options === null || typeof options !== 'object') throw bad(`expected an options object, but got ${String(options)}.`);
  const posInt = (name: string, v: unknown, fallback: number): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw bad(`expected ${name} to be a positive integer, but got ${String(v)}.`);
    return v;
  };
  const placement = options.placement ?? 'sparsecore';
  if (!(PLACEMENTS as readonly string[]).includes(placement)) throw bad(`expected placement to be one of ${PLACEMENTS.join(', ')}, but got '${String(placement)}'.`);
  const optimizer = options.optimizer ?? kerasAdagrad({ learningRate: 0.1 });
  if (typeof (optimizer as { applyRows?: unknown })?.applyRows !== 'function') {
    throw bad(`expected optimizer to be an embedding optimizer (e.g. kerasAdagrad({ learningRate: 0.1 })), but got ${String(optimizer)}.`);
  }
  const embeddingDim = posInt('embeddingDim', options.embeddingDim, 32);
  const userVocabularySize = posInt('userVocabularySize', options.userVocabularySize, 2048);
  const movieVocabularySize = posInt('movieVocabularySize', options.movieVocabularySize, 2048);
  const queryFeatures = options.queryFeatures ?? [];
  if (!Array.isArray(queryFeatures) || queryFeatures.some((f) => !(QUERY_SIDE_FEATURES as readonly string[]).includes(f)) || new Set(queryFeatures).size !== queryFeatures.length) {
    throw bad(`expected queryFeatures to be distinct names from ${QUERY_SIDE_FEATURES.join(', ')}, but got ${JSON.stringify(queryFeatures)}.`);
  }
  const candidateGenres = options.candidateGenres ?? false;
  if (typeof candidateGenres !== 'boolean') throw bad(`expected candidateGenres to be a boolean, but got ${String(candidateGenres)}.`);
  if ((queryFeatures.length > 0 || candidateGenres) && !options.sideFeatures) {
    throw bad('expected sideFeatures (from retrievalSideFeatures(data)) when queryFeatures or candidateGenres are used, but got none.');
  }
  for (const f of [...queryFeatures, ...(candidateGenres ? ['movie_genres' as const] : [])]) {
    const v = (options.sideFeatures?.vocabulary as Record<string, unknown> | undefined)?.[f];
    if (!Number.isInteger(v) || (v as number) < 1) {
      throw bad(`expected sideFeatures.vocabulary.${f} (the table size of that side feature) to be a positive integer, but got ${String(v)}. Build sideFeatures with retrievalSideFeatures(data), or add vocabulary.`);
    }
  }
  const candidateBuckets = options.candidateBuckets ?? {};
  if (candidateBuckets === null || typeof candidateBuckets !== 'object') throw bad(`expected candidateBuckets to be an object of bucket features by name, but got ${String(candidateBuckets)}.`);
  for (const [name, f] of Object.entries(candidateBuckets)) {
    if (!/^[a-z][a-z0-9_]*$/.test(name) || name === 'movie_id' || name === 'movie_genres') {
      throw bad(`expected candidateBuckets names in snake_case other than movie_id and movie_genres (they name tables), but got '${name}'.`);
    }
    if (!f || !(f.values instanceof Int32Array) || !Number.isInteger(f.vocabulary) || f.vocabulary < 1) {
      throw bad(`expected candidateBuckets.${name} to be { values: Int32Array, vocabulary: positive integer } (releaseYearBuckets, popularityBuckets), but got ${String(f && f.vocabulary)} buckets.`);
    }
    const badAt = f.values.findIndex((v) => v < 0 || v >= f.vocabulary);
    if (badAt >= 0) throw bad(`expected candidateBuckets.${name}.values in [0, ${f.vocabulary}), but got ${f.values[badAt]} at movie ${badAt}.`);
  }
  const units = (name: string, v: readonly number[] | undefined, hasSide: boolean): readonly number[] => {
    const u = v ?? (hasSide ? [embeddingDim] : []);
    if (!Array.isArray(u) || u.some((x) => !Number.isInteger(x) || x < 1)) throw bad(`expected ${name} to be an array of positive integers, but got ${JSON.stringify(v)}.`);
    if (u.length === 0 && hasSide) throw bad(`expected ${name} to hold at least one layer when side features are concatenated (their width must be projected to embeddingDim ${embeddingDim}), but got [].`);
    if (u.length > 0 && u[u.length - 1] !== embeddingDim) throw bad(`expected the last of ${name} to be embeddingDim (${embeddingDim}) so that both towers meet in one space, but got ${JSON.stringify(u)}.`);
    return Object.freeze([...u]);
  };
  const temperature = options.temperature ?? 1;
  if (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature <= 0) throw bad(`expected temperature to be a positive finite number, but got ${String(temperature)}.`);
  const flags = ['removeAccidentalHits', 'samplingCorrection', 'queryHistory', 'queryUserId', 'historyNegatives'] as const;
  for (const f of flags) if (options[f] !== undefined && typeof options[f] !== 'boolean') throw bad(`expected ${f} to be a boolean, but got ${String(options[f])}.`);
  if (options.queryUserId === false && !options.queryHistory && queryFeatures.length === 0) {
    throw bad('expected the query tower to keep at least one feature, but queryUserId is false without queryHistory or queryFeatures. Set queryHistory: true, or leave queryUserId out.');
  }
  if (options.historyNegatives && !options.queryHistory) throw bad('expected queryHistory: true with historyNegatives (they are drawn from the users\' histories), but got queryHistory ' + String(options.queryHistory ?? false) + '.');
  let candidateIds: Int32Array;
  if (options.candidateIds === undefined) candidateIds = Int32Array.from({ length: movieVocabularySize }, (_, i) => i);
  else {
    candidateIds = Int32Array.from(options.candidateIds);
    if (candidateIds.length === 0) throw bad('expected candidateIds to hold at least one id, but got none.');
    for (let i = 0; i < candidateIds.length; i++) {
      if (candidateIds[i] !== options.candidateIds[i] || candidateIds[i] < 0 || candidateIds[i] >= movieVocabularySize) {
        throw bad(`expected candidateIds to be integer ids in [0, ${movieVocabularySize}) (movieVocabularySize), but got ${options.candidateIds[i]} at ${i}.`);
      }
    }
    if (new Set(candidateIds).size !== candidateIds.length) throw bad('expected candidateIds to be distinct, but some repeat.');
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw bad(`expected seed to be an integer, but got ${String(seed)}.`);
  return Object.freeze({
    topology: resolveTopology(options.topology ?? 'v4-8'),
    placement,
    optimizer,
    userVocabularySize,
    movieVocabularySize,
    embeddingDim,
    sideDim: posInt('sideDim', options.sideDim, 16),
    queryFeatures: Object.freeze([...queryFeatures]),
    queryHistory: options.queryHistory ?? false,
    queryUserId: options.queryUserId ?? true,
    historyNegatives: options.historyNegatives ?? false,
    candidateGenres,
    candidateBuckets: Object.freeze({ ...candidateBuckets }),
    sideFeatures: options.sideFeatures,
    queryUnits: units('queryUnits', options.queryUnits, queryFeatures.length > 0 || options.queryHistory === true),
    candidateUnits: units('candidateUnits', options.candidateUnits, candidateGenres || Object.keys(candidateBuckets).length > 0),
    temperature,
    removeAccidentalHits: options.removeAccidentalHits ?? true,
    samplingCorrection: options.samplingCorrection ?? true,
    candidateIds,
    seed,
  });
}

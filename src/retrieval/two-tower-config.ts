import { PLACEMENTS } from '../embedding';
import { ConfigError } from '../errors';
import { finiteNumber, integer, oneOf, positiveInteger, where } from '../validation';
import { kerasAdagrad, type EmbeddingOptimizer } from '../optimizers';
import { resolveTopology, type Topology } from '../strategy';
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
  /** Add `movie_genres` (multivalent, mean combiner) to the candidate tower. @default false */
  readonly candidateGenres?: boolean;
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
  readonly candidateGenres: boolean;
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
 *                                                └ concat → Dense(queryUnits) → query [B, 32]
 * candidate tower: movie_id [B] → table 2048×32 ─┐ (+ movie_genres, ragged, mean combiner → 16)
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
  const at = where(ConfigError, 'invalid_model_config', 'twoTowerConfig');
  if (options === null || typeof options !== 'object') throw bad(`expected an options object, but got ${String(options)}.`);
  const posInt = (name: string, v: unknown, fallback: number): number => (v === undefined ? fallback : positiveInteger(v, at(name)));
  const placement = oneOf(options.placement ?? 'sparsecore', at('placement'), PLACEMENTS);
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
    positiveInteger(v, at(`sideFeatures.vocabulary.${f} (the table size of that side feature)`, 'Build sideFeatures with retrievalSideFeatures(data), or add vocabulary.'));
  }
  const units = (name: string, v: readonly number[] | undefined, hasSide: boolean): readonly number[] => {
    const u = v ?? (hasSide ? [embeddingDim] : []);
    if (!Array.isArray(u) || u.some((x) => !Number.isInteger(x) || x < 1)) throw bad(`expected ${name} to be an array of positive integers, but got ${JSON.stringify(v)}.`);
    if (u.length === 0 && hasSide) throw bad(`expected ${name} to hold at least one layer when side features are concatenated (their width must be projected to embeddingDim ${embeddingDim}), but got [].`);
    if (u.length > 0 && u[u.length - 1] !== embeddingDim) throw bad(`expected the last of ${name} to be embeddingDim (${embeddingDim}) so that both towers meet in one space, but got ${JSON.stringify(u)}.`);
    return Object.freeze([...u]);
  };
  const temperature = finiteNumber(options.temperature ?? 1, at('temperature'), { min: 0, exclusive: true });
  const flags = ['removeAccidentalHits', 'samplingCorrection'] as const;
  for (const f of flags) if (options[f] !== undefined && typeof options[f] !== 'boolean') throw bad(`expected ${f} to be a boolean, but got ${String(options[f])}.`);
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
  const seed = integer(options.seed ?? 0, at('seed'));
  return Object.freeze({
    topology: resolveTopology(options.topology ?? 'v4-8'),
    placement,
    optimizer,
    userVocabularySize,
    movieVocabularySize,
    embeddingDim,
    sideDim: posInt('sideDim', options.sideDim, 16),
    queryFeatures: Object.freeze([...queryFeatures]),
    candidateGenres,
    sideFeatures: options.sideFeatures,
    queryUnits: units('queryUnits', options.queryUnits, queryFeatures.length > 0),
    candidateUnits: units('candidateUnits', options.candidateUnits, candidateGenres),
    temperature,
    removeAccidentalHits: options.removeAccidentalHits ?? true,
    samplingCorrection: options.samplingCorrection ?? true,
    candidateIds,
    seed,
  });
}

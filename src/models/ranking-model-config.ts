import { ConfigError } from '../errors';
import { integer, oneOf, positiveInteger, where } from '../validation';
import { PLACEMENTS } from '../embedding/table-layout';
import { kerasAdagrad } from '../optimizers';
import type { EmbeddingOptimizer } from '../optimizers';
import { resolveTopology } from '../strategy';
import type { Topology } from '../strategy';


/** Options of {@link rankingModelConfig}: the tutorial's model, every field defaulted to the tutorial's value. */
export interface RankingModelOptions {
  /** Simulated slice (preset name or Topology). @default 'v4-8' */
  readonly topology?: Topology | string;
  /** Tables sharded over SparseCores, or one unsharded table in host memory. @default 'sparsecore' */
  readonly placement?: (typeof PLACEMENTS)[number];
  /**
   * The one optimizer of the tutorial: it updates the tables (TPU semantics) and, through
   * `denseOptimizerFor`, the dense weights. @default kerasAdagrad({ learningRate: 0.1 })
   */
  readonly optimizer?: EmbeddingOptimizer;
  /** Rows of the user table (user ids must be < it). @default 2048 */
  readonly userVocabularySize?: number;
  /** Rows of the movie table. @default 2048 */
  readonly movieVocabularySize?: number;
  /** Width of both tables. @default 64 */
  readonly embeddingDim?: number;
  /** Dense tower widths; a final Dense(1) is added. @default [256, 64] */
  readonly hiddenUnits?: readonly number[];
  /** Seed of the table and dense initialisers. @default 0 */
  readonly seed?: number;
}

/** A validated, frozen {@link RankingModelOptions} with every default filled in. */
export interface RankingModelConfig {
  readonly topology: Topology;
  readonly placement: (typeof PLACEMENTS)[number];
  readonly optimizer: EmbeddingOptimizer;
  readonly userVocabularySize: number;
  readonly movieVocabularySize: number;
  readonly embeddingDim: number;
  readonly hiddenUnits: readonly number[];
  readonly seed: number;
}

const at = where(ConfigError, 'invalid_model_config', 'rankingModelConfig');

function positiveIntegerOr(param: string, value: unknown, fallback: number): number {
  return value === undefined ? fallback : positiveInteger(value, at(param, `Leave it out for the tutorial's ${fallback}.`));
}

/**
 * Validates the ranking model's options once and fills in the tutorial's defaults
 * (tables 2,048 × 64 for `user_id` and `movie_id`, Dense(256, relu) → Dense(64, relu) → Dense(1),
 * Keras `Adagrad(0.1)`, simulated v4-8).
 *
 * @param options see {@link RankingModelOptions}.
 * @returns a frozen {@link RankingModelConfig}.
 * @throws ConfigError `invalid_model_config` naming the field, or `unknown_topology`.
 * @example
 * const config = rankingModelConfig({ topology: 'v4-8' });
 * config.embeddingDim; // 64
 */
export function rankingModelConfig(options: RankingModelOptions = {}): RankingModelConfig {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('invalid_model_config', `rankingModelConfig: expected an options object, but got ${String(options)}. Pass e.g. { topology: 'v4-8' }.`);
  }
  const placement = oneOf(options.placement ?? 'sparsecore', at('placement'), PLACEMENTS);
  const hidden = options.hiddenUnits ?? [256, 64];
  if (!Array.isArray(hidden) || hidden.some((u) => !Number.isInteger(u) || u < 1)) {
    throw new ConfigError('invalid_model_config', `rankingModelConfig: expected hiddenUnits to be an array of positive integers, but got ${JSON.stringify(hidden)}. Leave it out for the tutorial's [256, 64].`);
  }
  const seed = integer(options.seed ?? 0, at('seed'));
  const optimizer = options.optimizer ?? kerasAdagrad({ learningRate: 0.1 });
  if (typeof (optimizer as { applyRows?: unknown })?.applyRows !== 'function') {
    throw new ConfigError('invalid_model_config', `rankingModelConfig: expected optimizer to be an embedding optimizer (e.g. kerasAdagrad({ learningRate: 0.1 })), but got ${String(optimizer)}.`);
  }
  return Object.freeze({
    topology: resolveTopology(options.topology ?? 'v4-8'),
    placement,
    optimizer,
    userVocabularySize: positiveIntegerOr('userVocabularySize', options.userVocabularySize, 2048),
    movieVocabularySize: positiveIntegerOr('movieVocabularySize', options.movieVocabularySize, 2048),
    embeddingDim: positiveIntegerOr('embeddingDim', options.embeddingDim, 64),
    hiddenUnits: Object.freeze([...hidden]),
    seed,
  });
}

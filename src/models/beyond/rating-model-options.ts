import type * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../errors';
import { PLACEMENTS } from '../../embedding/table-layout';
import type { FeatureConfig } from '../../embedding';
import type { EmbeddingOptimizer, LearningRate } from '../../optimizers';
import type { Topology } from '../../strategy';

/** A dense (real-valued) input column of the batch, standardised as `(value − offset) × scale`. */
export interface DenseInput {
  /** Batch column, e.g. `'raw_user_age'` or `'timestamp'`. */
  readonly column: string;
  /** @default 0 */
  readonly offset?: number;
  /** @default 1 */
  readonly scale?: number;
}

/**
 * Options every model of `models/beyond` shares (the engine side: features, placement, optimizers, regularisation).
 * Model-specific options (widths, depths) extend it.
 */
export interface RatingModelOptions {
  /**
   * The engine features the model looks up, keyed by the batch column that holds their ids (several features may
   * share one table, e.g. a history sequence sharing the movie table). @default model-specific (user_id + movie_id)
   */
  readonly features?: Readonly<Record<string, FeatureConfig>>;
  /** Simulated slice. @default 'v4-8' */
  readonly topology?: Topology | string;
  /** @default 'sparsecore' */
  readonly placement?: (typeof PLACEMENTS)[number];
  /** The tables' optimizer (TPU semantics; a learning-rate schedule is a function of the step). @default new Adam({ learningRate: 0.001 }) */
  readonly optimizer?: EmbeddingOptimizer;
  /** The dense weights' tfjs optimizer. @default denseOptimizerFor(optimizer) */
  readonly denseOptimizer?: tf.Optimizer;
  /**
   * The dense optimizer's learning rate per step (a schedule): when a function, it is set on the tfjs optimizer
   * before every step (tfjs optimizers read `learningRate` at each `applyGradients`). @default the optimizer's own
   */
  readonly denseLearningRate?: LearningRate;
  /**
   * L2 on embeddings as TensorFlow does it: a loss term `l2 × Σ_features ‖activation‖² / B` on the looked-up
   * activations (only the rows in the batch, weighted by how often they occur). @default 0
   */
  readonly l2?: number;
  /** Dense columns (DLRM's bottom MLP input, DCN-v2's and the MLP's extra inputs). @default [] */
  readonly denseInputs?: readonly DenseInput[];
  /** Label column. @default 'user_rating' */
  readonly labelColumn?: string;
  /** Constant added to every prediction; undefined: the mean training label, computed by the first `fit`. @default undefined */
  readonly globalMean?: number;
  /** Seed of every initialiser and of dropout. @default 0 */
  readonly seed?: number;
}

/** Reads and checks one numeric option. */
export function numberOption(api: string, name: string, value: unknown, fallback: number, rule: string, ok: (x: number) => boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new ConfigError('invalid_model_config', `${api}: expected ${name} to be ${rule}, but got ${String(value)}. Leave it out for the default ${fallback}.`);
  }
  return value;
}

/** Reads and checks a list of positive integer widths. */
export function unitsOption(api: string, name: string, value: unknown, fallback: readonly number[]): readonly number[] {
  if (value === undefined) return Object.freeze([...fallback]);
  if (!Array.isArray(value) || value.some((u) => !Number.isInteger(u) || u < 1)) {
    throw new ConfigError('invalid_model_config', `${api}: expected ${name} to be an array of positive integers, but got ${JSON.stringify(value)}. Leave it out for [${fallback.join(', ')}].`);
  }
  return Object.freeze([...(value as number[])]);
}

/** Checks that `placement` is one of {@link PLACEMENTS}. */
export function placementOption(api: string, value: unknown): (typeof PLACEMENTS)[number] {
  const p = value ?? 'sparsecore';
  if (!(PLACEMENTS as readonly unknown[]).includes(p)) {
    throw new ConfigError('invalid_model_config', `${api}: expected placement to be one of ${PLACEMENTS.join(', ')}, but got '${String(p)}'.`);
  }
  return p as (typeof PLACEMENTS)[number];
}

/**
 * The dense comparison model (the same lookups and updates written with plain tfjs ops, outside the engine), and the
 * rating baselines computed in the run: the global mean and Surprise's BaselineOnly.
 */
export { DenseEmbeddingBaseline } from './dense-embedding-baseline';
export type { DenseEmbeddingBaselineOptions } from './dense-embedding-baseline';
export { GlobalMean } from './global-mean';
export { BaselineOnly, BASELINE_METHODS } from './baseline-only';
export type { BaselineOnlyOptions, BaselineMethod } from './baseline-only';
export type { RatingColumns, RatingSource } from './rating-columns';

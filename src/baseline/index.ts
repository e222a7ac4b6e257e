/** The dense comparison model: the same lookups and updates written with plain tfjs ops, outside the engine. */
export { DenseEmbeddingBaseline } from './dense-embedding-baseline';
export type { DenseEmbeddingBaselineOptions } from './dense-embedding-baseline';

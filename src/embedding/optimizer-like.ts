import type { RowUpdateBatch, SlotSpec } from '../optimizers/embedding-optimizer';

/**
 * What the engine needs from a sparse row optimizer: the structural shape of `EmbeddingOptimizer`
 * (`src/optimizers/`). Any of the library's optimizers (SGD, Adagrad, Adam, AdagradMomentum, FTRL) fits.
 */
export interface EmbeddingOptimizerLike {
  /** Registry name, e.g. `Adagrad`. */
  readonly className: string;
  /** Slot variables kept per row, in the order `applyRows` expects them. */
  slotSpecs(): readonly SlotSpec[];
  /** Updates the rows of one shard in place (see `RowUpdateBatch`). */
  applyRows(batch: RowUpdateBatch): void;
  /** The learning rate at a 1-based step. */
  learningRateAt(step: number): number;
  /** Serialisable hyper-parameters. */
  getConfig(): object;
  /**
   * Optional: true when `applyRows` on these arrays reads its rows into cache itself (a kernel), so the engine need
   * not touch them first (unless it copies them for a rollback: the checked path of an all-or-nothing step).
   */
  prefetchesRows?(weights: Float32Array, slots: readonly Float32Array[], dim: number): boolean;
  /**
   * Optional: true when the optimizer updates every row of a table each step, not only the looked-up rows (Adam with
   * `lazyAdam: false`, TF's `use_non_lazy_adam`): the engine then hands it the other rows with zero gradients.
   */
  readonly updatesEveryRow?: boolean;
  /** Optional: each slot's lower bound kept by the update (see `EmbeddingOptimizer.slotFloors`). */
  slotFloors?(): readonly number[];
  /**
   * Optional: bounds on |x| of `[weights, ...slots]` after an update with |g| ≤ gradBound at learning rate lr, or
   * null when the optimizer cannot vouch that they stay finite (see `EmbeddingOptimizer.boundsAfter`); without it
   * every step takes the checked path.
   */
  boundsAfter?(bounds: readonly number[], gradBound: number, lr: number): number[] | null;
}

/** The serialised form of an optimizer inside a table or embedding config. */
export interface OptimizerJson {
  className: string;
  config: object;
}

/** True when `x` has the methods of {@link EmbeddingOptimizerLike}. */
export function isEmbeddingOptimizer(x: unknown): x is EmbeddingOptimizerLike {
  if (x === null || typeof x !== 'object') return false;
  const o = x as Record<string, unknown>;
  return typeof o.slotSpecs === 'function' && typeof o.applyRows === 'function' && typeof o.getConfig === 'function';
}

/** Serialises an optimizer as `{ className, config }`. */
export function optimizerToJson(o: EmbeddingOptimizerLike): OptimizerJson {
  return { className: o.className, config: o.getConfig() };
}

/** Rebuilds an optimizer from its JSON form (the optimizers' registry provides one). */
export type OptimizerResolver = (json: OptimizerJson) => EmbeddingOptimizerLike;

/**
 * CONTRACT (shared by the optimizers and the embedding engine). Owned by the optimizers folder;
 * the engine only calls `slotSpecs()`, `applyRows()`, `learningRateAt()` and `getConfig()`.
 */

/** Slot variable names, as TensorFlow names them in checkpoints (`<table>/<slot>`). */
export const SLOT_NAMES = ['accumulator', 'momenta', 'velocities', 'linears'] as const;
/** One of {@link SLOT_NAMES}. */
export type SlotName = (typeof SLOT_NAMES)[number];

/** A slot variable an optimizer keeps per table row: same shape as the table, filled with `initialValue`. */
export interface SlotSpec {
  readonly name: SlotName;
  readonly initialValue: number;
}

/** A learning rate: a number, or a function of the 1-based global step. */
export type LearningRate = number | ((step: number) => number);

/**
 * The rows one shard must update in one step. Row-major layout: row r occupies
 * `weights[rowOffsets[r] .. rowOffsets[r] + dim)`, and so does each slot array.
 *
 * ```
 * weights  [localRows, dim]   slots[k] [localRows, dim] in slotSpecs() order
 * grads    [count, dim]       grads row r = Σ of row rowOffsets[r]'s gradient contributions in the global batch
 * ```
 */
export interface RowUpdateBatch {
  readonly weights: Float32Array;
  readonly slots: readonly Float32Array[];
  readonly rowOffsets: Int32Array;
  readonly count: number;
  readonly grads: Float32Array;
  readonly dim: number;
  /** 1-based global step (for learning-rate schedules). */
  readonly step: number;
}

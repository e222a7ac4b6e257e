import type { NamedTensor, TensorData, TensorDtype } from './safetensors';

/**
 * A tensor whose data is produced in chunks while it is written (a table too large to copy whole: rows are read
 * block by block from the engine's storage and written as they are read). {@link saveCheckpoint} asks for chunks of
 * at most `maxElements` elements (its `chunkBytes` over the element size), so a save never holds more than one chunk
 * of it; it checks every chunk's type and the total against `shape`.
 *
 * ```
 * shape [n, dim]    chunks(maxElements = 4·dim)  →  rows 0–3 · rows 4–7 · … · the last rows   (row-major, in order)
 * ```
 */
export interface StreamedTensor {
  readonly name: string;
  readonly dtype: TensorDtype;
  /** Row-major shape; the chunks together hold its product of elements. */
  readonly shape: readonly number[];
  /**
   * The data in order, in chunks of at most `maxElements` elements each (the typed array of {@link TensorData} for
   * `dtype`; a chunk may be reused after it was written).
   * @param maxElements the largest chunk the writer takes (≥ 1).
   */
  chunks(maxElements: number): Iterable<TensorData>;
}

/** A tensor of a checkpoint group: whole in memory ({@link NamedTensor}) or streamed ({@link StreamedTensor}). */
export type CheckpointTensor = NamedTensor | StreamedTensor;

/**
 * Whether a checkpoint tensor is streamed.
 * @example isStreamedTensor({ name: 'w', dtype: 'float32', shape: [2], data: new Float32Array(2) }) // false
 */
export function isStreamedTensor(t: CheckpointTensor): t is StreamedTensor {
  return typeof (t as StreamedTensor).chunks === 'function' && (t as NamedTensor).data === undefined;
}

import { BYTES_PER_SLOT_ELEMENT, WEIGHT_PRECISION_BYTES, type WeightPrecision } from './storage-kinds';

/** The bytes of one table row's state: its weights and its optimizer slots. */
export interface RowBytes {
  /** dim × bytes per weight element (4 float32, 2 float16 / bfloat16). */
  readonly weights: number;
  /** slotsPerRow × dim × 4 (slots are float32). */
  readonly slots: number;
  /** weights + slots. */
  readonly total: number;
}

/**
 * The one formula for the bytes a table row holds, shared by the memory planner (resident bytes per row) and the
 * step-time model (the optimizer reads and writes each touched row's state once: 2 × total bytes):
 * `weights = d · w`, `slots = k · d · 4`, with d = dim, w = bytes per weight element, k = optimizer slots per row.
 *
 * @param dim - row width (the padded dim on a SparseCore), a positive integer.
 * @param slotsPerRow - optimizer slot arrays per row k (SGD 0, Adagrad 1, Adam / FTRL / AdagradMomentum 2).
 * @param precision - the weights' element type. @default 'float32'
 * @returns a frozen {@link RowBytes}, bytes.
 * @example rowBytes(64, 1, 'bfloat16') // { weights: 128, slots: 256, total: 384 }
 */
export function rowBytes(dim: number, slotsPerRow: number, precision: WeightPrecision = 'float32'): RowBytes {
  const weights = dim * WEIGHT_PRECISION_BYTES[precision];
  const slots = slotsPerRow * dim * BYTES_PER_SLOT_ELEMENT;
  return Object.freeze({ weights, slots, total: weights + slots });
}

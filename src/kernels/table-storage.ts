/**
 * The memory of one embedding table, stated once: where its weights and optimizer slots live, the kernels bound to
 * them, and which rows of those arrays each shard uses. The engine's kernels (gather + combine, gradient sums, row
 * updates) read and write rows only through the arrays and element offsets a storage hands out.
 *
 * ```
 * weights memory (a WebAssembly memory where SIMD runs, else a Float32Array):
 *   | rows [rows, dim] f32 | gather scratch | row-kernel scratch | helper area (grown on demand) |
 * each slot (accumulators, momenta, …): its own memory, | rows [rows, dim] f32 | row-kernel scratch |
 * ```
 *
 * Kinds (`tableConfig`'s `storage`; a dynamic-vocabulary table maps its ids onto dense storage):
 * - `dense`: every row of the (padded) table, shard after shard (`shardBase[s]` is shard s's first row);
 * - `lazy`: a pool of the rows touched so far, in order of first touch, shared by every shard (`shardBase` all 0);
 *   a row is materialized with its initial value (and its slots' initial values) when a lookup first touches it.
 */
import type { SimdCombiner } from './simd-combiner';

/** How a table's memory holds its rows: every row (`dense`), or only the rows touched so far (`lazy`). */
export type StorageKind = 'dense' | 'lazy';

/** Writes the initial value of table row `row` (`dim` floats) at `target[offset …]`. */
export type RowInitializer = (row: number, target: Float32Array, offset: number) => void;

/** A table's memory (see the module comment). Implemented by `DenseTableStorage` and `LazyTableStorage`. */
export interface TableStorage {
  readonly kind: StorageKind;
  readonly dim: number;
  /** Rows the arrays hold: the padded table (dense) or the pool's capacity (lazy). */
  readonly rows: number;
  /** `[rows, dim]` weights (a view of the SIMD kernel's memory when {@link simd} is set). */
  readonly weights: Float32Array;
  /** One `[rows, dim]` array per optimizer slot, in the optimizer's `slotSpecs` order. */
  readonly slots: readonly Float32Array[];
  /** The SIMD gather kernel bound to {@link weights}, or null (JavaScript loops). */
  readonly simd: SimdCombiner | null;
  /** First row of shard s in the arrays (`[numShards]`; all 0 for a lazy pool, which every shard shares). */
  readonly shardBase: Int32Array;
  /** Rows that hold values: every row (dense) or the rows materialized so far (lazy). */
  readonly rowsMaterialized: number;
  /** Shard s's weights (a view: writes go to the table); a lazy pool's shards all see the whole pool. */
  shard(s: number): Float32Array;
  /** Every slot's view on shard s, in slot order (one frozen array made once). */
  slotShards(s: number): readonly Float32Array[];
  /** Element offset of table row `row` in the arrays, or −1 when a lazy table has not materialized it. */
  rowOffset(row: number): number;
}

/**
 * The per-shard views of `array` for shards of `shardRows[s]` rows starting at `shardBase[s]`.
 * @param array `[rows, dim]`; @param dim the row width.
 * @returns one view per shard (writes go to `array`).
 */
export function shardViews(array: Float32Array, shardBase: Int32Array, shardRows: Int32Array, dim: number): Float32Array[] {
  return Array.from(shardRows, (rows, s) => array.subarray(shardBase[s] * dim, (shardBase[s] + rows) * dim));
}

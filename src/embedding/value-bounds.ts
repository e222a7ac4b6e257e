/**
 * Bounds on the values of a table, for the fast path of an all-or-nothing step: `[weights, ...slots]`, each a bound
 * on |x| over the whole array. Computed exactly when a table is built or imported (with its optimizer's slot floors
 * checked), then carried forward by the optimizer's `boundsAfter` after every fast step and by the maxima of the
 * touched rows after every checked step. While the optimizer vouches for the next step from these bounds, the engine
 * skips the rollback copy.
 */
import type { ShardedTable } from './sharded-table';
import { maxAbs } from './max-abs';

/**
 * The exact bounds of a table, or null when they cannot be used: a value is not finite, a slot is below its
 * optimizer's floor, or the optimizer states no floors. O(storage rows × dim × (1 + slots)).
 * @param table the table.
 * @returns `[max |weights|, max |slot 0|, …]` or null.
 */
export function tableBounds(table: ShardedTable): number[] | null {
  const floors = table.optimizer.slotFloors?.();
  if (!floors || floors.length !== table.slotStorage.length) return null;
  for (let k = 0; k < floors.length; k++) {
    const a = table.slotStorage[k];
    const f = floors[k];
    if (f > -Infinity) for (let i = 0; i < a.length; i++) if (!(a[i] >= f)) return null;
  }
  const bounds = [maxAbs(table.storage), ...table.slotStorage.map((a) => maxAbs(a))];
  return bounds.every((b) => b < Infinity) ? bounds : null;
}

/**
 * max |x| over rows `localOff[i0 .. i1)` of `a` (NaN or ∞ when one is not finite), in four lanes.
 * @param a one shard's array; @param localOff element offsets of the rows; @param dim the row width.
 */
export function rowsMaxAbs(a: Float32Array, localOff: Int32Array, i0: number, i1: number, dim: number): number {
  let m0 = 0, m1 = 0, m2 = 0, m3 = 0;
  const d4 = dim & ~3;
  for (let i = i0; i < i1; i++) {
    const o = localOff[i];
    const e = o + d4;
    let j = o;
    for (; j < e; j += 4) {
      m0 = Math.max(m0, Math.abs(a[j]));
      m1 = Math.max(m1, Math.abs(a[j + 1]));
      m2 = Math.max(m2, Math.abs(a[j + 2]));
      m3 = Math.max(m3, Math.abs(a[j + 3]));
    }
    for (; j < o + dim; j++) m0 = Math.max(m0, Math.abs(a[j]));
  }
  return Math.max(m0, m1, m2, m3);
}

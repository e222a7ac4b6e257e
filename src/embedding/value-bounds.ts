/**
 * Bounds on the values of a table, for the fast path of an all-or-nothing step: `[weights, ...slots]`, each a bound
 * on |x| over the whole array. Computed exactly when a table is built or imported (with its optimizer's slot floors
 * checked), then carried forward by the optimizer's `boundsAfter` after every fast step and by the maxima of the
 * touched rows after every checked step. While the optimizer vouches for the next step from these bounds, the engine
 * skips the rollback copy.
 */
import type { ShardedTable } from './sharded-table';
import { maxAbs } from './max-abs';
import { initialBound, type InitializerSpec } from './initializer';

/**
 * The exact bounds of a table, or null when they cannot be used: a value is not finite, a slot is below its
 * optimizer's floor, or the optimizer states no floors. O(rows held × dim × (1 + slots)): a lazy table's untouched rows count by their
 * initializer's bound, never by a scan.
 * @param table the table.
 * @returns `[max |weights|, max |slot 0|, …]` or null.
 */
export function tableBounds(table: ShardedTable): number[] | null {
  const floors = table.optimizer.slotFloors?.();
  if (!floors || floors.length !== table.slotStorage.length) return null;
  // The rows that hold values: the whole storage (dense) or the pool's materialized rows (lazy, whose untouched
  // rows read as their initial values: those count too).
  const n = table.rowsMaterialized * table.dim;
  const slots = table.slotStorage.map((a) => a.subarray(0, n));
  const lazy = table.config.storage === 'lazy';
  for (let k = 0; k < floors.length; k++) {
    const a = slots[k];
    const f = floors[k];
    if (f > -Infinity) for (let i = 0; i < a.length; i++) if (!(a[i] >= f)) return null;
    if (lazy && !(Math.fround(table.slotSpecs[k].initialValue) >= f)) return null;
  }
  const bounds = [maxAbs(table.storage.subarray(0, n)), ...slots.map((a) => maxAbs(a))];
  if (lazy) {
    bounds[0] = Math.max(bounds[0], initialBound(table.config.initializer as Exclude<InitializerSpec, { kind: 'function' }>));
    table.slotSpecs.forEach((s, k) => (bounds[k + 1] = Math.max(bounds[k + 1], Math.abs(s.initialValue))));
  }
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

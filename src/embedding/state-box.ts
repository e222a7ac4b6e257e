/**
 * The fast-path box of an all-or-nothing step: a table whose every weight has |x| ≤ `FINITE_STEP_BOX` and every
 * slot k lies in [`slotFloors()[k]`, `FINITE_STEP_BOX`] can take an update its optimizer's `keepsFinite` vouches
 * for without the rollback copy. The engine checks the box on the whole table when it is built or imported, and on
 * the rows each step touches (in cache, right after the update: |x| ≤ box only, the floors being invariants of the
 * updates); a table that leaves it takes the checked path (rows saved, then checked) until its values are
 * imported again.
 */
import { FINITE_STEP_BOX } from '../optimizers/embedding-optimizer';
import type { ShardedTable } from './sharded-table';

/** True when every value of `a` lies in [lo, hi] (false for NaN or ±∞). */
function arrayInBox(a: Float32Array, lo: number, hi: number): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (!(x >= lo && x <= hi)) return false;
  }
  return true;
}

/**
 * True when the whole table (storage and every slot) is in the box; false when its optimizer states no slot floors.
 * O(storage rows × dim × (1 + slots)); called when a table is built or imported.
 * @param table the table.
 * @returns whether its next updates may take the fast path.
 */
export function tableInBox(table: ShardedTable): boolean {
  const floors = table.optimizer.slotFloors?.();
  if (!floors || floors.length !== table.slotStorage.length) return false;
  if (!arrayInBox(table.storage, -FINITE_STEP_BOX, FINITE_STEP_BOX)) return false;
  return table.slotStorage.every((a, k) => arrayInBox(a, floors[k], FINITE_STEP_BOX));
}

/** x · BOX_SCALE overflows float64 to ±∞ exactly when |x| exceeds the box (to 1e-15 relative), or x is not finite. */
const BOX_SCALE = Number.MAX_VALUE / FINITE_STEP_BOX;

/**
 * True when every value of rows `localOff[i0 .. i1)` of the weights and of each slot has |x| ≤ the box (false for
 * NaN or ±∞). The slot floors are not checked here: they are invariants of the updates (Adagrad's accumulator
 * only grows, Adam's velocities stay ≥ 0), checked when a table is built or imported. Branch-free: x · BOX_SCALE · 0
 * is 0 inside the box and NaN outside, summed in four lanes (one multiply-add per value, the rows are in cache).
 * @param weights,slots one shard's arrays; @param localOff element offsets of the rows; @param dim the row width.
 */
export function rowsInBox(weights: Float32Array, slots: readonly Float32Array[], localOff: Int32Array, i0: number, i1: number, dim: number): boolean {
  let b = rowsOutside(weights, localOff, i0, i1, dim);
  for (let k = 0; k < slots.length; k++) b += rowsOutside(slots[k], localOff, i0, i1, dim);
  return b === 0;
}

/** Σ x · BOX_SCALE · 0 over the rows (0 when all are inside the box, NaN otherwise). */
function rowsOutside(a: Float32Array, localOff: Int32Array, i0: number, i1: number, dim: number): number {
  const s = BOX_SCALE;
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  const d4 = dim & ~3;
  for (let i = i0; i < i1; i++) {
    const o = localOff[i];
    const e = o + d4;
    let j = o;
    for (; j < e; j += 4) {
      b0 += a[j] * s * 0;
      b1 += a[j + 1] * s * 0;
      b2 += a[j + 2] * s * 0;
      b3 += a[j + 3] * s * 0;
    }
    for (; j < o + dim; j++) b0 += a[j] * s * 0;
  }
  return b0 + b1 + b2 + b3;
}

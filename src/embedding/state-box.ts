/**
 * The fast-path box of an all-or-nothing step: a table whose every weight has |x| ≤ `FINITE_STEP_BOX` and every
 * slot k lies in [`slotFloors()[k]`, `FINITE_STEP_BOX`] can take an update its optimizer's `keepsFinite` vouches
 * for without the rollback copy. The engine checks the box on the whole table when it is built or imported, and on
 * the rows each step touches (in cache, right after the update); a table that leaves it takes the checked path
 * (rows saved, then checked) until its values are imported again.
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

/**
 * True when rows `localOff[i0 .. i1)` of the weights are in [−box, box] and of each slot k in [floors[k], box]
 * (false for NaN or ±∞).
 * @param weights,slots one shard's arrays; @param floors the optimizer's slot floors (null: never in the box).
 * @param localOff element offsets of the rows; @param dim the row width.
 */
export function rowsInBox(weights: Float32Array, slots: readonly Float32Array[], floors: readonly number[] | null, localOff: Int32Array, i0: number, i1: number, dim: number): boolean {
  if (floors === null) return false;
  if (!rowsWithin(weights, localOff, i0, i1, dim, -FINITE_STEP_BOX)) return false;
  for (let k = 0; k < slots.length; k++) if (!rowsWithin(slots[k], localOff, i0, i1, dim, floors[k])) return false;
  return true;
}

function rowsWithin(a: Float32Array, localOff: Int32Array, i0: number, i1: number, dim: number, lo: number): boolean {
  const hi = FINITE_STEP_BOX;
  let ok = true;
  for (let i = i0; i < i1; i++) {
    const o = localOff[i];
    for (let j = o; j < o + dim; j++) {
      const x = a[j];
      ok = ok && x >= lo && x <= hi;
    }
  }
  return ok;
}

/**
 * Non-lazy optimizers (TF's `use_non_lazy_adam`: `Adam({ lazyAdam: false })`) update every row of a table each step,
 * not only the rows looked up: a row without a gradient is updated with g = 0 (Adam: its moments decay and its weight
 * still moves by lr·m/√(v + ε²)). The engine updates the looked-up rows as usual, then hands the optimizer the other
 * rows of each shard with zero gradients, in chunks. For an all-or-nothing checked step the whole table is saved first
 * ({@link saveEveryRow}) and written back by {@link restoreEveryRow}.
 */
import { InputError } from '../errors';
import type { TableState } from './engine-state';

/** Rows per optimizer call for the untouched rows. */
const CHUNK_ROWS = 1024;

/** True when the table's optimizer updates every row each step (`updatesEveryRow`). */
export function updatesEveryRow(ts: TableState): boolean {
  return ts.table.optimizer.updatesEveryRow === true;
}

/** Copies every shard's weights and slots into `ts.denseUndo` (a checked step of a non-lazy table). */
export function saveEveryRow(ts: TableState, numShards: number): void {
  const saved: Float32Array[][] = [];
  for (let s = 0; s < numShards; s++) saved.push([ts.table.shard(s), ...ts.table.slotShards(s)].map((a) => a.slice()));
  ts.denseUndo = saved;
}

/** Writes back what {@link saveEveryRow} saved (a rejected step), then forgets it. */
export function restoreEveryRow(ts: TableState, numShards: number): void {
  const saved = ts.denseUndo;
  if (!saved) return;
  for (let s = 0; s < numShards; s++) [ts.table.shard(s), ...ts.table.slotShards(s)].forEach((a, k) => a.set(saved[s][k]));
  ts.denseUndo = null;
}

/**
 * Updates, with zero gradients, every row of every shard that is not among this step's looked-up rows.
 * @param ts the table's state; @param localOff sorted element offsets of the looked-up rows per shard,
 *   `shardStart[s] .. shardStart[s + 1]` ascending (null when no row was looked up).
 * @param numShards shards N; @param step the 1-based step; @param useKernels let the optimizer use its kernels.
 * @param guarded check every value finite afterwards (throws InputError `non_finite_gradient`) and report the
 *   maxima per array in `maxima` (`[weights, ...slots]`).
 */
export function updateUntouchedRows(ts: TableState, localOff: Int32Array | null, shardStart: Int32Array | null, numShards: number, step: number, useKernels: boolean, guarded: boolean, maxima: number[] | null): void {
  const table = ts.table;
  const dim = table.dim;
  const opt = table.optimizer;
  const offsets = new Int32Array(CHUNK_ROWS);
  const grads = new Float32Array(CHUNK_ROWS * dim);
  for (let s = 0; s < numShards; s++) {
    const weights = table.shard(s);
    const slots = table.slotShards(s);
    const rows = weights.length / dim;
    let t = shardStart && localOff ? shardStart[s] : 0;
    const tEnd = shardStart && localOff ? shardStart[s + 1] : 0;
    let n = 0;
    const flush = (): void => {
      if (n > 0) opt.applyRows({ weights, slots, rowOffsets: offsets, count: n, grads, dim, step, kernels: useKernels });
      n = 0;
    };
    for (let r = 0; r < rows; r++) {
      const o = r * dim;
      while (t < tEnd && localOff![t] < o) t++;
      if (t < tEnd && localOff![t] === o) continue;
      offsets[n++] = o;
      if (n === CHUNK_ROWS) flush();
    }
    flush();
    if (guarded) {
      [weights, ...slots].forEach((a, k) => {
        let mx = 0;
        for (let i = 0; i < a.length; i++) {
          const x = Math.abs(a[i]);
          if (!(x <= mx)) mx = x;
        }
        if (!(mx < Infinity)) {
          throw new InputError(
            'non_finite_gradient',
            `TPUEmbedding.applyGradients: expected an update that keeps the tables finite, but the non-lazy update of table '${table.name}' under ${opt.className} ` +
              `made a value of shard ${s} non-finite; the tables are unchanged. Lower the learning rate or clip the gradients (clipValue).`,
          );
        }
        if (maxima) maxima[k] = Math.max(maxima[k] ?? 0, mx);
      });
    }
  }
}

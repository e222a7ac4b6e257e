/**
 * The backward pass of one table: the kept unique rows sorted by storage row (radix sort), the gradient positions
 * bucketed by row (counting sort), each row's gradient summed in chunks that stay in cache, and the rows touched
 * into cache before the optimizer updates them.
 *
 * All or nothing: before a chunk is updated its old rows are saved (`TableState.undo`); after, its new rows are
 * checked finite. A finite gradient that makes a weight or slot non-finite (e.g. 3e38 under Adagrad: acc + g²
 * overflows float32) throws, and {@link rollbackTableGradients} writes every saved row of every table back. The
 * copy and the check are skipped (the fast path) when the step provably stays finite: see `value-bounds.ts`.
 */
import { InputError } from '../errors';
import type { NativeRowContext } from '../optimizers/native-row-update';
import type { Pending, PendingFeature, PendingTable, TableState } from './engine-state';
import { sequenceEnd, sequencePosition } from './sequence-positions';
import { restoreEveryRow, saveEveryRow, updateUntouchedRows, updatesEveryRow } from './update-every-row';
import { rowsMaxAbs } from './value-bounds';

/** Floats of summed gradients handed to the optimizer per call (64 KB: stays in L1/L2 between sum and update). */
const GRAD_CHUNK_FLOATS = 16384;

/**
 * Updates the rows of one table the last lookup touched: sorts them by storage row, sums each one's gradient
 * contributions (scale × activation gradient) over the global batch, and lets the table's optimizer update them,
 * one chunk of rows at a time.
 * @param pt the table's part of the pending lookup; @param pending the whole lookup (its features).
 * @param data the validated gradient values per feature name, with the activations' shapes.
 * @param numShards shards N; @param step the optimizer step (1 for the first `applyGradients`).
 * @param sink the running sum of the values {@link touchRows} read.
 * @param useKernels sum the gradients with the WebAssembly kernel when the table has one (else in JavaScript).
 * @param guarded save the rows before updating them (for {@link rollbackTableGradients}) and check them after;
 *   false only when the table's optimizer vouches for this step from the table's bounds (see `value-bounds.ts`).
 * @param native the native kernels and threads (with `useKernels`: the gradient sums where the table has the
 *   WebAssembly ones, and the optimizer's row updates; same bits), or null.
 * @param touchedMax when guarded, receives max |x| of the touched rows per array (`[weights, ...slots]`).
 * @returns `sink` plus this call's reads (kept by the caller so the loads are not dead code).
 */
export function applyTableGradients(pt: PendingTable, pending: Pending, data: Map<string, Float32Array>, numShards: number, step: number, sink: number, useKernels: boolean, guarded = true, touchedMax: number[] | null = null, native: NativeRowContext | null = null): number {
  const ts = pt.state;
  const dim = ts.table.dim;
  const U = pt.numUnique;
  const everyRow = updatesEveryRow(ts);
  if (everyRow) {
    ts.denseUndo = null;
    if (guarded) saveEveryRow(ts, numShards);
  }
  if (U === 0) {
    if (everyRow) updateUntouchedRows(ts, null, null, numShards, step, useKernels, guarded, touchedMax);
    return sink;
  }
  // Kept unique rows in storage order: grouped by shard (shards are contiguous in storage) and ascending inside
  // each shard, so the optimizer walks every shard's memory forwards (fewer TLB walks and DRAM page misses).
  const localOff = sortForUpdate(ts, pt, numShards);
  const shardStart = ts.shardStart;
  // Transposed scatter: bucket the positions by unique row (counting sort), then build each row's sum in turn
  // (sequential writes, random reads of the small [B, dim] gradients) and hand the optimizer one chunk of
  // summed rows at a time: the chunk (≤ GRAD_CHUNK_FLOATS) is still in L1/L2 when the optimizer reads it, and no
  // [U, dim] gradient array is ever written out to memory.
  const entries = bucketByRow(ts, pending, data, U);
  const chunkRows = Math.max(1, Math.floor(GRAD_CHUNK_FLOATS / dim));
  // The native sums are the WebAssembly kernel's twin: used where that kernel would be (same bits).
  const nativeSums = useKernels && native && ts.wasmSums ? ts.nativeSums : null;
  if (nativeSums) nativeSums.threads = native!.threads;
  const wasmSums = useKernels ? (nativeSums ?? ts.wasmSums) : null;
  if (wasmSums) {
    let n = 0;
    for (const fs of ts.features) n += pending.features.get(fs.name)!.slot.length;
    wasmSums.load(U, ts.rowStart, n, ts.entryGoff, ts.entryScale, ts.entryFeature, entries, chunkRows * dim);
  } else if (ts.grad.length < chunkRows * dim) ts.grad = new Float32Array(chunkRows * dim);
  let gsum = ts.grad;
  const opt = ts.table.optimizer;
  const table = ts.table;
  const stride = (1 + table.slotStorage.length) * dim;
  const m = shardStart[numShards];
  if (guarded && ts.undo.length < m * stride) ts.undo = new Float32Array(Math.max(m * stride, 2 * ts.undo.length));
  const undo = ts.undo;
  for (let s = 0; s < numShards; s++) {
    const a = shardStart[s];
    const b = shardStart[s + 1];
    if (b === a) continue;
    const weights = table.shard(s);
    const slots = table.slotShards(s);
    // An optimizer whose kernel reads its rows ahead itself (Adagrad in WebAssembly) is left to do so, unless the
    // rows are first copied for a rollback.
    const selfPrefetch = !guarded && useKernels && opt.prefetchesRows?.(weights, slots, dim) === true;
    for (let c = a; c < b; c += chunkRows) {
      const ce = Math.min(b, c + chunkRows);
      // Bring the chunk's weight and slot rows into cache first (many independent misses in flight), then sum
      // its gradients while they arrive; the copy of the old rows (for a rollback) and the optimizer's loop then
      // mostly hit the cache.
      if (!selfPrefetch) {
        sink = touchRows(weights, localOff, c, ce, dim, sink);
        for (let k = 0; k < slots.length; k++) sink = touchRows(slots[k], localOff, c, ce, dim, sink);
      }
      if (wasmSums) gsum = wasmSums.sum(c, ce, dim);
      else sumRows(c, ce, ts.rowStart, ts.entryGoff, ts.entryScale, ts.entryFeature, entries, gsum, dim);
      if (guarded) saveRows(undo, weights, slots, localOff, c, ce, dim, stride);
      opt.applyRows({ weights, slots, rowOffsets: localOff.subarray(c, ce), count: ce - c, grads: gsum, dim, step, kernels: useKernels, native: useKernels ? native : null });
      if (guarded) ts.updated = ce;
      if (guarded) {
        // One pass over the rows just written (in cache): their maxima carry the table's bounds forward, and a NaN
        // or ∞ among them rejects the step.
        let finite = true;
        for (let k = 0; k <= slots.length; k++) {
          const mx = rowsMaxAbs(k === 0 ? weights : slots[k - 1], localOff, c, ce, dim);
          finite = finite && mx < Infinity;
          if (touchedMax) touchedMax[k] = Math.max(touchedMax[k] ?? 0, mx);
        }
        if (!finite) {
          entries.length = 0;
          throw nonFiniteUpdate(ts, pt, weights, slots, localOff, c, ce, gsum, dim);
        }
      }
    }
  }
  entries.length = 0; // keep no reference to this step's gradient values
  if (everyRow) updateUntouchedRows(ts, localOff, shardStart, numShards, step, useKernels, guarded, touchedMax);
  return sink;
}

/**
 * Writes back the old rows {@link applyTableGradients} saved for this step (sorted rows `[0, ts.updated)`, weights
 * and slots), so a rejected step leaves the table as it was; then `ts.updated` is 0. Nothing to do when the table
 * was not updated this step.
 * @param ts the table's state (its sort buffers still hold this step's order).
 * @param numShards shards N.
 */
export function rollbackTableGradients(ts: TableState, numShards: number): void {
  if (ts.denseUndo) {
    restoreEveryRow(ts, numShards); // a non-lazy table: every row was saved
    ts.updated = 0;
    return;
  }
  const done = ts.updated;
  if (done === 0) return;
  const table = ts.table;
  const dim = table.dim;
  const stride = (1 + table.slotStorage.length) * dim;
  const localOff = ts.localOffBuf;
  const undo = ts.undo;
  for (let s = 0; s < numShards; s++) {
    const a = ts.shardStart[s];
    const b = Math.min(ts.shardStart[s + 1], done);
    if (b <= a) continue;
    const arrays = [table.shard(s), ...table.slotShards(s)];
    for (let i = a; i < b; i++) {
      const o = localOff[i];
      for (let k = 0; k < arrays.length; k++) {
        const dst = arrays[k];
        const u = i * stride + k * dim;
        for (let j = 0; j < dim; j++) dst[o + j] = undo[u + j];
      }
    }
  }
  ts.updated = 0;
}

/**
 * Copies the weight and slot rows of sorted rows [i0, i1) into `undo` (row i at `i × stride`: weights, then slots).
 * Element loops: `set(subarray(…))` from the tables' shared WebAssembly memories was 3× slower (measured).
 */
function saveRows(undo: Float32Array, weights: Float32Array, slots: readonly Float32Array[], localOff: Int32Array, i0: number, i1: number, dim: number, stride: number): void {
  for (let i = i0; i < i1; i++) {
    const o = localOff[i];
    let u = i * stride;
    for (let j = 0; j < dim; j++) undo[u + j] = weights[o + j];
    for (let k = 0; k < slots.length; k++) {
      u += dim;
      const a = slots[k];
      for (let j = 0; j < dim; j++) undo[u + j] = a[o + j];
    }
  }
}

/** The error for the first non-finite value among sorted rows [i0, i1): its table, tensor, id and summed gradient. */
function nonFiniteUpdate(ts: TableState, pt: PendingTable, weights: Float32Array, slots: readonly Float32Array[], localOff: Int32Array, i0: number, i1: number, gsum: Float32Array, dim: number): InputError {
  const table = ts.table;
  const arrays = [weights, ...slots];
  const names = [table.name, ...table.slotSpecs.map((x) => `${table.name}/${x.name}`)];
  for (let i = i0; i < i1; i++) {
    const o = localOff[i];
    for (let k = 0; k < arrays.length; k++) {
      for (let j = 0; j < dim; j++) {
        const v = arrays[k][o + j];
        if (Number.isFinite(v)) continue;
        let id = -1;
        for (let u = 0; u < pt.dedupCount && id < 0; u++) if ((pt.allKept || ts.kept[u]) && ts.sortedPos[u] === i) id = ts.dedup.uniqueIds[u];
        const g = gsum[(i - i0) * dim + j];
        return new InputError(
          'non_finite_gradient',
          `TPUEmbedding.applyGradients: expected an update that keeps the tables finite, but the summed gradient ${g} of row ${id} (column ${j}) of table '${table.name}' ` +
            `(features ${ts.features.map((f) => `'${f.name}'`).join(', ')}) makes '${names[k]}' ${v} under ${table.optimizer.className}; the tables are unchanged. ` +
            'Scale the loss or the gradients down, clip them (clipValue), or lower the learning rate.',
        );
      }
    }
  }
  return new InputError('non_finite_gradient', `TPUEmbedding.applyGradients: the update of table '${table.name}' made a value non-finite; the tables are unchanged.`);
}

/**
 * Sorts the last lookup's kept unique rows by storage row (`ts.sortedPos[u]` = sorted index of dedup index u) and
 * writes where each shard's rows start in the sorted order to `ts.shardStart` (`[N + 1]`, reused across steps).
 * @param numShards shards N.
 * @returns each sorted row's element offset inside its shard (`ts.localOffBuf`, valid up to `shardStart[N]`).
 */
function sortForUpdate(ts: TableState, pt: PendingTable, numShards: number): Int32Array {
  const U = pt.dedupCount;
  const N = numShards;
  const uShard = ts.dedup.uniqueShard;
  const kept = pt.allKept ? null : ts.kept;
  if (ts.shardStart.length !== N + 1) ts.shardStart = new Int32Array(N + 1);
  const shardStart = ts.shardStart;
  shardStart.fill(0);
  for (let u = 0; u < U; u++) if (kept === null || kept[u]) shardStart[uShard[u] + 1]++;
  for (let s = 0; s < N; s++) shardStart[s + 1] += shardStart[s];
  const m = shardStart[N];
  if (ts.localOffBuf.length < m) ts.localOffBuf = new Int32Array(Math.max(m, 2 * ts.localOffBuf.length));
  const localOff = ts.localOffBuf;
  if (ts.sortTmp.length < 2 * U) ts.sortTmp = new Int32Array(Math.max(2 * U, 2 * ts.sortTmp.length));
  // The storage's rows: the dense layout's (shard after shard), or a lazy pool's (one pool every shard shares: its
  // shard bases are 0 and each shard's view is the whole pool, so the rows of shard s may sit anywhere in it).
  const store = ts.table.store;
  sortByStorageRow(U, kept, uShard, ts.dedup.uniqueRow, store.shardBase, store.rows, ts.table.dim, ts.sortTmp, ts.sortedPos, localOff);
  return localOff;
}

/**
 * Buckets every kept position of the table's features by unique row (counting sort): afterwards row i's entries
 * are `[rowStart[i-1], rowStart[i])` (`rowStart[-1]` = 0) of `entryGoff` (gradient offset), `entryScale` and
 * `entryFeature`. @returns the gradient arrays in feature order (the index `entryFeature` holds).
 */
function bucketByRow(ts: TableState, pending: Pending, data: Map<string, Float32Array>, U: number): Float32Array[] {
  const dim = ts.table.dim;
  let n = 0;
  for (const fs of ts.features) n += pending.features.get(fs.name)!.slot.length;
  if (ts.rowStart.length < U + 1) ts.rowStart = new Int32Array(Math.max(U + 1, 2 * ts.rowStart.length));
  if (ts.entryGoff.length < n) {
    const cap = Math.max(n, 2 * ts.entryGoff.length);
    ts.entryGoff = new Int32Array(cap);
    ts.entryScale = new Float32Array(cap);
    ts.entryFeature = new Int32Array(cap);
  }
  const start = ts.rowStart;
  start.fill(0, 0, U + 1);
  const sortedPos = ts.sortedPos;
  const F = ts.features.length;
  for (let fi = 0; fi < F; fi++) {
    const pf = pending.features.get(ts.features[fi].name)!;
    countRows(pf.slot, pf.scale, sortedPos, start);
  }
  for (let i = 0; i < U; i++) start[i + 1] += start[i];
  // start[i] is now the first entry of row i; fillEntries advances it to the first entry of row i + 1.
  const gs = ts.gradViews;
  for (let fi = 0; fi < F; fi++) {
    const pf = pending.features.get(ts.features[fi].name)!;
    fillEntries(pf, fi, sortedPos, start, ts.entryGoff, ts.entryScale, ts.entryFeature, dim);
    gs[fi] = data.get(pf.state.name)!;
  }
  return gs;
}

/** Most bits per radix-sort digit: 4,096 buckets (a 16 KB histogram in L1); two passes up to 16M storage rows. */
const RADIX_MAX_BITS = 12;
const RADIX_HISTOGRAM = new Int32Array((1 << RADIX_MAX_BITS) + 1);

/**
 * Orders the kept unique rows by storage row (LSD radix sort in ⌈log2(storageRows) / 12⌉ passes of equal digits:
 * the histogram work per pass is at most 4,096 buckets, not the vocabulary) and writes each one's sorted position
 * and local element offset. `kept` null: every row is kept. `tmp` holds 2 × U ints.
 */
function sortByStorageRow(U: number, kept: Uint8Array | null, uShard: Int32Array, uStorage: Int32Array, shardBase: Int32Array, storageRows: number, dim: number, tmp: Int32Array, sortedPos: Int32Array, localOff: Int32Array): void {
  let m = 0;
  if (kept === null) for (; m < U; m++) tmp[m] = m;
  else for (let u = 0; u < U; u++) if (kept[u] !== 0) tmp[m++] = u;
  let src = tmp.subarray(0, m);
  let dst = tmp.subarray(U, U + m);
  const h = RADIX_HISTOGRAM;
  const bits = storageRows > 1 ? 32 - Math.clz32(storageRows - 1) : 1;
  const passes = Math.ceil(bits / RADIX_MAX_BITS);
  const digit = Math.ceil(bits / passes);
  const buckets = 1 << digit;
  const mask = buckets - 1;
  for (let shift = 0; shift < bits; shift += digit) {
    h.fill(0, 0, buckets + 1);
    for (let i = 0; i < m; i++) h[((uStorage[src[i]] >>> shift) & mask) + 1]++;
    for (let k = 0; k < buckets; k++) h[k + 1] += h[k];
    for (let i = 0; i < m; i++) {
      const u = src[i];
      dst[h[(uStorage[u] >>> shift) & mask]++] = u;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  for (let i = 0; i < m; i++) {
    const u = src[i];
    sortedPos[u] = i;
    localOff[i] = (uStorage[u] - shardBase[uShard[u]]) * dim;
  }
}

/** start[sortedPos[slot[p]] + 1]++ for every kept position with a non-zero scale. */
function countRows(slot: Int32Array, scale: Float32Array, sortedPos: Int32Array, start: Int32Array): void {
  for (let p = 0; p < slot.length; p++) {
    const u = slot[p];
    if (u >= 0 && scale[p] !== 0) start[sortedPos[u] + 1]++;
  }
}

/** Places each kept position of one feature at its (sorted) row's next entry: gradient offset, scale, feature index. */
function fillEntries(pf: PendingFeature, fi: number, sortedPos: Int32Array, start: Int32Array, goff: Int32Array, sc: Float32Array, feat: Int32Array, dim: number): void {
  const { rowSplits, batchSize } = pf.input;
  const slot = pf.slot;
  const scale = pf.scale;
  const L = pf.state.config.maxSequenceLength;
  for (let b = 0; b < batchSize; b++) {
    const ps = rowSplits[b];
    const pe = L > 0 ? sequenceEnd(pf.input, b, L) : rowSplits[b + 1];
    for (let p = ps; p < pe; p++) {
      const u = slot[p];
      if (u < 0 || scale[p] === 0) continue;
      const e = start[sortedPos[u]]++;
      goff[e] = (L > 0 ? b * L + sequencePosition(pf.input, p, ps) : b) * dim;
      sc[e] = scale[p];
      feat[e] = fi;
    }
  }
}

/**
 * gsum[i − i0] = Σ over row i's entries of scale · g[feature][goff …], for rows [i0, i1); `end[i]` is the end of
 * row i's entries (and the start of row i + 1's). The first entry is assigned, not added (no zero fill); a row
 * without entries (all its positions had scale 0) gets zeros.
 */
function sumRows(i0: number, i1: number, end: Int32Array, goff: Int32Array, sc: Float32Array, feat: Int32Array, gs: Float32Array[], gsum: Float32Array, dim: number): void {
  let e = i0 === 0 ? 0 : end[i0 - 1];
  const single = gs.length === 1;
  const g0 = gs[0];
  for (let i = i0; i < i1; i++) {
    const o = (i - i0) * dim;
    const ee = end[i];
    if (e === ee) {
      gsum.fill(0, o, o + dim);
      continue;
    }
    let g = single ? g0 : gs[feat[e]];
    let go = goff[e];
    let s = sc[e];
    for (let k = 0; k < dim; k++) gsum[o + k] = s * g[go + k];
    for (e++; e < ee; e++) {
      g = single ? g0 : gs[feat[e]];
      go = goff[e];
      s = sc[e];
      for (let k = 0; k < dim; k++) gsum[o + k] += s * g[go + k];
    }
  }
}

/**
 * Reads one float per 64-byte cache line of rows `localOff[i0 .. i1)` of `a` and returns `acc` plus their sum: a
 * tight loop of independent loads that keeps many cache misses in flight (the update loops, ~100 instructions per
 * row, have few), so the rows are in cache when the optimizer reads and writes them.
 */
function touchRows(a: Float32Array, localOff: Int32Array, i0: number, i1: number, dim: number, acc: number): number {
  let s = 0;
  for (let i = i0; i < i1; i++) {
    const o = localOff[i];
    for (let k = 0; k < dim; k += 16) s += a[o + k];
  }
  return acc + s;
}

/**
 * The routing of one table's ids in a lookup: deduplication (global, replica-major order of first appearance),
 * ids and unique ids per (replica, shard), the partition limits (throw, or drop ids), the backward scales and the
 * table's lookup statistics.
 */
import { InputError, ShardingError } from '../errors';
import { LazyTableStorage } from '../kernels/lazy-table-storage';
import type { TableLookupStats } from './lookup-stats-types';
import type { NormalizedInput } from './feature-input';
import { sequenceEnd } from './sequence-positions';
import type { PendingFeature, PendingTable, TableState } from './engine-state';
import type { Placement } from './table-layout';
import { combinerScales } from './combiner-scales';
import type { FeatureConfig } from './feature-config';
import { SIMD_CHUNK_POSITIONS } from '../kernels/simd-combiner';

/** The settings {@link routeIds} reads (a `TPUEmbedding` is one). */
export interface RouteSettings {
  readonly numShards: number;
  readonly numReplicas: number;
  readonly placement: Placement;
  readonly maxIdsPerPartition: number | undefined;
  readonly maxUniqueIdsPerPartition: number | undefined;
  readonly allowIdDropping: boolean;
  /** Route with the WebAssembly dedup where the table has one. */
  readonly useSimd: boolean;
  /** With `useSimd`: route with the native dedup where the table has one (same results). */
  readonly useNative: boolean;
  /** With `useNative`: combine as the native router routes where {@link fusedCombineApplies} (same results). */
  readonly useFusedLookup?: boolean;
}

/** One table routed: its pending features and table (for the combine and `applyGradients`) and its statistics. */
export interface RoutedTable {
  readonly state: TableState;
  readonly features: PendingFeature[];
  readonly stats: TableLookupStats;
  readonly pendingTable: PendingTable;
}

/**
 * A table's one pooled feature whose rows the native router gathers while it routes (`NativeIdDedup.routeCombine`,
 * see {@link fusedCombineApplies}).
 */
export interface FusedCombine {
  /** The feature's activations `[B, dim]`: every bag written by {@link routeIds}, except those it counts in `left`. */
  readonly out: Float32Array;
  /** Threads of the native pool. */
  readonly threads: number;
  /** Bags longer than `SIMD_CHUNK_POSITIONS`, left to the caller's JavaScript loop (set by {@link routeIds}). */
  left: number;
}

/**
 * Whether {@link routeIds} can combine `ts`'s activations as it routes (a {@link FusedCombine}): the native router
 * runs (`useSimd`, `useNative`, `useFusedLookup`, the addon loaded), the table has the SIMD layout and one pooled feature, and no
 * partition limit can drop ids (the scales are then known before routing); not a lazy table (its rows' pool places
 * are known only after routing, when untouched rows are materialized).
 */
export function fusedCombineApplies(settings: RouteSettings, ts: TableState): boolean {
  return (
    settings.useSimd && settings.useNative && settings.useFusedLookup !== false && ts.nativeDedup !== null && ts.table.simd !== null && ts.table.store.kind === 'dense' && ts.features.length === 1 &&
    ts.features[0].config.maxSequenceLength === 0 && settings.maxIdsPerPartition === undefined && settings.maxUniqueIdsPerPartition === undefined
  );
}

/** The activation shape of a feature for a global batch of `batch`: `[...outputShape, dim]`, `[B, L, dim]` or `[B, dim]`. */
export function activationShape(config: FeatureConfig, batch: number, dim: number): number[] {
  const L = config.maxSequenceLength;
  return config.outputShape ? [...config.outputShape, dim] : L > 0 ? [batch, L, dim] : [batch, dim];
}

/**
 * Routes the ids of every feature of `ts` for a global batch of `batch` samples (`batch / numReplicas` per replica)
 * into the table's reused buffers: slots (`-1`: dropped or truncated), row byte offsets for the SIMD gather
 * (`posOffBuf`), `uOffBuf`, `idsRS` / `uniqRS`, and `kept` when ids were dropped.
 * @param settings the engine's shards, replicas, limits and switches.
 * @param ts the table; @param inputs the lookup's ids per feature (validated); @param batch the global batch size.
 * @param fused where {@link fusedCombineApplies}: the activations to combine while routing (the native router
 *   then writes them; its scales are the ones returned).
 * @returns the pending features and table and the table's {@link TableLookupStats}.
 * @throws ShardingError `id_limit_exceeded` when a replica sends more (unique) ids to one shard than allowed and
 *   `allowIdDropping` is off (the buffers are then partly overwritten).
 * @throws InputError `storage_full` when a lazy table's pool cannot hold the rows this lookup touches (nothing of
 *   this table is materialized then).
 */
export function routeIds(settings: RouteSettings, ts: TableState, inputs: Map<string, NormalizedInput>, batch: number, fused: FusedCombine | null = null): RoutedTable {
  const table = ts.table;
  const N = settings.numShards;
  const R = settings.numReplicas;
  const Br = batch / R;
  const dim = table.dim;
  let totalIds = 0;
  for (const fs of ts.features) totalIds += inputs.get(fs.name)!.values.length;
  const dedup = settings.useSimd && settings.useNative && ts.nativeDedup ? ts.nativeDedup : settings.useSimd && ts.wasmDedup ? ts.wasmDedup : ts.jsDedup;
  ts.dedup = dedup;
  dedup.reset(totalIds);
  if (ts.idsRS.length !== R * N) {
    ts.idsRS = new Int32Array(R * N);
    ts.uniqRS = new Int32Array(R * N);
  }
  const idsRS = ts.idsRS;
  const uniqRS = ts.uniqRS;
  idsRS.fill(0);
  uniqRS.fill(0);

  // One pass per (replica, feature): dedup (global, in replica-major order of first appearance), each position's
  // row byte offset for the gather, and the per-(replica, shard) ids and unique ids. Truncated sequence positions
  // get slot -1. No storage-order sort here: the gather does not need it (applyGradients does it).
  const raw: Int32Array[] = [];
  const posOffs: Int32Array[] = [];
  for (const fs of ts.features) {
    const n = inputs.get(fs.name)!.values.length;
    if (fs.slotBuf.length < n) {
      fs.slotBuf = new Int32Array(Math.max(n, 2 * fs.slotBuf.length));
      fs.scaleBuf = new Float32Array(fs.slotBuf.length);
      fs.posOffBuf = new Int32Array(fs.slotBuf.length);
    }
    const slot = fs.slotBuf.subarray(0, n);
    if (fs.config.maxSequenceLength > 0) slot.fill(-1);
    raw.push(slot);
    posOffs.push(fs.posOffBuf.subarray(0, n));
  }
  const routing = ts.routing;
  const rowBytes = dim * 4;
  const nativeDedup = fused && dedup === ts.nativeDedup ? ts.nativeDedup : null;
  if (fused && !nativeDedup) throw new Error(`routeIds: table '${table.name}' cannot combine while routing (see fusedCombineApplies).`);
  // No id can be dropped (no limits): the scales of every position are known now (ids ≥ 0 stand for kept slots).
  const fusedInput = fused ? inputs.get(ts.features[0].name)! : null;
  const fusedScale = fusedInput ? combinerScales(fusedInput, fusedInput.values, table.config.combiner, ts.features[0].scaleBuf.subarray(0, fusedInput.values.length), true) : null;
  for (let r = 0; r < R; r++) {
    for (let fi = 0; fi < ts.features.length; fi++) {
      const input = inputs.get(ts.features[fi].name)!;
      const rs = input.rowSplits;
      const L = ts.features[fi].config.maxSequenceLength;
      if (nativeDedup) {
        fused!.left += nativeDedup.routeCombine(input.values, r * Br, (r + 1) * Br, raw[fi], posOffs[fi], rowBytes, routing, r, idsRS, uniqRS, r * N, table.storage, fusedScale!, rs, fused!.out, SIMD_CHUNK_POSITIONS, fused!.threads);
      } else if (L === 0) {
        dedup.insertRouted(input.values, rs[r * Br], rs[(r + 1) * Br], raw[fi], posOffs[fi], rowBytes, routing, r, idsRS, uniqRS, r * N);
      } else {
        for (let b = r * Br; b < (r + 1) * Br; b++) {
          dedup.insertRouted(input.values, rs[b], sequenceEnd(input, b, L), raw[fi], posOffs[fi], rowBytes, routing, r, idsRS, uniqRS, r * N);
        }
      }
    }
  }
  const U = dedup.count;
  if (ts.lastReplica.length < U) {
    const cap = Math.max(U, 2 * ts.lastReplica.length);
    ts.lastReplica = new Int32Array(cap);
    ts.kept = new Uint8Array(cap);
    ts.sortedPos = new Int32Array(cap);
    ts.uOffBuf = new Int32Array(cap);
  }
  const uShard = dedup.uniqueShard;

  let maxIds = 0;
  let maxUnique = 0;
  for (let i = 0; i < R * N; i++) {
    if (idsRS[i] > maxIds) maxIds = idsRS[i];
    if (uniqRS[i] > maxUnique) maxUnique = uniqRS[i];
  }
  const limIds = settings.maxIdsPerPartition ?? Infinity;
  const limUniq = settings.maxUniqueIdsPerPartition ?? Infinity;
  let dropped = 0;
  const kept = ts.kept;
  const overflow = maxIds > limIds || maxUnique > limUniq;
  if (overflow && !settings.allowIdDropping) {
    for (let i = 0; i < R * N; i++) {
      if (idsRS[i] > limIds || uniqRS[i] > limUniq) {
        const r = Math.floor(i / N);
        const s = i % N;
        throw new ShardingError(
          'id_limit_exceeded',
          `TPUEmbedding.lookup: table '${table.name}', shard ${s}, replica ${r}: ${idsRS[i]} ids and ${uniqRS[i]} unique ids exceed ` +
            `maxIdsPerPartition ${settings.maxIdsPerPartition ?? '∞'} / maxUniqueIdsPerPartition ${settings.maxUniqueIdsPerPartition ?? '∞'}; ` +
            `raise the limits (observed maxima this step: ${maxIds} ids, ${maxUnique} unique ids) or set allowIdDropping.`,
        );
      }
    }
  }
  let numUnique = U;
  if (overflow) {
    // Keep ids in order of appearance until the partition is full; drop the rest.
    const lastReplica = ts.lastReplica;
    idsRS.fill(0);
    uniqRS.fill(0);
    lastReplica.fill(-1, 0, U);
    kept.fill(0, 0, U);
    for (let r = 0; r < R; r++) {
      for (let fi = 0; fi < ts.features.length; fi++) {
        const rs = inputs.get(ts.features[fi].name)!.rowSplits;
        const slot = raw[fi];
        const posOff = posOffs[fi];
        const base = r * N;
        for (let p = rs[r * Br], e = rs[(r + 1) * Br]; p < e; p++) {
          const u = slot[p];
          if (u < 0) continue;
          const s = uShard[u];
          const isNew = lastReplica[u] !== r;
          if (idsRS[base + s] >= limIds || (isNew && uniqRS[base + s] >= limUniq)) {
            slot[p] = -1;
            posOff[p] = 0;
            dropped++;
            continue;
          }
          idsRS[base + s]++;
          if (isNew) {
            lastReplica[u] = r;
            uniqRS[base + s]++;
          }
          kept[u] = 1;
        }
      }
    }
    numUnique = 0;
    for (let u = 0; u < U; u++) numUnique += kept[u];
  }

  // A lazy table: give each kept distinct row its pool row (materializing untouched ones) in place of the dense
  // layout's row, and point the positions' byte offsets into the pool; the kernels then run on the pool unchanged.
  const store = table.store;
  if (store instanceof LazyTableStorage) {
    const keptOrAll = overflow ? kept : null;
    // The exact count of new rows (one more pass over the row index) only when the pool might not hold them all.
    const need = store.rowsMaterialized + U > store.rows ? store.missing(dedup.uniqueIds, U, keptOrAll) : 0;
    if (store.rowsMaterialized + need > store.rows) {
      throw new InputError(
        'storage_full',
        `TPUEmbedding.lookup: table '${table.name}' (storage 'lazy') would hold ${store.rowsMaterialized + need} rows after this lookup, more than its pool's ` +
          `${store.rows} rows (4 GiB of weights at dim ${dim}); the tables are unchanged. Use a smaller dim, fewer distinct ids, or split the vocabulary over several tables.`,
      );
    }
    store.materialize(dedup.uniqueIds, U, keptOrAll, dedup.uniqueRow);
    const poolRow = dedup.uniqueRow;
    for (let fi = 0; fi < raw.length; fi++) {
      const slot = raw[fi];
      const posOff = posOffs[fi];
      for (let p = 0; p < slot.length; p++) {
        const u = slot[p];
        posOff[p] = u >= 0 ? Math.imul(poolRow[u], rowBytes) : 0;
      }
    }
  }

  // Element offset of each unique row (the JavaScript and sequence paths index it by slot).
  const uRow = dedup.uniqueRow;
  const uOff = ts.uOffBuf;
  for (let u = 0; u < U; u++) uOff[u] = uRow[u] * dim;

  // Per feature: backward scale per position.
  const pfs: PendingFeature[] = [];
  let activationBytes = 0;
  ts.features.forEach((fs, fi) => {
    const input = inputs.get(fs.name)!;
    const slot = raw[fi];
    const L = fs.config.maxSequenceLength;
    const shape = activationShape(fs.config, batch, dim);
    activationBytes += batch * Math.max(1, L) * dim * 4;
    const scale = fusedScale ?? combinerScales(input, slot, L > 0 ? 'sum' : table.config.combiner, fs.scaleBuf.subarray(0, slot.length), L === 0 && dropped === 0);
    pfs.push({ state: fs, input, slot, scale, shape });
  });

  let ids = 0;
  let uniquePerReplica = 0;
  const idsPerShard = new Array<number>(N).fill(0);
  const uniqueIdsPerShard = new Array<number>(N).fill(0);
  for (let i = 0; i < R * N; i++) {
    idsPerShard[i % N] += idsRS[i];
    uniqueIdsPerShard[i % N] += uniqRS[i];
    ids += idsRS[i];
    uniquePerReplica += uniqRS[i];
  }
  const meanIds = ids / N;
  const stats: TableLookupStats = Object.freeze({
    table: table.name,
    dim,
    numShards: N,
    placement: settings.placement,
    idsPerShard: Object.freeze(idsPerShard),
    uniqueIdsPerShard: Object.freeze(uniqueIdsPerShard),
    maxIdsPerPartition: maxIds,
    maxUniqueIdsPerPartition: maxUnique,
    idsPerPartition: Object.freeze(Array.from(idsRS)),
    uniqueIdsPerPartition: Object.freeze(Array.from(uniqRS)),
    droppedIds: dropped,
    rowsMaterialized: table.rowsMaterialized,
    ids,
    uniqueIds: numUnique,
    bytesGathered: uniquePerReplica * rowBytes,
    activationBytes,
    allToAllBytesIn: uniquePerReplica * 4,
    allToAllBytesOut: uniquePerReplica * rowBytes,
    gradientBytes: uniquePerReplica * rowBytes,
    imbalance: meanIds > 0 ? Math.max(...idsPerShard) / meanIds : 1,
  });
  return { state: ts, features: pfs, stats, pendingTable: { state: ts, dedupCount: U, numUnique, allKept: !overflow } };
}

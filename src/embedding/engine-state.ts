/**
 * The internal state of `TPUEmbedding`: per feature and per table (reused per-step buffers, grown on demand),
 * and what one lookup leaves for its `applyGradients` (the pending step). Not part of the public API.
 */
import type { FeatureConfig } from './feature-config';
import type { NormalizedInput } from './feature-input';
import { IdDedup, type IdRouting } from '../kernels/id-dedup';
import type { ShardedTable } from './sharded-table';
import { tableBounds } from './value-bounds';
import type { TableLayout } from './table-layout';
import { WasmGradientSums } from '../kernels/wasm-gradient-sums';
import { WasmIdDedup, type RoutedIdDedup } from '../kernels/wasm-id-dedup';
import { NativeIdDedup } from '../kernels/native-id-dedup';
import { NativeGradientSums } from '../kernels/native-gradient-sums';

/** One feature of a `TPUEmbedding`: its config, its table and its reused per-position buffers. */
export interface FeatureState {
  readonly name: string;
  readonly config: FeatureConfig;
  readonly table: TableState;
  /** Reused per-position buffers (slot, scale, byte offset of the row for the SIMD kernel), grown on demand. */
  slotBuf: Int32Array;
  scaleBuf: Float32Array;
  posOffBuf: Int32Array;
  /** Activation buffer reused on the wasm backend (which copies tensor data). */
  outBuf: Float32Array;
  /** Scales (and an all-kept slot array) of the gather helper's part, reused. */
  helperScales: Float32Array;
  helperSlots: Int32Array;
}

/** One table of a `TPUEmbedding`: the sharded table, its features, its deduplicators and reused buffers. */
export interface TableState {
  readonly table: ShardedTable;
  readonly features: FeatureState[];
  /**
   * The deduplicator of the last lookup: {@link nativeDedup} when there is one and `useSimd` and `useNative` are on,
   * else {@link wasmDedup} when there is one and `useSimd` is on, else {@link jsDedup}.
   */
  dedup: RoutedIdDedup;
  readonly jsDedup: IdDedup;
  /** The WebAssembly kernel (`src/kernels/id-router.as.ts`), or null where WebAssembly is unavailable. */
  readonly wasmDedup: WasmIdDedup | null;
  /** The native deduplicator (null without the native kernels). */
  readonly nativeDedup: NativeIdDedup | null;
  /** How the dedup places new ids (the table's layout). */
  readonly routing: IdRouting;
  /** Ids and unique ids per (replica, shard) of the last lookup, `[R × N]`. */
  idsRS: Int32Array;
  uniqRS: Int32Array;
  // Scratch buffers sized by ids per step, grown on demand and reused.
  lastReplica: Int32Array;
  kept: Uint8Array;
  /** Element offset in storage of each unique row (dedup order) of the last lookup. */
  uOffBuf: Int32Array;
  sortedPos: Int32Array;
  localOffBuf: Int32Array;
  rowStart: Int32Array;
  sortTmp: Int32Array;
  entryGoff: Int32Array;
  entryScale: Float32Array;
  entryFeature: Int32Array;
  shardStart: Int32Array;
  grad: Float32Array;
  /** The gradient-sum kernel, or null where WebAssembly SIMD is unavailable (or `dim % 4 ≠ 0`). */
  readonly wasmSums: WasmGradientSums | null;
  /** The native twin of {@link wasmSums} (null without it or without the native kernels). */
  readonly nativeSums: NativeGradientSums | null;
  /** The gradient values of each feature (in `features` order) during one applyGradients call (reused array). */
  gradViews: Float32Array[];
  /**
   * The old weight and slot rows of this step's updated rows, by sorted index i at `i × (1 + slots) × dim`
   * (weights, then each slot): what a rejected step writes back. Grown on demand and reused.
   */
  undo: Float32Array;
  /** Sorted rows `[0, updated)` of this step were written (and saved in {@link undo}); 0 before the update. */
  updated: number;
  /** A non-lazy table's copy of every shard's `[weights, ...slots]` during a checked step (see `update-every-row.ts`). */
  denseUndo: Float32Array[][] | null;
  /** Bounds on |x| of `[weights, ...slots]` (see `value-bounds.ts`), or null when unknown (checked path only). */
  bounds: number[] | null;
}

/** What one lookup leaves for the backward pass of one feature. */
export interface PendingFeature {
  readonly state: FeatureState;
  readonly input: NormalizedInput;
  /** Sorted unique index per id position, -1 when dropped or truncated. */
  readonly slot: Int32Array;
  /** Backward scale per id position (combiner weight). */
  readonly scale: Float32Array;
  /** Activation shape. */
  readonly shape: number[];
}

/** What one lookup leaves for the backward pass of one table. */
export interface PendingTable {
  readonly state: TableState;
  /** Distinct ids of the lookup (the dedup's count), kept or not. */
  readonly dedupCount: number;
  /** Kept distinct ids (rows to update). */
  readonly numUnique: number;
  /** No id was dropped (`state.kept` is not filled then). */
  readonly allKept: boolean;
}

/** The last lookup, until `applyGradients` consumes it. */
export interface Pending {
  readonly features: Map<string, PendingFeature>;
  readonly tables: PendingTable[];
}

/**
 * The state of a new table: no features yet, the JavaScript dedup (and the WebAssembly one where available), the
 * routing of `layout`, and empty buffers (`shardStart` sized `[numShards + 1]`).
 * @param table the sharded table; @param layout its layout; @param numShards shards N.
 * @returns a fresh {@link TableState}.
 */
export function createTableState(table: ShardedTable, layout: TableLayout, numShards: number): TableState {
  const jsDedup = new IdDedup();
  return {
    table,
    features: [],
    dedup: jsDedup,
    jsDedup,
    wasmDedup: WasmIdDedup.create(),
    nativeDedup: NativeIdDedup.create(),
    routing: layout.routing(),
    idsRS: new Int32Array(0),
    uniqRS: new Int32Array(0),
    lastReplica: new Int32Array(0),
    kept: new Uint8Array(0),
    uOffBuf: new Int32Array(0),
    sortedPos: new Int32Array(0),
    localOffBuf: new Int32Array(0),
    rowStart: new Int32Array(0),
    sortTmp: new Int32Array(0),
    entryGoff: new Int32Array(0),
    entryScale: new Float32Array(0),
    entryFeature: new Int32Array(0),
    shardStart: new Int32Array(numShards + 1),
    grad: new Float32Array(0),
    wasmSums: table.dim % 4 === 0 ? WasmGradientSums.create() : null,
    nativeSums: table.dim % 4 === 0 ? NativeGradientSums.create() : null,
    gradViews: [],
    undo: new Float32Array(0),
    updated: 0,
    denseUndo: null,
    bounds: tableBounds(table),
  };
}

/**
 * The state of a new feature of `table` (empty buffers; the caller adds it to `table.features`).
 * @returns a fresh {@link FeatureState}.
 */
export function createFeatureState(name: string, config: FeatureConfig, table: TableState): FeatureState {
  return { name, config, table, slotBuf: new Int32Array(0), scaleBuf: new Float32Array(0), posOffBuf: new Int32Array(0), outBuf: new Float32Array(0), helperScales: new Float32Array(0), helperSlots: new Int32Array(0) };
}

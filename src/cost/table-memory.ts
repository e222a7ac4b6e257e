import { sparseCorePadding } from '../embedding/sparse-core-stacking';
import { BYTES_PER_FLOAT32, BYTES_PER_ID } from './hardware-constants';
import type { PlanTable } from './plan-table';
import { rowBytes } from './row-bytes';
import { DYNAMIC_ID_MAP_BYTES_PER_ROW, type StorageKind, type WeightPrecision } from './storage-kinds';

/** Bytes by what they hold. */
export interface MemoryBytes {
  /** Table weights. */
  readonly weights: number;
  /** Optimizer slots (float32). */
  readonly slots: number;
  /** A dynamic table's id → row hash map. */
  readonly idMap: number;
  /** One step's ids and their sample positions (int32 each; 64-bit ids for dynamic tables). */
  readonly idBuffers: number;
  /** One step's pooled activations and their gradients (float32). */
  readonly activations: number;
  /** The sum of the above. */
  readonly total: number;
}

/** How a slice holds tables: chips, and the embedding shards and replicas on each. */
export interface SliceShape {
  readonly chips: number;
  readonly shardsPerChip: number;
  readonly replicasPerChip: number;
}

/** One table's memory on a slice and on this machine. */
export interface TableMemory {
  readonly table: string;
  readonly vocabularySize: number | undefined;
  readonly dim: number;
  readonly optimizer: string;
  readonly slotsPerRow: number;
  readonly storage: StorageKind;
  readonly weightPrecision: WeightPrecision;
  /** Rows held: V (dense), expectedRowsTouched (lazy), rowBudget (dynamic). */
  readonly residentRows: number;
  /** dim rounded up to a multiple of 8 (TF's SparseCore layout). */
  readonly paddedDim: number;
  /** Rows on each shard: residentRows padded to a multiple of 8N, ÷ N. */
  readonly rowsPerShard: number;
  /** On one shard (one SparseCore; one TensorCore on v3 / v5e). Activations live on the chip, not here. */
  readonly perShard: MemoryBytes;
  /** On one chip: its shards plus its replicas' activations. */
  readonly perChip: MemoryBytes;
  /** The whole table in this process (the simulator keeps every shard, unpadded) with one global batch. */
  readonly host: MemoryBytes;
}

function bytes(weights: number, slots: number, idMap: number, idBuffers: number, activations: number): MemoryBytes {
  return Object.freeze({ weights, slots, idMap, idBuffers, activations, total: weights + slots + idMap + idBuffers + activations });
}

/** Field-wise sum of byte records (e.g. the tables of a plan). @example sumBytes(plan.tables.map((t) => t.perChip)).total */
export function sumBytes(parts: readonly MemoryBytes[]): MemoryBytes {
  const s = (k: keyof MemoryBytes) => parts.reduce((a, p) => a + p[k], 0);
  return bytes(s('weights'), s('slots'), s('idMap'), s('idBuffers'), s('activations'));
}

/**
 * The memory of one table on a slice. With V′ = residentRows, d = dim, k = slotsPerRow, w = bytes per weight element,
 * C = chips, N = C · shardsPerChip shards, R = C · replicasPerChip replicas, B = global batch, L = idsPerSample,
 * b = id bytes (4, or 8 for dynamic ids), and rows padded as TF's SparseCore layout pads them (`sparseCorePadding`:
 * V′ up to a multiple of 8N, d up to d₈, a multiple of 8), r = padded V′ / N rows per shard:
 *
 * per shard: weights = r·d₈·w, slots = r·d₈·k·4 (`rowBytes`), idMap = r·32 (dynamic only, an assumption:
 *   `DYNAMIC_ID_MAP_BYTES_PER_ROW`), idBuffers = ⌈B·L/N⌉·(b + 4) (its mean share of the step's ids, each with its
 *   int32 sample position; the busiest shard gets the imbalance β times this, see `syntheticLookupStats`)
 * per chip: shardsPerChip × per shard, plus activations = 2·⌈B/R⌉·replicasPerChip·d·4 (pooled activations and their
 *   gradients, float32, on the TensorCores)
 * host (this process): weights = V′·d·w, slots = V′·d·k·4, idMap = V′·32 (dynamic), idBuffers = ⌈B·L⌉·(b + 4),
 *   activations = 2·B·d·4 (no padding: the simulator does not pad).
 *
 * @param t - the table (`planTable`). @param slice - chips and shards. @param globalBatchSize - B.
 * @returns a frozen {@link TableMemory}, bytes.
 * @example tableMemory(planTable({ vocabularySize: 1e6, dim: 64 }, 0), { chips: 4, shardsPerChip: 4, replicasPerChip: 1 }, 64).perShard.weights
 *   // 62,504 rows × 64 × 4 = 16,001,024
 */
export function tableMemory(t: PlanTable, slice: SliceShape, globalBatchSize: number): TableMemory {
  const N = slice.chips * slice.shardsPerChip;
  const R = slice.chips * slice.replicasPerChip;
  const { paddedVocabularySize, paddedDim } = sparseCorePadding(t.residentRows, t.dim, N);
  const rowsPerShard = paddedVocabularySize / N;
  const padded = rowBytes(paddedDim, t.slotsPerRow, t.weightPrecision);
  const idMapPerRow = t.storage === 'dynamic' ? DYNAMIC_ID_MAP_BYTES_PER_ROW : 0;
  const perIdBytes = t.idBytes + BYTES_PER_ID;
  const ids = globalBatchSize * t.idsPerSample;
  const perShard = bytes(
    rowsPerShard * padded.weights,
    rowsPerShard * padded.slots,
    rowsPerShard * idMapPerRow,
    Math.ceil(ids / N) * perIdBytes,
    0,
  );
  const chipActivations = 2 * Math.ceil(globalBatchSize / R) * slice.replicasPerChip * t.dim * BYTES_PER_FLOAT32;
  const k = slice.shardsPerChip;
  const perChip = bytes(k * perShard.weights, k * perShard.slots, k * perShard.idMap, k * perShard.idBuffers, chipActivations);
  const plain = rowBytes(t.dim, t.slotsPerRow, t.weightPrecision);
  const host = bytes(
    t.residentRows * plain.weights,
    t.residentRows * plain.slots,
    t.residentRows * idMapPerRow,
    Math.ceil(ids) * perIdBytes,
    2 * globalBatchSize * t.dim * BYTES_PER_FLOAT32,
  );
  return Object.freeze({
    table: t.name,
    vocabularySize: t.vocabularySize,
    dim: t.dim,
    optimizer: t.optimizer,
    slotsPerRow: t.slotsPerRow,
    storage: t.storage,
    weightPrecision: t.weightPrecision,
    residentRows: t.residentRows,
    paddedDim,
    rowsPerShard,
    perShard,
    perChip,
    host,
  });
}

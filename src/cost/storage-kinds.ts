import { STORAGES, type Storage } from '../embedding/table-config';

/**
 * How a table holds its rows, as the memory planner prices it — `tableConfig`'s own `storage` list (one list, in
 * src/embedding/table-config.ts): `dense` allocates every row up front; `lazy` materializes a row on first
 * touch (memory grows with the rows touched); `dynamic` maps arbitrary 64-bit or string ids to at most `rowBudget`
 * rows through a hash table (admission and eviction keep it under the budget).
 */
export const STORAGE_KINDS = STORAGES;
/** One of {@link STORAGE_KINDS}. */
export type StorageKind = Storage;

/** Element types a table's weights may be stored in (optimizer slots stay float32). */
export const WEIGHT_PRECISIONS = ['float32', 'float16', 'bfloat16'] as const;
/** One of {@link WEIGHT_PRECISIONS}. */
export type WeightPrecision = (typeof WEIGHT_PRECISIONS)[number];

/** Bytes of one weight element per precision (IEEE binary32 4, binary16 2, bfloat16 2). */
export const WEIGHT_PRECISION_BYTES: Readonly<Record<WeightPrecision, number>> = Object.freeze({
  float32: 4,
  float16: 2,
  bfloat16: 2,
});

/** Bytes of one optimizer slot element: slots are float32 whatever the weights' precision. */
export const BYTES_PER_SLOT_ELEMENT = 4;

/** Bytes of one id of a dynamic-vocabulary table as it crosses the lookup (a 64-bit integer). */
export const BYTES_PER_DYNAMIC_ID = 8;

/**
 * Bytes of a dynamic table's id map per row of its budget. ASSUMPTION of this library (no published figure): an open
 * addressing hash table of (8-byte id, 4-byte row, 4-byte count or recency for admission and LRU/LFU eviction) = 16
 * bytes per entry, kept at most half full, so 32 bytes per row. Replace it with the storage's own figure when known.
 */
export const DYNAMIC_ID_MAP_BYTES_PER_ROW = 32;

/**
 * The rows that exist in a table whose storage holds only some of its rows (a dynamic-vocabulary table today; a lazy
 * table later, with its row indices as keys), read block by block for a checkpoint, and the same rows handed back for
 * a restore. A whole table is never copied: a reader asks for rows `[begin, end)` of the existing-row order.
 *
 * ```
 * existing row i:   key (id)   weights [dim]   slot k [dim] …   freq   last      (i = 0 … count−1, rows ascending)
 * ```
 */
import type { DynamicIds, DynamicIdStats } from '../kernels/dynamic-id-map';
import type { Eviction } from '../kernels/eviction-heap';
import type { SlotName } from '../optimizers/embedding-optimizer';
import type { DynamicTable } from './dynamic-lookup';

/** The id map's own state (clock, totals, admission sketch) and the options it was built with. */
export interface IdMapState {
  readonly rowBudget: number;
  readonly admitAfter: number;
  readonly eviction: Eviction;
  /** The logical clock (row touches so far). */
  readonly clock: number;
  /** The map's totals (a mapped type, so a plain record of numbers). */
  readonly totals: Readonly<Record<keyof DynamicIdStats, number>>;
  /** Count-min counters `[depth × width]` (a live view: copy or write it before the next lookup), or null when admitAfter is 1. */
  readonly sketch: Uint16Array | null;
  readonly sketchDepth: number;
  readonly sketchWidth: number;
}

/** A block reader of the rows that exist in one table, with their keys (see the file comment). */
export interface ExistingRows {
  readonly table: string;
  readonly dim: number;
  /** Rows that exist. */
  readonly count: number;
  /** `'int64'` (64-bit ids, or row indices of a lazy table) or `'string'`. */
  readonly keyKind: 'int64' | 'string';
  /** The optimizer slots stored per row, in the table's order. */
  readonly slotNames: readonly SlotName[];
  /** The id map's state, null for a table without one. */
  readonly idMap: IdMapState | null;
  /** Keys of existing rows `[begin, end)`: signed 64-bit ids or strings. */
  readKeys(begin: number, end: number): BigInt64Array | string[];
  /** Writes weights (`which` −1) or slot `which` of rows `[begin, end)` into `out[0 … (end − begin)·dim)`. */
  readValues(which: number, begin: number, end: number, out: Float32Array): void;
  /** Writes the eviction state (sightings, clock of the last touch) of rows `[begin, end)`. */
  readEviction(begin: number, end: number, freq: Float64Array, last: Float64Array): void;
}

/** Rows and keys to restore into a table (what a checkpoint reader assembles from {@link ExistingRows}). */
export interface ExistingRowsSnapshot {
  readonly ids: DynamicIds;
  /** `[ids.length, dim]` row-major. */
  readonly weights: Float32Array;
  /** Every slot the table's optimizer keeps, `[ids.length, dim]` each. */
  readonly slots: Readonly<Partial<Record<SlotName, Float32Array>>>;
  readonly freq: Float64Array;
  readonly last: Float64Array;
  readonly clock: number;
  /** The map's totals (checked on restore: every field of `DynamicIdStats`, non-negative integers). */
  readonly totals: Readonly<Record<string, number>>;
  readonly sketch: Uint16Array | null;
}

/**
 * The existing-row reader of a dynamic table of an engine (rows in use, ascending: one int per row is kept).
 * @param t the engine's dynamic table.
 * @returns the reader; valid until the next lookup.
 */
export function dynamicExistingRows(t: DynamicTable): ExistingRows {
  const table = t.state.table;
  const map = t.map;
  const dim = table.dim;
  const rows = map.rowsInUse();
  const arrays = [table.storage, ...table.slotStorage];
  return Object.freeze({
    table: table.name,
    dim,
    count: rows.length,
    keyKind: map.keyKind ?? 'int64',
    slotNames: Object.freeze(table.slotSpecs.map((s) => s.name)),
    idMap: Object.freeze({
      rowBudget: map.rowBudget,
      admitAfter: map.admitAfter,
      eviction: map.eviction,
      clock: map.clock,
      totals: map.totals,
      sketch: map.sketch?.counters ?? null,
      sketchDepth: map.sketch?.depth ?? 0,
      sketchWidth: map.sketch?.width ?? 0,
    }),
    readKeys(begin: number, end: number): BigInt64Array | string[] {
      if (map.keyKind === 'string') return Array.from(rows.subarray(begin, end), (r) => map.idOfRow(r) as string);
      const out = new BigInt64Array(end - begin);
      for (let i = begin; i < end; i++) out[i - begin] = map.idOfRow(rows[i]) as bigint;
      return out;
    },
    readValues(which: number, begin: number, end: number, out: Float32Array): void {
      const src = arrays[which + 1];
      for (let i = begin; i < end; i++) {
        const o = table.layout.storageRow(rows[i]) * dim;
        out.set(src.subarray(o, o + dim), (i - begin) * dim);
      }
    },
    readEviction(begin: number, end: number, freq: Float64Array, last: Float64Array): void {
      map.readEvictionState(rows.subarray(begin, end), freq, last);
    },
  });
}

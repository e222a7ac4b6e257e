/**
 * The checkpoint groups of a table that holds only some of its rows (a dynamic-vocabulary table; a lazy table uses
 * the same path with row indices as keys): its existing rows and their keys, streamed from the engine block by block
 * (never a whole-table buffer), split over several safetensors files when over `maxFileBytes`.
 *
 * ```
 * dynamic-items-00000.safetensors   items/keys/part-0 I64 [m0]   (string ids: items/key_offsets/part-0 I64 [m0 + 1],
 *                                                                               items/key_bytes/part-0 U8 [utf-8 bytes])
 *                                   items/part-0 F32 [m0, dim]   items/accumulators/part-0 F32 [m0, dim] …
 *                                   items/freq/part-0 F64 [m0]   items/last/part-0 F64 [m0]
 *                                   items/admission_sketch U8 [depth, width, 2]   (u16 little-endian; admitAfter > 1)
 * dynamic-items-00001.safetensors   the same for rows m0 … m0 + m1 − 1
 * checkpoint.json  configs.existingRows.items = { storage, keyKind, count, dim, slots, parts: [{ file, rows }], idMap }
 * ```
 */
import { CheckpointError, ConfigError } from '../errors';
import { positiveInteger, where } from '../validation';
import type { CheckpointGroup } from './save-checkpoint';
import type { NamedTensor, TensorData } from './safetensors';
import type { StreamedTensor } from './streamed-tensor';

/**
 * What the writer reads from a table that holds only some of its rows (`TPUEmbedding.existingRows(name)` gives one;
 * checkpoint/ does not import the engine, so this is the contract, checked against the engine's type in the tests).
 */
export interface ExistingRows {
  readonly table: string;
  readonly dim: number;
  /** Rows that exist. */
  readonly count: number;
  readonly keyKind: 'int64' | 'string';
  readonly slotNames: readonly string[];
  /** The id map's options and state; null for a table without one. */
  readonly idMap: IdMapState | null;
  /** Keys of existing rows `[begin, end)`. */
  readKeys(begin: number, end: number): BigInt64Array | string[];
  /** Weights (`which` −1) or slot `which` of rows `[begin, end)` into `out`. */
  readValues(which: number, begin: number, end: number, out: Float32Array): void;
  /** Sightings and last-touch clocks of rows `[begin, end)`. */
  readEviction(begin: number, end: number, freq: Float64Array, last: Float64Array): void;
}

/** An id map's options and state as a checkpoint holds them (the sketch counters as a tensor). */
export interface IdMapState {
  readonly rowBudget: number;
  readonly admitAfter: number;
  readonly eviction: string;
  readonly clock: number;
  readonly totals: Readonly<Record<string, number>>;
  readonly sketch: Uint16Array | null;
  readonly sketchDepth: number;
  readonly sketchWidth: number;
}

/** The key of {@link ExistingRowsGroups.configs} in a checkpoint's `configs`. */
export const EXISTING_ROWS_CONFIG_KEY = 'existingRows';

/** One table's entry under `configs.existingRows` of the manifest. */
export interface ExistingRowsEntry {
  readonly storage: 'dynamic';
  readonly keyKind: 'int64' | 'string';
  /** Rows saved (over all parts). */
  readonly count: number;
  readonly dim: number;
  /** The optimizer slots saved per row, in order. */
  readonly slots: readonly string[];
  /** The files, in row order, with the rows each holds. */
  readonly parts: readonly { readonly file: string; readonly rows: number }[];
  /** The id map's options and state, without the sketch counters (a tensor). */
  readonly idMap: Omit<IdMapState, 'sketch'>;
}

/** Options of {@link existingRowsGroups}. */
export interface ExistingRowsGroupsOptions {
  /**
   * Largest safetensors file of a table's rows, in bytes (keys, weights, slots and eviction state; string ids add
   * their UTF-8 bytes on top): more rows go to further files. At least one row per file. @default 1 GiB
   */
  readonly maxFileBytes?: number;
}

/** What {@link existingRowsGroups} returns: groups for `saveCheckpoint` and the manifest entries to merge into `configs`. */
export interface ExistingRowsGroups {
  readonly groups: readonly CheckpointGroup[];
  /** `{ existingRows: { <table>: ExistingRowsEntry } }`: spread into the checkpoint's `configs`. */
  readonly configs: { readonly existingRows: Readonly<Record<string, ExistingRowsEntry>> };
}

/**
 * Plans the checkpoint groups of tables that hold only some of their rows (see the file comment). Nothing is read
 * yet but the keys' byte sizes of string ids: the rows are read as `saveCheckpoint` writes them, so run no lookup
 * or training step until the save resolves.
 * @param tables existing-row readers (`emb.existingRows(name)`).
 * @param options maxFileBytes.
 * @returns the groups and the manifest entries.
 * @throws ConfigError `invalid_option` for a bad maxFileBytes; CheckpointError `bad_checkpoint` for two tables whose file names collide.
 * @example
 * const rows = existingRowsGroups([emb.existingRows('items')], { maxFileBytes: 256 << 20 });
 * await saveCheckpoint(root, { step, configs: { ...configs, ...rows.configs }, groups: [...dense, ...rows.groups] });
 */
export function existingRowsGroups(tables: readonly ExistingRows[], options: ExistingRowsGroupsOptions = {}): ExistingRowsGroups {
  const maxFileBytes = positiveInteger(options.maxFileBytes ?? 2 ** 30, where(ConfigError, 'invalid_option', 'existingRowsGroups')('options.maxFileBytes (bytes per safetensors file)'));
  const groups: CheckpointGroup[] = [];
  const entries: Record<string, ExistingRowsEntry> = {};
  const files = new Set<string>();
  for (const rows of tables) {
    const { table, dim, count, slotNames, idMap } = rows;
    const rowBytes = 8 + 4 * dim * (1 + slotNames.length) + 16;
    const perPart = Math.max(1, Math.floor(maxFileBytes / rowBytes));
    const nParts = Math.max(1, Math.ceil(count / perPart));
    const stem = `dynamic-${table.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const parts: { file: string; rows: number }[] = [];
    for (let k = 0; k < nParts; k++) {
      const begin = k * perPart;
      const end = Math.min(count, begin + perPart);
      const file = `${stem}-${String(k).padStart(5, '0')}.safetensors`;
      if (files.has(file)) throw new CheckpointError('bad_checkpoint', `existingRowsGroups: tables '${table}' and another map to file ${file}; rename one of them (letters, digits, '_', '-').`);
      files.add(file);
      parts.push({ file, rows: end - begin });
      const tensors: NamedTensor[] = [];
      if (k === 0 && idMap?.sketch) {
        const s = idMap.sketch;
        tensors.push({ name: `${table}/admission_sketch`, dtype: 'uint8', shape: [idMap.sketchDepth, idMap.sketchWidth, 2], data: new Uint8Array(s.buffer, s.byteOffset, s.byteLength) });
      }
      groups.push({ file, tensors, streamed: partTensors(rows, k, begin, end) });
    }
    const { sketch: _sketch, ...state } = idMap ?? ({} as IdMapState);
    entries[table] = Object.freeze({ storage: 'dynamic', keyKind: rows.keyKind, count, dim, slots: [...slotNames], parts, idMap: state });
  }
  return { groups, configs: { existingRows: entries } };
}

/** The streamed tensors of rows `[begin, end)` (part k) of one table. */
function partTensors(rows: ExistingRows, k: number, begin: number, end: number): StreamedTensor[] {
  const { table, dim } = rows;
  const m = end - begin;
  const name = (what: string): string => `${table}${what}/part-${k}`;
  const out: StreamedTensor[] = [];
  if (rows.keyKind === 'int64') {
    out.push({ name: name('/keys'), dtype: 'int64', shape: [m], chunks: (max) => blocks(begin, end, 1, max, (b, e) => rows.readKeys(b, e) as BigInt64Array) });
  } else {
    let bytes = 0;
    for (let b = begin; b < end; b += 65536) for (const s of rows.readKeys(b, Math.min(end, b + 65536)) as string[]) bytes += Buffer.byteLength(s, 'utf8');
    out.push({ name: name('/key_offsets'), dtype: 'int64', shape: [m + 1], chunks: (max) => stringOffsets(rows, begin, end, max) });
    out.push({ name: name('/key_bytes'), dtype: 'uint8', shape: [bytes], chunks: (max) => stringBytes(rows, begin, end, max) });
  }
  out.push({ name: name(''), dtype: 'float32', shape: [m, dim], chunks: (max) => floatBlocks(rows, -1, begin, end, max) });
  rows.slotNames.forEach((slot, s) => out.push({ name: name(`/${slot}`), dtype: 'float32', shape: [m, dim], chunks: (max) => floatBlocks(rows, s, begin, end, max) }));
  const eviction = (which: 0 | 1) => (max: number) =>
    blocks(begin, end, 1, max, (b, e) => {
      const freq = new Float64Array(e - b);
      const last = new Float64Array(e - b);
      rows.readEviction(b, e, freq, last);
      return which === 0 ? freq : last;
    });
  out.push({ name: name('/freq'), dtype: 'float64', shape: [m], chunks: eviction(0) });
  out.push({ name: name('/last'), dtype: 'float64', shape: [m], chunks: eviction(1) });
  return out;
}

/**
 * Rows `[begin, end)` of `width` elements each, read `⌊max / width⌋` rows at a time (at least one) and yielded in
 * pieces of at most `max` elements.
 */
function* blocks<T extends TensorData>(begin: number, end: number, width: number, max: number, read: (b: number, e: number) => T): Generator<T> {
  const per = Math.max(1, Math.floor(max / width));
  for (let b = begin; b < end; b += per) {
    const data = read(b, Math.min(end, b + per));
    for (let o = 0; o < data.length; o += max) yield data.subarray(o, Math.min(data.length, o + max)) as T;
  }
}

/** Weights (`which` −1) or slot `which` of rows `[begin, end)`, through one reused buffer of at most `max` floats (or one row). */
function floatBlocks(rows: ExistingRows, which: number, begin: number, end: number, max: number): Generator<Float32Array> {
  const per = Math.max(1, Math.floor(max / rows.dim));
  const buf = new Float32Array(per * rows.dim);
  return blocks(begin, end, rows.dim, max, (b, e) => {
    const out = buf.subarray(0, (e - b) * rows.dim);
    rows.readValues(which, b, e, out);
    return out;
  });
}

/** The `m + 1` UTF-8 byte offsets of string keys `[begin, end)` (first 0). */
function* stringOffsets(rows: ExistingRows, begin: number, end: number, max: number): Generator<BigInt64Array> {
  const buf = new BigInt64Array(Math.max(1, Math.min(max, 65536)));
  let n = 0;
  let at = 0n;
  buf[n++] = 0n;
  for (let b = begin; b < end; b += 65536) {
    for (const s of rows.readKeys(b, Math.min(end, b + 65536)) as string[]) {
      if (n === buf.length) {
        yield buf;
        n = 0;
      }
      at += BigInt(Buffer.byteLength(s, 'utf8'));
      buf[n++] = at;
    }
  }
  yield buf.subarray(0, n);
}

/** The UTF-8 bytes of string keys `[begin, end)`, back to back, in pieces of at most `max` bytes. */
function* stringBytes(rows: ExistingRows, begin: number, end: number, max: number): Generator<Uint8Array> {
  for (let b = begin; b < end; b += 4096) {
    const bytes = Buffer.from((rows.readKeys(b, Math.min(end, b + 4096)) as string[]).join(''), 'utf8');
    for (let o = 0; o < bytes.length; o += max) yield new Uint8Array(bytes.buffer, bytes.byteOffset + o, Math.min(max, bytes.length - o));
  }
}

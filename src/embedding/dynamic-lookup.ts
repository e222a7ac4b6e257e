/**
 * The first phase of a lookup on dynamic-vocabulary tables (`storage: 'dynamic'`): the ids of every dynamic feature
 * are mapped to rows by the table's `DynamicIdMap` (one batch per table: all its features), the rows it (re)creates
 * are initialized, and the features are handed to the normal path as row ids of the `rowBudget`-row table.
 *
 * A rejected id (not yet admitted, or no row free) is dropped from its bag, as an id over a partition limit is:
 * it reads as zeros, gets no update, and does not count in the combiner's denominator (mean/sqrtn over the ids that
 * have rows; a bag of rejected ids only gives zeros). In a sequence feature its position reads as zeros.
 *
 * ```
 * feature 'item' (dynamic, pooled)   ids ['a','b'] · ['c']      rowSplits [0, 2, 3]
 * id map (admitAfter 2; 'b' seen before)  rows [-1, 7] · [-1]
 * handed on as ragged row ids         values [7]   rowSplits [0, 1, 1]   (sample 1 reads zeros)
 * ```
 */
import type * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors';
import type { DynamicIdMap, DynamicIdStats, DynamicIds } from '../kernels/dynamic-id-map';
import { counterInitialRow } from './counter-initial-row';
import type { TableState } from './engine-state';
import type { FeatureInput, NormalizedInput, RaggedInput, SparseInput } from './feature-input';

/**
 * Ids of a feature of a dynamic table: one id per sample (`BigInt64Array`, `BigUint64Array`, `bigint[]` or
 * `string[]`), or ragged `{ values, rowSplits, weights? }` with such values.
 */
export type DynamicFeatureInput =
  | DynamicIds
  | { readonly values: DynamicIds; readonly rowSplits: ArrayLike<number> | tf.Tensor; readonly weights?: ArrayLike<number> | tf.Tensor };

/** A dynamic table of an engine: its state, its id map and the seed and index of its initial values. */
export interface DynamicTable {
  readonly state: TableState;
  readonly map: DynamicIdMap;
  readonly seed: number;
  readonly index: number;
}

/** The mapped lookup: the inputs for the normal path, this batch's counts per table, and how to keep or undo it. */
export interface DynamicMapping {
  readonly inputs: Record<string, FeatureInput>;
  readonly stats: ReadonlyMap<string, DynamicIdStats>;
  /** Keeps the mapping (the lookup was accepted). */
  commit(): void;
  /** Undoes it: id maps, re-initialized rows and slots, value bounds (the lookup was rejected later). */
  rollback(): void;
}

function isDynamicIds(x: unknown): x is DynamicIds {
  return x instanceof BigInt64Array || x instanceof BigUint64Array || (Array.isArray(x) && (x.length === 0 || typeof x[0] === 'bigint' || typeof x[0] === 'string'));
}

/**
 * Maps the ids of every dynamic feature (see the file comment). Every check runs before any change: the ids' types
 * (by the id map) and, through `validate` on placeholders of the same shapes, everything the normal path checks.
 * @param features the lookup's argument; @param tables the engine's dynamic tables.
 * @param validate the normal path's input checks (`lookupInputs`): returns the normalized inputs or throws.
 * @returns the mapping ({@link DynamicMapping}).
 * @throws InputError `invalid_ids` (ids of a dynamic feature that are not bigints or strings, or mixed kinds) and
 *   whatever `validate` throws; nothing is changed then.
 */
export function mapDynamicIds(
  features: Readonly<Record<string, FeatureInput | DynamicFeatureInput>>,
  tables: readonly DynamicTable[],
  validate: (inputs: Readonly<Record<string, FeatureInput>>) => ReadonlyMap<string, NormalizedInput>,
): DynamicMapping {
  const api = 'TPUEmbedding.lookup';
  if (features === null || typeof features !== 'object') validate(features); // throws invalid_input
  const placeholders: Record<string, FeatureInput> = { ...(features as Record<string, FeatureInput>) };
  const ids = new Map<string, DynamicIds>();
  for (const t of tables) {
    for (const fs of t.state.features) {
      const raw = features[fs.name] as unknown;
      if (raw === undefined) continue; // validate reports the missing feature
      const values = isDynamicIds(raw) ? raw : raw !== null && typeof raw === 'object' && 'values' in raw && isDynamicIds((raw as { values: unknown }).values) ? (raw as { values: DynamicIds }).values : null;
      if (!values) {
        t.map.checkIds(raw as DynamicIds, `${api} (feature '${fs.name}')`); // throws invalid_ids naming the fix
        continue;
      }
      t.map.checkIds(values, `${api} (feature '${fs.name}')`);
      ids.set(fs.name, values);
      const zeros = new Int32Array(values.length);
      placeholders[fs.name] = values === raw ? zeros : ({ ...(raw as object), values: zeros } as unknown as RaggedInput);
    }
  }
  const normalized = validate(placeholders);
  // Every check passed: map, table by table (all features of a table in one batch).
  const inputs: Record<string, FeatureInput> = { ...(features as Record<string, FeatureInput>) };
  const stats = new Map<string, DynamicIdStats>();
  const undos: (() => void)[] = [];
  const rollback = (): void => {
    for (let k = undos.length - 1; k >= 0; k--) undos[k]();
    undos.length = 0;
  };
  try {
    for (const t of tables) {
      const parts = t.state.features.map((fs) => ids.get(fs.name)!);
      const batch = t.map.map(concatIds(parts, t.state.table.name), `${api} (table '${t.state.table.name}')`);
      undos.push(reinitializeRows(t, batch.newRows, batch.newRowHashes));
      stats.set(t.state.table.name, batch.stats);
      let at = 0;
      for (const fs of t.state.features) {
        const input = normalized.get(fs.name)!;
        const n = input.values.length;
        inputs[fs.name] = rowInput(input, batch.rows.subarray(at, at + n), fs.config.maxSequenceLength > 0);
        at += n;
      }
    }
  } catch (e) {
    rollback();
    throw e;
  }
  return { inputs, stats, commit: () => (undos.length = 0), rollback };
}

/** One batch of a table's ids: its features' ids back to back (one kind: 64-bit integers or strings). */
function concatIds(parts: readonly DynamicIds[], table: string): DynamicIds {
  if (parts.length === 1) return parts[0];
  const strings = parts.filter((p) => p.length > 0 && typeof p[0] === 'string');
  if (strings.length > 0 && strings.length < parts.filter((p) => p.length > 0).length) {
    throw new InputError('invalid_ids', `TPUEmbedding.lookup: the features of dynamic table '${table}' mix string and 64-bit integer ids; one table takes one id kind (convert them, or use two tables).`);
  }
  if (strings.length > 0) return parts.flatMap((p) => p as readonly string[]);
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new BigInt64Array(n);
  let at = 0;
  for (const p of parts) {
    if (p instanceof BigInt64Array) out.set(p, at);
    else for (let q = 0; q < p.length; q++) out[at + q] = BigInt.asIntN(64, p[q] as bigint);
    at += p.length;
  }
  return out;
}

/**
 * Initializes the rows an id map (re)created — weights from (seed, table, id hash), slots to their initial values —
 * and widens the table's value bounds; returns the undo (old rows and bounds).
 */
function reinitializeRows(t: DynamicTable, newRows: Int32Array, hashes: Uint32Array): () => void {
  const table = t.state.table;
  const dim = table.dim;
  const arrays = [table.storage, ...table.slotStorage];
  const saved = new Float32Array(newRows.length * arrays.length * dim);
  const oldBounds = t.state.bounds ? [...t.state.bounds] : null;
  let wMax = 0;
  newRows.forEach((row, i) => {
    const o = table.layout.storageRow(row) * dim;
    arrays.forEach((a, k) => saved.set(a.subarray(o, o + dim), (i * arrays.length + k) * dim));
    counterInitialRow(table.config.initializer, t.seed, t.index, hashes[2 * i], hashes[2 * i + 1], table.storage, o, dim);
    for (let c = o; c < o + dim; c++) wMax = Math.max(wMax, Math.abs(table.storage[c]));
    table.slotSpecs.forEach((s, k) => table.slotStorage[k].fill(s.initialValue, o, o + dim));
  });
  const b = t.state.bounds;
  if (b && newRows.length > 0) {
    b[0] = Math.max(b[0], wMax);
    table.slotSpecs.forEach((s, k) => (b[k + 1] = Math.max(b[k + 1], Math.abs(s.initialValue))));
  }
  return () => {
    newRows.forEach((row, i) => {
      const o = table.layout.storageRow(row) * dim;
      arrays.forEach((a, k) => a.set(saved.subarray((i * arrays.length + k) * dim, (i * arrays.length + k + 1) * dim), o));
    });
    t.state.bounds = oldBounds;
    t.map.undoLast();
  };
}

/**
 * A feature's normalized input with its ids replaced by rows, rejected positions (row −1) dropped: ragged for a
 * pooled feature, sparse (positions kept) for a sequence feature.
 */
function rowInput(input: NormalizedInput, rows: Int32Array, sequence: boolean): FeatureInput {
  const { rowSplits, weights, batchSize } = input;
  let kept = 0;
  for (let q = 0; q < rows.length; q++) if (rows[q] >= 0) kept++;
  const values = new Int32Array(kept);
  const w = weights ? new Float32Array(kept) : null;
  if (!sequence) {
    const splits = new Int32Array(batchSize + 1);
    let k = 0;
    for (let b = 0; b < batchSize; b++) {
      for (let q = rowSplits[b]; q < rowSplits[b + 1]; q++) {
        if (rows[q] < 0) continue;
        values[k] = rows[q];
        if (w) w[k] = weights![q];
        k++;
      }
      splits[b + 1] = k;
    }
    return w ? { values, rowSplits: splits, weights: w } : { values, rowSplits: splits };
  }
  const indices = new Int32Array(2 * kept);
  let k = 0;
  let maxLen = 1;
  for (let b = 0; b < batchSize; b++) {
    maxLen = Math.max(maxLen, rowSplits[b + 1] - rowSplits[b]);
    for (let q = rowSplits[b]; q < rowSplits[b + 1]; q++) {
      if (rows[q] < 0) continue;
      values[k] = rows[q];
      indices[2 * k] = b;
      indices[2 * k + 1] = input.positions ? input.positions[q] : q - rowSplits[b];
      k++;
    }
  }
  const sparse: SparseInput = { indices, values, denseShape: [batchSize, maxLen] };
  return sparse;
}

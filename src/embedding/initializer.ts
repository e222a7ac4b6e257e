import { ConfigError } from '../errors';
import { Random } from '../random';
import { counterRowKey, counterTruncatedNormalRow } from './counter-random';

/**
 * A function initializer: returns the full table `[rows, dim]` row-major (length `rows × dim`).
 * It receives the table's seeded {@link Random} so runs stay reproducible.
 */
export type InitializerFn = (rows: number, dim: number, rng: Random) => Float32Array | ArrayLike<number>;

/**
 * How a table's rows start:
 * - `'truncatedNormal'` (TensorFlow's default: mean 0, stddev 1/√dim, re-drawn beyond 2 stddev);
 * - `{ kind: 'truncatedNormal', mean?, stddev? }`;
 * - `'zeros'`, `'ones'`, or a number (every element equals it), or `{ kind: 'constant', value }`;
 * - a function {@link InitializerFn}.
 */
export type Initializer =
  | 'truncatedNormal'
  | 'zeros'
  | 'ones'
  | number
  | { readonly kind: 'truncatedNormal'; readonly mean?: number; readonly stddev?: number }
  | { readonly kind: 'constant'; readonly value: number }
  | InitializerFn;

/** The normalised form of an {@link Initializer} kept in a frozen `TableConfig`. */
export type InitializerSpec =
  | { readonly kind: 'truncatedNormal'; readonly mean: number; readonly stddev: number }
  | { readonly kind: 'constant'; readonly value: number }
  | { readonly kind: 'function'; readonly fn: InitializerFn };

/** The JSON form of an {@link InitializerSpec} (a function initializer serialises as `{ kind: 'function' }`). */
export type InitializerJson =
  | { kind: 'truncatedNormal'; mean: number; stddev: number }
  | { kind: 'constant'; value: number }
  | { kind: 'function' };

/**
 * Normalises an {@link Initializer} for a table of width `dim`.
 * @param init the user's initializer, or undefined for TensorFlow's default.
 * @param dim embedding width (for the default stddev 1/√dim).
 * @param api the API name used in error messages.
 * @returns a frozen {@link InitializerSpec}.
 * @throws ConfigError `invalid_initializer` for anything else.
 * @example normalizeInitializer(undefined, 16) // { kind: 'truncatedNormal', mean: 0, stddev: 0.25 }
 */
export function normalizeInitializer(init: Initializer | undefined, dim: number, api = 'tableConfig'): InitializerSpec {
  const bad = (why: string): ConfigError =>
    new ConfigError('invalid_initializer', `${api}: expected initializer to be ${why}, but got ${describe(init)}.`);
  if (init === undefined || init === 'truncatedNormal') {
    return Object.freeze({ kind: 'truncatedNormal', mean: 0, stddev: 1 / Math.sqrt(dim) });
  }
  if (init === 'zeros') return Object.freeze({ kind: 'constant', value: 0 });
  if (init === 'ones') return Object.freeze({ kind: 'constant', value: 1 });
  if (typeof init === 'number') {
    if (!Number.isFinite(init)) throw bad('a finite number');
    return Object.freeze({ kind: 'constant', value: init });
  }
  if (typeof init === 'function') return Object.freeze({ kind: 'function', fn: init });
  if (init !== null && typeof init === 'object') {
    if (init.kind === 'constant' && Number.isFinite(init.value)) return Object.freeze({ kind: 'constant', value: init.value });
    if (init.kind === 'truncatedNormal') {
      const mean = init.mean ?? 0;
      const stddev = init.stddev ?? 1 / Math.sqrt(dim);
      if (!Number.isFinite(mean) || !(stddev >= 0) || !Number.isFinite(stddev)) {
        throw bad('{ kind: "truncatedNormal" } with a finite mean and a finite stddev ≥ 0');
      }
      return Object.freeze({ kind: 'truncatedNormal', mean, stddev });
    }
  }
  throw bad("'truncatedNormal', 'zeros', 'ones', a finite number, { kind: 'constant', value }, { kind: 'truncatedNormal', mean?, stddev? } or a function");
}

/** The JSON form of a normalised initializer (see {@link InitializerJson}). */
export function initializerToJson(spec: InitializerSpec): InitializerJson {
  if (spec.kind === 'function') return { kind: 'function' };
  return { ...spec };
}

/**
 * Fills the rows of a table: row `r` is written at element offset `offsetOf(r)` of `target`. Truncated-normal and
 * constant initializers are counter-based ({@link initialRow}): every value is a pure function of (the table's seed
 * `rng.seed`, row, column), so the initial table does not depend on the sharding nor on the order rows are
 * written, and a lazy table that materializes a row later gives it the same bits. A function initializer receives
 * `rng` and returns the whole table.
 * @param spec normalised initializer.
 * @param rows vocabulary size; @param dim width; @param rng the table's seeded generator (its `seed` keys the counter).
 * @param target the storage; @param offsetOf element offset of row r in `target`.
 * @throws ConfigError `invalid_initializer` when a function initializer returns the wrong length or a non-finite value.
 */
export function fillTable(
  spec: InitializerSpec,
  rows: number,
  dim: number,
  rng: Random,
  target: Float32Array,
  offsetOf: (row: number) => number,
  tableName = 'table',
): void {
  if (spec.kind !== 'function') {
    if (spec.kind === 'constant' && spec.value === 0) return; // fresh Float32Arrays are zero
    for (let r = 0; r < rows; r++) initialRow(spec, rng.seed, r, dim, target, offsetOf(r));
    return;
  }
  const full = spec.fn(rows, dim, rng);
  if (full.length !== rows * dim) {
    throw new ConfigError(
      'invalid_initializer',
      `tableConfig: expected the initializer function of table '${tableName}' to return ${rows} × ${dim} = ${rows * dim} values, but got ${full.length}.`,
    );
  }
  for (let r = 0; r < rows; r++) {
    const o = offsetOf(r);
    for (let k = 0; k < dim; k++) {
      const v = full[r * dim + k];
      if (!Number.isFinite(v)) {
        throw new ConfigError(
          'invalid_initializer',
          `tableConfig: expected the initializer function of table '${tableName}' to return finite values, but got ${v} at row ${r}, column ${k}.`,
        );
      }
      target[o + k] = v;
    }
  }
}

function describe(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * Writes the initial value of one row, `dim` floats at `target[offset …]`: a pure function of (seed, row, column)
 * for the counter-based initializers (truncated normal: {@link counterTruncatedNormalRow}, mean + stddev·z with z in
 * [−2, 2], TensorFlow's `TruncatedNormal` range; constant: the value). What dense tables are filled with and what
 * lazy tables materialize rows with, so both hold the same bits.
 * @param spec a truncated-normal or constant initializer (function initializers have no per-row form).
 * @param seed the table's seed; @param row the table row (vocabulary index); @param dim the row width.
 * @example const row = new Float32Array(4); initialRow({ kind: 'constant', value: 1 }, 0, 7, 4, row, 0) // [1, 1, 1, 1]
 */
export function initialRow(spec: Exclude<InitializerSpec, { kind: 'function' }>, seed: number, row: number, dim: number, target: Float32Array, offset: number): void {
  if (spec.kind === 'constant') {
    target.fill(spec.value, offset, offset + dim);
    return;
  }
  counterTruncatedNormalRow(counterRowKey(seed, row), spec.mean, spec.stddev, dim, target, offset);
}

/**
 * A bound on |x| over every value {@link initialRow} can write for `spec` (|mean| + 2·stddev, or |value|), rounded up
 * past float32 rounding.
 * @example initialBound({ kind: 'constant', value: -3 }) // 3
 */
export function initialBound(spec: Exclude<InitializerSpec, { kind: 'function' }>): number {
  if (spec.kind === 'constant') return Math.abs(spec.value);
  return (Math.abs(spec.mean) + 2 * spec.stddev) * (1 + 2 ** -20);
}

/**
 * The shared validators: every factory and API checks its numbers and choices through these, so a rule has one
 * message everywhere — ``<api>: expected <name> to be <rule>, but got <value>. <fix>`` — raised as the project's
 * error class and kind the caller names (see src/error-kinds.ts for which class a rule takes).
 *
 * Integers are safe integers (|n| ≤ 2^53 − 1): a count, size, step or id beyond that is not exactly representable.
 *
 * @example
 * const at = where(ConfigError, 'invalid_table_config', 'tableConfig');
 * positiveInteger(12.5, at('vocabularySize'));
 * // ConfigError invalid_table_config: "tableConfig: expected vocabularySize to be a positive integer, but got 12.5."
 */
import { CheckpointError, ConfigError, DataError, InputError, ShardingError } from './errors';

/** One of the project's error classes (src/errors.ts). */
export type ProjectErrorClass = typeof ConfigError | typeof InputError | typeof ShardingError | typeof DataError | typeof CheckpointError;

/** The `kind` union of an error class, e.g. `KindOf<typeof ConfigError>` is `ConfigErrorKind`. */
export type KindOf<E extends ProjectErrorClass> = ConstructorParameters<E>[0];

/** Where a check runs and what a failure raises: the class and kind, the API and parameter for the message, and the fix. */
export interface Where<E extends ProjectErrorClass = ProjectErrorClass> {
  /** The error class to raise. */
  readonly error: E;
  /** Its kind. */
  readonly kind: KindOf<E>;
  /** The API that checks, first in the message, e.g. `'tableConfig'`. */
  readonly api: string;
  /** The parameter as the caller knows it, e.g. `'dim'` or `'tables[0].dim'`. */
  readonly name: string;
  /** How to fix it, appended to the message, e.g. `'Pass e.g. 64.'`. */
  readonly fix?: string;
}

/**
 * A {@link Where} maker for one API: `where(ConfigError, 'invalid_table_config', 'tableConfig')('dim')`.
 * @param error the class to raise; @param kind its kind; @param api the API named first in messages.
 * @returns `(name, fix?) => Where`.
 * @example positiveInteger(dim, where(ConfigError, 'invalid_table_config', 'tableConfig')('dim', 'Pass e.g. 64.'))
 */
export function where<E extends ProjectErrorClass>(error: E, kind: KindOf<E>, api: string): (name: string, fix?: string) => Where<E> {
  return (name, fix) => ({ error, kind, api, name, fix });
}

/**
 * A value as a message shows it: numbers and booleans as written (`12.5`, `NaN`, `Infinity`), strings in single
 * quotes (`'abc'`, as the library's messages quote names), arrays as `[a, b]`, plain objects as JSON, anything else
 * through `String`.
 * @param value any value.
 * @returns its text for an error message.
 * @example describeValue('x') // "'x'"
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'function') return `a function`;
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  if (Object.getPrototypeOf(value) === Object.prototype) {
    try {
      return JSON.stringify(value) ?? String(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/**
 * Builds (does not throw) the error for a broken rule, in the shared message form.
 * @param at where the check ran; @param rule what was expected, e.g. `'a positive integer'`; @param value what came.
 * @returns an instance of `at.error` with `at.kind`.
 * @example throw ruleError(at('k'), 'a positive integer', 0)
 */
export function ruleError<E extends ProjectErrorClass>(at: Where<E>, rule: string, value: unknown): InstanceType<E> {
  const Err = at.error as unknown as new (kind: KindOf<E>, message: string) => InstanceType<E>;
  return new Err(at.kind, `${at.api}: expected ${at.name} to be ${rule}, but got ${describeValue(value)}.${at.fix ? ` ${at.fix}` : ''}`);
}

/**
 * Checks that `value` is an integer (any sign; seeds, offsets).
 * @returns the value. @throws `at.error` with `at.kind` otherwise.
 * @example integer(42, at('seed')) // 42
 */
export function integer<E extends ProjectErrorClass>(value: unknown, at: Where<E>): number {
  if (!Number.isSafeInteger(value)) throw ruleError(at, 'an integer', value);
  return value as number;
}

/**
 * Checks that `value` is an integer ≥ 1 (sizes, counts of layers, batch sizes).
 * @returns the value. @throws `at.error` with `at.kind` otherwise.
 * @example positiveInteger(64, at('dim')) // 64
 */
export function positiveInteger<E extends ProjectErrorClass>(value: unknown, at: Where<E>): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw ruleError(at, 'a positive integer', value);
  return value as number;
}

/**
 * Checks that `value` is an integer ≥ 0 (counts that may be zero, steps, offsets).
 * @returns the value. @throws `at.error` with `at.kind` otherwise.
 * @example nonNegativeInteger(0, at('warmup')) // 0
 */
export function nonNegativeInteger<E extends ProjectErrorClass>(value: unknown, at: Where<E>): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw ruleError(at, 'a non-negative integer', value);
  return value as number;
}

/**
 * Checks that `value` is an integer ≥ `min` (a graph's connectivity ≥ 2, a warm-up ≥ 0).
 * @returns the value. @throws `at.error` with `at.kind` otherwise; the message states the bound.
 * @example integerAtLeast(16, at('connectivity'), 2) // 16
 */
export function integerAtLeast<E extends ProjectErrorClass>(value: unknown, at: Where<E>, min: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < min) throw ruleError(at, `an integer ≥ ${min}`, value);
  return value as number;
}

/** Bounds of {@link finiteNumber}: `min`/`max` inclusive unless `exclusive`, each optional. `{ min: 0, exclusive: true }` reads "a positive finite number". */
export interface NumberBounds {
  /** Smallest allowed value. */
  readonly min?: number;
  /** Largest allowed value. */
  readonly max?: number;
  /** `min` (and `max`) excluded: `{ min: 0, exclusive: true }` is `> 0`. @default false */
  readonly exclusive?: boolean;
  /** What the number counts, for the message, e.g. `'milliseconds'` ("a finite number of milliseconds > 0"). */
  readonly unit?: string;
}

/**
 * Checks that `value` is a finite number, optionally within bounds (rates, bandwidths, timeouts, temperatures).
 * @param bounds e.g. `{ min: 0, exclusive: true }` for `> 0`.
 * @returns the value. @throws `at.error` with `at.kind` otherwise; the message states the bounds.
 * @example finiteNumber(0.5, at('temperature'), { min: 0, exclusive: true }) // 0.5
 */
export function finiteNumber<E extends ProjectErrorClass>(value: unknown, at: Where<E>, bounds: NumberBounds = {}): number {
  const { min, max, exclusive = false, unit } = bounds;
  const v = value as number;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(v) &&
    (min === undefined || (exclusive ? v > min : v >= min)) &&
    (max === undefined || (exclusive ? v < max : v <= max));
  if (!ok) {
    const of = unit ? ` of ${unit}` : '';
    // `> 0` alone reads "a positive finite number"; other bounds are spelt out: "a finite number ≥ 1 and ≤ 10".
    if (min === 0 && exclusive && max === undefined) throw ruleError(at, `a positive finite number${of}`, value);
    const parts = [min !== undefined ? `${exclusive ? '>' : '≥'} ${min}` : '', max !== undefined ? `${exclusive ? '<' : '≤'} ${max}` : ''].filter(Boolean);
    throw ruleError(at, `a finite number${of}${parts.length ? ` ${parts.join(' and ')}` : ''}`, value);
  }
  return v;
}

/**
 * Checks that `value` is an integer in `[min, max)` (indices, shards, ports with `max` one past the last).
 * @returns the value. @throws `at.error` with `at.kind` otherwise; the message states the range.
 * @example inRange(3, at('shard'), 0, 8) // 3
 */
export function inRange<E extends ProjectErrorClass>(value: unknown, at: Where<E>, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) >= max) throw ruleError(at, `an integer in [${min}, ${max})`, value);
  return value as number;
}

/**
 * Checks that `value` is one of the allowed choices (an `as const` tuple); the message lists them.
 * @returns the value, typed as the union. @throws `at.error` with `at.kind` otherwise.
 * @example oneOf('sum', at('combiner'), COMBINERS) // 'sum'
 */
export function oneOf<T extends string | number, E extends ProjectErrorClass>(value: unknown, at: Where<E>, allowed: readonly T[]): T {
  if (!(allowed as readonly unknown[]).includes(value)) throw ruleError(at, `one of ${allowed.join(', ')}`, value);
  return value as T;
}

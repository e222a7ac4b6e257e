import { isEmbeddingOptimizer, type EmbeddingOptimizerLike } from '../embedding/optimizer-like';
import { ConfigError } from '../errors';
import { optimizerFromConfig, registeredOptimizers } from '../optimizers/optimizer-registry';
import { BYTES_PER_ID } from './hardware-constants';
import type { IdSkew } from './id-distribution';
import { BYTES_PER_DYNAMIC_ID, STORAGE_KINDS, WEIGHT_PRECISIONS, type StorageKind, type WeightPrecision } from './storage-kinds';

/**
 * One table as the memory planner reads it. A `tableConfig(...)` result fits (its `storage`, `weightPrecision` and
 * `rowBudget` are read when it has them), and so does a `SyntheticTableSpec` of the cost model.
 */
export interface PlanTableInput {
  /** @default `table_<i>` */
  readonly name?: string;
  /** Rows V (dense, lazy); for a dynamic table the size of its id space, optional. */
  readonly vocabularySize?: number;
  /** Row width, a positive integer. */
  readonly dim: number;
  /**
   * The table's optimizer: an optimizer object, or a registered class name in any case (`'adagrad'`, `'Adam'`,
   * `'ftrl'`, `'sgd'`, `'AdagradMomentum'`); its slots per row come from its `slotSpecs()`.
   * @default the plan's `optimizer`, else 'Adagrad' (the tutorial's)
   */
  readonly optimizer?: string | EmbeddingOptimizerLike;
  /** @default 'dense' */
  readonly storage?: StorageKind;
  /** @default 'float32' */
  readonly weightPrecision?: WeightPrecision;
  /** Most rows a dynamic table holds (required for `dynamic`, refused otherwise), a positive integer. */
  readonly rowBudget?: number;
  /** Rows a lazy table will have materialized (refused for other kinds), 1 ≤ n ≤ V. @default vocabularySize (all) */
  readonly expectedRowsTouched?: number;
  /** Ids per sample (a mean; multivalent features > 1). @default 1 */
  readonly idsPerSample?: number;
  /** Id popularity, read by the step-time model (`planStep`). @default 'uniform' */
  readonly skew?: IdSkew;
}

/** A {@link PlanTableInput} checked and with its defaults filled in. */
export interface PlanTable {
  readonly name: string;
  /** Rows V; `undefined` for a dynamic table without a stated id space. */
  readonly vocabularySize: number | undefined;
  readonly dim: number;
  /** The optimizer's class name. */
  readonly optimizer: string;
  /** Optimizer slot arrays per row (its `slotSpecs().length`). */
  readonly slotsPerRow: number;
  readonly storage: StorageKind;
  readonly weightPrecision: WeightPrecision;
  /** Rows held: V (dense), expectedRowsTouched (lazy), rowBudget (dynamic). */
  readonly residentRows: number;
  readonly idsPerSample: number;
  /** Bytes of one id in the lookup's buffers: 4 (int32), 8 for dynamic tables (64-bit ids). */
  readonly idBytes: number;
  readonly skew: IdSkew;
}

function fail(message: string): never {
  throw new ConfigError('invalid_plan', `planMemory: ${message}`);
}

function positiveInteger(where: string, v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1) fail(`expected ${where} to be a positive integer, but got ${String(v)}.`);
  return v as number;
}

/** Slots per row and class name of an optimizer given as an object or a registered name (any case). */
function resolveOptimizer(where: string, o: string | EmbeddingOptimizerLike): { optimizer: string; slotsPerRow: number } {
  if (typeof o === 'string') {
    const className = registeredOptimizers().find((n) => n.toLowerCase() === o.toLowerCase());
    if (!className) fail(`expected ${where} to be one of ${registeredOptimizers().join(', ')} (any case) or an optimizer object, but got '${o}'.`);
    return { optimizer: className, slotsPerRow: optimizerFromConfig({ className }).slotSpecs().length };
  }
  if (!isEmbeddingOptimizer(o)) fail(`expected ${where} to be an optimizer name or an embedding optimizer (SGD, Adagrad, Adam, …), but got ${String(o)}.`);
  return { optimizer: o.className, slotsPerRow: o.slotSpecs().length };
}

/**
 * Checks one table of a plan and fills in its defaults.
 * @param t - the table. @param index - its position (for the default name and the messages).
 * @param defaultOptimizer - the plan's optimizer, used when the table names none. @default 'Adagrad'
 * @returns a frozen {@link PlanTable}.
 * @throws ConfigError `invalid_plan` naming the table, the field, the rule and the value.
 * @example planTable({ name: 'items', vocabularySize: 1e6, dim: 64, optimizer: 'adam' }, 0).slotsPerRow // 2
 */
export function planTable(t: PlanTableInput, index: number, defaultOptimizer: string | EmbeddingOptimizerLike = 'Adagrad'): PlanTable {
  if (t === null || typeof t !== 'object') fail(`expected tables[${index}] to be a table object, but got ${String(t)}.`);
  const name = t.name ?? `table_${index}`;
  if (typeof name !== 'string' || name.length === 0) fail(`expected tables[${index}].name to be a non-empty string, but got ${JSON.stringify(name)}.`);
  const where = (field: string) => `table '${name}' ${field}`;
  const storage = t.storage ?? 'dense';
  if (!(STORAGE_KINDS as readonly string[]).includes(storage)) {
    fail(`expected ${where('storage')} to be one of ${STORAGE_KINDS.join(', ')}, but got '${String(storage)}'.`);
  }
  const weightPrecision = t.weightPrecision ?? 'float32';
  if (!(WEIGHT_PRECISIONS as readonly string[]).includes(weightPrecision)) {
    fail(`expected ${where('weightPrecision')} to be one of ${WEIGHT_PRECISIONS.join(', ')}, but got '${String(weightPrecision)}'.`);
  }
  const dim = positiveInteger(where('dim'), t.dim);
  const vocabularySize = storage === 'dynamic' && t.vocabularySize === undefined ? undefined : positiveInteger(where('vocabularySize'), t.vocabularySize);
  if (t.rowBudget !== undefined && storage !== 'dynamic') {
    fail(`expected ${where('rowBudget')} only with storage 'dynamic', but the table is '${storage}'. Remove rowBudget or set storage: 'dynamic'.`);
  }
  if (t.expectedRowsTouched !== undefined && storage !== 'lazy') {
    fail(`expected ${where('expectedRowsTouched')} only with storage 'lazy', but the table is '${storage}'. Remove it or set storage: 'lazy'.`);
  }
  let residentRows: number;
  if (storage === 'dynamic') {
    if (t.rowBudget === undefined) fail(`expected ${where('rowBudget')} (the most rows a dynamic table holds) to be set for storage 'dynamic', but it is missing.`);
    residentRows = positiveInteger(where('rowBudget'), t.rowBudget);
  } else if (storage === 'lazy' && t.expectedRowsTouched !== undefined) {
    residentRows = positiveInteger(where('expectedRowsTouched'), t.expectedRowsTouched);
    if (residentRows > (vocabularySize as number)) {
      fail(`expected ${where('expectedRowsTouched')} to be at most vocabularySize (${vocabularySize}), but got ${residentRows}.`);
    }
  } else {
    residentRows = vocabularySize as number;
  }
  const idsPerSample = t.idsPerSample ?? 1;
  if (!(Number.isFinite(idsPerSample) && idsPerSample > 0)) fail(`expected ${where('idsPerSample')} to be a finite number > 0, but got ${idsPerSample}.`);
  const { optimizer, slotsPerRow } = resolveOptimizer(where('optimizer'), t.optimizer ?? defaultOptimizer);
  return Object.freeze({
    name,
    vocabularySize,
    dim,
    optimizer,
    slotsPerRow,
    storage,
    weightPrecision,
    residentRows,
    idsPerSample,
    idBytes: storage === 'dynamic' ? BYTES_PER_DYNAMIC_ID : BYTES_PER_ID,
    skew: t.skew ?? 'uniform',
  });
}

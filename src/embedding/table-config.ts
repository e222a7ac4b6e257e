import { rejectUnknownOptions } from '../option-keys';
import { ConfigError } from '../errors';
import { COMBINERS, type Combiner } from './combiner';
import { MAX_DENSE_FLOATS } from '../kernels/dense-table-storage';
import type { Eviction } from '../kernels/eviction-heap';
import { checkDynamicIdMapOptions } from '../kernels/dynamic-id-map';
import { normalizeInitializer, initializerToJson, type Initializer, type InitializerSpec, type InitializerJson } from './initializer';
import {
  isEmbeddingOptimizer,
  optimizerToJson,
  type EmbeddingOptimizerLike,
  type OptimizerJson,
  type OptimizerResolver,
} from './optimizer-like';

/**
 * The one table name {@link tableConfig} refuses besides names with `/` (which are slot names, `<table>/<slot>`):
 * safetensors reserves the header key `__metadata__`, so a table so named could not be saved.
 */
export const RESERVED_TABLE_NAME = '__metadata__';

/**
 * How a table holds its rows: `'dense'`, ids 0..vocabularySize−1 each with its row (TensorFlow's tables);
 * `'lazy'`, the same ids but only the rows lookups touch are held (memory grows with rows touched, not the
 * vocabulary; results bit-identical to dense); `'dynamic'`, arbitrary ids (64-bit integers or strings) mapped to at most `rowBudget` rows by an id map with
 * admission and eviction (see `DynamicIdMap`).
 */
export const STORAGES = ['dense', 'lazy', 'dynamic'] as const;
/** One of {@link STORAGES}. */
export type Storage = (typeof STORAGES)[number];

/** The settings of a `storage: 'dynamic'` table (normalised). */
export interface DynamicVocabulary {
  /** Most rows the table holds (its dense size). */
  readonly rowBudget: number;
  /** Sightings of an id before it gets a row. */
  readonly admitAfter: number;
  /** Which row a new id takes when the id's shard is full. */
  readonly eviction: Eviction;
}

/** Options of {@link tableConfig} (TensorFlow's `tf.tpu.experimental.embedding.TableConfig`). */
export interface TableConfigOptions {
  /** Number of rows (ids 0..vocabularySize-1). Positive integer. Required for dense tables; not given for dynamic ones (`rowBudget` sizes them). */
  readonly vocabularySize?: number;
  /** Width of a row. Positive integer. */
  readonly dim: number;
  /** @default truncated normal, mean 0, stddev 1/√dim */
  readonly initializer?: Initializer;
  /** This table's optimizer; overrides the embedding's global one. @default undefined (use the global one) */
  readonly optimizer?: EmbeddingOptimizerLike;
  /** @default 'mean' */
  readonly combiner?: Combiner;
  /** Unique table name (checkpoint variable names derive from it). @default `table_<i>` in order of first appearance */
  readonly name?: string;
  /**
   * How rows are held (see {@link STORAGES}). `'lazy'` needs a truncated-normal or constant initializer and a lazy
   * optimizer (not `Adam({ lazyAdam: false })`). @default 'dense'
   */
  readonly storage?: Storage;
  /**
   * Storage 'lazy' only: the most rows the table may hold (a memory cap: rows × dim × 4 bytes per array); a lookup
   * that would touch more is refused (`storage_full`). @default as many as 4 GiB of weights hold (min with the vocabulary)
   */
  readonly maxRowsMaterialized?: number;
  /** Dynamic tables: most rows, a positive integer (< 2^31), at least the number of shards. Required with storage 'dynamic'. */
  readonly rowBudget?: number;
  /** Dynamic tables: sightings before an id gets a row (until then it reads as zeros), an integer in [1, 65535]. @default 1 */
  readonly admitAfter?: number;
  /** Dynamic tables: `'lru'` or `'lfu'` (see `EVICTIONS`). @default 'lru' */
  readonly eviction?: Eviction;
}

/** A validated, frozen table config. */
export interface TableConfig {
  readonly vocabularySize: number;
  readonly dim: number;
  readonly initializer: InitializerSpec;
  readonly optimizer: EmbeddingOptimizerLike | undefined;
  readonly combiner: Combiner;
  readonly name: string | undefined;
  /** How rows are held. */
  readonly storage: Storage;
  /** See {@link TableConfigOptions.maxRowsMaterialized} (storage 'lazy'); undefined: the pool's own limit. */
  readonly maxRowsMaterialized: number | undefined;
  /** The dynamic-vocabulary settings (storage 'dynamic'), else null. */
  readonly dynamic: DynamicVocabulary | null;
  /** The JSON form; {@link tableConfigFromConfig} inverts it. */
  getConfig(): TableConfigJson;
}

/** JSON form of a {@link TableConfig}. */
export interface TableConfigJson {
  vocabularySize: number;
  dim: number;
  initializer: InitializerJson;
  optimizer: OptimizerJson | null;
  combiner: Combiner;
  name: string | null;
  /** Present for lazy and dynamic tables only (absent: dense). */
  storage?: 'lazy' | 'dynamic';
  /** Lazy tables with a row cap only. */
  maxRowsMaterialized?: number;
  rowBudget?: number;
  admitAfter?: number;
  eviction?: Eviction;
}

/**
 * Validates a table config once, at the boundary.
 * @param options see {@link TableConfigOptions}.
 * @returns a frozen {@link TableConfig}.
 * @throws ConfigError (`invalid_table_config`, `invalid_initializer`, `reserved_table_name` for {@link RESERVED_TABLE_NAME},
 *   `unsupported_storage` for a lazy or dynamic table with a function initializer, `table_too_large` for a dense
 *   table over one array)
 *   naming the parameter, the rule and the value.
 * @example
 * const movies = tableConfig({ vocabularySize: 1683, dim: 32, combiner: 'mean', name: 'movie_id' });
 */
export function tableConfig(options: TableConfigOptions): TableConfig {
  const api = 'tableConfig';
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('invalid_table_config', `${api}: expected an options object, but got ${String(options)}.`);
  }
  rejectUnknownOptions(api, options, ['vocabularySize', 'dim', 'initializer', 'optimizer', 'combiner', 'name', 'storage', 'maxRowsMaterialized', 'rowBudget', 'admitAfter', 'eviction']);
  const storage = options.storage ?? 'dense';
  if (!(STORAGES as readonly string[]).includes(storage)) {
    throw new ConfigError('invalid_table_config', `${api}: expected storage to be one of ${STORAGES.join(', ')}, but got ${JSON.stringify(storage)}.`);
  }
  const dynamic = storage === 'dynamic' ? dynamicVocabulary(options, api) : null;
  if (!dynamic) {
    for (const key of ['rowBudget', 'admitAfter', 'eviction'] as const) {
      if (options[key] !== undefined) {
        throw new ConfigError('invalid_table_config', `${api}: ${key} (${JSON.stringify(options[key])}) applies to dynamic tables only; add storage: 'dynamic' (ids of any 64-bit or string value) or remove ${key}.`);
      }
    }
  }
  const vocabularySize = dynamic ? dynamic.rowBudget : (options.vocabularySize as number);
  const { dim } = options;
  if (!Number.isInteger(vocabularySize) || vocabularySize < 1 || vocabularySize > 2 ** 31 - 1) {
    throw new ConfigError(
      'invalid_table_config',
      `${api}: expected vocabularySize to be a positive integer (< 2^31), but got ${String(vocabularySize)}.`,
    );
  }
  if (!Number.isInteger(dim) || dim < 1) {
    throw new ConfigError('invalid_table_config', `${api}: expected dim to be a positive integer, but got ${String(dim)}.`);
  }
  const combiner = options.combiner ?? 'mean';
  if (!(COMBINERS as readonly string[]).includes(combiner)) {
    throw new ConfigError(
      'invalid_table_config',
      `${api}: expected combiner to be one of ${COMBINERS.join(', ')}, but got '${String(combiner)}'.`,
    );
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name.length === 0 || options.name.includes('/'))) {
    throw new ConfigError(
      'invalid_table_config',
      `${api}: expected name to be a non-empty string without '/', but got ${JSON.stringify(options.name)}.`,
    );
  }
  if (options.name === RESERVED_TABLE_NAME) {
    throw new ConfigError(
      'reserved_table_name',
      `${api}: expected name not to be '${RESERVED_TABLE_NAME}' (safetensors reserves that key for file metadata, so the table could not be checkpointed), but got it. Pick another name.`,
    );
  }
  if (options.optimizer !== undefined && !isEmbeddingOptimizer(options.optimizer)) {
    throw new ConfigError(
      'invalid_table_config',
      `${api}: expected optimizer to be an embedding optimizer (SGD, Adagrad, Adam, …), but got ${String(options.optimizer)}.`,
    );
  }
  const initializer = normalizeInitializer(options.initializer, dim, api);
  if (storage === 'lazy' && initializer.kind === 'function') {
    throw new ConfigError(
      'unsupported_storage',
      `${api}: storage 'lazy' materializes each row alone from its initial value, but a function initializer returns the whole table; ` +
        "use 'truncatedNormal', a constant or { kind: 'truncatedNormal', mean, stddev }, or storage 'dense'.",
    );
  }
  const maxRowsMaterialized = options.maxRowsMaterialized;
  if (maxRowsMaterialized !== undefined) {
    if (storage !== 'lazy') {
      throw new ConfigError('invalid_table_config', `${api}: maxRowsMaterialized caps a lazy table's rows, but storage is '${storage}'; set storage: 'lazy' or drop maxRowsMaterialized.`);
    }
    if (!Number.isInteger(maxRowsMaterialized) || maxRowsMaterialized < 1) {
      throw new ConfigError('invalid_table_config', `${api}: expected maxRowsMaterialized to be a positive integer (rows a lazy table may hold), but got ${String(maxRowsMaterialized)}.`);
    }
  }
  if (storage === 'dense' && vocabularySize * dim > MAX_DENSE_FLOATS) {
    throw new ConfigError(
      'table_too_large',
      `${api}: a dense table of ${vocabularySize} × ${dim} = ${vocabularySize * dim} float32 values exceeds one array (${MAX_DENSE_FLOATS} values, ` +
        `${((vocabularySize * dim * 4) / 1e9).toFixed(1)} GB of weights alone); use storage: 'lazy' to keep only the rows training touches.`,
    );
  }
  if (dynamic && initializer.kind === 'function') {
    throw new ConfigError(
      'unsupported_storage',
      `${api}: a dynamic table makes each row when its id is admitted, from (seed, table, id), but a function initializer makes a whole table at once; pass initializer 'truncatedNormal', { kind: 'truncatedNormal', mean, stddev } or a constant.`,
    );
  }
  const cfg: TableConfig = {
    vocabularySize,
    dim,
    initializer,
    optimizer: options.optimizer,
    combiner,
    name: options.name,
    storage,
    maxRowsMaterialized,
    dynamic,
    getConfig: () => ({
      vocabularySize,
      dim,
      initializer: initializerToJson(initializer),
      optimizer: options.optimizer ? optimizerToJson(options.optimizer) : null,
      combiner,
      name: options.name ?? null,
      ...(storage === 'lazy' ? { storage } : {}),
      ...(maxRowsMaterialized !== undefined ? { maxRowsMaterialized } : {}),
      ...(dynamic ? { storage: 'dynamic' as const, ...dynamic } : {}),
    }),
  };
  return Object.freeze(cfg);
}

/**
 * Rebuilds a {@link TableConfig} from {@link TableConfig.getConfig}'s output.
 * @param json the JSON form.
 * @param resolveOptimizer turns `{ className, config }` back into an optimizer (the optimizers' registry);
 *   required when the JSON names an optimizer.
 * @throws ConfigError `invalid_table_config` when a function initializer or an optimizer cannot be rebuilt.
 * @example tableConfigFromConfig(cfg.getConfig(), optimizerFromConfig)
 */
export function tableConfigFromConfig(json: TableConfigJson, resolveOptimizer?: OptimizerResolver): TableConfig {
  if (json.initializer.kind === 'function') {
    throw new ConfigError(
      'invalid_table_config',
      `tableConfigFromConfig: expected a serialisable initializer, but table '${json.name ?? '(unnamed)'}' used a function; ` +
        'restore its values from a checkpoint or pass a new config.',
    );
  }
  let optimizer: EmbeddingOptimizerLike | undefined;
  if (json.optimizer) {
    if (!resolveOptimizer) {
      throw new ConfigError(
        'invalid_table_config',
        `tableConfigFromConfig: table '${json.name ?? '(unnamed)'}' names optimizer '${json.optimizer.className}'; pass resolveOptimizer (the optimizers' fromConfig) to rebuild it.`,
      );
    }
    optimizer = resolveOptimizer(json.optimizer);
  }
  return tableConfig({
    ...(json.storage === 'dynamic'
      ? { storage: 'dynamic', rowBudget: json.rowBudget, admitAfter: json.admitAfter, eviction: json.eviction }
      : { vocabularySize: json.vocabularySize, storage: json.storage, maxRowsMaterialized: json.maxRowsMaterialized }),
    dim: json.dim,
    initializer: json.initializer as Initializer,
    optimizer,
    combiner: json.combiner,
    name: json.name ?? undefined,
  });
}

/** Validates the dynamic-vocabulary options of {@link tableConfig} (storage 'dynamic'). */
function dynamicVocabulary(options: TableConfigOptions, api: string): DynamicVocabulary {
  if (options.vocabularySize !== undefined) {
    throw new ConfigError(
      'invalid_table_config',
      `${api}: a dynamic table takes ids of any value, so vocabularySize (${String(options.vocabularySize)}) does not apply; remove it and size the table with rowBudget.`,
    );
  }
  return checkDynamicIdMapOptions(options, api, 'invalid_table_config');
}

import { rejectUnknownOptions } from '../option-keys';
import { ConfigError } from '../errors';
import { integerAtLeast, where } from '../validation';
import { tableConfigFromConfig, type TableConfig, type TableConfigJson } from './table-config';
import type { OptimizerResolver } from './optimizer-like';

/** Options of {@link featureConfig} (TensorFlow's `tf.tpu.experimental.embedding.FeatureConfig`). */
export interface FeatureConfigOptions {
  /** The table this feature looks up; several features may share one table. */
  readonly table: TableConfig;
  /** 0: pooled output `[B, dim]`; L > 0: sequence output `[B, L, dim]` (truncated / zero-padded at L, no combiner). @default 0 */
  readonly maxSequenceLength?: number;
  /** Output shape without the trailing `dim` (its product must equal B, or B × L). @default undefined (`[B]` or `[B, L]`) */
  readonly outputShape?: readonly number[];
  /** Feature name. @default the key under which it is passed to `TPUEmbedding` */
  readonly name?: string;
}

/** A validated, frozen feature config. */
export interface FeatureConfig {
  readonly table: TableConfig;
  readonly maxSequenceLength: number;
  readonly outputShape: readonly number[] | undefined;
  readonly name: string | undefined;
  /** The JSON form (the table inline); {@link featureConfigFromConfig} inverts it. */
  getConfig(): FeatureConfigJson;
}

/** JSON form of a {@link FeatureConfig}. */
export interface FeatureConfigJson {
  table: TableConfigJson;
  maxSequenceLength: number;
  outputShape: number[] | null;
  name: string | null;
}

/**
 * Validates a feature config once.
 * @throws ConfigError `invalid_feature_config` naming the parameter, the rule and the value.
 * @example
 * const movie = featureConfig({ table: movies, name: 'movie_id' });            // [B, 32]
 * const history = featureConfig({ table: movies, maxSequenceLength: 10 });      // [B, 10, 32]
 */
export function featureConfig(options: FeatureConfigOptions): FeatureConfig {
  const api = 'featureConfig';
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('invalid_feature_config', `${api}: expected an options object, but got ${String(options)}.`);
  }
  rejectUnknownOptions(api, options, ['table', 'maxSequenceLength', 'outputShape', 'name']);
  const t = options.table as TableConfig | undefined;
  if (!t || typeof t !== 'object' || typeof t.getConfig !== 'function' || !Number.isInteger(t.vocabularySize)) {
    throw new ConfigError(
      'invalid_feature_config',
      `${api}: expected table to be a TableConfig made by tableConfig(), but got ${String(t)}.`,
    );
  }
  const maxSequenceLength = integerAtLeast(options.maxSequenceLength ?? 0, where(ConfigError, 'invalid_feature_config', api)('maxSequenceLength', '0 pools the ids; L > 0 keeps the first L per sample.'), 0);
  let outputShape: readonly number[] | undefined;
  if (options.outputShape !== undefined) {
    const s = options.outputShape;
    if (!Array.isArray(s) || s.length === 0 || !s.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new ConfigError(
        'invalid_feature_config',
        `${api}: expected outputShape to be a non-empty array of positive integers, but got ${JSON.stringify(s)}.`,
      );
    }
    outputShape = Object.freeze([...s]);
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name.length === 0)) {
    throw new ConfigError('invalid_feature_config', `${api}: expected name to be a non-empty string, but got ${JSON.stringify(options.name)}.`);
  }
  const name = options.name;
  return Object.freeze({
    table: t,
    maxSequenceLength,
    outputShape,
    name,
    getConfig: (): FeatureConfigJson => ({
      table: t.getConfig(),
      maxSequenceLength,
      outputShape: outputShape ? [...outputShape] : null,
      name: name ?? null,
    }),
  });
}

/**
 * Rebuilds a {@link FeatureConfig}. Pass `tables` (keyed by table name) to make features that shared a table share
 * it again; otherwise the table is rebuilt from the inline JSON.
 * @example featureConfigFromConfig(f.getConfig(), undefined, optimizerFromConfig)
 */
export function featureConfigFromConfig(
  json: FeatureConfigJson,
  tables?: Readonly<Record<string, TableConfig>>,
  resolveOptimizer?: OptimizerResolver,
): FeatureConfig {
  const shared = json.table.name !== null && tables ? tables[json.table.name] : undefined;
  return featureConfig({
    table: shared ?? tableConfigFromConfig(json.table, resolveOptimizer),
    maxSequenceLength: json.maxSequenceLength,
    outputShape: json.outputShape ?? undefined,
    name: json.name ?? undefined,
  });
}

import { ConfigError } from '../errors';
import type { TPUEmbedding } from '../embedding';
import type { TableConfigJson } from '../embedding/table-config';
import type { FeatureConfigJson } from '../embedding/feature-config';
import type { OptimizerJson } from '../embedding/optimizer-like';

/**
 * A JSON value as a Python literal: `null` → `None`, booleans → `True`/`False`, arrays → tuples, objects → dicts.
 * @throws ConfigError `not_emittable` for a non-finite number or a function.
 * @example pythonLiteral([1, null, true]) // '(1, None, True)'
 */
export function pythonLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ConfigError('not_emittable', `pythonLiteral: expected a finite number, but got ${v}. Pass finite hyper-parameters.`);
    return Number.isInteger(v) ? `${v}` : JSON.stringify(v);
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `(${v.map(pythonLiteral).join(', ')}${v.length === 1 ? ',' : ''})`;
  if (typeof v === 'object') return `{${Object.entries(v as object).map(([k, x]) => `${JSON.stringify(k)}: ${pythonLiteral(x)}`).join(', ')}}`;
  throw new ConfigError('not_emittable', `pythonLiteral: cannot write a ${typeof v} as Python; pass plain data.`);
}

/** `camelCase` → `snake_case`. */
export function snakeCase(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A Python identifier for a table variable: `table_<name>` with other characters replaced by `_`. */
export function tableVariable(name: string): string {
  return `table_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** The tables and features of an embedding's config, tables by name in order of first appearance. */
export interface EmbeddingConfigParts {
  readonly tables: ReadonlyMap<string, TableConfigJson>;
  readonly features: Readonly<Record<string, FeatureConfigJson>>;
  readonly optimizer: OptimizerJson | null;
  readonly maxIdsPerPartition: number | null;
  readonly maxUniqueIdsPerPartition: number | null;
  readonly allowIdDropping: boolean;
}

/** Splits `embedding.getConfig()` into its tables (deduplicated by name) and features. */
export function embeddingConfigParts(embedding: TPUEmbedding): EmbeddingConfigParts {
  const json = embedding.getConfig();
  const tables = new Map<string, TableConfigJson>();
  for (const f of Object.values(json.features)) tables.set(f.table.name as string, f.table);
  return {
    tables,
    features: json.features,
    optimizer: json.optimizer,
    maxIdsPerPartition: json.maxIdsPerPartition,
    maxUniqueIdsPerPartition: json.maxUniqueIdsPerPartition,
    allowIdDropping: json.allowIdDropping,
  };
}

/**
 * The numeric hyper-parameters of an optimizer's JSON form (no className), refusing a learning-rate function.
 * @throws ConfigError `not_emittable` naming the emitter and the optimizer.
 */
export function optimizerHyperParameters(api: string, json: OptimizerJson, where: string): Record<string, unknown> {
  const config = { ...(json.config as Record<string, unknown>) };
  if (config.learningRate === 'schedule') {
    throw new ConfigError(
      'not_emittable',
      `${api}: expected a numeric learningRate for the ${where} optimizer (${json.className}), but it is a function of the step. Pass a number here and write the schedule in Python.`,
    );
  }
  delete config.className;
  return config;
}

import { ConfigError } from '../errors';
import { positiveInteger, where } from '../validation';
import type { TPUEmbedding } from '../embedding';
import type { OptimizerJson } from '../embedding/optimizer-like';
import type { TableConfigJson } from '../embedding/table-config';
import { suggestedIdLimits } from './suggested-id-limits';
import { embeddingConfigParts, optimizerHyperParameters, pythonLiteral, tableVariable } from './python-source';

/** Options of {@link emitKerasRsConfig}. */
export interface EmitKerasRsConfigOptions {
  /** The global batch size: Keras-RS `FeatureConfig` takes fixed input and output shapes. */
  readonly batchSize: number;
  /** `placement` of every table: 'auto' | 'sparsecore' | 'default_device'. @default 'auto' */
  readonly placement?: 'auto' | 'sparsecore' | 'default_device';
}

/** Keras optimizer class and keyword per our optimizer class and key (Keras-RS supports SGD, Adagrad, Adam, FTRL). */
const KERAS_OPTIMIZERS: Readonly<Record<string, { readonly cls: string; readonly keys: Readonly<Record<string, string>> }>> = {
  SGD: { cls: 'SGD', keys: { learningRate: 'learning_rate' } },
  Adagrad: { cls: 'Adagrad', keys: { learningRate: 'learning_rate', initialAccumulatorValue: 'initial_accumulator_value' } },
  Adam: { cls: 'Adam', keys: { learningRate: 'learning_rate', beta1: 'beta_1', beta2: 'beta_2', epsilon: 'epsilon' } },
  FTRL: {
    cls: 'Ftrl',
    keys: {
      learningRate: 'learning_rate', learningRatePower: 'learning_rate_power', initialAccumulatorValue: 'initial_accumulator_value',
      l1RegularizationStrength: 'l1_regularization_strength', l2RegularizationStrength: 'l2_regularization_strength', beta: 'beta',
    },
  },
};

function kerasOptimizer(json: OptimizerJson, table: string): string {
  const spec = KERAS_OPTIMIZERS[json.className];
  if (!spec) {
    throw new ConfigError(
      'not_emittable',
      `emitKerasRsConfig: expected SGD, Adagrad, Adam or FTRL for table '${table}' (what Keras-RS supports), but got ${json.className}. Use emitTfConfig or emitJaxConfig for it.`,
    );
  }
  const hp = optimizerHyperParameters('emitKerasRsConfig', json, `table '${table}'`);
  const args = Object.entries(spec.keys).filter(([k]) => hp[k] !== undefined && hp[k] !== null).map(([k, kw]) => `${kw}=${pythonLiteral(hp[k])}`);
  return `keras.optimizers.${spec.cls}(${args.join(', ')})`;
}

function kerasInitializer(t: TableConfigJson): string {
  const i = t.initializer;
  if (i.kind === 'truncatedNormal') return `keras.initializers.TruncatedNormal(mean=${pythonLiteral(i.mean)}, stddev=${pythonLiteral(i.stddev)})`;
  if (i.kind === 'constant') return `keras.initializers.Constant(${pythonLiteral(i.value)})`;
  throw new ConfigError('not_emittable', `emitKerasRsConfig: table '${t.name}' has a JavaScript function initializer, which has no Python form. Use a truncated normal or constant initializer.`);
}

/**
 * Emits runnable Python that configures `keras_rs.layers.DistributedEmbedding` with the same tables and features as
 * a {@link TPUEmbedding}: a `keras_rs.layers.TableConfig` per table (`name`, `vocabulary_size`, `embedding_dim`,
 * `initializer`, `optimizer` — the table's own or the global one, as a Keras optimizer —, `combiner`, `placement`,
 * `max_ids_per_partition`, `max_unique_ids_per_partition`) and a `keras_rs.layers.FeatureConfig` per feature
 * (`name`, `table`, `input_shape`, `output_shape` from the global batch size; `[B, L]` → `[B, L, dim]` for a
 * sequence feature). Defines `feature_configs` and `embedding = keras_rs.layers.DistributedEmbedding(feature_configs)`.
 *
 * Differences: Keras-RS has no per-embedding optimizer (each table carries one) and no AdagradMomentum; its Adam is
 * Keras's (bias-corrected).
 *
 * @param embedding the embedding whose configs to emit.
 * @param options the global batch size and the placement.
 * @returns Python source text.
 * @throws ConfigError `not_emittable` (AdagradMomentum, a learning-rate function, a function initializer),
 *   `invalid_option` for a bad batch size.
 * @example fs.writeFileSync('keras_rs_config.py', emitKerasRsConfig(model.embedding, { batchSize: 1024 }));
 */
export function emitKerasRsConfig(embedding: TPUEmbedding, options: EmitKerasRsConfigOptions): string {
  const b = positiveInteger(options?.batchSize, where(ConfigError, 'invalid_option', 'emitKerasRsConfig')('batchSize (the global batch)', 'Pass e.g. { batchSize: 1024 }.'));
  const json = embeddingConfigParts(embedding);
  const limits = suggestedIdLimits(embedding);
  const lines = ['# Emitted by tpu-embeddings (emitKerasRsConfig): keras_rs.layers.DistributedEmbedding.', 'import keras', 'import keras_rs', ''];
  for (const [name, t] of json.tables) {
    const opt = t.optimizer ?? json.optimizer;
    if (!opt) throw new ConfigError('not_emittable', `emitKerasRsConfig: table '${name}' has no optimizer and the embedding has no global one; Keras-RS needs one per table.`);
    lines.push(
      `${tableVariable(name)} = keras_rs.layers.TableConfig(name=${pythonLiteral(name)}, vocabulary_size=${t.vocabularySize}, embedding_dim=${t.dim},`,
      `    initializer=${kerasInitializer(t)}, optimizer=${kerasOptimizer(opt, name)}, combiner=${pythonLiteral(t.combiner)},`,
      `    placement=${pythonLiteral(options.placement ?? 'auto')}, max_ids_per_partition=${limits[name]?.maxIdsPerPartition ?? 256}, max_unique_ids_per_partition=${limits[name]?.maxUniqueIdsPerPartition ?? 256})`,
    );
  }
  lines.push('', 'feature_configs = {');
  for (const [feature, f] of Object.entries(json.features)) {
    const L = f.maxSequenceLength;
    const input = L > 0 ? [b, L] : [b];
    const output = L > 0 ? [b, L, f.table.dim] : [b, f.table.dim];
    lines.push(`    ${pythonLiteral(feature)}: keras_rs.layers.FeatureConfig(name=${pythonLiteral(f.name ?? feature)}, table=${tableVariable(f.table.name as string)}, input_shape=${pythonLiteral(input)}, output_shape=${pythonLiteral(output)}),`);
  }
  lines.push('}', '', 'embedding = keras_rs.layers.DistributedEmbedding(feature_configs)');
  return lines.join('\n') + '\n';
}

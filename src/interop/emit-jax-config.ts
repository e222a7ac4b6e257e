import { ConfigError } from '../errors';
import { positiveInteger, where } from '../validation';
import type { TPUEmbedding } from '../embedding';
import type { OptimizerJson } from '../embedding/optimizer-like';
import type { TableConfigJson } from '../embedding/table-config';
import { suggestedIdLimits } from './suggested-id-limits';
import { embeddingConfigParts, optimizerHyperParameters, pythonLiteral, tableVariable } from './python-source';

/** Options of {@link emitJaxConfig}. */
export interface EmitJaxConfigOptions {
  /** The global batch size (`FeatureSpec` input and output shapes). */
  readonly batchSize: number;
}

/** jax-tpu-embedding optimizer spec and keywords per our optimizer (`embedding_spec.py`). */
const JAX_OPTIMIZERS: Readonly<Record<string, { readonly cls: string; readonly keys: Readonly<Record<string, string>>; readonly extra?: string }>> = {
  SGD: { cls: 'SGDOptimizerSpec', keys: { learningRate: 'learning_rate' } },
  Adagrad: { cls: 'AdagradOptimizerSpec', keys: { learningRate: 'learning_rate', initialAccumulatorValue: 'initial_accumulator_value' } },
  AdagradMomentum: {
    cls: 'AdagradMomentumOptimizerSpec',
    keys: { learningRate: 'learning_rate', momentum: 'momentum', beta2: 'beta2', epsilon: 'epsilon', exponent: 'exponent', useNesterov: 'use_nesterov' },
    extra: 'initial_accumulator_value=0.0, initial_momentum_value=0.0', // our (and TF's) slots start at 0
  },
  Adam: { cls: 'AdamOptimizerSpec', keys: { learningRate: 'learning_rate', beta1: 'beta_1', beta2: 'beta_2', epsilon: 'epsilon' } },
  FTRL: {
    cls: 'FTRLOptimizerSpec',
    keys: {
      learningRate: 'learning_rate', learningRatePower: 'learning_rate_power', l1RegularizationStrength: 'l1_regularization_strength',
      l2RegularizationStrength: 'l2_regularization_strength', beta: 'beta', initialAccumulatorValue: 'initial_accumulator_value',
      multiplyLinearByLearningRate: 'multiply_linear_by_learning_rate',
    },
  },
};

function jaxOptimizer(json: OptimizerJson, table: string): string {
  const spec = JAX_OPTIMIZERS[json.className];
  if (!spec) throw new ConfigError('not_emittable', `emitJaxConfig: expected SGD, Adagrad, AdagradMomentum, Adam or FTRL for table '${table}', but got ${json.className}.`);
  const hp = optimizerHyperParameters('emitJaxConfig', json, `table '${table}'`);
  const args = Object.entries(spec.keys).filter(([k]) => hp[k] !== undefined && hp[k] !== null).map(([k, kw]) => `${kw}=${pythonLiteral(hp[k])}`);
  if (spec.extra) args.push(spec.extra);
  return `embedding_spec.${spec.cls}(${args.join(', ')})`;
}

function jaxInitializer(t: TableConfigJson): string {
  const i = t.initializer;
  // jax.nn.initializers.truncated_normal(stddev) has mean 0 and cuts at ±2σ, like TF's TruncatedNormal.
  if (i.kind === 'truncatedNormal' && i.mean === 0) return `jax.nn.initializers.truncated_normal(stddev=${pythonLiteral(i.stddev)})`;
  if (i.kind === 'constant') return `jax.nn.initializers.constant(${pythonLiteral(i.value)})`;
  throw new ConfigError('not_emittable', `emitJaxConfig: table '${t.name}' has an initializer with no jax.nn form (${i.kind}${i.kind === 'truncatedNormal' ? ` with mean ${i.mean}` : ''}). Use a zero-mean truncated normal or a constant.`);
}

/**
 * Emits runnable Python that builds jax-tpu-embedding specs with the same tables and features as a
 * {@link TPUEmbedding}: `embedding_spec.TableSpec` per table (`name`, `vocabulary_size`, `embedding_dim`,
 * `initializer`, `optimizer` — an `…OptimizerSpec` —, `combiner`, `max_ids_per_partition`,
 * `max_unique_ids_per_partition`) and `embedding_spec.FeatureSpec` per feature (`name`, `table_spec`,
 * `input_shape`, `output_shape`). Defines `feature_specs` (dict by feature name).
 *
 * Differences: jax-tpu-embedding's Adam applies bias correction (our tables and TF's TPU Adam do not); its slots are
 * named `accumulator`, `momentum`, `velocity`, `linear` (TF: `accumulators`, `momenta`, `velocities`, `linears`).
 *
 * @param embedding the embedding whose configs to emit.
 * @param options the global batch size.
 * @returns Python source text.
 * @throws ConfigError `not_emittable` (a learning-rate function, an initializer with no jax form), `invalid_option`.
 * @example fs.writeFileSync('jax_config.py', emitJaxConfig(model.embedding, { batchSize: 1024 }));
 */
export function emitJaxConfig(embedding: TPUEmbedding, options: EmitJaxConfigOptions): string {
  const b = positiveInteger(options?.batchSize, where(ConfigError, 'invalid_option', 'emitJaxConfig')('batchSize (the global batch)', 'Pass e.g. { batchSize: 1024 }.'));
  const json = embeddingConfigParts(embedding);
  const limits = suggestedIdLimits(embedding);
  const lines = ['# Emitted by tpu-embeddings (emitJaxConfig): jax_tpu_embedding SparseCore specs.', 'import jax', 'from jax_tpu_embedding.sparsecore.lib.nn import embedding_spec', ''];
  for (const [name, t] of json.tables) {
    const opt = t.optimizer ?? json.optimizer;
    if (!opt) throw new ConfigError('not_emittable', `emitJaxConfig: table '${name}' has no optimizer and the embedding has no global one; a TableSpec needs one.`);
    if (opt.className === 'Adam') lines.push('# Note: AdamOptimizerSpec applies bias correction; tpu-embeddings and TF TPU Adam do not.');
    lines.push(
      `${tableVariable(name)} = embedding_spec.TableSpec(name=${pythonLiteral(name)}, vocabulary_size=${t.vocabularySize}, embedding_dim=${t.dim},`,
      `    initializer=${jaxInitializer(t)}, optimizer=${jaxOptimizer(opt, name)}, combiner=${pythonLiteral(t.combiner)},`,
      `    max_ids_per_partition=${limits[name]?.maxIdsPerPartition ?? 256}, max_unique_ids_per_partition=${limits[name]?.maxUniqueIdsPerPartition ?? 256})`,
    );
  }
  lines.push('', 'feature_specs = {');
  for (const [feature, f] of Object.entries(json.features)) {
    const L = f.maxSequenceLength;
    const input = L > 0 ? [b, L] : [b, 1];
    const output = L > 0 ? [b, L, f.table.dim] : [b, f.table.dim];
    lines.push(`    ${pythonLiteral(feature)}: embedding_spec.FeatureSpec(name=${pythonLiteral(f.name ?? feature)}, table_spec=${tableVariable(f.table.name as string)}, input_shape=${pythonLiteral(input).replace(/^\(/, '[').replace(/\)$/, ']')}, output_shape=${pythonLiteral(output).replace(/^\(/, '[').replace(/\)$/, ']')}),`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

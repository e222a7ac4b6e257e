import type { TPUEmbedding } from '../embedding';
import type { OptimizerJson } from '../embedding/optimizer-like';
import type { TableConfigJson } from '../embedding/table-config';
import type { TableIdLimits } from './suggested-id-limits';
import { suggestedStackIdLimits } from './suggested-stack-id-limits';
import { embeddingConfigParts, optimizerHyperParameters, pythonLiteral, snakeCase, tableVariable } from './python-source';

/** Options of {@link emitTfConfig}. */
export interface EmitTfConfigOptions {
  /**
   * Limits per stacked table name, as TF keys `SparseCoreEmbeddingConfig` (a table alone in its stack: its own name).
   * @default the embedding's own `maxIdsPerPartition` / `maxUniqueIdsPerPartition` × the stack's tables, else the
   *   per-stack maxima observed over its lookups (see `suggestedStackIdLimits`), else none
   */
  readonly limits?: Readonly<Record<string, TableIdLimits>>;
}

/** Our optimizer config keys → TensorFlow's keyword arguments, where snake_case alone is not TF's name. */
const TF_KEYWORDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Adam: { beta1: 'beta_1', beta2: 'beta_2' },
  '*': { clipValue: 'clipvalue' },
};

/** `emb.Adagrad(learning_rate=0.1, …)` for an optimizer's JSON form; defaults left out keep the call short. */
function optimizerCall(json: OptimizerJson, where: string): string {
  const args: string[] = [];
  for (const [k, v] of Object.entries(optimizerHyperParameters('emitTfConfig', json, where))) {
    if (v === null || (k === 'multiplyWeightDecayFactorByLearningRate' && v === false)) continue;
    const kw = TF_KEYWORDS[json.className]?.[k] ?? TF_KEYWORDS['*'][k] ?? snakeCase(k);
    args.push(`${kw}=${pythonLiteral(v)}`);
  }
  return `emb.${json.className}(${args.join(', ')})`;
}

function initializerCall(t: TableConfigJson): string {
  const i = t.initializer;
  if (i.kind === 'truncatedNormal') return `tf.initializers.TruncatedNormal(mean=${pythonLiteral(i.mean)}, stddev=${pythonLiteral(i.stddev)})`;
  if (i.kind === 'constant') return `tf.initializers.Constant(${pythonLiteral(i.value)})`;
  return 'None  # a JavaScript function initializer: replace with a TF initializer';
}

/**
 * Emits runnable Python that builds, with TensorFlow's `tf.tpu.experimental.embedding`, the same tables, features
 * and optimizers as a {@link TPUEmbedding}: `TableConfig` per table (vocabulary, dim, combiner, name, initializer,
 * per-table optimizer), `FeatureConfig` per feature (`max_sequence_length`, `output_shape`, `name`), the global
 * `optimizer`, and `sparse_core_config = SparseCoreEmbeddingConfig(max_ids_per_table=…, max_unique_ids_per_table=…,
 * allow_id_dropping=…)` when limits are known. Variables defined: `feature_config` (dict by feature name),
 * `optimizer`, `sparse_core_config` (or None). Then, on a TPU: `tf.tpu.experimental.embedding.TPUEmbedding(
 * feature_config, optimizer)` (or `TPUEmbeddingV2(feature_config, optimizer, sparse_core_embedding_config=…)`).
 *
 * Not carried: the simulated topology and sharding (TF decides its own layout), hyper-parameters are written as
 * given (TF rounds them to float32).
 *
 * @param embedding the embedding whose configs to emit.
 * @param options per-table limits.
 * @returns Python source text.
 * @throws ConfigError `not_emittable` for a learning-rate function or a non-finite value.
 * @example
 * fs.writeFileSync('tpu_config.py', emitTfConfig(model.embedding));
 */
export function emitTfConfig(embedding: TPUEmbedding, options: EmitTfConfigOptions = {}): string {
  const json = embeddingConfigParts(embedding);
  const tables = json.tables;
  const v = tableVariable;
  const lines = [
    '# Emitted by tpu-embeddings (emitTfConfig): TensorFlow 2.21, tf.tpu.experimental.embedding.',
    'import tensorflow as tf',
    '',
    'emb = tf.tpu.experimental.embedding',
    '',
  ];
  for (const [name, t] of tables) {
    const opt = t.optimizer ? optimizerCall(t.optimizer, `table '${name}'`) : 'None';
    lines.push(
      `${v(name)} = emb.TableConfig(vocabulary_size=${t.vocabularySize}, dim=${t.dim}, initializer=${initializerCall(t)},`,
      `    optimizer=${opt}, combiner=${pythonLiteral(t.combiner)}, name=${pythonLiteral(name)})`,
    );
  }
  lines.push('', 'feature_config = {');
  for (const [feature, f] of Object.entries(json.features)) {
    const shape = f.outputShape ? `, output_shape=${pythonLiteral(f.outputShape).replace(/^\((.*)\)$/, '[$1]').replace(/,\]$/, ']')}` : '';
    lines.push(`    ${pythonLiteral(feature)}: emb.FeatureConfig(table=${v(f.table.name as string)}, max_sequence_length=${f.maxSequenceLength}${shape}, name=${pythonLiteral(f.name ?? feature)}),`);
  }
  lines.push('}', '', `optimizer = ${json.optimizer ? optimizerCall(json.optimizer, 'global') : 'None'}`, '');
  const maxIds: Record<string, number> = {};
  const maxUnique: Record<string, number> = {};
  for (const [name, l] of Object.entries(suggestedStackIdLimits(embedding, options.limits))) {
    if (l.maxIdsPerPartition !== undefined) maxIds[name] = l.maxIdsPerPartition;
    if (l.maxUniqueIdsPerPartition !== undefined) maxUnique[name] = l.maxUniqueIdsPerPartition;
  }
  if (Object.keys(maxIds).length + Object.keys(maxUnique).length > 0) {
    lines.push(
      '# Per-partition id limits by stacked table (TF stacks tables by width and optimizer; names sorted, joined by _):',
      '# configured, or the maxima the simulation observed (add headroom for other data).',
      `sparse_core_config = emb.SparseCoreEmbeddingConfig(max_ids_per_table=${pythonLiteral(maxIds)}, max_unique_ids_per_table=${pythonLiteral(maxUnique)}, allow_id_dropping=${pythonLiteral(json.allowIdDropping)})`,
    );
  } else {
    lines.push('sparse_core_config = None');
  }
  return lines.join('\n') + '\n';
}

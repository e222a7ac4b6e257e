import { rejectUnknownOptions } from '../option-keys';
import { ConfigError } from '../errors';
import { Adagrad } from './adagrad';
import { formatValue, type LearningRate } from './embedding-optimizer';

/** Keras's default Adagrad epsilon (`tf.keras.optimizers.Adagrad(epsilon=1e-7)`). */
export const KERAS_ADAGRAD_EPSILON = 1e-7;

/** The arguments of Keras `tf.keras.optimizers.Adagrad`, camel-cased. */
export interface KerasAdagradOptions {
  /** Keras learning rate (a number or a function of the step). @default 0.001 */
  readonly learningRate?: LearningRate;
  /** Keras initial accumulator value; must be > 0 for the embedding optimizer. @default 0.1 */
  readonly initialAccumulatorValue?: number;
  /** Keras epsilon: must stay at its default 1e-7 (TFRS rejects any other value). @default 1e-7 */
  readonly epsilon?: number;
  /** Keras clipnorm: not supported for embeddings (TFRS rejects it). @default undefined */
  readonly clipnorm?: number;
  /** Keras clipvalue: not supported when translating (TFRS rejects it). @default undefined */
  readonly clipvalue?: number;
}

/**
 * Translates a Keras `Adagrad(learning_rate=…)` into an embedding {@link Adagrad}, as the TFRS `TPUEmbedding`
 * layer does (`translate_keras_optimizer` in `tensorflow_recommenders/layers/embedding/tpu_embedding_layer.py`):
 * only `learningRate` and `initialAccumulatorValue` carry over. `epsilon` is listed there as *unsupported*: it
 * must be left at Keras's default 1e-7 (otherwise an error) and is then **dropped** — the tables are updated
 * with TPU Adagrad `W −= lr·g/√acc` (no epsilon), while Keras itself would use `lr·g/(√acc + ε)` on dense
 * weights. `clipnorm`/`clipvalue` are rejected as in TFRS.
 *
 * The tutorial passes `tf.keras.optimizers.Adagrad(learning_rate=0.1)`; `kerasAdagrad({ learningRate: 0.1 })`
 * gives the same tables. Use {@link denseOptimizerFor} on the result for the dense weights.
 *
 * @param options Keras Adagrad arguments.
 * @returns an embedding Adagrad (className `'Adagrad'`).
 * @throws ConfigError when epsilon ≠ 1e-7, clipnorm or clipvalue is set, or a value is invalid.
 * @example
 * const opt = kerasAdagrad({ learningRate: 0.1 }); // Adagrad, lr 0.1, initialAccumulatorValue 0.1
 */
export function kerasAdagrad(options: KerasAdagradOptions = {}): Adagrad {
  const unsupported = (param: string, value: unknown, rule: string): ConfigError =>
    new ConfigError(
      'unsupported_keras_parameter',
      `kerasAdagrad: expected ${param} to be ${rule}, but got ${formatValue(value)}. TPU embeddings do not support it ` +
        '(as in TFRS translate_keras_optimizer); build the embedding optimizer directly, e.g. new Adagrad({ clipValue }).',
    );
  rejectUnknownOptions('kerasAdagrad', options, ['learningRate', 'initialAccumulatorValue', 'epsilon', 'clipnorm', 'clipvalue']);
  if (options.epsilon !== undefined && options.epsilon !== KERAS_ADAGRAD_EPSILON) {
    throw unsupported('epsilon', options.epsilon, `left at its default ${KERAS_ADAGRAD_EPSILON}`);
  }
  if (options.clipnorm !== undefined) throw unsupported('clipnorm', options.clipnorm, 'unset');
  if (options.clipvalue !== undefined) throw unsupported('clipvalue', options.clipvalue, 'unset');
  return new Adagrad({
    learningRate: options.learningRate ?? 0.001,
    initialAccumulatorValue: options.initialAccumulatorValue ?? 0.1,
  });
}

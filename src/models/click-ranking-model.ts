import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../errors';
import { finiteNumber, where } from '../validation';
import type { FeatureInput, TPUEmbedding } from '../embedding';
import type { DynamicFeatureInput } from '../embedding/dynamic-lookup';
import { DenseStack } from './dense-stack';
import { runTrainingStep } from './training-step';

/** Options of {@link ClickRankingModel}. */
export interface ClickRankingModelOptions {
  /** The engine holding every table (any storage kind: dense, lazy, dynamic); each of its features must be pooled. */
  readonly embedding: TPUEmbedding;
  /** Widths of the hidden ReLU layers before the one-unit logit. @default [64] */
  readonly hiddenUnits?: readonly number[];
  /** Learning rate of the dense tower's Adagrad (the tables use the embedding's optimizers). @default 0.05 */
  readonly learningRate?: number;
  /** Seed of the dense tower's Glorot initialisation. @default 0 */
  readonly seed?: number;
}

/**
 * A click-through ranking model over any {@link TPUEmbedding}: the pooled activations of every feature, in the
 * engine's feature order, go through a dense tower to one logit, trained with the mean sigmoid cross-entropy
 * against 0/1 labels (the production recommenders' "will the user click" head; the tutorial's rating model is
 * {@link RankingModel}).
 *
 * ```
 * feature_0 → TPUEmbedding → [B, dim_0] ─┐
 * …                                        concat [B, Σ dim] → Dense(h, relu) … → Dense(1) → logit → σ → P(click)
 * feature_k → TPUEmbedding → [B, dim_k] ─┘
 * ```
 * One {@link runTrainingStep} per call: a rejected step (bad labels, ids out of range, a non-finite gradient)
 * leaves every table and dense weight as it was.
 *
 * @example
 * const model = new ClickRankingModel({ embedding, hiddenUnits: [64] });
 * const loss = model.trainStep({ item: itemIds, user: userIds }, clicks); // clicks: 0/1 per sample
 */
export class ClickRankingModel {
  readonly embedding: TPUEmbedding;
  /** The dense tower (`[Σ dim] → hidden … → 1`). */
  readonly tower: DenseStack;
  private readonly optimizer: tf.Optimizer;
  private disposed = false;

  /**
   * @param options see {@link ClickRankingModelOptions}.
   * @throws ConfigError `invalid_model_config` for a sequence feature (maxSequenceLength > 0) or a learning rate that
   *   is not a positive finite number; `invalid_dense_units` for a hidden width that is not a positive integer.
   */
  constructor(options: ClickRankingModelOptions) {
    const api = 'ClickRankingModel';
    const { embedding } = options;
    const configs = embedding.featureConfigs;
    let inputDim = 0;
    for (const name of embedding.featureNames) {
      const f = configs[name];
      if (f.maxSequenceLength > 0) {
        throw new ConfigError(
          'invalid_model_config',
          `${api}: expected pooled features, but feature '${name}' has maxSequenceLength ${f.maxSequenceLength}; configure it with maxSequenceLength 0 (pooled by its table's combiner).`,
        );
      }
      inputDim += f.table.dim;
    }
    const learningRate = finiteNumber(options.learningRate ?? 0.05, where(ConfigError, 'invalid_model_config', api)('learningRate'), { min: 0, exclusive: true });
    this.embedding = embedding;
    this.tower = new DenseStack({ inputDim, units: [...(options.hiddenUnits ?? [64]), 1], seed: options.seed ?? 0, scope: 'click' });
    this.optimizer = tf.train.adagrad(learningRate);
  }

  /**
   * One training step on a batch.
   * @param features ids per feature (every feature of the engine; bigint or string ids for dynamic tables).
   * @param labels `[B]` clicks, each 0 or 1.
   * @returns the batch's mean sigmoid cross-entropy (nats) before the update.
   * @throws InputError `bad_batch` when labels are not B values in {0, 1} (nothing changes); the engine's errors
   *   for bad ids.
   */
  trainStep(features: Readonly<Record<string, FeatureInput | DynamicFeatureInput>>, labels: ArrayLike<number>): number {
    const api = 'ClickRankingModel.trainStep';
    if (this.disposed) throw new InputError('disposed', `${api}: the model was disposed; build a new ClickRankingModel.`);
    const first = features?.[this.embedding.featureNames[0]] as { length?: number; values?: { length: number }; rowSplits?: ArrayLike<number> } | undefined;
    const b = first?.rowSplits ? first.rowSplits.length - 1 : (first?.length ?? -1);
    if (labels === null || typeof labels !== 'object' || labels.length !== b) {
      throw new InputError('bad_batch', `${api}: expected labels with one value per sample (${b}), but got ${labels === null || typeof labels !== 'object' ? String(labels) : `${labels.length} values`}.`);
    }
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] !== 0 && labels[i] !== 1) {
        throw new InputError('bad_batch', `${api}: expected every label to be 0 or 1 (a click or not), but labels[${i}] is ${labels[i]}.`);
      }
    }
    const y = tf.tensor2d(Float32Array.from(labels), [labels.length, 1]);
    try {
      return runTrainingStep({
        api,
        lookups: [{ embedding: this.embedding, features: features as Readonly<Record<string, FeatureInput>> }],
        variables: this.tower.variables,
        denseOptimizer: this.optimizer,
        loss: ([acts]) => {
          const x = tf.concat(this.embedding.featureNames.map((n) => acts[n]), 1) as tf.Tensor2D;
          return tf.losses.sigmoidCrossEntropy(y, this.tower.apply(x)) as tf.Scalar;
        },
      });
    } finally {
      y.dispose();
    }
  }

  /** Frees the dense tower's weights and the optimizer's state (the embedding stays the caller's). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.optimizer.dispose();
    this.tower.dispose();
  }
}

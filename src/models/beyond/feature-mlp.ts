import * as tf from '@tensorflow/tfjs';
import type { FeatureConfig } from '../../embedding';
import { DenseStack } from '../dense-stack';
import { EmbeddingRatingModel } from './embedding-rating-model';
import { idFeatures } from './id-features';
import { poolActivation } from './pool-activation';
import { numberOption, unitsOption, type RatingModelOptions } from './rating-model-options';

/** Options of {@link FeatureMLP}. */
export interface FeatureMLPOptions extends RatingModelOptions {
  /** Width of the default id tables. @default 64 (the tutorial's) */
  readonly embeddingDim?: number;
  /** @default 2048 */
  readonly userVocabularySize?: number;
  /** @default 2048 */
  readonly movieVocabularySize?: number;
  /** Hidden widths; a final Dense(1) is added. @default [256, 64] (the tutorial's) */
  readonly hiddenUnits?: readonly number[];
  /** Dropout rate on the MLP's input in training. @default 0 */
  readonly dropout?: number;
}

/**
 * The tutorial's ranking model opened to any features: every feature's embedding (sequences averaged) and the dense
 * inputs are concatenated and go through `Dense(256, relu) → Dense(64, relu) → Dense(1)`, plus the global mean.
 *
 * ```
 * concat(e_user_id, e_movie_id, e_genres, …, dense) [B, D] → dropout → MLP → [B] → + μ
 * ```
 * @example new FeatureMLP({ userVocabularySize: 944, movieVocabularySize: 1683, dropout: 0.2, l2: 0.01 })
 */
export class FeatureMLP extends EmbeddingRatingModel {
  readonly tower: DenseStack;
  readonly dropoutRate: number;

  /** @throws ConfigError `invalid_model_config` naming the option. */
  constructor(options: FeatureMLPOptions = {}) {
    const api = 'FeatureMLP';
    const dim = numberOption(api, 'embeddingDim', options.embeddingDim, 64, 'a positive integer', (x) => Number.isInteger(x) && x >= 1);
    const features: Record<string, FeatureConfig> = { ...(options.features ?? idFeatures({
      users: numberOption(api, 'userVocabularySize', options.userVocabularySize, 2048, 'a positive integer', (x) => Number.isInteger(x) && x >= 1),
      movies: numberOption(api, 'movieVocabularySize', options.movieVocabularySize, 2048, 'a positive integer', (x) => Number.isInteger(x) && x >= 1),
      dim,
    })) };
    const hidden = unitsOption(api, 'hiddenUnits', options.hiddenUnits, [256, 64]);
    const dropout = numberOption(api, 'dropout', options.dropout, 0, 'a number in [0, 1)', (x) => x >= 0 && x < 1);
    super(api, { ...options, features });
    this.dropoutRate = dropout;
    const d = Object.values(features).reduce((s, f) => s + f.table.dim, 0) + this.denseInputs.length;
    this.tower = new DenseStack({ inputDim: d, units: [...hidden, 1], seed: (options.seed ?? 0) + 1, scope: 'ratings' });
    this.setParts({ dense: this.tower.weights });
  }

  protected forward(acts: Readonly<Record<string, tf.Tensor>>, dense: tf.Tensor2D | null, training: boolean): tf.Tensor {
    const parts = this.embedding.featureNames.map((f) => poolActivation(acts[f]));
    const x = tf.concat(dense ? [...parts, dense] : parts, 1) as tf.Tensor2D;
    return this.tower.apply(this.dropout(x, this.dropoutRate, training) as tf.Tensor2D);
  }
}

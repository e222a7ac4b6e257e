import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../errors';
import type { FeatureConfig } from '../../embedding';
import { DenseStack } from '../dense-stack';
import { dotInteraction } from './dot-interaction';
import { EmbeddingRatingModel } from './embedding-rating-model';
import { idFeatures } from './id-features';
import { poolActivation } from './pool-activation';
import { numberOption, unitsOption, type RatingModelOptions } from './rating-model-options';

/** Options of {@link DLRM}. */
export interface DLRMOptions extends RatingModelOptions {
  /** Width of every embedding and of the bottom MLP's output. @default 32 */
  readonly embeddingDim?: number;
  /** Rows of the default `user` table. @default 2048 */
  readonly userVocabularySize?: number;
  /** Rows of the default `movie` table. @default 2048 */
  readonly movieVocabularySize?: number;
  /** Bottom MLP widths before its last layer (which is `embeddingDim` wide); used when there are dense inputs. @default [64] */
  readonly bottomUnits?: readonly number[];
  /** Top MLP widths; a final Dense(1) is added. @default [256, 64] */
  readonly topUnits?: readonly number[];
  /** Dropout rate on the top MLP's input in training. @default 0 */
  readonly dropout?: number;
}

/**
 * DLRM (Naumov et al. 2019) on the simulated TPU:
 *
 * ```
 * dense inputs [B, k] ─ bottom MLP (…, embeddingDim) ─ z [B, d] ─┐
 * feature f   ─ TPUEmbedding ─ e_f [B, d] (sequences averaged) ──┼─ dotInteraction([z, e_1, …]) [B, n(n−1)/2]
 *                                                                  └─ concat [z, interactions] ─ top MLP ─ Dense(1) ─ + μ
 * ```
 * Every feature's table must be `embeddingDim` wide (the dot products need one width). Without dense inputs there
 * is no bottom MLP and the top MLP sees the interactions alone.
 *
 * @example
 * const dlrm = new DLRM({ embeddingDim: 32, userVocabularySize: 944, movieVocabularySize: 1683, denseInputs: [{ column: 'raw_user_age', offset: 34, scale: 1 / 12 }] });
 */
export class DLRM extends EmbeddingRatingModel {
  readonly embeddingDim: number;
  readonly bottom: DenseStack | null;
  readonly top: DenseStack;
  readonly dropoutRate: number;

  /** @throws ConfigError `invalid_model_config` naming the option or the feature of the wrong width. */
  constructor(options: DLRMOptions = {}) {
    const api = 'DLRM';
    const dim = numberOption(api, 'embeddingDim', options.embeddingDim, 32, 'a positive integer', (x) => Number.isInteger(x) && x >= 1);
    const features: Record<string, FeatureConfig> = { ...(options.features ?? idFeatures({
      users: numberOption(api, 'userVocabularySize', options.userVocabularySize, 2048, 'a positive integer', (x) => Number.isInteger(x) && x >= 1),
      movies: numberOption(api, 'movieVocabularySize', options.movieVocabularySize, 2048, 'a positive integer', (x) => Number.isInteger(x) && x >= 1),
      dim,
    })) };
    for (const [name, f] of Object.entries(features)) {
      if (f?.table?.dim !== dim) {
        throw new ConfigError('invalid_model_config', `${api}: expected every feature's table to be embeddingDim = ${dim} wide (the dot interaction needs one width), but '${name}' has dim ${String(f?.table?.dim)}.`);
      }
    }
    const bottomUnits = unitsOption(api, 'bottomUnits', options.bottomUnits, [64]);
    const topUnits = unitsOption(api, 'topUnits', options.topUnits, [256, 64]);
    const dropout = numberOption(api, 'dropout', options.dropout, 0, 'a number in [0, 1)', (x) => x >= 0 && x < 1);
    super(api, { ...options, features });
    this.embeddingDim = dim;
    this.dropoutRate = dropout;
    const k = this.denseInputs.length;
    const seed = options.seed ?? 0;
    this.bottom = k > 0 ? new DenseStack({ inputDim: k, units: [...bottomUnits, dim], seed: seed + 11, scope: 'bottom' }) : null;
    const n = Object.keys(features).length + (k > 0 ? 1 : 0);
    this.top = new DenseStack({ inputDim: (n * (n - 1)) / 2 + (k > 0 ? dim : 0), units: [...topUnits, 1], seed: seed + 13, scope: 'top' });
    this.setParts({ dense: [...(this.bottom?.weights ?? []), ...this.top.weights] });
  }

  protected forward(acts: Readonly<Record<string, tf.Tensor>>, dense: tf.Tensor2D | null, training: boolean): tf.Tensor {
    const vectors = this.embedding.featureNames.map((f) => poolActivation(acts[f]));
    const z = this.bottom && dense ? this.bottom.apply(dense) : null;
    const inter = dotInteraction(z ? [z, ...vectors] : vectors);
    const x = z ? tf.concat([z, inter], 1) : inter;
    return this.top.apply(this.dropout(x, this.dropoutRate, training) as tf.Tensor2D);
  }
}

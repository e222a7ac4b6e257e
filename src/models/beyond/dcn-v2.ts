import * as tf from '@tensorflow/tfjs';
import type { FeatureConfig } from '../../embedding';
import { DenseStack } from '../dense-stack';
import { crossLayer } from './cross-layer';
import { EmbeddingRatingModel } from './embedding-rating-model';
import { idFeatures } from './id-features';
import { poolActivation } from './pool-activation';
import { numberOption, unitsOption, type RatingModelOptions } from './rating-model-options';

/** Options of {@link DCNv2}. */
export interface DCNv2Options extends RatingModelOptions {
  /** Width of the default id tables. @default 32 */
  readonly embeddingDim?: number;
  /** @default 2048 */
  readonly userVocabularySize?: number;
  /** @default 2048 */
  readonly movieVocabularySize?: number;
  /** Cross layers. @default 2 */
  readonly crossLayers?: number;
  /** Deep network widths after the cross network; a final Dense(1) is added. @default [128, 64] */
  readonly deepUnits?: readonly number[];
  /** Dropout rate on the deep network's input in training. @default 0 */
  readonly dropout?: number;
}

/**
 * DCN-v2 (Wang et al. 2021), stacked form, on the simulated TPU:
 *
 * ```
 * x0 = concat(every feature's embedding (sequences averaged), dense inputs)   [B, D]
 * x_{l+1} = x0 ⊙ (x_l W_l + b_l) + x_l      l = 0 … crossLayers−1        ({@link crossLayer}, W_l [D, D] full rank)
 * r̂ = μ + deep(x_L)                          deep = Dense(relu)… → Dense(1)
 * ```
 * Features may have any widths (they are concatenated). Cross weights are named `cross/layer_<l>/…/kernel|bias`.
 *
 * @example
 * const dcn = new DCNv2({ embeddingDim: 32, crossLayers: 2, userVocabularySize: 944, movieVocabularySize: 1683 });
 */
export class DCNv2 extends EmbeddingRatingModel {
  /** Width of x0. */
  readonly inputDim: number;
  /** One single-layer linear stack per cross layer (W_l, b_l). */
  readonly cross: readonly DenseStack[];
  readonly deep: DenseStack;
  readonly dropoutRate: number;

  /** @throws ConfigError `invalid_model_config` naming the option. */
  constructor(options: DCNv2Options = {}) {
    const api = 'DCNv2';
    const dim = numberOption(api, 'embeddingDim', options.embeddingDim, 32, 'a positive integer', (x) => Number.isInteger(x) && x >= 1);
    const features: Record<string, FeatureConfig> = { ...(options.features ?? idFeatures({
      users: numberOption(api, 'userVocabularySize', options.userVocabularySize, 2048, 'a positive integer', (x) => Number.isInteger(x) && x >= 1),
      movies: numberOption(api, 'movieVocabularySize', options.movieVocabularySize, 2048, 'a positive integer', (x) => Number.isInteger(x) && x >= 1),
      dim,
    })) };
    const layers = numberOption(api, 'crossLayers', options.crossLayers, 2, 'an integer ≥ 0', (x) => Number.isInteger(x) && x >= 0);
    const deepUnits = unitsOption(api, 'deepUnits', options.deepUnits, [128, 64]);
    const dropout = numberOption(api, 'dropout', options.dropout, 0, 'a number in [0, 1)', (x) => x >= 0 && x < 1);
    super(api, { ...options, features });
    this.dropoutRate = dropout;
    const d = Object.values(features).reduce((s, f) => s + f.table.dim, 0) + this.denseInputs.length;
    this.inputDim = d;
    const seed = options.seed ?? 0;
    this.cross = Object.freeze(Array.from({ length: layers }, (_, l) => new DenseStack({ inputDim: d, units: [d], seed: seed + 17 + l, scope: `cross/layer_${l}` })));
    this.deep = new DenseStack({ inputDim: d, units: [...deepUnits, 1], seed: seed + 13, scope: 'deep' });
    this.setParts({ dense: [...this.cross.flatMap((c) => c.weights), ...this.deep.weights] });
  }

  protected forward(acts: Readonly<Record<string, tf.Tensor>>, dense: tf.Tensor2D | null, training: boolean): tf.Tensor {
    const parts = this.embedding.featureNames.map((f) => poolActivation(acts[f]));
    const x0 = (parts.length === 1 && !dense ? parts[0] : tf.concat(dense ? [...parts, dense] : parts, 1)) as tf.Tensor2D;
    let x = x0;
    for (const c of this.cross) x = crossLayer(x0, x, c.weights[0].variable as unknown as tf.Tensor2D, c.weights[1].variable as unknown as tf.Tensor1D);
    return this.deep.apply(this.dropout(x, this.dropoutRate, training) as tf.Tensor2D);
  }
}

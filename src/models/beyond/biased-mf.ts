import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../errors';
import { featureConfig, tableConfig, type FeatureConfig } from '../../embedding';
import type { Random } from '../../random';
import { EmbeddingRatingModel } from './embedding-rating-model';
import { poolActivation } from './pool-activation';
import { numberOption, type RatingModelOptions } from './rating-model-options';

/** Options of {@link BiasedMF}. */
export interface BiasedMFOptions extends Omit<RatingModelOptions, 'features' | 'denseInputs'> {
  /** Latent factors per user and per movie. @default 64 */
  readonly factors?: number;
  /** Rows of the user table (user ids must be < it). @default 2048 */
  readonly userVocabularySize?: number;
  /** Rows of the movie table. @default 2048 */
  readonly movieVocabularySize?: number;
  /** Stddev of the factors' truncated normal initialiser (biases start at 0). @default 0.1 (Surprise's init_std_dev) */
  readonly initStddev?: number;
  /**
   * Extra features added to the user vector (`[factors + 1]` wide: factors and a bias), e.g. demographics or a
   * rating history sharing the movie table — SVD++'s implicit term when it is the user's rated movies. @default {}
   */
  readonly userFeatures?: Readonly<Record<string, FeatureConfig>>;
  /** Extra features added to the movie vector (`[factors + 1]` wide), e.g. genres. @default {} */
  readonly movieFeatures?: Readonly<Record<string, FeatureConfig>>;
}

/** The initialiser of a `[rows, factors + 1]` MF table: factors ~ truncated normal(0, stddev), the bias column 0. */
export function mfTableInitializer(stddev: number): (rows: number, dim: number, rng: Random) => Float32Array {
  return (rows, dim, rng) => {
    const out = new Float32Array(rows * dim);
    for (let r = 0; r < rows; r++) for (let j = 0; j < dim - 1; j++) out[r * dim + j] = rng.truncatedNormal(0, stddev);
    return out;
  };
}

/**
 * Biased matrix factorisation (Koren's "SVD" in Surprise) on the simulated TPU:
 *
 * ```
 * user_id  [B] ─ TPUEmbedding table 'user'  [users,  f+1] ─ [p_u | b_u] (+ Σ userFeatures rows)
 * movie_id [B] ─ TPUEmbedding table 'movie' [movies, f+1] ─ [q_i | b_i] (+ Σ movieFeatures rows)
 * r̂ = μ + b_u + b_i + p_u · q_i          μ = mean training rating
 * loss = Σ (r̂ − r)² / B + l2 × Σ (‖p_u‖² + b_u² + ‖q_i‖² + b_i²) / B      (L2 on the looked-up rows, as TF does)
 * ```
 * Each table keeps the bias as its last column, so one lookup per side gives factors and bias. With SGD
 * (`new SGD({ learningRate: 0.005 })`, batch 1, l2 0.02) this is Surprise's SVD update exactly; the bias gradient
 * of the loss above is `2(r̂ − r) + 2·l2·b`.
 *
 * @example
 * const mf = new BiasedMF({ factors: 64, l2: 0.05, optimizer: new Adam({ learningRate: 0.003 }), userVocabularySize: 944, movieVocabularySize: 1683 });
 * await mf.fit(train.batch(256), { epochs: 20, validationData: val.batch(4096) });
 */
export class BiasedMF extends EmbeddingRatingModel {
  /** Latent factors (the tables are `factors + 1` wide). */
  readonly factors: number;
  private readonly userSide: readonly string[];
  private readonly movieSide: readonly string[];

  /** @throws ConfigError `invalid_model_config` naming the option (e.g. a side feature of the wrong width). */
  constructor(options: BiasedMFOptions = {}) {
    const api = 'BiasedMF';
    const factors = numberOption(api, 'factors', options.factors, 64, 'a positive integer', (x) => Number.isInteger(x) && x >= 1);
    const users = numberOption(api, 'userVocabularySize', options.userVocabularySize, 2048, 'a positive integer', (x) => Number.isInteger(x) && x >= 1);
    const movies = numberOption(api, 'movieVocabularySize', options.movieVocabularySize, 2048, 'a positive integer', (x) => Number.isInteger(x) && x >= 1);
    const stddev = numberOption(api, 'initStddev', options.initStddev, 0.1, 'a finite number ≥ 0', (x) => x >= 0);
    const init = mfTableInitializer(stddev);
    const userFeatures = options.userFeatures ?? {};
    const movieFeatures = options.movieFeatures ?? {};
    for (const [name, f] of Object.entries({ ...userFeatures, ...movieFeatures })) {
      if (f?.table?.dim !== factors + 1) {
        throw new ConfigError('invalid_model_config', `${api}: expected side feature '${name}' to use a table of dim factors + 1 = ${factors + 1}, but its table has dim ${String(f?.table?.dim)}. Build it with tableConfig({ dim: ${factors + 1}, … }).`);
      }
      if (name === 'user_id' || name === 'movie_id') {
        throw new ConfigError('invalid_model_config', `${api}: expected side features other than user_id and movie_id, but got '${name}'. Those two are the model's own.`);
      }
    }
    super(api, {
      ...options,
      features: {
        user_id: featureConfig({ table: tableConfig({ vocabularySize: users, dim: factors + 1, initializer: init, name: 'user' }) }),
        movie_id: featureConfig({ table: tableConfig({ vocabularySize: movies, dim: factors + 1, initializer: init, name: 'movie' }) }),
        ...userFeatures,
        ...movieFeatures,
      },
    });
    this.factors = factors;
    this.userSide = Object.freeze(Object.keys(userFeatures));
    this.movieSide = Object.freeze(Object.keys(movieFeatures));
    this.setParts({ dense: [] });
  }

  /** `b_u + b_i + p_u · q_i` per example. */
  protected forward(acts: Readonly<Record<string, tf.Tensor>>): tf.Tensor {
    const side = (own: string, extra: readonly string[]): tf.Tensor2D =>
      extra.length === 0 ? (acts[own] as tf.Tensor2D) : (tf.addN([acts[own], ...extra.map((f) => poolActivation(acts[f]))]) as tf.Tensor2D);
    const u = side('user_id', this.userSide);
    const m = side('movie_id', this.movieSide);
    const b = u.shape[0];
    const f = this.factors;
    const dot = tf.sum(tf.mul(tf.slice(u, [0, 0], [b, f]), tf.slice(m, [0, 0], [b, f])), 1);
    return tf.add(dot, tf.reshape(tf.add(tf.slice(u, [0, f], [b, 1]), tf.slice(m, [0, f], [b, 1])), [b]));
  }
}

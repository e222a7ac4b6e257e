import { ConfigError } from '../errors';
import { rejectUnknownOptions } from '../option-keys';
import { GlobalMean } from './global-mean';
import { ratingColumns, type RatingSource } from './rating-columns';
import { ratingRmse } from './rating-rmse';

/** How {@link BaselineOnly} fits the biases (Surprise's `bsl_options['method']`). */
export const BASELINE_METHODS = ['als', 'sgd'] as const;
/** One of {@link BASELINE_METHODS}. */
export type BaselineMethod = (typeof BASELINE_METHODS)[number];

/** Options of {@link BaselineOnly.fit}: Surprise's `bsl_options`, camel-cased, with Surprise's defaults. */
export interface BaselineOnlyOptions {
  /** @default 'als' */
  readonly method?: BaselineMethod;
  /** Passes over the data. @default 10 for ALS, 20 for SGD */
  readonly epochs?: number;
  /** ALS: λ of the user biases (Surprise `reg_u`). @default 15 */
  readonly regU?: number;
  /** ALS: λ of the item biases (Surprise `reg_i`). @default 10 */
  readonly regI?: number;
  /** SGD: λ of both biases (Surprise `reg`). @default 0.02 */
  readonly reg?: number;
  /** SGD: step size (Surprise `learning_rate`). @default 0.005 */
  readonly learningRate?: number;
  /** Clip predictions to this rating scale, as Surprise's `predict(clip=True)` does. null: no clipping. @default [1, 5] */
  readonly ratingScale?: readonly [number, number] | null;
}

/**
 * Surprise's **BaselineOnly**: r̂ᵤᵢ = μ + bᵤ + bᵢ, the user and item biases of Koren (2010, "Factor in the neighbors",
 * section 2.1) fitted on the training ratings, μ their mean. An unknown user (or item) gets bᵤ = 0 (bᵢ = 0);
 * predictions are clipped to the rating scale. Sources: surprise.readthedocs.io, "Baselines estimates
 * configuration" (defaults: ALS, reg_u 15, reg_i 10, 10 epochs; SGD reg 0.02, learning_rate 0.005, 20 epochs) and
 * `surprise/prediction_algorithms/optimize_baselines.pyx` (the loops below).
 *
 * ALS, one epoch — every item, then every user, each a closed-form ridge step with the other side held:
 * ```
 * bᵢ = Σ_{u ∈ R(i)} (rᵤᵢ − μ − bᵤ) / (reg_i + |R(i)|)
 * bᵤ = Σ_{i ∈ R(u)} (rᵤᵢ − μ − bᵢ) / (reg_u + |R(u)|)
 * ```
 * SGD, one epoch — users in order of first appearance, each user's ratings in input order (Surprise's `all_ratings`):
 * `e = r − (μ + bᵤ + bᵢ); bᵤ += lr (e − reg bᵤ); bᵢ += lr (e − reg bᵢ)`.
 *
 * On MovieLens 100K Surprise publishes RMSE 0.944 for it (5-fold 80/20); biased matrix factorization (Surprise's SVD)
 * is left to the models (`src/models`).
 *
 * @example
 * const { train, test } = tutorialSplit(data, { seed: 42 });
 * const b = BaselineOnly.fit(train);        // ALS, Surprise's defaults
 * b.rmse(test);                             // ≈ 0.94
 * b.predict({ user_id: [30], movie_id: [100] });
 */
export class BaselineOnly {
  private constructor(
    /** μ, the mean training rating. */
    readonly globalMean: number,
    /** bᵤ by user id (0 for users without training ratings). */
    readonly userBias: Float64Array,
    /** bᵢ by movie id (0 for movies without training ratings). */
    readonly itemBias: Float64Array,
    private readonly scale: readonly [number, number] | null,
  ) {}

  /**
   * Fits the biases.
   * @param train the training ratings (columns or a Dataset).
   * @param options see {@link BaselineOnlyOptions}.
   * @throws ConfigError `invalid_baseline_options` naming the option and its value; InputError `bad_ratings` for
   *   malformed or empty ratings.
   */
  static fit(train: RatingSource, options: BaselineOnlyOptions = {}): BaselineOnly {
    const api = 'BaselineOnly.fit';
    if (options === null || typeof options !== 'object') {
      throw new ConfigError('invalid_baseline_options', `${api}: expected an options object, but got ${String(options)}.`);
    }
    rejectUnknownOptions(api, options, ['method', 'epochs', 'regU', 'regI', 'reg', 'learningRate', 'ratingScale']);
    const method = options.method ?? 'als';
    if (!BASELINE_METHODS.includes(method)) {
      throw new ConfigError('invalid_baseline_options', `${api}: expected method to be one of ${BASELINE_METHODS.join(', ')}, but got ${JSON.stringify(method)}.`);
    }
    const epochs = options.epochs ?? (method === 'als' ? 10 : 20);
    if (!Number.isInteger(epochs) || epochs < 0) {
      throw new ConfigError('invalid_baseline_options', `${api}: expected epochs to be an integer ≥ 0, but got ${JSON.stringify(epochs)}.`);
    }
    const nonNegative = (name: string, v: number): number => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new ConfigError('invalid_baseline_options', `${api}: expected ${name} to be a finite number ≥ 0, but got ${JSON.stringify(v)}.`);
      }
      return v;
    };
    const regU = nonNegative('regU', options.regU ?? 15);
    const regI = nonNegative('regI', options.regI ?? 10);
    const reg = nonNegative('reg', options.reg ?? 0.02);
    const lr = nonNegative('learningRate', options.learningRate ?? 0.005);
    const scale = options.ratingScale === undefined ? ([1, 5] as const) : options.ratingScale;
    if (scale !== null && !(Array.isArray(scale) && scale.length === 2 && scale.every(Number.isFinite) && scale[0] < scale[1])) {
      throw new ConfigError('invalid_baseline_options', `${api}: expected ratingScale to be [min, max] with min < max, or null, but got ${JSON.stringify(scale)}.`);
    }
    const mu = GlobalMean.fit(train).mean;
    const t = ratingColumns(api, train);
    const n = t.user_rating.length;
    let maxU = 0;
    let maxI = 0;
    for (let k = 0; k < n; k++) {
      maxU = Math.max(maxU, t.user_id[k]);
      maxI = Math.max(maxI, t.movie_id[k]);
    }
    const bu = new Float64Array(maxU + 1);
    const bi = new Float64Array(maxI + 1);
    if (method === 'als') {
      const nU = new Float64Array(maxU + 1);
      const nI = new Float64Array(maxI + 1);
      for (let k = 0; k < n; k++) {
        nU[t.user_id[k]]++;
        nI[t.movie_id[k]]++;
      }
      const dev = new Float64Array(Math.max(maxU, maxI) + 1);
      for (let e = 0; e < epochs; e++) {
        dev.fill(0);
        for (let k = 0; k < n; k++) dev[t.movie_id[k]] += t.user_rating[k] - mu - bu[t.user_id[k]];
        for (let i = 0; i <= maxI; i++) if (nI[i] > 0) bi[i] = dev[i] / (regI + nI[i]);
        dev.fill(0);
        for (let k = 0; k < n; k++) dev[t.user_id[k]] += t.user_rating[k] - mu - bi[t.movie_id[k]];
        for (let u = 0; u <= maxU; u++) if (nU[u] > 0) bu[u] = dev[u] / (regU + nU[u]);
      }
    } else {
      const order = sgdOrder(t.user_id);
      for (let e = 0; e < epochs; e++) {
        for (const k of order) {
          const u = t.user_id[k];
          const i = t.movie_id[k];
          const err = t.user_rating[k] - (mu + bu[u] + bi[i]);
          bu[u] += lr * (err - reg * bu[u]);
          bi[i] += lr * (err - reg * bi[i]);
        }
      }
    }
    return new BaselineOnly(mu, bu, bi, scale === null ? null : [scale[0], scale[1]]);
  }

  /**
   * μ + bᵤ + bᵢ per pair (a bias absent from training counts 0), clipped to the rating scale.
   * @returns `Float64Array [B]`.
   */
  predict(input: { readonly user_id: ArrayLike<number>; readonly movie_id: ArrayLike<number> }): Float64Array {
    const b = input.user_id.length;
    const out = new Float64Array(b);
    for (let k = 0; k < b; k++) {
      const u = input.user_id[k];
      const i = input.movie_id[k];
      let est = this.globalMean + (this.userBias[u] ?? 0) + (this.itemBias[i] ?? 0);
      if (this.scale) est = Math.min(this.scale[1], Math.max(this.scale[0], est));
      out[k] = est;
    }
    return out;
  }

  /**
   * Test RMSE (stars) of {@link predict}.
   * @throws InputError `bad_ratings` for malformed or empty test ratings.
   */
  rmse(test: RatingSource): number {
    return ratingRmse('BaselineOnly.rmse', (x) => this.predict(x), test);
  }
}

/** Surprise's `all_ratings()` order: users by first appearance, each user's ratings in input order. */
function sgdOrder(userIds: Int32Array): number[] {
  const byUser = new Map<number, number[]>();
  userIds.forEach((u, k) => {
    const list = byUser.get(u);
    if (list) list.push(k);
    else byUser.set(u, [k]);
  });
  return [...byUser.values()].flat();
}

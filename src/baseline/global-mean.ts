import { ratingColumns, type RatingSource } from './rating-columns';
import { ratingRmse } from './rating-rmse';
import { InputError } from '../errors';

/**
 * The simplest rating baseline: every prediction is the mean training rating μ (the "mean predictor"). Computed in
 * the run from the training split, never a constant.
 *
 * @example
 * const { train, test } = tutorialSplit(data, { seed: 42 });
 * const m = GlobalMean.fit(train);
 * m.mean;       // 3.53
 * m.rmse(test); // ≈ 1.13
 */
export class GlobalMean {
  private constructor(
    /** μ, the mean of the training ratings (stars). */
    readonly mean: number,
  ) {}

  /**
   * @param train the training ratings (columns or a Dataset).
   * @throws InputError `bad_ratings` for malformed or empty ratings.
   */
  static fit(train: RatingSource): GlobalMean {
    const t = ratingColumns('GlobalMean.fit', train);
    if (t.user_rating.length === 0) throw new InputError('bad_ratings', 'GlobalMean.fit: expected at least one training rating, but got none.');
    let s = 0;
    for (const r of t.user_rating) s += r;
    return new GlobalMean(s / t.user_rating.length);
  }

  /** μ for every pair. @returns `Float64Array [B]`. */
  predict(input: { readonly user_id: ArrayLike<number>; readonly movie_id: ArrayLike<number> }): Float64Array {
    return new Float64Array(input.user_id.length).fill(this.mean);
  }

  /**
   * Test RMSE (stars).
   * @throws InputError `bad_ratings` for malformed or empty test ratings.
   */
  rmse(test: RatingSource): number {
    return ratingRmse('GlobalMean.rmse', (x) => this.predict(x), test);
  }
}

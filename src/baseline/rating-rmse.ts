import { InputError } from '../errors';
import { ratingColumns, type RatingSource } from './rating-columns';

/**
 * Root mean squared error of predictions against the test ratings: √(Σ (p − r)² / n), in stars.
 * @param api the caller, for messages.
 * @param predict the predictor.
 * @param test the test ratings.
 * @throws InputError `bad_ratings` for malformed or empty test ratings.
 */
export function ratingRmse(
  api: string,
  predict: (input: { user_id: Int32Array; movie_id: Int32Array }) => Float64Array,
  test: RatingSource,
): number {
  const t = ratingColumns(api, test);
  if (t.user_id.length === 0) throw new InputError('bad_ratings', `${api}: expected at least one test rating, but got none.`);
  const p = predict(t);
  let sse = 0;
  for (let i = 0; i < p.length; i++) sse += (p[i] - t.user_rating[i]) ** 2;
  return Math.sqrt(sse / p.length);
}

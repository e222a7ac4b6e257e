import { InputError } from '../errors';

/** Ratings as three parallel columns (ids as in the files, stars). */
export interface RatingColumns {
  readonly user_id: ArrayLike<number>;
  readonly movie_id: ArrayLike<number>;
  readonly user_rating: ArrayLike<number>;
}

/**
 * What the baselines read: rating columns, or a data-folder `Dataset` (anything with `data.ratings` and `rows()`,
 * e.g. `tutorialSplit(data).train` or `canonicalSplit('u1').test`).
 */
export type RatingSource =
  | RatingColumns
  | {
      readonly data: { readonly ratings: RatingColumns | null };
      rows(): Int32Array;
    };

/**
 * The columns of a {@link RatingSource} (a Dataset's examples gathered in its order), checked: same lengths,
 * non-negative integer ids, finite ratings.
 * @param api the caller, for messages.
 * @throws InputError `bad_ratings` naming the field, the position and the value.
 * @example ratingColumns('BaselineOnly.fit', tutorialSplit(data).train).user_id.length // 80000
 */
export function ratingColumns(api: string, source: RatingSource): { user_id: Int32Array; movie_id: Int32Array; user_rating: Float64Array } {
  let cols: RatingColumns;
  if (source && typeof (source as { rows?: unknown }).rows === 'function' && 'data' in source) {
    const ratings = source.data.ratings;
    if (!ratings) throw new InputError('bad_ratings', `${api}: expected a dataset of ratings, but its data has no ratings (a *-movies config?).`);
    const rows = source.rows();
    const pick = (c: ArrayLike<number>): number[] => Array.from(rows, (r) => c[r]);
    cols = { user_id: pick(ratings.user_id), movie_id: pick(ratings.movie_id), user_rating: pick(ratings.user_rating) };
  } else cols = source as RatingColumns;
  const n = cols?.user_id?.length;
  if (n === undefined || cols.movie_id?.length !== n || cols.user_rating?.length !== n) {
    throw new InputError(
      'bad_ratings',
      `${api}: expected user_id, movie_id and user_rating of the same length, but got ${cols?.user_id?.length}, ${cols?.movie_id?.length}, ${cols?.user_rating?.length}.`,
    );
  }
  const out = { user_id: new Int32Array(n), movie_id: new Int32Array(n), user_rating: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const u = cols.user_id[i];
    const m = cols.movie_id[i];
    const r = cols.user_rating[i];
    if (!Number.isInteger(u) || u < 0 || !Number.isInteger(m) || m < 0 || !Number.isFinite(r)) {
      throw new InputError('bad_ratings', `${api}: expected non-negative integer ids and finite ratings, but rating ${i} has user_id ${u}, movie_id ${m}, user_rating ${r}.`);
    }
    out.user_id[i] = u;
    out.movie_id[i] = m;
    out.user_rating[i] = r;
  }
  return out;
}

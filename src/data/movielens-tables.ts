import type { RaggedColumn } from './columns';
import type { IdIndex } from './id-index';

/**
 * One row per movie. Ids are kept as in the files (TFDS stores them as strings such as `"543"`; here they are
 * the same numbers in an Int32Array: `String(movie_id[i])` gives TFDS's value).
 */
export interface MoviesTable {
  readonly length: number;
  /** `movie_id`, as in the file. */
  readonly movie_id: Int32Array;
  /** `movie_title` with the year in parentheses, decoded (latin-1 for 100k/1m, UTF-8 for CSV). */
  readonly movie_title: readonly string[];
  /** `movie_genres` as indices into MOVIE_GENRES. */
  readonly movie_genres: RaggedColumn;
  /** Row of a movie id (-1 if absent). */
  readonly index: IdIndex;
}

/** One row per user (100k and 1m only). */
export interface UsersTable {
  readonly length: number;
  /** `user_id`, as in the file. */
  readonly user_id: Int32Array;
  /** `user_gender`: 1 = male (TFDS `True`), 0 = female. */
  readonly user_gender: Uint8Array;
  /** `bucketized_user_age`: one of AGE_BUCKETS (float32 as in TFDS). */
  readonly bucketized_user_age: Float32Array;
  /** `raw_user_age` in years (100k only; null for 1m). */
  readonly raw_user_age: Float32Array | null;
  /** `user_occupation_label`: index into OCCUPATION_LABELS. */
  readonly user_occupation_label: Uint8Array;
  /** `user_occupation_text`: the occupation as written in the file (1m: the text of its code). */
  readonly user_occupation_text: readonly string[];
  /** `user_zip_code` as a string (not always numeric, e.g. `T8H1N`). */
  readonly user_zip_code: readonly string[];
  /** Row of a user id (-1 if absent). */
  readonly index: IdIndex;
}

/** One row per rating, with the row of its movie (and user) for the joins. */
export interface RatingsTable {
  readonly length: number;
  /** `user_id`, as in the file. */
  readonly user_id: Int32Array;
  /** `movie_id`, as in the file. */
  readonly movie_id: Int32Array;
  /** `user_rating` on the five-star scale (half stars in 20m/25m/latest-small). */
  readonly user_rating: Float32Array;
  /** `timestamp` in seconds since 1970-01-01 UTC (TFDS int64; exact here up to 2^53). */
  readonly timestamp: Float64Array;
  /** Row in the MoviesTable of each rating's movie. */
  readonly movieRow: Int32Array;
  /** Row in the UsersTable of each rating's user (null without a users file). */
  readonly userRow: Int32Array | null;
}

/**
 * File names inside the MovieLens archives, by format. 100k and 1m files are ISO-8859-1; the CSV files of
 * 20m, 25m and latest-small are UTF-8 with a header line and quoted titles.
 */

/** 100k ratings: `user id \t item id \t rating \t timestamp`. */
export const RATINGS_FILE = 'u.data';
/** 100k users: `user id | age | gender | occupation | zip code`. */
export const USERS_FILE = 'u.user';
/** 100k movies: `movie id | title | release date | video release date | IMDb URL | 19 genre flags`. */
export const MOVIES_FILE = 'u.item';
/** 1m ratings: `UserID::MovieID::Rating::Timestamp`. */
export const RATINGS_1M_FILE = 'ratings.dat';
/** 1m users: `UserID::Gender::Age::Occupation::Zip-code` (age is already bucketized, occupation is a code 0–20). */
export const USERS_1M_FILE = 'users.dat';
/** 1m movies: `MovieID::Title::Genres` (genres `|`-separated). */
export const MOVIES_1M_FILE = 'movies.dat';
/** 20m/25m/latest-small ratings: header `userId,movieId,rating,timestamp`. */
export const RATINGS_CSV_FILE = 'ratings.csv';
/** 20m/25m/latest-small movies: header `movieId,title,genres`; titles with commas are quoted. */
export const MOVIES_CSV_FILE = 'movies.csv';

/** The canonical 100k train/test splits shipped in the archive (`u1.base`/`u1.test` … `ub.base`/`ub.test`). */
export const CANONICAL_SPLITS = ['u1', 'u2', 'u3', 'u4', 'u5', 'ua', 'ub'] as const;
/** One of {@link CANONICAL_SPLITS}. */
export type CanonicalSplitName = (typeof CANONICAL_SPLITS)[number];

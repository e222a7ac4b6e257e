import {
  MOVIES_1M_FILE,
  MOVIES_CSV_FILE,
  MOVIES_FILE,
  RATINGS_1M_FILE,
  RATINGS_CSV_FILE,
  RATINGS_FILE,
  USERS_1M_FILE,
  USERS_FILE,
} from './movielens-files';
import { movieLensConfig, type MovieLensConfig, type MovieLensConfigName } from './movielens-configs';
import { MovieLensData } from './movielens-data';
import type { MovieLensSource } from './movielens-source';
import { readMovies } from './read-movies';
import { readRatings } from './read-ratings';
import { readUsers } from './read-users';

/** The files a config reads, by role. */
export interface MovieLensFileSet {
  readonly movies: string;
  readonly users: string | null;
  readonly ratings: string | null;
}

/**
 * The files a config needs: movies always; ratings for `*-ratings`; users for 100k/1m ratings.
 * @param config a config name or a validated config.
 * @example
 * movieLensFiles('100k-ratings'); // { movies: 'u.item', users: 'u.user', ratings: 'u.data' }
 */
export function movieLensFiles(config: MovieLensConfigName | MovieLensConfig): MovieLensFileSet {
  const c = typeof config === 'string' ? movieLensConfig(config) : config;
  const byFormat = {
    '100k': { movies: MOVIES_FILE, users: USERS_FILE, ratings: RATINGS_FILE },
    '1m': { movies: MOVIES_1M_FILE, users: USERS_1M_FILE, ratings: RATINGS_1M_FILE },
    csv: { movies: MOVIES_CSV_FILE, users: null, ratings: RATINGS_CSV_FILE },
  }[c.format];
  if (c.table === 'movies') return { movies: byFormat.movies, users: null, ratings: null };
  return byFormat;
}

/**
 * Reads a config from a source (directory or zip) into a columnar {@link MovieLensData}.
 *
 * @param config a config name or a validated config.
 * @param source where the files are.
 * @param ratingsFile read ratings from this file instead (same format; e.g. `u1.base` for the canonical splits).
 * @returns the data.
 * @throws DataError `missing_file` or `malformed_line`; ConfigError `unknown_config`.
 * @example
 * const data = readMovieLens('100k-ratings', directorySource('/data/ml-100k'));
 */
export function readMovieLens(
  config: MovieLensConfigName | MovieLensConfig,
  source: MovieLensSource,
  ratingsFile?: string,
): MovieLensData {
  const c = typeof config === 'string' ? movieLensConfig(config) : config;
  const files = movieLensFiles(c);
  // Check every file exists before parsing anything.
  const ratingsName = files.ratings ? ratingsFile ?? files.ratings : null;
  const moviesInput = source.file(files.movies);
  const usersInput = files.users ? source.file(files.users) : null;
  const ratingsInput = ratingsName ? source.file(ratingsName) : null;
  const movies = readMovies(moviesInput, c.format);
  const users = usersInput ? readUsers(usersInput, c.format as '100k' | '1m') : null;
  const ratings = ratingsInput ? readRatings(ratingsInput, c.format, movies, users) : null;
  return new MovieLensData(c, movies, users, ratings, source.description);
}

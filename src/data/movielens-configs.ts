import { ConfigError } from '../errors';

/** The MovieLens releases, as TFDS names them (`ml-<version>.zip` on GroupLens). */
export const MOVIELENS_VERSIONS = ['100k', '1m', '20m', '25m', 'latest-small'] as const;
/** One of {@link MOVIELENS_VERSIONS}. */
export type MovieLensVersion = (typeof MOVIELENS_VERSIONS)[number];

/** What a config exposes: one example per rating (joined with movies, and users for 100k/1m) or per movie. */
export const MOVIELENS_TABLES = ['ratings', 'movies'] as const;
/** One of {@link MOVIELENS_TABLES}. */
export type MovieLensTable = (typeof MOVIELENS_TABLES)[number];

/** The TFDS `movielens` builder configs, `<version>-<table>`. */
export const MOVIELENS_CONFIGS = [
  '100k-ratings',
  '100k-movies',
  '1m-ratings',
  '1m-movies',
  '20m-ratings',
  '20m-movies',
  '25m-ratings',
  '25m-movies',
  'latest-small-ratings',
  'latest-small-movies',
] as const;
/** One of {@link MOVIELENS_CONFIGS}. */
export type MovieLensConfigName = (typeof MOVIELENS_CONFIGS)[number];

/** A validated, frozen MovieLens config (see {@link movieLensConfig}). */
export interface MovieLensConfig {
  /** The TFDS config name, e.g. `100k-ratings`. */
  readonly name: MovieLensConfigName;
  /** The release, e.g. `100k`. */
  readonly version: MovieLensVersion;
  /** `ratings` (one example per rating) or `movies` (one example per movie). */
  readonly table: MovieLensTable;
  /** The folder inside the GroupLens archive and under a data directory, e.g. `ml-100k`. */
  readonly folder: string;
  /** The file format: `100k` (`u.data`, `|`/tab separated), `1m` (`::` separated), `csv` (20m, 25m, latest-small). */
  readonly format: '100k' | '1m' | 'csv';
  /** True for 100k and 1m ratings: the examples carry the user's demographic features. */
  readonly hasDemographics: boolean;
}

/**
 * Validates a TFDS MovieLens config name and returns its frozen description.
 *
 * @param name one of {@link MOVIELENS_CONFIGS}, e.g. `'100k-ratings'`.
 * @returns the frozen {@link MovieLensConfig}.
 * @throws ConfigError (`unknown_config`) when the name is not a TFDS config; the message lists the valid ones.
 * @example
 * movieLensConfig('1m-movies'); // { name: '1m-movies', version: '1m', table: 'movies', folder: 'ml-1m', ... }
 */
export function movieLensConfig(name: string): MovieLensConfig {
  if (!(MOVIELENS_CONFIGS as readonly string[]).includes(name)) {
    throw new ConfigError(
      'unknown_config',
      `movieLensConfig: expected config to be one of ${MOVIELENS_CONFIGS.join(', ')}, but got ${JSON.stringify(name)}. ` +
        `Pick one of those (TFDS movielens config names).`,
    );
  }
  const table: MovieLensTable = name.endsWith('-movies') ? 'movies' : 'ratings';
  const version = name.slice(0, name.length - table.length - 1) as MovieLensVersion;
  const format = version === '100k' ? '100k' : version === '1m' ? '1m' : 'csv';
  return Object.freeze({
    name: name as MovieLensConfigName,
    version,
    table,
    folder: `ml-${version}`,
    format,
    hasDemographics: table === 'ratings' && format !== 'csv',
  });
}

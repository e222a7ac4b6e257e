import { DataError } from '../errors';
import { downloadMovieLens, type DownloadOptions } from './download-movielens';
import { defaultCacheDir, findMovieLensDir, MOVIELENS_DIR_ENV } from './find-movielens-dir';
import { movieLensConfig, type MovieLensConfig, type MovieLensConfigName } from './movielens-configs';
import type { MovieLensData } from './movielens-data';
import { directorySource, zipSource, type MovieLensSource } from './movielens-source';
import { movieLensFiles, readMovieLens } from './read-movielens';

/** Where {@link loadMovieLens} reads from. With neither `dir` nor `zip`, it looks in the default places. */
export interface LoadMovieLensOptions {
  /**
   * An unpacked MovieLens directory: the `ml-100k` folder itself or its parent.
   * @default undefined: `$MOVIELENS_DIR` when set (only there: an error if it lacks the data), else `../shared/data` beside the repo / current directory, then the cache
   */
  readonly dir?: string;
  /** A MovieLens zip archive (as downloaded from GroupLens). @default undefined */
  readonly zip?: string;
  /**
   * Download from GroupLens into the cache when the data is not found locally (`true`, or download options such as
   * `baseUrl`, `checksums`, `progress`). Only {@link loadMovieLens} (async) can download.
   * @default false
   */
  readonly download?: boolean | Omit<DownloadOptions, 'cacheDir'>;
  /** The download cache directory. @default `$TPU_EMBEDDINGS_CACHE`, else `~/.cache/tpu-embeddings` */
  readonly cacheDir?: string;
}

/**
 * Resolves the source of a config without downloading.
 * @param api how errors name the caller. @default 'loadMovieLens'
 * @returns the source, or the list of places looked at when none holds the data.
 * @throws DataError `missing_file` when `$MOVIELENS_DIR` is set but holds no data for the config (never a silent
 *   fall-back to another directory): the message names the variable, its value and the file expected.
 * @internal
 */
export function resolveLocalSource(
  c: MovieLensConfig,
  options: LoadMovieLensOptions,
  api = 'loadMovieLens',
): { source: MovieLensSource | null; looked: readonly string[] } {
  if (options.zip !== undefined) return { source: zipSource(options.zip, c.folder), looked: [options.zip] };
  const files = movieLensFiles(c);
  const marker = files.ratings ?? files.movies;
  // With download allowed, the cache is downloadMovieLens's to check (its entry must match the expected checksum).
  const includeCache = !('download' in options && options.download);
  const found = findMovieLensDir(c.folder, marker, { dir: options.dir, cacheDir: options.cacheDir, includeCache });
  if (!found.dir && found.via === 'env') {
    throw new DataError(
      'missing_file',
      `${api}: ${MOVIELENS_DIR_ENV} is set to ${JSON.stringify(process.env[MOVIELENS_DIR_ENV])}, but it holds no ${c.name} data: ` +
        `expected the file ${marker} in ${found.looked.join(' or ')}. Point ${MOVIELENS_DIR_ENV} at the folder holding ` +
        `${c.folder}/ (or at ${c.folder}/ itself), pass { dir } or { zip }, or unset it to use the default places.`,
    );
  }
  return { source: found.dir ? directorySource(found.dir) : null, looked: found.looked };
}

function notFound(c: MovieLensConfig, looked: readonly string[], marker: string, canDownload: boolean): DataError {
  return new DataError(
    'missing_file',
    `loadMovieLens: expected ${c.folder}/${marker} for ${c.name}, but found it in none of: ${looked.join(', ')}. ` +
      `Set MOVIELENS_DIR or pass { dir } or { zip }` +
      (canDownload ? ', or pass { download: true } to fetch it from GroupLens.' : '; loadMovieLens (async) can also download it.'),
  );
}

/**
 * Loads a TFDS MovieLens config into memory, columnar. Reads an unpacked directory, a local zip, or (with
 * `download`) fetches `ml-<version>.zip` from GroupLens into the cache, checks its size and sha256, and unpacks it.
 *
 * @param config one of MOVIELENS_CONFIGS, e.g. `'100k-ratings'`.
 * @param options where to read from.
 * @returns the data.
 * @throws ConfigError `unknown_config` listing the valid names; DataError `missing_file` naming every place looked
 *   at, `malformed_line` (file, line, field, rule, value), `line_too_long`; with `download`, every error of
 *   {@link downloadMovieLens} (`download_timeout`, `oversized_download`, `checksum_mismatch` / `truncated_download`
 *   (expected vs got), `disk_full`, …).
 * @example
 * const data = await loadMovieLens('100k-ratings');                 // ../shared/data/ml-100k or $MOVIELENS_DIR
 * const big = await loadMovieLens('25m-ratings', { download: true }); // ~262 MB download, cached
 */
export async function loadMovieLens(
  config: MovieLensConfigName,
  options: LoadMovieLensOptions = {},
): Promise<MovieLensData> {
  const c = movieLensConfig(config);
  const local = resolveLocalSource(c, options);
  if (local.source) return readMovieLens(c, local.source);
  if (!options.download) {
    const files = movieLensFiles(c);
    throw notFound(c, local.looked, files.ratings ?? files.movies, true);
  }
  const downloadOptions = options.download === true ? {} : options.download;
  const dir = await downloadMovieLens(c.version, { ...downloadOptions, cacheDir: options.cacheDir ?? defaultCacheDir() });
  return readMovieLens(c, directorySource(dir));
}

/**
 * Synchronous {@link loadMovieLens} for data already on disk (directory or zip); never downloads.
 * @param config one of MOVIELENS_CONFIGS.
 * @param options `dir`, `zip` or `cacheDir` (`download` is not allowed here).
 * @returns the data.
 * @throws the same errors as loadMovieLens; DataError `missing_file` when the data is not on disk.
 * @example
 * const movies = loadMovieLensSync('100k-movies', { dir: '../shared/data' });
 */
export function loadMovieLensSync(config: MovieLensConfigName, options: Omit<LoadMovieLensOptions, 'download'> = {}): MovieLensData {
  const c = movieLensConfig(config);
  const local = resolveLocalSource(c, options);
  if (local.source) return readMovieLens(c, local.source);
  const files = movieLensFiles(c);
  throw notFound(c, local.looked, files.ratings ?? files.movies, false);
}

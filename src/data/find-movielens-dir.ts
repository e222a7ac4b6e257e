import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Environment variable naming a MovieLens data directory (the `ml-*` folder itself or its parent). */
export const MOVIELENS_DIR_ENV = 'MOVIELENS_DIR';
/** Environment variable naming the download cache directory. */
export const CACHE_DIR_ENV = 'TPU_EMBEDDINGS_CACHE';

/** The download cache: `$TPU_EMBEDDINGS_CACHE`, else `~/.cache/tpu-embeddings`. */
export function defaultCacheDir(): string {
  return process.env[CACHE_DIR_ENV] || join(homedir(), '.cache', 'tpu-embeddings');
}

/** Result of {@link findMovieLensDir}: the directory found (or null) and every place looked at, in order. */
export interface MovieLensDirLookup {
  /** The folder holding the marker file, or null. */
  readonly dir: string | null;
  /** Every place looked at, in order. */
  readonly looked: readonly string[];
  /**
   * What decided where to look: `dir` (the explicit option), `env` (`$MOVIELENS_DIR`, set and not empty) or
   * `defaults` (`../shared/data` and the cache). With `dir` or `env` nothing else is looked at.
   */
  readonly via: 'dir' | 'env' | 'defaults';
}

/**
 * Finds an unpacked MovieLens folder holding `marker` (e.g. `u.data`). Looks, in order, at: `dir` and
 * `dir/<folder>` when given (and only there); else, when `$MOVIELENS_DIR` is set, `$MOVIELENS_DIR` and
 * `$MOVIELENS_DIR/<folder>` (and only there: a variable naming the wrong folder never falls back to other data);
 * else `<repo root>/../shared/data/<folder>`; `<cwd>/../shared/data/<folder>`; `<cwd>/../../shared/data/<folder>`;
 * `<cache dir>/<folder>`.
 *
 * @param folder e.g. `ml-100k`.
 * @param marker a file the folder must contain.
 * @param options `dir` (explicit), `cacheDir`, and `includeCache` (false leaves the cache to
 *   {@link downloadMovieLens}, which checks its entry against the expected checksum; default true).
 * @returns the first match and the list of places looked at.
 * @example
 * findMovieLensDir('ml-100k', 'u.data').dir; // '/work/shared/data/ml-100k'
 */
export function findMovieLensDir(
  folder: string,
  marker: string,
  options: { readonly dir?: string; readonly cacheDir?: string; readonly includeCache?: boolean } = {},
): MovieLensDirLookup {
  const candidates: string[] = [];
  const env = process.env[MOVIELENS_DIR_ENV];
  let via: MovieLensDirLookup['via'] = 'defaults';
  if (options.dir !== undefined) {
    via = 'dir';
    candidates.push(resolve(options.dir), resolve(options.dir, folder));
  } else if (env) {
    via = 'env';
    candidates.push(resolve(env), resolve(env, folder));
  } else {
    const repoRoot = resolve(__dirname, '..', '..');
    candidates.push(resolve(repoRoot, '..', 'shared', 'data', folder));
    candidates.push(resolve(process.cwd(), '..', 'shared', 'data', folder));
    candidates.push(resolve(process.cwd(), '..', '..', 'shared', 'data', folder));
    if (options.includeCache !== false) candidates.push(resolve(options.cacheDir ?? defaultCacheDir(), folder));
  }
  const looked = [...new Set(candidates)];
  const dir = looked.find((d) => existsSync(join(d, marker))) ?? null;
  return { dir, looked, via };
}

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { DataError } from '../errors';
import type { ByteInput } from './byte-input';

/** Where the files of one MovieLens release are read from: an unpacked directory or a zip archive. */
export interface MovieLensSource {
  /** Human-readable location, e.g. `/work/shared/data/ml-100k` or `/tmp/ml-100k.zip`. */
  readonly description: string;
  /** Whether the file exists in this source. */
  has(file: string): boolean;
  /**
   * The file's bytes (or path).
   * @throws DataError `missing_file` naming the file and where it looked.
   */
  file(file: string): ByteInput;
}

/**
 * A source reading from an unpacked directory (e.g. `../shared/data/ml-100k`).
 * @param dir the directory holding `u.data`, `ratings.csv`, …
 * @example
 * readMovies(directorySource('/data/ml-100k').file('u.item'), '100k');
 */
export function directorySource(dir: string): MovieLensSource {
  return {
    description: dir,
    has: (file) => existsSync(join(dir, file)) && statSync(join(dir, file)).isFile(),
    file(file) {
      const path = join(dir, file);
      if (!existsSync(path)) {
        throw new DataError(
          'missing_file',
          `loadMovieLens: expected the file ${file} in ${dir}, but ${path} does not exist. ` +
            `Point dir (or MOVIELENS_DIR) at the unpacked MovieLens folder, or pass { download: true }.`,
        );
      }
      return { name: path, path };
    },
  };
}

/**
 * A source reading from a MovieLens zip archive (as GroupLens ships it: files under `ml-<version>/`, or at the
 * top level). Each file is inflated into memory when asked for (fflate).
 *
 * @param zip the archive's path, or its bytes.
 * @param folder the folder inside the archive, e.g. `ml-100k`.
 * @param label how messages name the archive. @default the path, or `zip`
 * @throws DataError `bad_archive` when the bytes are not a zip archive; `missing_file` when the path does not exist.
 * @example
 * const data = readMovieLens('100k-ratings', zipSource('/downloads/ml-100k.zip', 'ml-100k'));
 */
export function zipSource(zip: string | Uint8Array, folder: string, label?: string): MovieLensSource {
  const name = label ?? (typeof zip === 'string' ? zip : 'zip');
  let bytes: Uint8Array;
  if (typeof zip === 'string') {
    if (!existsSync(zip)) {
      throw new DataError('missing_file', `loadMovieLens: expected the zip archive ${zip}, but it does not exist. Check the zip option.`);
    }
    bytes = readFileSync(zip);
  } else {
    bytes = zip;
  }
  const entries: string[] = [];
  try {
    unzipSync(bytes, {
      filter: (f) => {
        entries.push(f.name);
        return false;
      },
    });
  } catch (e) {
    throw new DataError('bad_archive', `loadMovieLens: expected ${name} to be a zip archive, but fflate says: ${(e as Error).message}.`);
  }
  const entryOf = (file: string): string | undefined =>
    entries.find((e) => e === `${folder}/${file}`) ?? entries.find((e) => e === file || e.endsWith(`/${file}`));
  return {
    description: name,
    has: (file) => entryOf(file) !== undefined,
    file(file) {
      const entry = entryOf(file);
      if (entry === undefined) {
        throw new DataError(
          'missing_file',
          `loadMovieLens: expected the file ${folder}/${file} in the archive ${name}, but it is not there ` +
            `(it holds ${entries.length} entries${entries.length ? `, e.g. ${entries.slice(0, 3).join(', ')}` : ''}).`,
        );
      }
      const out = unzipSync(bytes, { filter: (f) => f.name === entry });
      return { name: `${name}!${entry}`, bytes: out[entry] };
    },
  };
}

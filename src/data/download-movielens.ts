import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { unzipSync } from 'fflate';
import { ConfigError, DataError } from '../errors';
import { defaultCacheDir } from './find-movielens-dir';
import { MOVIELENS_VERSIONS, type MovieLensVersion } from './movielens-configs';

/** Size and sha256 of an archive. */
export interface ArchiveChecksum {
  /** Size in bytes. */
  readonly bytes: number;
  /** Lower-case hex sha256. */
  readonly sha256: string;
}

/**
 * The GroupLens archives' sizes and sha256, as recorded by TensorFlow Datasets (see ../shared/data/README.md).
 * `latest-small` changes over time upstream; pass your own `checksums` when GroupLens updates it.
 */
export const MOVIELENS_CHECKSUMS: Readonly<Record<MovieLensVersion, ArchiveChecksum>> = Object.freeze({
  '100k': { bytes: 4_924_029, sha256: '50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229' },
  '1m': { bytes: 5_917_549, sha256: 'a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20' },
  '20m': { bytes: 198_702_078, sha256: '96f243c338a8665f6bcc89c53edf6ee39162a846940de6b7c8c48aeada765ff3' },
  '25m': { bytes: 261_978_986, sha256: '8b21cfb7eb1706b4ec0aac894368d90acf26ebdfb6aced3ebd4ad5bd1eb9c6aa' },
  'latest-small': { bytes: 978_202, sha256: '696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436' },
});

/** Where GroupLens serves `ml-<version>.zip`. */
export const GROUPLENS_BASE_URL = 'https://files.grouplens.org/datasets/movielens/';

/** Options of {@link downloadMovieLens}. */
export interface DownloadOptions {
  /** Base URL the archive name is appended to (tests point it at 127.0.0.1). @default GROUPLENS_BASE_URL */
  readonly baseUrl?: string;
  /** Cache directory for the archive and its unpacked folder. @default `$TPU_EMBEDDINGS_CACHE` or `~/.cache/tpu-embeddings` */
  readonly cacheDir?: string;
  /** Expected sizes and hashes, per version. @default MOVIELENS_CHECKSUMS */
  readonly checksums?: Partial<Record<MovieLensVersion, ArchiveChecksum>>;
  /** Show a progress bar on stderr. @default true when stderr is a terminal */
  readonly progress?: boolean;
}

/**
 * Downloads `ml-<version>.zip` into the cache (unless a verified copy is there), checks its size and sha256, and
 * unpacks it to `<cacheDir>/ml-<version>/`. The archive is written to a temporary file and renamed only once
 * verified; a truncated or mismatched download deletes the temporary file. Unpacking (in memory with fflate, then
 * written out; the 20m/25m `genome-*` files are skipped) goes through a temporary folder, so an interrupted run
 * never leaves a half folder behind.
 *
 * @param version one of MOVIELENS_VERSIONS.
 * @param options base URL, cache directory, checksums, progress bar.
 * @returns the unpacked folder, e.g. `~/.cache/tpu-embeddings/ml-100k`.
 * @throws DataError `download_failed` (HTTP error or network), `truncated_download` or `checksum_mismatch`
 *   (expected vs got), `bad_archive`; ConfigError `unknown_version` / `missing_checksum`.
 * @example
 * const dir = await downloadMovieLens('1m'); // then loadMovieLens('1m-ratings', { dir })
 */
export async function downloadMovieLens(version: MovieLensVersion, options: DownloadOptions = {}): Promise<string> {
  if (!(MOVIELENS_VERSIONS as readonly string[]).includes(version)) {
    throw new ConfigError(
      'unknown_version',
      `downloadMovieLens: expected version to be one of ${MOVIELENS_VERSIONS.join(', ')}, but got ${JSON.stringify(version)}.`,
    );
  }
  const checksums = { ...MOVIELENS_CHECKSUMS, ...(options.checksums ?? {}) };
  const expected = checksums[version];
  if (!expected) {
    throw new ConfigError('missing_checksum', `downloadMovieLens: expected a checksum for ${version} in options.checksums, but there is none.`);
  }
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const folder = `ml-${version}`;
  const archive = `${folder}.zip`;
  const zipPath = join(cacheDir, archive);
  const outDir = join(cacheDir, folder);
  mkdirSync(cacheDir, { recursive: true });
  if (!(existsSync(zipPath) && matches(readFileSync(zipPath), expected))) {
    const base = options.baseUrl ?? GROUPLENS_BASE_URL;
    await fetchVerified(base.endsWith('/') ? base + archive : `${base}/${archive}`, zipPath, archive, expected, options.progress);
  }
  if (!existsSync(join(outDir, '.complete'))) unpack(zipPath, folder, outDir);
  return outDir;
}

function matches(bytes: Uint8Array, expected: ArchiveChecksum): boolean {
  return bytes.length === expected.bytes && createHash('sha256').update(bytes).digest('hex') === expected.sha256;
}

async function fetchVerified(
  url: string,
  zipPath: string,
  archive: string,
  expected: ArchiveChecksum,
  progress: boolean | undefined,
): Promise<void> {
  const partial = `${zipPath}.${process.pid}.partial`;
  const hash = createHash('sha256');
  let got = 0;
  let fd = -1;
  const bar = progress ?? process.stderr.isTTY ? new SingleBar({ format: `${archive} [{bar}] {percentage}% {value}/{total} bytes`, stream: process.stderr }, Presets.shades_classic) : null;
  const cleanup = (): void => {
    if (fd >= 0) closeSync(fd);
    fd = -1;
    bar?.stop();
    rmSync(partial, { force: true });
  };
  try {
    let response: Response;
    try {
      response = await fetch(url);
    } catch (e) {
      throw new DataError('download_failed', `downloadMovieLens: could not fetch ${url}: ${causeOf(e)}. Check the network, or pass { zip } with a local copy.`);
    }
    if (!response.ok || !response.body) {
      throw new DataError('download_failed', `downloadMovieLens: expected HTTP 200 from ${url}, but got ${response.status} ${response.statusText}.`);
    }
    fd = openSync(partial, 'w');
    bar?.start(expected.bytes, 0);
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        writeSync(fd, chunk);
        hash.update(chunk);
        got += chunk.length;
        bar?.update(got);
      }
    } catch (e) {
      throw new DataError(
        'truncated_download',
        `downloadMovieLens: expected ${archive} to be ${fmt(expected.bytes)} bytes, but the connection ended after ${fmt(got)} bytes ` +
          `(${causeOf(e)}); deleted the partial file ${partial}. Retry the download.`,
      );
    }
    closeSync(fd);
    fd = -1;
    bar?.stop();
    const sha = hash.digest('hex');
    if (got < expected.bytes) {
      throw new DataError(
        'truncated_download',
        `downloadMovieLens: expected ${archive} to be ${fmt(expected.bytes)} bytes, but got ${fmt(got)} bytes (sha256 ${sha}); ` +
          `deleted the partial file ${partial}. Retry the download.`,
      );
    }
    if (got !== expected.bytes || sha !== expected.sha256) {
      throw new DataError(
        'checksum_mismatch',
        `downloadMovieLens: expected ${archive} to be ${fmt(expected.bytes)} bytes with sha256 ${expected.sha256}, but got ` +
          `${fmt(got)} bytes with sha256 ${sha}; deleted the partial file ${partial}. The file on the server changed or is corrupt: ` +
          `retry, or pass checksums for the new file.`,
      );
    }
    renameSync(partial, zipPath);
  } catch (e) {
    cleanup();
    throw e;
  }
}

function unpack(zipPath: string, folder: string, outDir: string): void {
  const tmp = `${outDir}.${process.pid}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  let files: Record<string, Uint8Array>;
  try {
    // Skip folders and the 20m/25m tag-genome files (hundreds of MB the MovieLens configs never read).
    files = unzipSync(readFileSync(zipPath), { filter: (f) => !f.name.endsWith('/') && !/(^|\/)genome-[^/]*$/.test(f.name) });
  } catch (e) {
    throw new DataError('bad_archive', `downloadMovieLens: expected ${zipPath} to be a zip archive, but fflate says: ${(e as Error).message}.`);
  }
  for (const [name, bytes] of Object.entries(files)) {
    const rel = name.startsWith(`${folder}/`) ? name.slice(folder.length + 1) : name;
    if (rel.split('/').includes('..')) continue;
    const target = join(tmp, rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
  }
  writeFileSync(join(tmp, '.complete'), '');
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmp, outDir);
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function causeOf(e: unknown): string {
  const err = e as Error & { cause?: Error };
  return err.cause?.message ? `${err.message}: ${err.cause.message}` : String(err.message ?? e);
}

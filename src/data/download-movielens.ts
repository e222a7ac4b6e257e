import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { unzipSync } from 'fflate';
import { ConfigError, DataError } from '../errors';
import { finiteNumber, where } from '../validation';
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

/** Default of {@link DownloadOptions.connectTimeoutMs}: 30 s for the server's response headers. */
const CONNECT_TIMEOUT_MS = 30_000;
/** Default of {@link DownloadOptions.idleTimeoutMs}: 30 s without a byte of the body. */
const IDLE_TIMEOUT_MS = 30_000;

/** Options of {@link downloadMovieLens}. */
export interface DownloadOptions {
  /** Base URL the archive name is appended to (tests point it at 127.0.0.1). @default GROUPLENS_BASE_URL */
  readonly baseUrl?: string;
  /** Cache directory for the archive and its unpacked folder. @default `$TPU_EMBEDDINGS_CACHE` or `~/.cache/tpu-embeddings` */
  readonly cacheDir?: string;
  /** Expected sizes and hashes, per version; the size is also the download's cap. @default MOVIELENS_CHECKSUMS */
  readonly checksums?: Partial<Record<MovieLensVersion, ArchiveChecksum>>;
  /** Show a progress bar on stderr. @default true when stderr is a terminal */
  readonly progress?: boolean;
  /**
   * Milliseconds to wait, after sending the request, for the server's response headers (DNS, connect, TLS and the
   * server's first answer) before giving up with DataError `download_timeout`.
   * @default 30000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Milliseconds the body may go without a single byte before the download is abandoned with DataError
   * `download_timeout` (a stalled server fails within this bound, whatever the archive's size).
   * @default 30000
   */
  readonly idleTimeoutMs?: number;
}

/**
 * Downloads `ml-<version>.zip` into the cache (unless a verified copy is there), checks its size and sha256, and
 * unpacks it to `<cacheDir>/ml-<version>/`. The cache holds, at every instant, for each version either nothing or a
 * complete, verified entry: the archive is streamed to `ml-<version>.zip.<pid>.partial`, fsynced, verified and only
 * then renamed; unpacking (in memory with fflate; the 20m/25m `genome-*` files are skipped) writes
 * `ml-<version>.<pid>.partial/` with a `.complete` marker naming the archive's sha256, then renames it. Any failure
 * deletes its temporary file or folder; those left by a killed process are removed by the next call. An unpacked
 * folder is reused only when its marker names the expected sha256; a cached archive only after its size and sha256
 * are checked again (a bad one is downloaded anew and replaced by the rename). A failed download leaves the cache as
 * it was; a failed unpack keeps the newly verified archive, so the next call unpacks it without downloading again.
 *
 * Limits: the response headers must arrive within `connectTimeoutMs`, the body may never pause longer than
 * `idleTimeoutMs`, and the server may send at most the expected size (a larger `content-length` or body stops the
 * download at once).
 *
 * @param version one of MOVIELENS_VERSIONS.
 * @param options base URL, cache directory, checksums, progress bar, timeouts.
 * @returns the unpacked folder, e.g. `~/.cache/tpu-embeddings/ml-100k`.
 * @throws DataError `download_failed` (HTTP error or network), `download_timeout` (no headers, or a stalled body),
 *   `oversized_download` (more bytes than expected), `truncated_download` or `checksum_mismatch` (expected vs got),
 *   `disk_full` (ENOSPC/EDQUOT writing the cache), `cache_write_failed` (any other write error), `bad_archive`;
 *   ConfigError `unknown_version` / `missing_checksum` / `invalid_option`.
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
  const connectMs = timeoutOption(options.connectTimeoutMs, 'connectTimeoutMs', CONNECT_TIMEOUT_MS);
  const idleMs = timeoutOption(options.idleTimeoutMs, 'idleTimeoutMs', IDLE_TIMEOUT_MS);
  const cacheDir = resolve(options.cacheDir ?? defaultCacheDir());
  const folder = `ml-${version}`;
  const archive = `${folder}.zip`;
  const zipPath = join(cacheDir, archive);
  const outDir = join(cacheDir, folder);
  guardWrite(() => mkdirSync(cacheDir, { recursive: true }), cacheDir, 'create the cache directory', expected.bytes);
  removeStaleTemps(cacheDir, folder);
  if (markerOf(outDir) === expected.sha256) return outDir;
  let bytes: Uint8Array | null = existsSync(zipPath) ? readFileSync(zipPath) : null;
  // A bad cached archive (corrupted, or another release) is never used: the download's rename replaces it (it stays
  // as it was if the download fails).
  if (bytes && !matches(bytes, expected)) bytes = null;
  if (!bytes) {
    const base = options.baseUrl ?? GROUPLENS_BASE_URL;
    const url = base.endsWith('/') ? base + archive : `${base}/${archive}`;
    await fetchVerified(url, zipPath, archive, expected, { progress: options.progress, connectMs, idleMs });
    bytes = readFileSync(zipPath);
  }
  unpack(bytes, zipPath, folder, outDir, expected);
  return outDir;
}

/** The marker file inside an unpacked folder; it holds the sha256 of the archive the folder came from. */
const MARKER = '.complete';

function markerOf(outDir: string): string | null {
  try {
    return readFileSync(join(outDir, MARKER), 'utf8').trim();
  } catch {
    return null;
  }
}

function timeoutOption(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  return finiteNumber(value, where(ConfigError, 'invalid_option', 'downloadMovieLens')(name, `Leave it out for ${fallback}.`), { min: 0, exclusive: true, unit: 'milliseconds' });
}

/**
 * Removes `<folder>.zip.<pid>.partial`, `<folder>.<pid>.partial` and `<folder>.<pid>.old` left by processes that
 * are gone (killed mid-download or mid-unpack). Temporaries of live processes are left alone.
 */
function removeStaleTemps(cacheDir: string, folder: string): void {
  const pattern = new RegExp(`^${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\.zip)?\\.(\\d+)\\.(partial|old)$`);
  for (const name of readdirSync(cacheDir)) {
    const m = pattern.exec(name);
    if (m && !alive(Number(m[2]))) rmSync(join(cacheDir, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function matches(bytes: Uint8Array, expected: ArchiveChecksum): boolean {
  return bytes.length === expected.bytes && createHash('sha256').update(bytes).digest('hex') === expected.sha256;
}

/** Runs a file-system write; an errno error becomes DataError `disk_full` (ENOSPC, EDQUOT) or `cache_write_failed`. */
function guardWrite<T>(write: () => T, path: string, what: string, needBytes: number, cleanup = ''): T {
  try {
    return write();
  } catch (e) {
    throw writeError(e, path, what, needBytes, cleanup);
  }
}

function writeError(e: unknown, path: string, what: string, needBytes: number, cleanup: string): DataError {
  const code = (e as NodeJS.ErrnoException).code;
  const cause = (e as Error).message ?? String(e);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new DataError(
      'disk_full',
      `downloadMovieLens: could not ${what} (${path}): ${code}, the disk is full${cleanup}. It needs about ` +
        `${fmt(needBytes)} bytes free: free some space, or point cacheDir (or $TPU_EMBEDDINGS_CACHE) at a disk with room.`,
    );
  }
  return new DataError(
    'cache_write_failed',
    `downloadMovieLens: could not ${what} (${path}): ${cause}${cleanup}. Check that the cache directory is writable, ` +
      `or point cacheDir (or $TPU_EMBEDDINGS_CACHE) elsewhere.`,
  );
}

interface FetchLimits {
  readonly progress: boolean | undefined;
  readonly connectMs: number;
  readonly idleMs: number;
}

async function fetchVerified(url: string, zipPath: string, archive: string, expected: ArchiveChecksum, limits: FetchLimits): Promise<void> {
  const partial = `${zipPath}.${process.pid}.partial`;
  const deleted = `; deleted the partial file ${partial}`;
  const hash = createHash('sha256');
  let got = 0;
  let fd = -1;
  const progress = limits.progress ?? process.stderr.isTTY;
  const bar = progress ? new SingleBar({ format: `${archive} [{bar}] {percentage}% {value}/{total} bytes`, stream: process.stderr }, Presets.shades_classic) : null;
  const controller = new AbortController();
  // Which timer fired, if any (an object: the timers set it behind the control flow's back).
  const state: { timedOut: 'connect' | 'idle' | null } = { timedOut: null };
  let timer = setTimeout(() => {
    state.timedOut = 'connect';
    controller.abort();
  }, limits.connectMs);
  const armIdle = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.timedOut = 'idle';
      controller.abort();
    }, limits.idleMs);
  };
  const timeoutError = (): DataError =>
    state.timedOut === 'connect'
      ? new DataError(
          'download_timeout',
          `downloadMovieLens: expected response headers from ${url} within connectTimeoutMs = ${limits.connectMs} ms, but none came. ` +
            `Check the network or the server, or raise connectTimeoutMs.`,
        )
      : new DataError(
          'download_timeout',
          `downloadMovieLens: expected ${archive} (${fmt(expected.bytes)} bytes) to keep arriving, but no data came for ` +
            `idleTimeoutMs = ${limits.idleMs} ms after ${fmt(got)} bytes${deleted}. Retry, or raise idleTimeoutMs.`,
        );
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal });
    } catch (e) {
      if (state.timedOut) throw timeoutError();
      throw new DataError('download_failed', `downloadMovieLens: could not fetch ${url}: ${causeOf(e)}. Check the network, or pass { zip } with a local copy.`);
    }
    if (!response.ok || !response.body) {
      throw new DataError('download_failed', `downloadMovieLens: expected HTTP 200 from ${url}, but got ${response.status} ${response.statusText}.`);
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > expected.bytes) {
      throw new DataError(
        'oversized_download',
        `downloadMovieLens: expected ${archive} to be ${fmt(expected.bytes)} bytes, but ${url} announces ${fmt(declared)} bytes ` +
          `(content-length); nothing was written. The file on the server changed: pass checksums for the new file.`,
      );
    }
    armIdle();
    fd = guardWrite(() => openSync(partial, 'w'), partial, 'create the partial file', expected.bytes);
    bar?.start(expected.bytes, 0);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        if (state.timedOut) throw timeoutError();
        throw new DataError(
          'truncated_download',
          `downloadMovieLens: expected ${archive} to be ${fmt(expected.bytes)} bytes, but the connection ended after ${fmt(got)} bytes ` +
            `(${causeOf(e)})${deleted}. Retry the download.`,
        );
      }
      if (chunk.done) break;
      armIdle();
      const bytes = chunk.value;
      if (got + bytes.length > expected.bytes) {
        throw new DataError(
          'oversized_download',
          `downloadMovieLens: expected ${archive} to be ${fmt(expected.bytes)} bytes, but ${url} sent more (at least ` +
            `${fmt(got + bytes.length)} bytes); stopped reading${deleted}. The file on the server changed: pass checksums for the new file.`,
        );
      }
      guardWrite(() => writeAll(fd, bytes), partial, `write ${archive} after ${fmt(got)} bytes`, expected.bytes - got, deleted);
      hash.update(bytes);
      got += bytes.length;
      bar?.update(got);
    }
    clearTimeout(timer);
    guardWrite(() => fsyncSync(fd), partial, `flush ${archive}`, expected.bytes, deleted);
    closeSync(fd);
    fd = -1;
    bar?.stop();
    const sha = hash.digest('hex');
    if (got < expected.bytes) {
      throw new DataError(
        'truncated_download',
        `downloadMovieLens: expected ${archive} to be ${fmt(expected.bytes)} bytes, but got ${fmt(got)} bytes (sha256 ${sha})` +
          `${deleted}. Retry the download.`,
      );
    }
    if (sha !== expected.sha256) {
      throw new DataError(
        'checksum_mismatch',
        `downloadMovieLens: expected ${archive} to be ${fmt(expected.bytes)} bytes with sha256 ${expected.sha256}, but got ` +
          `${fmt(got)} bytes with sha256 ${sha}${deleted}. The file on the server changed or is corrupt: ` +
          `retry, or pass checksums for the new file.`,
      );
    }
    renameSync(partial, zipPath);
    syncDir(dirname(zipPath));
  } catch (e) {
    controller.abort();
    if (fd >= 0) closeSync(fd);
    bar?.stop();
    rmSync(partial, { force: true });
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** Unpacks the verified archive `bytes` (read from `zipPath`) into `outDir` through a temporary folder. */
function unpack(bytes: Uint8Array, zipPath: string, folder: string, outDir: string, expected: ArchiveChecksum): void {
  let files: Record<string, Uint8Array>;
  try {
    // Skip folders and the 20m/25m tag-genome files (hundreds of MB the MovieLens configs never read).
    files = unzipSync(bytes, { filter: (f) => !f.name.endsWith('/') && !/(^|\/)genome-[^/]*$/.test(f.name) });
  } catch (e) {
    throw new DataError('bad_archive', `downloadMovieLens: expected ${zipPath} to be a zip archive, but fflate says: ${(e as Error).message}.`);
  }
  const tmp = `${outDir}.${process.pid}.partial`;
  const old = `${outDir}.${process.pid}.old`;
  const total = Object.values(files).reduce((n, b) => n + b.length, 0);
  const cleanup = `; deleted the partial folder ${tmp}`;
  try {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      const rel = name.startsWith(`${folder}/`) ? name.slice(folder.length + 1) : name;
      if (rel.split('/').includes('..')) continue;
      const target = join(tmp, rel);
      guardWrite(() => writeDurably(target, content), target, `unpack ${name}`, total, cleanup);
    }
    guardWrite(() => writeDurably(join(tmp, MARKER), `${expected.sha256}\n`), tmp, 'mark the unpacked folder complete', total, cleanup);
    // Swap in the new folder: the previous one (from another archive) moves aside first, so outDir is never half deleted.
    if (existsSync(outDir)) renameSync(outDir, old);
    renameSync(tmp, outDir);
    syncDir(dirname(outDir));
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (e instanceof DataError) throw e;
    throw writeError(e, outDir, `unpack ${zipPath}`, total, cleanup);
  } finally {
    rmSync(old, { recursive: true, force: true });
  }
}

function writeDurably(path: string, content: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    writeAll(fd, typeof content === 'string' ? Buffer.from(content) : content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** Makes a rename in `dir` durable (best effort: some file systems refuse fsync on a directory). */
function syncDir(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not supported here; the rename itself is still atomic.
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function causeOf(e: unknown): string {
  const err = e as Error & { cause?: Error };
  return err.cause?.message ? `${err.message}: ${err.cause.message}` : String(err.message ?? e);
}

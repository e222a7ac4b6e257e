// test-alone: download timeouts measured in ms
// Downloads fail fast and clearly, and the cache never holds a half or unverified entry. Against an HTTP server on
// 127.0.0.1 serving zips this test builds (never the internet): a server that never answers, one that stalls
// mid-body, one that sends too much; a cached archive from another release; a process killed mid-download; a disk
// that fills up (a real ENOSPC from a small tmpfs mounted here, which needs root, as the project's machines run).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { downloadMovieLens, loadMovieLens } from '../../src/data';
import { ConfigError, DataError } from '../../src/errors';
import { ML_1M, tempDir } from './synthetic';

function buildZip(extra: Zippable = {}, movies = ML_1M['movies.dat']): Buffer {
  const files: Zippable = {};
  for (const [n, c] of Object.entries({ ...ML_1M, 'movies.dat': movies })) files[`ml-1m/${n}`] = Buffer.from(c, 'latin1');
  return Buffer.from(zipSync({ ...files, ...extra }));
}
const checksumOf = (zip: Buffer) => ({ '1m': { bytes: zip.length, sha256: createHash('sha256').update(zip).digest('hex') } });

const zipA = buildZip();
const zipB = buildZip({}, "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Release B (1996)::Drama\n");
// 256 KiB of random bytes stored uncompressed: the archive itself is larger than the 64 KiB tmpfs.
const zipNoise = buildZip({ 'ml-1m/noise.bin': [randomBytes(256 * 1024), { level: 0 }] });
// 1 MiB of zeros compresses to ~1 KiB: the archive fits the tmpfs, its unpacked folder does not.
const zipZeros = buildZip({ 'ml-1m/zeros.bin': new Uint8Array(1 << 20) });
const routes: Record<string, Buffer> = { a: zipA, b: zipB, noise: zipNoise, zeros: zipZeros };

let server: Server;
let base = '';
let hits = 0;
const open = new Set<ServerResponse>();

before(async () => {
  server = createServer((req, res) => {
    hits++;
    const [, route] = (req.url ?? '').split('/');
    if (routes[route]) {
      res.writeHead(200, { 'content-length': routes[route].length }).end(routes[route]);
    } else if (route === 'silent') {
      open.add(res); // never answers
    } else if (route === 'stall') {
      // Promises the whole archive, sends half, then goes quiet with the connection open.
      open.add(res);
      res.writeHead(200, { 'content-length': zipA.length });
      res.write(zipA.subarray(0, zipA.length >> 1));
    } else if (route === 'liar') {
      res.writeHead(200, { 'content-length': zipA.length * 1000 }).end(Buffer.concat(Array(1000).fill(zipA)));
    } else if (route === 'endless') {
      // No content-length; 64 KiB chunks until the client hangs up (or 64 MiB, so a client without a cap ends too).
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 7);
      let sent = 0;
      const pump = (): void => {
        while (sent < 1024 && !res.destroyed) {
          sent++;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  for (const res of open) res.destroy();
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

function rejectsWith(kind: string, pattern: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, pattern);
    return true;
  };
}

/** The cache holds only complete entries: no temporaries, and no archive or folder unless named in `allowed`. */
function cacheHolds(cacheDir: string, allowed: string[]): void {
  assert.deepEqual(readdirSync(cacheDir).sort(), allowed.sort());
}

test('a server that never answers: download_timeout after connectTimeoutMs, not a hang', { timeout: 20_000 }, async () => {
  const cacheDir = tempDir();
  const t = performance.now();
  await assert.rejects(downloadMovieLens('1m', { cacheDir, baseUrl: `${base}/silent/`, checksums: checksumOf(zipA), progress: false, connectTimeoutMs: 300 }),
    rejectsWith('download_timeout', /expected response headers from http:\/\/127\.0\.0\.1:\d+\/silent\/ml-1m\.zip within connectTimeoutMs = 300 ms, but none came\. .*raise connectTimeoutMs/));
  const ms = performance.now() - t;
  assert.ok(ms >= 280 && ms < 5_000, `failed after ${ms.toFixed(0)} ms`);
  cacheHolds(cacheDir, []);
});

test('a server that stalls mid-body: download_timeout after idleTimeoutMs, bytes so far named, partial deleted', { timeout: 20_000 }, async () => {
  const cacheDir = tempDir();
  const half = (zipA.length >> 1).toLocaleString('en-US');
  const t = performance.now();
  await assert.rejects(downloadMovieLens('1m', { cacheDir, baseUrl: `${base}/stall`, checksums: checksumOf(zipA), progress: false, idleTimeoutMs: 300 }),
    rejectsWith('download_timeout', new RegExp(`expected ml-1m\\.zip \\([\\d,]+ bytes\\) to keep arriving, but no data came for idleTimeoutMs = 300 ms after ${half} bytes; deleted the partial file .*ml-1m\\.zip\\.\\d+\\.partial`)));
  const ms = performance.now() - t;
  assert.ok(ms >= 280 && ms < 5_000, `failed after ${ms.toFixed(0)} ms`);
  cacheHolds(cacheDir, []);
});

test('timeouts must be positive finite milliseconds: ConfigError bad_option naming the option', async () => {
  for (const [name, value] of [['connectTimeoutMs', 0], ['idleTimeoutMs', -5], ['connectTimeoutMs', Number.NaN], ['idleTimeoutMs', Number.POSITIVE_INFINITY]] as const) {
    await assert.rejects(downloadMovieLens('1m', { cacheDir: tempDir(), baseUrl: `${base}/a/`, checksums: checksumOf(zipA), progress: false, [name]: value }),
      (e: unknown) => e instanceof ConfigError && e.kind === 'bad_option' &&
        e.message.includes(`downloadMovieLens: expected ${name} to be a positive finite number of milliseconds, but got ${String(value)}. Leave it out for 30000.`));
  }
});

test('size cap: a body longer than the expected size stops at once; a larger content-length writes nothing', { timeout: 20_000 }, async () => {
  let cacheDir = tempDir();
  const size = zipA.length.toLocaleString('en-US');
  await assert.rejects(downloadMovieLens('1m', { cacheDir, baseUrl: `${base}/endless/`, checksums: checksumOf(zipA), progress: false }),
    rejectsWith('oversized_download', new RegExp(`expected ml-1m\\.zip to be ${size} bytes, but http://127\\.0\\.0\\.1:\\d+/endless/ml-1m\\.zip sent more \\(at least [\\d,]+ bytes\\); stopped reading; deleted the partial file`)));
  cacheHolds(cacheDir, []);
  cacheDir = tempDir();
  await assert.rejects(downloadMovieLens('1m', { cacheDir, baseUrl: `${base}/liar/`, checksums: checksumOf(zipA), progress: false }),
    rejectsWith('oversized_download', new RegExp(`expected ml-1m\\.zip to be ${size} bytes, but .* announces ${(zipA.length * 1000).toLocaleString('en-US')} bytes \\(content-length\\); nothing was written`)));
  cacheHolds(cacheDir, []);
});

test('a cached entry from another archive is replaced, not reused: new checksums download and unpack again', async () => {
  const cacheDir = tempDir();
  const a = await loadMovieLens('1m-movies', { cacheDir, download: { baseUrl: `${base}/a/`, checksums: checksumOf(zipA), progress: false } });
  assert.equal(a.row(1).movie_title, 'Café Society (1995)');
  // GroupLens republished the archive (as latest-small does): the caller passes the new checksums.
  const b = await loadMovieLens('1m-movies', { cacheDir, download: { baseUrl: `${base}/b/`, checksums: checksumOf(zipB), progress: false } });
  assert.equal(b.row(1).movie_title, 'Release B (1996)');
  cacheHolds(cacheDir, ['ml-1m', 'ml-1m.zip']);
  // And the same checksums again: served from the cache, no request.
  const before = hits;
  await downloadMovieLens('1m', { cacheDir, baseUrl: `${base}/b/`, checksums: checksumOf(zipB), progress: false });
  assert.equal(hits, before);
});

test('a corrupt cached archive (same size, other bytes) is deleted and downloaded again', async () => {
  const cacheDir = tempDir();
  writeFileSync(join(cacheDir, 'ml-1m.zip'), Buffer.alloc(zipA.length, 1));
  const before = hits;
  const dir = await downloadMovieLens('1m', { cacheDir, baseUrl: `${base}/a/`, checksums: checksumOf(zipA), progress: false });
  assert.equal(hits, before + 1);
  assert.equal((await loadMovieLens('1m-ratings', { dir })).length, 3);
  cacheHolds(cacheDir, ['ml-1m', 'ml-1m.zip']);
});

test('a process killed mid-download leaves no archive or folder; the next call removes its partial file', { timeout: 60_000 }, async () => {
  const cacheDir = tempDir();
  const src = resolve(__dirname, '../../src/data');
  const code = `require(${JSON.stringify(src)}).downloadMovieLens('1m', { cacheDir: ${JSON.stringify(cacheDir)}, baseUrl: ${JSON.stringify(`${base}/stall/`)}, ` +
    `checksums: ${JSON.stringify(checksumOf(zipA))}, progress: false, idleTimeoutMs: 600000 });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // Wait for the child's partial file (it has received half the archive), then kill it without warning.
  const partial = `ml-1m.zip.${child.pid}.partial`;
  for (let i = 0; i < 400 && !existsSync(join(cacheDir, partial)); i++) await new Promise((r) => setTimeout(r, 50));
  cacheHolds(cacheDir, [partial]);
  child.kill('SIGKILL');
  await exited;
  cacheHolds(cacheDir, [partial]); // nothing that looks like a cache entry
  await downloadMovieLens('1m', { cacheDir, baseUrl: `${base}/a/`, checksums: checksumOf(zipA), progress: false });
  cacheHolds(cacheDir, ['ml-1m', 'ml-1m.zip']);
});

test('a failed download leaves the cache as it was (the archive and folder of another release stay whole)', async () => {
  const cacheDir = tempDir();
  await downloadMovieLens('1m', { cacheDir, baseUrl: `${base}/a/`, checksums: checksumOf(zipA), progress: false });
  await assert.rejects(downloadMovieLens('1m', { cacheDir, baseUrl: `${base}/missing/`, checksums: checksumOf(zipB), progress: false }),
    rejectsWith('download_failed', /expected HTTP 200 from .*\/missing\/ml-1m\.zip, but got 404/));
  cacheHolds(cacheDir, ['ml-1m', 'ml-1m.zip']);
  assert.deepEqual(readFileSync(join(cacheDir, 'ml-1m.zip')), zipA);
  assert.equal((await loadMovieLens('1m-movies', { dir: join(cacheDir, 'ml-1m') })).row(1).movie_title, 'Café Society (1995)');
});

test('temporaries of dead processes (partial archive, partial or old folder) are removed; a live process\'s are kept', async () => {
  const cacheDir = tempDir();
  const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
  const live = spawn('sleep', ['60']);
  try {
    const stale = [`ml-1m.zip.${dead}.partial`, `ml-1m.${dead}.partial`, `ml-1m.${dead}.old`];
    writeFileSync(join(cacheDir, stale[0]), 'half');
    mkdirSync(join(cacheDir, stale[1], 'sub'), { recursive: true });
    mkdirSync(join(cacheDir, stale[2]));
    const other = `ml-1m.zip.${live.pid}.partial`;
    writeFileSync(join(cacheDir, other), 'in progress');
    writeFileSync(join(cacheDir, `ml-100k.zip.${dead}.partial`), 'another release: left to its own download');
    await downloadMovieLens('1m', { cacheDir, baseUrl: `${base}/a/`, checksums: checksumOf(zipA), progress: false });
    cacheHolds(cacheDir, ['ml-1m', 'ml-1m.zip', other, `ml-100k.zip.${dead}.partial`]);
  } finally {
    live.kill();
  }
});

/** Mounts a tmpfs of `bytes` on a fresh directory (root only) and unmounts it after `body`. */
async function onTinyDisk(bytes: number, body: (dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir('tiny-disk-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
  try {
    await body(dir);
  } finally {
    execFileSync('umount', [dir]);
    rmdirSync(dir);
  }
}

test('a full disk while downloading: DataError disk_full (not truncated_download), partial deleted', async () => {
  await onTinyDisk(64 * 1024, async (cacheDir) => {
    await assert.rejects(downloadMovieLens('1m', { cacheDir, baseUrl: `${base}/noise/`, checksums: checksumOf(zipNoise), progress: false }),
      rejectsWith('disk_full', /downloadMovieLens: could not write ml-1m\.zip after [\d,]+ bytes \(.*ml-1m\.zip\.\d+\.partial\): ENOSPC, the disk is full; deleted the partial file .*\. It needs about [\d,]+ bytes free: .*cacheDir/));
    cacheHolds(cacheDir, []);
  });
});

test('a full disk while unpacking: DataError disk_full, the partial folder removed, the verified archive kept', async () => {
  await onTinyDisk(64 * 1024, async (cacheDir) => {
    await assert.rejects(downloadMovieLens('1m', { cacheDir, baseUrl: `${base}/zeros/`, checksums: checksumOf(zipZeros), progress: false }),
      rejectsWith('disk_full', /downloadMovieLens: could not unpack ml-1m\/zeros\.bin \(.*ml-1m\.\d+\.partial\/zeros\.bin\): ENOSPC, the disk is full; deleted the partial folder .*ml-1m\.\d+\.partial\. It needs about 1,04\d,\d{3} bytes free/));
    cacheHolds(cacheDir, ['ml-1m.zip']);
  });
});

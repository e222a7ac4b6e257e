// The download path against an HTTP server on 127.0.0.1 serving a zip this test builds (never the internet):
// a good download is verified, cached and unpacked; a truncated one, a short one and one with the wrong
// checksum delete the partial file and say expected vs got.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { downloadMovieLens, loadMovieLens } from '../../src/data';
import { DataError } from '../../src/errors';
import { ML_1M, tempDir } from './synthetic';

const files: Record<string, Uint8Array> = {};
for (const [n, c] of Object.entries(ML_1M)) files[`ml-1m/${n}`] = Buffer.from(c, 'latin1');
const zip = Buffer.from(zipSync(files));
const good = { '1m': { bytes: zip.length, sha256: createHash('sha256').update(zip).digest('hex') } };
let server: Server;
let base = '';
let hits = 0;

before(async () => {
  server = createServer((req, res) => {
    hits++;
    const url = req.url ?? '';
    if (!url.endsWith('/ml-1m.zip')) {
      res.writeHead(404).end('not found');
    } else if (url.startsWith('/good/')) {
      res.writeHead(200, { 'content-length': zip.length }).end(zip);
    } else if (url.startsWith('/truncated/')) {
      // Promise the whole archive, send half, then drop the connection.
      res.writeHead(200, { 'content-length': zip.length });
      res.write(zip.subarray(0, zip.length >> 1), () => res.destroy());
    } else if (url.startsWith('/short/')) {
      const half = zip.subarray(0, zip.length >> 1);
      res.writeHead(200, { 'content-length': half.length }).end(half);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((r) => server.close(() => r())));

function noPartials(cacheDir: string): void {
  const left = existsSync(cacheDir) ? readdirSync(cacheDir) : [];
  assert.deepEqual(left.filter((f) => f.includes('partial') || f.endsWith('.zip')), [], 'no partial or unverified archive left');
}

test('good download: verified, renamed into the cache, unpacked, then read; the next load uses the cache', async () => {
  const cacheDir = tempDir();
  const data = await loadMovieLens('1m-ratings', { cacheDir, download: { baseUrl: `${base}/good/`, checksums: good, progress: false } });
  assert.equal(data.length, 3);
  assert.equal(data.row(1).movie_title, 'Café Society (1995)');
  assert.deepEqual(readdirSync(cacheDir).sort(), ['ml-1m', 'ml-1m.zip']);
  const before = hits;
  const again = await loadMovieLens('1m-movies', { cacheDir, download: { baseUrl: `${base}/good/`, checksums: good, progress: false } });
  assert.equal(again.length, 2);
  assert.equal(hits, before, 'no second request');
});

test('truncated download (connection dropped): DataError truncated_download, expected vs got, partial deleted', async () => {
  const cacheDir = tempDir();
  await assert.rejects(downloadMovieLens('1m', { cacheDir, baseUrl: `${base}/truncated`, checksums: good, progress: false }), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.equal(e.kind, 'truncated_download');
    assert.match(e.message, new RegExp(`expected ml-1m\\.zip to be ${zip.length.toLocaleString('en-US')} bytes, but the connection ended after [\\d,]+ bytes`));
    assert.match(e.message, /deleted the partial file .*ml-1m\.zip\.\d+\.partial/);
    return true;
  });
  noPartials(cacheDir);
});

test('short download (server sends half): truncated_download with the sizes, partial deleted', async () => {
  const cacheDir = tempDir();
  const half = (zip.length >> 1).toLocaleString('en-US');
  await assert.rejects(downloadMovieLens('1m', { cacheDir, baseUrl: `${base}/short/`, checksums: good, progress: false }), (e: unknown) => {
    assert.ok(e instanceof DataError && e.kind === 'truncated_download');
    assert.match(e.message, new RegExp(`expected ml-1m\\.zip to be ${zip.length.toLocaleString('en-US')} bytes, but got ${half} bytes`));
    return true;
  });
  noPartials(cacheDir);
});

test('wrong checksum: DataError checksum_mismatch naming both hashes, partial deleted, nothing unpacked', async () => {
  const cacheDir = tempDir();
  const wrong = { '1m': { bytes: zip.length, sha256: '0'.repeat(64) } };
  await assert.rejects(
    loadMovieLens('1m-ratings', { cacheDir, download: { baseUrl: `${base}/good`, checksums: wrong, progress: false } }),
    (e: unknown) => {
      assert.ok(e instanceof DataError && e.kind === 'checksum_mismatch');
      assert.match(e.message, new RegExp(`expected ml-1m\\.zip to be [\\d,]+ bytes with sha256 0{64}, but got [\\d,]+ bytes with sha256 ${good['1m'].sha256}; deleted the partial file`));
      return true;
    },
  );
  noPartials(cacheDir);
  assert.ok(!existsSync(join(cacheDir, 'ml-1m')));
});

test('HTTP 404: DataError download_failed naming the URL', async () => {
  const cacheDir = tempDir();
  await assert.rejects(downloadMovieLens('1m', { cacheDir, baseUrl: `${base}/missing`, checksums: good, progress: false }), (e: unknown) =>
    e instanceof DataError && e.kind === 'download_failed' && /expected HTTP 200 from http:\/\/127\.0\.0\.1:\d+\/missing\/ml-1m\.zip, but got 404/.test(e.message));
  noPartials(cacheDir);
});

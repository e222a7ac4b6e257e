// The readers check values, not only shapes: ids 1..2^31-1 (never wrapped), ratings 1-5 integers (100k, 1m) or
// 0.5-5 in halves (CSV), timestamps 0..now+1 day, 100k ages 1..120, decimal digits only; and a line-length cap so
// that a file without newlines fails fast with bounded memory. Every error names file:line, field, rule and value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { zipSync } from 'fflate';
import { loadMovieLensSync, zipSource, readMovieLens } from '../../src/data';
import { MAX_LINE_BYTES } from '../../src/data/byte-input';
import { maxTimestamp, isHalfStarRating } from '../../src/data/value-rules';
import { DataError } from '../../src/errors';
import { csvFiles, ML_100K, ML_1M, tempDir, writeFolder } from './synthetic';

function malformed(pattern: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    assert.equal(e.kind, 'malformed_line', e.message);
    assert.match(e.message, pattern);
    return true;
  };
}

const load100k = (overrides: Record<string, string>) => () =>
  loadMovieLensSync('100k-ratings', { dir: writeFolder(tempDir(), 'ml-100k', { ...ML_100K, ...overrides }, 'latin1') });
const loadCsv = (overrides: Record<string, string>) => () =>
  loadMovieLensSync('latest-small-ratings', { dir: writeFolder(tempDir(), 'ml-latest-small', { ...csvFiles('\n'), ...overrides }) });
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('ids: 4294967297 is refused, not wrapped to user 1; 0 and 2^31 too; the rule and the value in the message', () => {
  // User 1 exists in u.user: Int32 wraparound would silently turn 4294967297 (2^32 + 1) into a rating by user 1.
  assert.throws(load100k({ 'u.data': '1\t1\t5\t874965758\n4294967297\t1\t5\t874965758\n' }),
    malformed(/u\.data:2: field user_id: expected a positive integer id from 1 to 2147483647 \(digits only\), but got "4294967297" in line/));
  assert.throws(load100k({ 'u.data': '1\t2147483648\t5\t874965758\n' }), malformed(/u\.data:1: field movie_id: expected a positive integer id .* but got "2147483648"/));
  assert.throws(load100k({ 'u.user': '1|24|M|technician|85711\n4294967298|17|F|none|T8H1N\n' }), malformed(/u\.user:2: field user_id: .* but got "4294967298"/));
  assert.throws(load100k({ 'u.item': `0|Zero (1995)|||x|${'0|'.repeat(18)}1\n` }), malformed(/u\.item:1: field movie_id: expected a positive integer id .* but got "0"/));
  assert.throws(loadCsv({ 'movies.csv': 'movieId,title,genres\n0,Zero (1995),Drama\n' }), malformed(/movies\.csv:2: field movie_id: .* but got "0"/));
  assert.throws(() => loadMovieLensSync('1m-ratings', { dir: writeFolder(tempDir(), 'ml-1m', { ...ML_1M, 'users.dat': '4294967297::F::1::10::48067\n' }, 'latin1') }),
    malformed(/users\.dat:1: field user_id: .* but got "4294967297"/));
  // The largest id that fits is accepted.
  const ok = load100k({ 'u.user': '2147483647|24|M|technician|85711\n', 'u.data': '2147483647\t1\t5\t874965758\n' })();
  assert.equal(ok.column('user_id')[0], 2147483647);
});

test('numbers are decimal digits only: 0x3, 1e3, +5, " 5", empty, 5. and -1 are refused in ids, ratings and timestamps', () => {
  for (const bad of ['0x3', '1e3', '+5', ' 5', '', '5.', '-1']) {
    const shown = escape(JSON.stringify(bad));
    assert.throws(load100k({ 'u.data': `1\t1\t5\t874965758\n${bad}\t1\t5\t874965758\n` }), malformed(new RegExp(`u\\.data:2: field user_id: expected a positive integer id .* but got ${shown}`)), bad);
    assert.throws(load100k({ 'u.data': `1\t1\t${bad}\t874965758\n` }), malformed(new RegExp(`u\\.data:1: field user_rating: expected an integer rating from 1 to 5, but got ${shown}`)), bad);
    assert.throws(loadCsv({ 'ratings.csv': `userId,movieId,rating,timestamp\n1,1,${bad},964982703\n` }),
      malformed(new RegExp(`ratings\\.csv:2: field user_rating: expected a rating from 0\\.5 to 5 in steps of 0\\.5, but got ${shown}`)), bad);
    assert.throws(loadCsv({ 'ratings.csv': `userId,movieId,rating,timestamp\n1,1,4.0,${bad}\n` }),
      malformed(new RegExp(`ratings\\.csv:2: field timestamp: expected a Unix time in seconds from 0 to \\d+ \\(now plus a day\\), but got ${shown}`)), bad);
  }
});

test('ratings: 100k/1m integers 1-5; CSV 0.5-5 in halves (3.5 and 4.0 pass, 0, 0.25, 5.5 and 4.3 do not)', () => {
  for (const bad of ['0', '6', '4.5', '10']) {
    assert.throws(load100k({ 'u.data': `1\t1\t${bad}\t874965758\n` }), malformed(new RegExp(`u\\.data:1: field user_rating: expected an integer rating from 1 to 5, but got "${escape(bad)}"`)), bad);
  }
  assert.throws(() => loadMovieLensSync('1m-ratings', { dir: writeFolder(tempDir(), 'ml-1m', { ...ML_1M, 'ratings.dat': '1::1::7::978300760\n' }, 'latin1') }),
    malformed(/ratings\.dat:1: field user_rating: expected an integer rating from 1 to 5, but got "7"/));
  for (const bad of ['0', '0.0', '0.25', '5.5', '4.3', '6']) {
    assert.throws(loadCsv({ 'ratings.csv': `userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,11,${bad},964982703\n` }),
      malformed(new RegExp(`ratings\\.csv:3: field user_rating: expected a rating from 0\\.5 to 5 in steps of 0\\.5, but got "${escape(bad)}"`)), bad);
  }
  const good = loadCsv({ 'ratings.csv': 'userId,movieId,rating,timestamp\n1,1,0.5,0\n1,11,3.50,964982703\n1,29,5,964982703\n1,208,4.0,964982703\n' })();
  assert.deepEqual(Array.from(good.column('user_rating')), [0.5, 3.5, 5, 4]);
  assert.deepEqual([0.5, 1, 4.5, 5, 0, 0.25, 5.5, 3.3, NaN].map(isHalfStarRating), [true, true, true, true, false, false, false, false, false]);
});

test('timestamps: 0 to now plus one day (the rule is in the message); ages: 1 to 120 years', () => {
  // maxTimestamp(now) = floor(now / 1000) + 86,400.
  assert.equal(maxTimestamp(Date.UTC(2026, 0, 1)), Date.UTC(2026, 0, 2) / 1000);
  const tomorrowPlus = maxTimestamp() + 3600; // an hour beyond the limit
  for (const bad of [String(tomorrowPlus), '99999999999', '-1']) {
    assert.throws(load100k({ 'u.data': `1\t1\t5\t${bad}\n` }), malformed(new RegExp(`u\\.data:1: field timestamp: expected a Unix time in seconds from 0 to \\d+ \\(now plus a day\\), but got "${bad}"`)), bad);
  }
  assert.equal(load100k({ 'u.data': `1\t1\t5\t0\n1\t543\t5\t${Math.floor(Date.now() / 1000)}\n` })().length, 2);
  for (const bad of ['0', '121', '999']) {
    assert.throws(load100k({ 'u.user': `1|${bad}|M|technician|85711\n` }), malformed(new RegExp(`u\\.user:1: field user_age: expected an age in years from 1 to 120, but got "${bad}"`)), bad);
  }
});

test('line cap: a line over 1 MiB is line_too_long with file:line, on disk (line 4 after 3 good lines) and in a zip', () => {
  const long = 'x'.repeat(MAX_LINE_BYTES + 1);
  const good = ML_100K['u.data'].split('\n').slice(0, 3).join('\n') + '\n';
  const tooLong = (file: RegExp) => (e: unknown): boolean => {
    assert.ok(e instanceof DataError, String(e));
    assert.equal(e.kind, 'line_too_long');
    assert.match(e.message, file);
    assert.match(e.message, /expected lines of at most 1,048,576 bytes, but this line has at least 1,048,57\d bytes/);
    return true;
  };
  assert.throws(load100k({ 'u.data': `${good}${long}\n1\t1\t5\t874965758\n` }), tooLong(/u\.data:4: /));
  assert.throws(load100k({ 'u.data': `${good}${long}` }), tooLong(/u\.data:4: /));
  const zip = zipSync({ 'ml-100k/u.item': Buffer.from(ML_100K['u.item'], 'latin1'), 'ml-100k/u.user': Buffer.from(ML_100K['u.user']), 'ml-100k/u.data': Buffer.from(`${good}${long}\n`) });
  assert.throws(() => readMovieLens('100k-ratings', zipSource(zip, 'ml-100k', 'mem.zip')), tooLong(/mem\.zip!ml-100k\/u\.data:4: /));
  // A line of exactly the cap still parses as a line (and fails on its content instead).
  assert.throws(load100k({ 'u.data': `${good}${'9'.repeat(MAX_LINE_BYTES)}\n` }), malformed(/u\.data:4: field user_id/));
});

test('a 100 MB file without a newline fails fast with bounded memory (child process, peak RSS growth < 96 MB)', () => {
  const dir = writeFolder(tempDir(), 'ml-100k', { 'u.item': ML_100K['u.item'], 'u.user': ML_100K['u.user'] }, 'latin1');
  const path = join(dir, 'u.data');
  const fd = openSync(path, 'w');
  const mb = Buffer.alloc(1 << 20, 'a');
  for (let i = 0; i < 100; i++) writeSync(fd, mb);
  closeSync(fd);
  try {
    const src = resolve(__dirname, '../../src/data');
    const code = `
      const { loadMovieLensSync } = require(${JSON.stringify(src)});
      const before = process.memoryUsage().rss;
      const t = performance.now();
      let kind = 'none', message = '';
      try { loadMovieLensSync('100k-ratings', { dir: ${JSON.stringify(dir)} }); } catch (e) { kind = e.kind; message = e.message; }
      const ms = performance.now() - t;
      const growthMB = (process.resourceUsage().maxRSS * 1024 - before) / 2 ** 20;
      console.log(JSON.stringify({ kind, message, ms, growthMB }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { kind: string; message: string; ms: number; growthMB: number };
    assert.equal(out.kind, 'line_too_long', out.message);
    assert.match(out.message, /u\.data:1: expected lines of at most 1,048,576 bytes/);
    // Reading stops after the first 32 MiB chunk; growing a buffer to the whole line would take 100+ MB more.
    assert.ok(out.growthMB < 96, `peak RSS grew by ${out.growthMB.toFixed(0)} MB`);
    assert.ok(out.ms < 10_000, `took ${out.ms.toFixed(0)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

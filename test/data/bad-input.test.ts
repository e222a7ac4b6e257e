// Each bad-input error names the file, the line number and the field (or the file and where it looked).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadMovieLensSync, zipSource } from '../../src/data';
import { DataError } from '../../src/errors';
import { csvFiles, ML_100K, ML_1M, tempDir, writeFolder } from './synthetic';

function dataError(kind: string, pattern: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    assert.equal(e.kind, kind);
    assert.match(e.message, pattern);
    return true;
  };
}

function with100k(overrides: Record<string, string>): string {
  const dir = tempDir();
  return writeFolder(dir, 'ml-100k', { ...ML_100K, ...overrides }, 'latin1');
}

test('a rating that is not a number: file, line 3, field user_rating, the rule, the value', () => {
  const dir = with100k({ 'u.data': '1\t1\t5\t874965758\n2\t543\t3\t876893171\n3\t267\tx\t878542960\n' });
  assert.throws(() => loadMovieLensSync('100k-ratings', { dir }),
    dataError('malformed_line', /u\.data:3: field user_rating: expected an integer rating from 1 to 5, but got "x" in line "3\\t267\\tx\\t878542960"/));
});

test('an id that is not an integer: field user_id', () => {
  const dir = with100k({ 'u.data': '1\t1\t5\t874965758\nabc\t543\t3\t876893171\n' });
  assert.throws(() => loadMovieLensSync('100k-ratings', { dir }), dataError('malformed_line', /u\.data:2: field user_id: expected a positive integer id from 1 to 2147483647 \(digits only\), but got "abc"/));
});

test('a line with too few or too many fields', () => {
  let dir = with100k({ 'u.data': '1\t1\t5\n' });
  assert.throws(() => loadMovieLensSync('100k-ratings', { dir }),
    dataError('malformed_line', /u\.data:1: field timestamp: expected field 4, but the line has only 3/));
  dir = with100k({ 'u.data': '1\t1\t5\t874965758\t9\n' });
  assert.throws(() => loadMovieLensSync('100k-ratings', { dir }), dataError('malformed_line', /u\.data:1: expected 4 fields, but the line has more/));
});

test('a rating of a movie missing from u.item, a user missing from u.user', () => {
  let dir = with100k({ 'u.data': '1\t1\t5\t874965758\n1\t999\t5\t874965758\n' });
  assert.throws(() => loadMovieLensSync('100k-ratings', { dir }),
    dataError('malformed_line', /u\.data:2: field movie_id: expected a movie id listed in u\.item, but got "999"/));
  dir = with100k({ 'u.data': '77\t1\t5\t874965758\n' });
  assert.throws(() => loadMovieLensSync('100k-ratings', { dir }),
    dataError('malformed_line', /u\.data:1: field user_id: expected a user id listed in u\.user, but got "77"/));
});

test('u.user with an unknown occupation or gender; u.item with a bad genre flag', () => {
  let dir = with100k({ 'u.user': '1|24|M|astronaut|85711\n' });
  assert.throws(() => loadMovieLensSync('100k-ratings', { dir }),
    dataError('malformed_line', /u\.user:1: field user_occupation: expected one of administrator, .*writer, but got "astronaut"/));
  dir = with100k({ 'u.user': '1|24|X|writer|85711\n' });
  assert.throws(() => loadMovieLensSync('100k-ratings', { dir }), dataError('malformed_line', /u\.user:1: field user_gender: expected M or F, but got "X"/));
  dir = with100k({ 'u.item': `1|Toy Story (1995)|||x|${'0|'.repeat(18)}2\n` });
  assert.throws(() => loadMovieLensSync('100k-movies', { dir }),
    dataError('malformed_line', /u\.item:1: field genre_Western: expected a genre flag 0 or 1, but got "2"/));
});

test('1m: an occupation code out of range, an unknown genre', () => {
  let dir = writeFolder(tempDir(), 'ml-1m', { ...ML_1M, 'users.dat': '1::F::1::21::48067\n' }, 'latin1');
  assert.throws(() => loadMovieLensSync('1m-ratings', { dir }),
    dataError('malformed_line', /users\.dat:1: field user_occupation: expected an occupation code 0-20, but got "21"/));
  dir = writeFolder(tempDir(), 'ml-1m', { ...ML_1M, 'movies.dat': '1::Toy Story (1995)::Animation|Cartoon\n' }, 'latin1');
  assert.throws(() => loadMovieLensSync('1m-movies', { dir }), dataError('malformed_line', /movies\.dat:1: field movie_genres: expected genres from Action\|.*, but got "Cartoon" in line/));
});

test('CSV: a wrong header, an unclosed quote, a bad rating on a CRLF line', () => {
  const files = csvFiles('\r\n');
  let dir = writeFolder(tempDir(), 'ml-20m', { ...files, 'ratings.csv': 'user,movie,rating,ts\r\n1,1,4.0,964982703\r\n' });
  assert.throws(() => loadMovieLensSync('20m-ratings', { dir }),
    dataError('malformed_line', /ratings\.csv:1: field header: expected the header "userId,movieId,rating,timestamp", but got "user,movie,rating,ts"/));
  dir = writeFolder(tempDir(), 'ml-20m', { ...files, 'movies.csv': 'movieId,title,genres\r\n1,"Toy Story (1995),Comedy\r\n' });
  assert.throws(() => loadMovieLensSync('20m-movies', { dir }), dataError('malformed_line', /movies\.csv:2: field movie_title: expected a closing double quote/));
  dir = writeFolder(tempDir(), 'ml-20m', { ...files, 'ratings.csv': 'userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,11,four,964981247\r\n' });
  assert.throws(() => loadMovieLensSync('20m-ratings', { dir }), dataError('malformed_line', /ratings\.csv:3: field user_rating: expected a rating from 0\.5 to 5 in steps of 0\.5, but got "four"/));
});

test('a missing file names the file and the directory it looked in', () => {
  const dir = tempDir();
  const { 'u.user': _omit, ...rest } = ML_100K;
  const folder = writeFolder(dir, 'ml-100k', rest, 'latin1');
  assert.throws(() => loadMovieLensSync('100k-ratings', { dir }),
    dataError('missing_file', new RegExp(`expected the file u\\.user in ${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, but .*u\\.user does not exist`)));
});

test('a missing file in a zip, a missing zip, and bytes that are not a zip', () => {
  const dir = tempDir();
  assert.throws(() => loadMovieLensSync('100k-ratings', { zip: join(dir, 'nope.zip') }), dataError('missing_file', /expected the zip archive .*nope\.zip, but it does not exist/));
  const bad = join(dir, 'bad.zip');
  writeFileSync(bad, 'not a zip');
  assert.throws(() => loadMovieLensSync('100k-ratings', { zip: bad }), dataError('bad_archive', /expected .*bad\.zip to be a zip archive/));
  const src = zipSource(new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]), 'ml-100k', 'empty.zip');
  assert.throws(() => src.file('u.data'), dataError('missing_file', /expected the file ml-100k\/u\.data in the archive empty\.zip, but it is not there/));
});

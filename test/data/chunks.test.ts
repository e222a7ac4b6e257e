// Large files are read in chunks that end at line boundaries; line numbers in errors carry across chunks and a
// line longer than a chunk still parses. Exercised here with chunks of a few bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forEachLineChunk } from '../../src/data/byte-input';
import { readMovies } from '../../src/data/read-movies';
import { readRatings } from '../../src/data/read-ratings';
import { csvFiles, tempDir } from './synthetic';

test('forEachLineChunk: pieces end at newlines and concatenate to the file (a line longer than a chunk too)', () => {
  const path = join(tempDir(), 'f.txt');
  const text = 'a,b\r\nlong line longer than eight bytes\n\nlast-without-newline';
  writeFileSync(path, text);
  const pieces: string[] = [];
  forEachLineChunk({ name: 'f.txt', path }, (b) => pieces.push(Buffer.from(b).toString()), 8);
  assert.equal(pieces.join(''), text);
  for (const p of pieces.slice(0, -1)) assert.ok(p.endsWith('\n'), JSON.stringify(p));
});

test('readRatings in 16-byte chunks: same columns as one piece; errors keep the true line number', () => {
  const dir = tempDir();
  const files = csvFiles('\r\n');
  writeFileSync(join(dir, 'movies.csv'), files['movies.csv']);
  writeFileSync(join(dir, 'ratings.csv'), files['ratings.csv']);
  const movies = readMovies({ name: 'movies.csv', path: join(dir, 'movies.csv') }, 'csv');
  const whole = readRatings({ name: 'ratings.csv', path: join(dir, 'ratings.csv') }, 'csv', movies, null);
  const chunked = readRatings({ name: 'ratings.csv', path: join(dir, 'ratings.csv') }, 'csv', movies, null, 16);
  assert.deepEqual(chunked, whole);
  assert.deepEqual(Array.from(chunked.user_rating), [4, 3.5, 0.5, 5]);
  // The header is line 1 and the four ratings lines 2-5, so the appended bad line is line 6, several 16-byte chunks in.
  const bad = files['ratings.csv'] + '7,1,x,1\r\n';
  writeFileSync(join(dir, 'bad.csv'), bad);
  assert.throws(() => readRatings({ name: 'bad.csv', path: join(dir, 'bad.csv') }, 'csv', movies, null, 16),
    /bad\.csv:6: field user_rating: expected a rating from 0\.5 to 5 in steps of 0\.5, but got "x"/);
});

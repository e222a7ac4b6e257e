import { CHUNK_BYTES, forEachLineChunk, type ByteInput } from './byte-input';
import { LineScanner } from './line-scanner';
import type { MoviesTable, RatingsTable, UsersTable } from './movielens-tables';
import { expectHeader } from './read-movies';
import { HALF_STAR_RATING_RULE, INTEGER_RATING_RULE, isHalfStarRating, maxTimestamp } from './value-rules';

/**
 * Reads a ratings file into a {@link RatingsTable}, joining each rating to its movie (and user) row:
 * 100k `u.data`/`u1.base`… (tab-separated), 1m `ratings.dat` (`::`) or `ratings.csv` (header
 * `userId,movieId,rating,timestamp`, LF or CRLF). Numbers are parsed from the bytes and written straight into
 * typed arrays (about 24 bytes per rating), so a 25M-row `ratings.csv` is read in chunks without building
 * per-line strings.
 *
 * Values are checked (rules in value-rules.ts): ids 1 to 2^31−1; ratings integers 1–5 (100k, 1m) or 0.5–5 in halves
 * (CSV); timestamps 0 to now plus a day; decimal digits only (no sign, space, `0x`, exponent); lines up to 1 MiB.
 *
 * @param input the file.
 * @param format `100k`, `1m` or `csv`.
 * @param movies the movies table ratings refer to.
 * @param users the users table (100k/1m ratings configs), or null.
 * @param chunkBytes read size for files on disk. @default CHUNK_BYTES (32 MiB)
 * @returns the ratings table.
 * @throws DataError `malformed_line` naming file, line, field, rule and value (also for a movie or user id absent
 *   from its table); `line_too_long`.
 * @example
 * const ratings = readRatings({ name: 'u.data', path }, '100k', movies, users);
 */
export function readRatings(
  input: ByteInput,
  format: '100k' | '1m' | 'csv',
  movies: MoviesTable,
  users: UsersTable | null,
  chunkBytes: number = CHUNK_BYTES,
): RatingsTable {
  let capacity = 0;
  let n = 0;
  let userId = new Int32Array(0);
  let movieId = new Int32Array(0);
  let rating = new Float32Array(0);
  let timestamp = new Float64Array(0);
  let movieRow = new Int32Array(0);
  let userRow: Int32Array | null = users ? new Int32Array(0) : null;
  const grow = (needed: number): void => {
    capacity = Math.max(needed, Math.ceil(capacity * 1.5), 1024);
    userId = resize(userId, capacity);
    movieId = resize(movieId, capacity);
    rating = resize(rating, capacity);
    timestamp = resize(timestamp, capacity);
    movieRow = resize(movieRow, capacity);
    if (userRow) userRow = resize(userRow, capacity);
  };
  const separator = format === '100k' ? '\t' : format === '1m' ? '::' : ',';
  let scanner: LineScanner | null = null;
  let header = format === 'csv';
  const movieIndex = movies.index;
  const userIndex = users ? users.index : null;
  const movieFile = format === '100k' ? 'u.item' : format === '1m' ? 'movies.dat' : 'movies.csv';
  const userFile = format === '100k' ? 'u.user' : 'users.dat';
  const halfStars = format === 'csv';
  const latest = maxTimestamp();
  const timestampRule = `a Unix time in seconds from 0 to ${latest} (now plus a day)`;
  // Local copies of the imported rules, read once per rating (see line-scanner.ts).
  const halfStarRule = HALF_STAR_RATING_RULE;
  const integerRule = INTEGER_RATING_RULE;
  const isHalfStar = isHalfStarRating;
  forEachLineChunk(input, (bytes, totalBytes) => {
    if (scanner) scanner.reset(bytes);
    else scanner = new LineScanner(bytes, input.name, separator, format === 'csv' ? 'utf8' : 'latin1');
    const s: LineScanner = scanner;
    if (capacity === 0) {
      // Estimate the row count from this first chunk's line density, then grow by 1.5x if it was short.
      let lines = 0;
      for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) lines++;
      grow(Math.ceil(((lines + 1) * totalBytes) / Math.max(1, bytes.length) * 1.02));
    }
    while (s.nextLine()) {
      if (header) {
        header = false;
        expectHeader(s, 'userId,movieId,rating,timestamp');
        continue;
      }
      if (n === capacity) grow(n + 1);
      const u = s.id('user_id');
      const m = s.id('movie_id');
      if (halfStars) {
        const r = s.number('user_rating', halfStarRule);
        if (!isHalfStar(r)) s.fail('user_rating', halfStarRule);
        rating[n] = r;
      } else {
        rating[n] = s.intIn('user_rating', 1, 5, integerRule);
      }
      timestamp[n] = s.intIn('timestamp', 0, latest, timestampRule);
      s.end();
      const mr = movieIndex.rowOf(m);
      if (mr < 0) s.fail('movie_id', `a movie id listed in ${movieFile}`, String(m));
      userId[n] = u;
      movieId[n] = m;
      movieRow[n] = mr;
      if (userRow) {
        const ur = (userIndex as NonNullable<typeof userIndex>).rowOf(u);
        if (ur < 0) s.fail('user_id', `a user id listed in ${userFile}`, String(u));
        userRow[n] = ur;
      }
      n++;
    }
  }, chunkBytes);
  return {
    length: n,
    user_id: userId.subarray(0, n),
    movie_id: movieId.subarray(0, n),
    user_rating: rating.subarray(0, n),
    timestamp: timestamp.subarray(0, n),
    movieRow: movieRow.subarray(0, n),
    userRow: userRow ? userRow.subarray(0, n) : null,
  };
}

function resize<T extends Int32Array | Float32Array | Float64Array>(a: T, capacity: number): T {
  const b = new (a.constructor as new (n: number) => T)(capacity);
  b.set(a.subarray(0, Math.min(a.length, capacity)) as never);
  return b;
}

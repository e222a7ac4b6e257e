import { DataError } from '../errors';
import { forEachLineChunk, type ByteInput } from './byte-input';
import { IdIndex } from './id-index';
import { GENRES_100K, MOVIE_GENRES } from './labels';
import { LineScanner } from './line-scanner';
import type { MoviesTable } from './movielens-tables';

const GENRE_INDEX = new Map<string, number>(MOVIE_GENRES.map((g, i) => [g, i]));
GENRE_INDEX.set("Children's", MOVIE_GENRES.indexOf('Children'));
const GENRES_100K_INDEX = GENRES_100K.map((g) => MOVIE_GENRES.indexOf(g));

/**
 * Reads a movies file into a {@link MoviesTable}: 100k `u.item` (latin-1, `|`, 19 genre flags), 1m `movies.dat`
 * (latin-1, `::`, genres `|`-separated) or `movies.csv` (UTF-8, header, quoted titles).
 *
 * @param input the file.
 * @param format `100k`, `1m` or `csv`.
 * @returns the movies table.
 * Ids must be 1 to 2^31−1 (decimal digits only).
 *
 * @throws DataError `malformed_line` (file, line, field, rule, value), `duplicate_id` or `line_too_long`.
 * @example
 * const movies = readMovies({ name: 'u.item', path: '/data/ml-100k/u.item' }, '100k');
 */
export function readMovies(input: ByteInput, format: '100k' | '1m' | 'csv'): MoviesTable {
  const ids: number[] = [];
  const titles: string[] = [];
  const genreValues: number[] = [];
  const splits: number[] = [0];
  const encoding = format === 'csv' ? 'utf8' : 'latin1';
  const separator = format === '100k' ? '|' : format === '1m' ? '::' : ',';
  let scanner: LineScanner | null = null;
  let header = format === 'csv';
  forEachLineChunk(input, (bytes) => {
    if (scanner) scanner.reset(bytes);
    else scanner = new LineScanner(bytes, input.name, separator, encoding);
    const s: LineScanner = scanner;
    while (s.nextLine()) {
      if (header) {
        header = false;
        expectHeader(s, 'movieId,title,genres');
        continue;
      }
      ids.push(s.id('movie_id'));
      if (format === '100k') {
        titles.push(s.text('movie_title'));
        s.skip('release_date');
        s.skip('video_release_date');
        s.skip('imdb_url');
        for (let g = 0; g < GENRES_100K.length; g++) {
          const flag = s.int(`genre_${GENRES_100K[g]}`);
          if (flag === 1) genreValues.push(GENRES_100K_INDEX[g]);
          else if (flag !== 0) s.fail(`genre_${GENRES_100K[g]}`, 'a genre flag 0 or 1');
        }
      } else {
        titles.push(format === 'csv' ? s.csvText('movie_title') : s.text('movie_title'));
        const genres = s.text('movie_genres');
        for (const g of genres.split('|')) {
          const index = GENRE_INDEX.get(g);
          if (index === undefined) s.fail('movie_genres', `genres from ${MOVIE_GENRES.join('|')}`, g);
          genreValues.push(index);
        }
      }
      s.end();
      splits.push(genreValues.length);
    }
  });
  const movieIds = Int32Array.from(ids);
  const index = new IdIndex(movieIds, (row) => {
    throw new DataError(
      'duplicate_id',
      `${input.name}: movie_id ${movieIds[row]} appears twice (row ${row + 1}); expected each movie once. Fix the file.`,
    );
  });
  return {
    length: movieIds.length,
    movie_id: movieIds,
    movie_title: titles,
    movie_genres: { values: Uint8Array.from(genreValues), rowSplits: Int32Array.from(splits) },
    index,
  };
}

/** Checks a CSV header line. @throws DataError `malformed_line` naming the expected header. */
export function expectHeader(s: LineScanner, expected: string): void {
  const got = s.line().replace(/^\uFEFF/, '');
  if (got !== expected) {
    throw new DataError(
      'malformed_line',
      `${s.file}:${s.lineNo}: field header: expected the header ${JSON.stringify(expected)}, but got ${JSON.stringify(got)}. ` +
        `Check that this is a MovieLens CSV file.`,
    );
  }
}

import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { loadMovieLensSync } from '../../src/data';
import { ConfigError, InputError } from '../../src/errors';
import { pcaProjection } from '../../src/retrieval';
import { movieGenreProjectionFigure } from '../../src/viz';
import { GENRE_COLOURS, OTHER_GENRE_COLOUR } from '../../src/viz/genre-projection-figure';
import { ML_100K, tempDir, writeFolder } from '../data/synthetic';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

test('movieGenreProjectionFigure: any model\'s movie rows (e.g. a rating model\'s table) as a PCA coloured by first genre', () => {
  const dir = tempDir();
  writeFolder(dir, 'ml-100k', ML_100K, 'latin1');
  const data = loadMovieLensSync('100k-ratings', { dir });
  // Rows for movies 1 (first genre Animation), 543 (Drama), 267 (Unknown), and id 9999, which the files lack ('other').
  const ids = Int32Array.from([1, 543, 267, 9999]);
  const vectors = Float32Array.from([1, 0, 0, 2, 1, 0, -3, 1, 1, 0, 2, 0]); // 4 movies × dim 3
  const fig = movieGenreProjectionFigure({ vectors, dim: 3, movieIds: ids, data, maxGenres: 2, title: 'Rating model: movie table' });
  const t = fig.data as Any[];
  // Unknown is the third genre (one movie each, ties kept in first-seen order), so with 2 colours it joins 'other'.
  assert.deepEqual(t.map((s) => s.name), ['other', 'Animation', 'Drama']);
  assert.deepEqual(t.map((s) => s.marker.color), [OTHER_GENRE_COLOUR, GENRE_COLOURS[0], GENRE_COLOURS[1]]);
  assert.equal((fig.layout as Any).title.text, 'Rating model: movie table');
  // The points are pcaProjection of the rows, in row order: 1 → Animation, 543 → Drama, 267 and 9999 → other.
  const p = pcaProjection(vectors, 3);
  assert.deepEqual([t[1].x[0], t[2].x[0], t[0].x[0], t[0].x[1]], [p.x[0], p.x[1], p.x[2], p.x[3]]);
  assert.deepEqual([t[1].y[0], t[2].y[0]], [p.y[0], p.y[1]]);
  assert.equal((fig.layout as Any).xaxis.title.text, `PC 1 (${(100 * p.explainedVariance[0]).toFixed(1)}% of variance)`);
  assert.throws(
    () => movieGenreProjectionFigure({ vectors, dim: 4, movieIds: ids, data }),
    (e: unknown) => e instanceof InputError && e.kind === 'bad_shape' && /movieIds\.length × dim = 4 × 4 values, but got 12/.test(e.message),
  );
  assert.throws(
    () => movieGenreProjectionFigure({ vectors, dim: 3, movieIds: ids, data, maxGenres: 0 }),
    (e: unknown) => e instanceof ConfigError && e.kind === 'invalid_option' && /maxGenres to be an integer from 1 to 7 .*but got 0/.test(e.message),
  );
});

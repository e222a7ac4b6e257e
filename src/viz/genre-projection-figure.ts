import type { MovieLensData } from '../data/movielens-data';
import { MOVIE_GENRES } from '../data/labels';
import { ConfigError, InputError } from '../errors';
import { pcaProjection } from '../retrieval/pca-projection';
import { scatterFigure } from './scatter-figure';
import type { Figure } from './figure-types';

/** Colours of {@link movieGenreProjectionFigure}'s genres, most common first: Okabe–Ito without its yellow (faint on white). */
export const GENRE_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000'] as const;
/** The colour of the genres without their own ('other'). */
export const OTHER_GENRE_COLOUR = '#BBBBBB';

/** Options of {@link movieGenreProjectionFigure}. */
export interface MovieGenreProjectionOptions {
  /** One embedding per movie, `[movieIds.length, dim]` row-major (e.g. rows of a trained movie table). */
  readonly vectors: Float32Array;
  /** Width of a row (≥ 2). */
  readonly dim: number;
  /** The movie id of each row, to find its genres in `data`. */
  readonly movieIds: ArrayLike<number>;
  /** The MovieLens data whose movies table holds the genres. */
  readonly data: MovieLensData;
  /** Genres with their own colour, 1 to `GENRE_COLOURS.length` (7). @default 7 */
  readonly maxGenres?: number;
  /** @default 'Movie embeddings by first genre (PCA)' */
  readonly title?: string;
}

/**
 * Movie embeddings projected on their first two principal components ({@link pcaProjection}), one colour per genre.
 * A movie is drawn in the colour of its first listed genre (MovieLens lists genres alphabetically: a Comedy|Drama
 * counts as Comedy); the `maxGenres` most common first genres get their own colour (the colour-blind-safe
 * {@link GENRE_COLOURS}, distinct from each other), and every other movie is a grey 'other', drawn beneath.
 * Works for any model's movie vectors: a two-tower candidate tower, a rating model's movie table.
 * @param options vectors, ids, data.
 * @returns a Plotly scatter figure, one trace per colour; the axis titles give the variance each component keeps.
 * @throws ConfigError `invalid_option` for maxGenres outside 1–7 (there are no more distinct colours);
 *   InputError `bad_shape` when vectors is not `movieIds.length × dim`.
 * @example
 * const t = model.embedding.exportTables().movie_id;
 * show(movieGenreProjectionFigure({ vectors: t.weights, dim: t.dim, movieIds: Int32Array.from({ length: t.vocabularySize }, (_, i) => i), data }));
 */
export function movieGenreProjectionFigure(options: MovieGenreProjectionOptions): Figure {
  const api = 'movieGenreProjectionFigure';
  const maxGenres = options.maxGenres ?? GENRE_COLOURS.length;
  if (!Number.isInteger(maxGenres) || maxGenres < 1 || maxGenres > GENRE_COLOURS.length) {
    throw new ConfigError('invalid_option', `${api}: expected maxGenres to be an integer from 1 to ${GENRE_COLOURS.length} (the distinct colours), but got ${maxGenres}. The other genres are drawn grey as 'other'.`);
  }
  const { vectors, dim, movieIds: ids } = options;
  if (!(vectors instanceof Float32Array) || vectors.length !== ids.length * dim) {
    throw new InputError('bad_shape', `${api}: expected vectors to hold movieIds.length × dim = ${ids.length} × ${dim} values, but got ${vectors?.length}. Pass one row per movie id.`);
  }
  const p = pcaProjection(vectors, dim);
  const movies = options.data.movies;
  const genreOf = (id: number): string => {
    const r = movies.index.rowOf(id);
    if (r < 0) return 'other';
    const g = movies.movie_genres;
    return g.rowSplits[r + 1] > g.rowSplits[r] ? MOVIE_GENRES[g.values[g.rowSplits[r]]] : 'other';
  };
  const labels = Array.from(ids, genreOf);
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const top = [...counts].filter(([g]) => g !== 'other').sort((a, b) => b[1] - a[1]).slice(0, maxGenres).map(([g]) => g);
  // 'other' first: drawn beneath the coloured genres.
  const groups = new Map<string, { x: number[]; y: number[] }>(['other', ...top].map((g) => [g, { x: [], y: [] }]));
  labels.forEach((l, i) => {
    const grp = groups.get(top.includes(l) ? l : 'other')!;
    grp.x.push(p.x[i]);
    grp.y.push(p.y[i]);
  });
  const series = [...groups].filter(([, v]) => v.x.length > 0).map(([name, v]) => ({ name, x: v.x, y: v.y }));
  const [e1, e2] = p.explainedVariance.map((v) => `${(100 * v).toFixed(1)}%`);
  const fig = scatterFigure({ title: options.title ?? 'Movie embeddings by first genre (PCA)', xTitle: `PC 1 (${e1} of variance)`, yTitle: `PC 2 (${e2})`, series, markerSize: 5 });
  const traces = fig.data.map((t) => {
    const other = t.name === 'other';
    const color = other ? OTHER_GENRE_COLOUR : GENRE_COLOURS[top.indexOf(t.name as string)];
    // legendrank: 'other' listed last although drawn first.
    return { ...t, marker: { ...(t.marker as object), color, opacity: other ? 0.5 : 0.85 }, legendrank: other ? 1001 : 1000 };
  });
  return { data: traces, layout: fig.layout };
}

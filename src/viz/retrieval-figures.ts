import { table, type ColumnTable } from 'arquero';
import type { MovieLensData } from '../data/movielens-data';
import { MOVIE_GENRES } from '../data/labels';
import { InputError } from '../errors';
import { lineFigure } from './line-figure';
import type { Figure, Series } from './figure-types';
import { recallAtK, type SearchResult } from '../retrieval/candidate-index';
import { GENRE_COLOURS, movieGenreProjectionFigure } from './genre-projection-figure';
import type { Recommender } from '../retrieval/recommender';
import type { RetrievalQuality } from '../retrieval/evaluate-retrieval';
import type { BuildIndexOptions, RetrievalEpochLogs, TwoTowerModel } from '../retrieval/two-tower-model';

/**
 * Top-K accuracy per epoch, one line per K, from {@link TwoTowerModel.fit}'s history (epochs that were validated).
 * @param history the epoch logs.
 * @param title figure title. @default 'Factorized top-K accuracy (test) per epoch'
 * @returns a Plotly line figure.
 * @throws InputError `empty` when no epoch carries top-K accuracy (fit without validationData).
 * @example
 * show(topKHistoryFigure(await model.fit(train, { epochs: 3, validationData: test })));
 */
export function topKHistoryFigure(history: readonly RetrievalEpochLogs[], title = 'Factorized top-K accuracy (test) per epoch'): Figure {
  const logs = history.filter((h) => h.topK);
  if (logs.length === 0) throw new InputError('empty', 'topKHistoryFigure: expected epochs with topK (fit with validationData), but got none.');
  const ks = Object.keys(logs[0].topK!).map(Number).sort((a, b) => b - a);
  const series: Series[] = ks.map((k) => ({ name: `top-${k}`, x: logs.map((h) => h.epoch + 1), y: logs.map((h) => h.topK![k]) }));
  return lineFigure({ title, xTitle: 'epoch', yTitle: 'accuracy', series, markers: true, integerX: true });
}

/**
 * Retrievers side by side (e.g. popularity and two towers, each with seen items included and excluded): one row
 * per (retriever, quality) with factorized top-K accuracy, recall@K and NDCG@K at each K.
 *
 * ```
 * retriever    seen       top-10  top-100  recall@10  recall@100  NDCG@10  NDCG@100
 * popularity   included   0.048   0.298    …
 * ```
 * @param rows `{ name, quality }` from {@link evaluateRetrieval}; every quality must carry the ks.
 * @param ks cut-offs shown. @default [10, 100]
 * @returns an arquero table (values rounded to 4 decimals).
 * @throws InputError `empty` for no rows, `bad_option` when a quality lacks one of the ks.
 * @example
 * showTable(retrievalQualityTable([{ name: 'popularity', quality: evaluateRetrieval(pop, test) }, …]));
 */
export function retrievalQualityTable(rows: readonly { readonly name: string; readonly quality: RetrievalQuality }[], ks: readonly number[] = [10, 100]): ColumnTable {
  if (!Array.isArray(rows) || rows.length === 0) throw new InputError('empty', 'retrievalQualityTable: expected at least one { name, quality } row, but got none.');
  const cols: Record<string, (string | number)[]> = { retriever: [], seen: [] };
  for (const k of ks) for (const m of ['top', 'recall@', 'NDCG@']) cols[m === 'top' ? `top-${k}` : `${m}${k}`] = [];
  for (const { name, quality } of rows) {
    cols.retriever.push(name);
    cols.seen.push(quality.seenExcluded ? 'excluded' : 'included');
    for (const k of ks) {
      if (quality.topK[k] === undefined) throw new InputError('length_mismatch', `retrievalQualityTable: expected every quality to hold K = ${k} (evaluateRetrieval's ks), but '${name}' has ${Object.keys(quality.topK).join(', ')}.`);
      cols[`top-${k}`].push(+quality.topK[k].toFixed(4));
      cols[`recall@${k}`].push(+quality.recall[k].toFixed(4));
      cols[`NDCG@${k}`].push(+quality.ndcg[k].toFixed(4));
    }
  }
  return table(cols);
}

export { GENRE_COLOURS, OTHER_GENRE_COLOUR } from './genre-projection-figure';

/**
 * The candidate tower's movie embeddings projected on their first two principal components, one colour per genre
 * ({@link movieGenreProjectionFigure} on `model.candidateEmbeddings` of `config.candidateIds`).
 * @param model a trained model (its `config.candidateIds` are drawn).
 * @param data the MovieLens data (titles are not needed; genres come from its movies table).
 * @param maxGenres genres with their own colour, 1 to `GENRE_COLOURS.length` (7). @default 7
 * @returns a Plotly scatter figure; the axis titles give the variance each component keeps.
 * @throws ConfigError `invalid_option` for maxGenres outside 1–7 (there are no more distinct colours).
 * @example
 * show(genreProjectionFigure(model, ratings));
 */
export function genreProjectionFigure(model: TwoTowerModel, data: MovieLensData, maxGenres: number = GENRE_COLOURS.length): Figure {
  const ids = model.config.candidateIds;
  return movieGenreProjectionFigure({ vectors: model.candidateEmbeddings(ids), dim: model.dim, movieIds: ids, data, maxGenres });
}

/**
 * Exact vs approximate search over the model's candidates for a set of users: latency per query (median and p99
 * over single queries), build time and recall@k of HNSW against exact.
 * @param model a trained model.
 * @param userIds the queries' users.
 * @param options k (@default 10) and HNSW parameters.
 * @returns an arquero table, one row per index.
 * @example
 * showTable(compareSearch(model, users));
 */
export function compareSearch(model: TwoTowerModel, userIds: ArrayLike<number>, options: BuildIndexOptions & { readonly k?: number } = {}): ColumnTable {
  const k = options.k ?? 10;
  const q = model.queryEmbeddings(userIds);
  const dim = model.dim;
  const rows: { index: string; build_ms: number; p50_ms: number; p99_ms: number; queries_per_s: number; recall_at_k: number }[] = [];
  let exactResult: SearchResult | null = null;
  for (const kind of ['exact', 'hnsw'] as const) {
    const t0 = performance.now();
    const index = model.buildIndex(kind, options);
    const build = performance.now() - t0;
    index.search(q.subarray(0, dim), k);
    const ms: number[] = [];
    const t1 = performance.now();
    for (let i = 0; i < userIds.length; i++) {
      const t = performance.now();
      index.search(q.subarray(i * dim, (i + 1) * dim), k);
      ms.push(performance.now() - t);
    }
    const total = performance.now() - t1;
    const all = index.search(q, k);
    if (kind === 'exact') exactResult = all;
    ms.sort((a, b) => a - b);
    rows.push({
      index: kind === 'exact' ? 'exact (tfjs matMul + topk)' : 'HNSW (usearch)',
      build_ms: +build.toFixed(1),
      p50_ms: +ms[Math.floor(ms.length / 2)].toFixed(3),
      p99_ms: +ms[Math.min(ms.length - 1, Math.ceil(0.99 * ms.length) - 1)].toFixed(3),
      queries_per_s: Math.round(userIds.length / (total / 1000)),
      recall_at_k: +recallAtK(all, exactResult!).toFixed(4),
    });
    index.dispose();
  }
  return table({
    index: rows.map((r) => r.index),
    build_ms: rows.map((r) => r.build_ms),
    p50_ms: rows.map((r) => r.p50_ms),
    p99_ms: rows.map((r) => r.p99_ms),
    queries_per_s: rows.map((r) => r.queries_per_s),
    [`recall@${k}`]: rows.map((r) => r.recall_at_k),
  });
}

/**
 * A user's recommendations beside the movies they rated (best rated first): rank, recommended title and genres,
 * then a rated title and its stars.
 * @param recommender the serving recommender.
 * @param data the MovieLens ratings (titles, genres, the user's ratings).
 * @param userId the user.
 * @param options `k` recommendations (@default 10); `excludeRated` leaves out every movie the user rated in `data`
 *   (@default false).
 * @returns an arquero table of k rows.
 * @example
 * showTable(recommendationsTable(rec, ratings, 42, { k: 10, excludeRated: true }), { limit: 10 });
 */
export function recommendationsTable(recommender: Recommender, data: MovieLensData, userId: number, options: { readonly k?: number; readonly excludeRated?: boolean } = {}): ColumnTable {
  const k = options.k ?? 10;
  const movies = data.movies;
  const title = (id: number) => {
    const row = movies.index.rowOf(id);
    return row < 0 ? `movie ${id}` : movies.movie_title[row];
  };
  const genres = (id: number) => {
    const row = movies.index.rowOf(id);
    if (row < 0) return '';
    const g = movies.movie_genres;
    return Array.from(g.values.subarray(g.rowSplits[row], g.rowSplits[row + 1]), (v) => MOVIE_GENRES[v]).join(', ');
  };
  const rated: { id: number; stars: number }[] = [];
  const users = data.column('user_id');
  const ids = data.column('movie_id');
  const stars = data.column('user_rating');
  for (let i = 0; i < users.length; i++) if (users[i] === userId) rated.push({ id: ids[i], stars: stars[i] });
  rated.sort((a, b) => b.stars - a.stars || a.id - b.id);
  const r = recommender.recommend(userId, k, { exclude: options.excludeRated ? rated.map((x) => x.id) : [] });
  return table({
    rank: r.movieIds.map((_, i) => i + 1),
    recommended: r.movieIds.map(title),
    genres: r.movieIds.map(genres),
    score: r.scores.map((s) => +s.toFixed(3)),
    rated_by_user: r.movieIds.map((_, i) => (rated[i] ? title(rated[i].id) : '')),
    stars: r.movieIds.map((_, i) => (rated[i] ? rated[i].stars : null)),
  });
}

/**
 * MovieLens readers, TFDS-compatible (`tensorflow_datasets` `movielens/<config>`).
 *
 * Entry points:
 * - `loadMovieLens(config, { dir?, zip?, download?, cacheDir? })` (async; `loadMovieLensSync` without download)
 *   → a columnar {@link MovieLensData}: typed arrays + string dictionaries, `column(name)`, `row(i)`,
 *   `toTable()` (arquero), `moviesTable()`, `usersTable()`. Ratings configs join movie (and, for 100k/1m, user)
 *   features on demand, as TFDS's examples carry them.
 * - `Dataset.from(data, { features })` → `shuffle(seed)`, `take`, `skip`, `repeat`, `batch(size, { dropRemainder })`;
 *   batches are typed-array gathers or views; `toTensors(batch)` gives int32 ids and float32 ratings.
 * - `tutorialSplit(data, { seed: 42 })` → 80,000 train / 20,000 test; `canonicalSplit('u1', { dir? })` reads
 *   ml-100k's `u1.base`/`u1.test` … `ub`.
 * - `movieLensFeatures(train, { history: 20, dim: 32 })` → `{ tables, features, batches(dataset, size) }`: the rich
 *   features (ids, demographics, zip prefix, weighted genres, release year, rating time, the leak-free history as a
 *   sequence sharing the movie table) as the embedding engine's configs and inputs; `randomSplits(data)` → one
 *   80/20 split per seed.
 * - `downloadMovieLens(version, { baseUrl?, cacheDir?, checksums?, progress?, connectTimeoutMs?, idleTimeoutMs? })`:
 *   verified download + unpack (30 s timeouts by default, capped at the archive's known size, atomic cache entries).
 *
 * Ids are kept as in the files (Int32Array); TFDS stores them as strings of the same digits. Shuffles use this
 * library's seeded `Random`, not TensorFlow's Philox stream: the same procedure, a different order.
 * Data lookup: `dir`, else `$MOVIELENS_DIR` when set (only there; missing data there is an error), else `../shared/data/<ml-folder>` beside the repo or the current
 * directory, else the cache (`$TPU_EMBEDDINGS_CACHE` or `~/.cache/tpu-embeddings`).
 *
 * @example
 * import { loadMovieLens, tutorialSplit, toTensors } from 'tpu-embeddings';
 * const data = await loadMovieLens('100k-ratings');
 * const { train } = tutorialSplit(data, { seed: 42 });
 * for (const batch of train.batch(4096)) { const t = toTensors(batch); ... }
 */
export { MOVIELENS_CONFIGS, MOVIELENS_VERSIONS, MOVIELENS_TABLES, movieLensConfig } from './movielens-configs';
export type { MovieLensConfig, MovieLensConfigName, MovieLensVersion, MovieLensTable } from './movielens-configs';
export {
  RATINGS_FILE,
  USERS_FILE,
  MOVIES_FILE,
  RATINGS_1M_FILE,
  USERS_1M_FILE,
  MOVIES_1M_FILE,
  RATINGS_CSV_FILE,
  MOVIES_CSV_FILE,
  CANONICAL_SPLITS,
} from './movielens-files';
export type { CanonicalSplitName } from './movielens-files';
export { FEATURE_NAMES, MOVIE_FEATURES, RATING_FEATURES, DEMOGRAPHIC_FEATURES, NUMERIC_FEATURES } from './features';
export type { FeatureName, FeatureColumns, BatchColumns } from './features';
export {
  MOVIE_GENRES,
  GENRES_100K,
  OCCUPATION_LABELS,
  OCCUPATION_100K_TO_LABEL,
  OCCUPATIONS_1M,
  AGE_BUCKETS,
  bucketizeAge,
} from './labels';
export type { MovieGenre, OccupationLabel } from './labels';
export type { RaggedColumn, DictionaryColumn, NumericArray } from './columns';
export type { MoviesTable, UsersTable, RatingsTable } from './movielens-tables';
export { MovieLensData } from './movielens-data';
export type { ToTableOptions } from './movielens-data';
export { directorySource, zipSource } from './movielens-source';
export type { MovieLensSource } from './movielens-source';
export { findMovieLensDir, defaultCacheDir, MOVIELENS_DIR_ENV, CACHE_DIR_ENV } from './find-movielens-dir';
export type { MovieLensDirLookup } from './find-movielens-dir';
export { downloadMovieLens, MOVIELENS_CHECKSUMS, GROUPLENS_BASE_URL } from './download-movielens';
export type { DownloadOptions, ArchiveChecksum } from './download-movielens';
export { readMovieLens, movieLensFiles } from './read-movielens';
export type { MovieLensFileSet } from './read-movielens';
export { loadMovieLens, loadMovieLensSync } from './load-movielens';
export type { LoadMovieLensOptions } from './load-movielens';
export { Dataset } from './dataset';
export type { DatasetOptions, NumericFeatureName } from './dataset';
export { BatchedDataset } from './batched-dataset';
export type { Batch, BatchOptions } from './batched-dataset';
export { tutorialSplit } from './tutorial-split';
export type { TutorialSplitOptions, Split } from './tutorial-split';
export { canonicalSplit } from './canonical-split';
export type { CanonicalSplitOptions, CanonicalSplit } from './canonical-split';
export { toTensors } from './to-tensors';
export { SIDE_FEATURE_VOCABULARY, retrievalSideFeatures } from './retrieval-side-features';
export type { SideFeatureName, MovieLensSideFeatures } from './retrieval-side-features';
export { movieLensFeatures, MOVIELENS_FEATURE_NAMES, RELEASE_YEAR_EDGES, RECENCY_EDGES_SECONDS } from './movielens-features';
export type { MovieLensFeatureName, MovieLensFeatureOptions, MovieLensFeatureBatch, MovieLensFeatureBatches, MovieLensFeatures } from './movielens-features';
export { UserHistory } from './user-history';
export type { HistoryRatings } from './user-history';
export { bucketize } from './bucketize';
export { releaseYearOf } from './release-year';
export { randomSplits } from './random-splits';
export type { RandomSplitsOptions, SeededSplit } from './random-splits';

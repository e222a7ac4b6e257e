import { ConfigError, InputError } from '../errors';
import { rejectUnknownOptions } from '../option-keys';
import { featureConfig, tableConfig, type FeatureConfig, type RaggedInput, type TableConfig } from '../embedding';
import type { BatchOptions } from './batched-dataset';
import { bucketize } from './bucketize';
import { Dataset } from './dataset';
import type { FeatureName } from './features';
import { MOVIE_GENRES, OCCUPATION_LABELS, AGE_BUCKETS } from './labels';
import { MovieLensData } from './movielens-data';
import { releaseYearOf } from './release-year';
import { retrievalSideFeatures } from './retrieval-side-features';
import { UserHistory } from './user-history';

/** Every feature {@link movieLensFeatures} can deliver, in the order of its `features`. */
export const MOVIELENS_FEATURE_NAMES = [
  'user_id',
  'movie_id',
  'user_age',
  'user_gender',
  'user_occupation',
  'user_zip_prefix',
  'movie_genres',
  'movie_release_year',
  'rating_hour',
  'rating_weekday',
  'rating_recency',
  'movie_history',
] as const;
/** One of {@link MOVIELENS_FEATURE_NAMES}. */
export type MovieLensFeatureName = (typeof MOVIELENS_FEATURE_NAMES)[number];

/**
 * Default release-year edges (years; see {@link bucketize}): bucket 0 is "no year in the title", bucket 1 is before
 * 1940, then one bucket per edge. Decades before 1980 and single years in the 1990s, where most of ml-100k's movies
 * are (1,231 of its 1,682 are from 1993–1997); later edges serve 1m, 20m and 25m.
 */
export const RELEASE_YEAR_EDGES: readonly number[] = Object.freeze([
  1940, 1950, 1960, 1970, 1980, 1985, 1990, 1992, 1993, 1994, 1995, 1996, 1997, 1998, 2000, 2005, 2010, 2015, 2020,
]);

/**
 * Default recency edges in seconds: the time since the user's previous rating (RFM's "recency"). Bucket 0: no earlier
 * rating; then < 1 min (rated in one sitting), < 1 h, < 1 day, < 1 week, < 30 days, < 365 days, ≥ 365 days.
 */
export const RECENCY_EDGES_SECONDS: readonly number[] = Object.freeze([60, 3_600, 86_400, 7 * 86_400, 30 * 86_400, 365 * 86_400]);

/** Options of {@link movieLensFeatures}. */
export interface MovieLensFeatureOptions {
  /** N: `movie_history` holds the last N movies the user rated before the rating (`maxSequenceLength` N). @default 20 */
  readonly history?: number;
  /** Width of every table (one width, so models such as DLRM can take dot products between any two). @default 32 */
  readonly dim?: number;
  /** Which features to deliver (tables, configs and batch inputs), e.g. to ablate one. @default MOVIELENS_FEATURE_NAMES */
  readonly include?: readonly MovieLensFeatureName[];
  /** Digits of the zip code kept by `user_zip_prefix` (1–5): 2 gives ~10 users per prefix in ml-100k. @default 2 */
  readonly zipPrefixDigits?: number;
  /** Edges of `movie_release_year` (strictly increasing years). @default RELEASE_YEAR_EDGES */
  readonly releaseYearEdges?: readonly number[];
  /** Edges of `rating_recency` (strictly increasing seconds). @default RECENCY_EDGES_SECONDS */
  readonly recencyEdgesSeconds?: readonly number[];
}

/**
 * One batch of examples with every included feature as the engine's input (`TPUEmbedding.lookup(batch.inputs)`), and
 * the ids and labels at the top level, so that it is also a `RatingBatch` (`user_id`, `movie_id`, `user_rating`).
 *
 * ```
 * inputs.user_id … rating_recency   Int32Array [B]            one id per example
 * inputs.movie_genres               { values, rowSplits, weights }   ragged, weights 1/√(genres of the movie)
 * inputs.movie_history              { values, rowSplits }     ragged, ≤ N movie ids per example, most recent first
 * ```
 */
export interface MovieLensFeatureBatch {
  readonly size: number;
  /** Example rows (indices into the dataset's MovieLensData). */
  readonly rows: Int32Array;
  readonly user_id: Int32Array;
  readonly movie_id: Int32Array;
  readonly user_rating: Float32Array;
  /** Seconds since 1970-01-01 UTC (exact). */
  readonly timestamp: Float64Array;
  /** The engine's inputs, keyed by feature name (only the included features). */
  readonly inputs: Readonly<Partial<Record<MovieLensFeatureName, Int32Array | RaggedInput>>>;
  /** Entries of `movie_history` per example (0 … N; before the zero padding of the sequence output). */
  readonly historyLength: Int32Array;
}

/** The batches of a dataset: random access, re-iterable (each iteration starts over). */
export interface MovieLensFeatureBatches extends Iterable<MovieLensFeatureBatch> {
  readonly length: number;
  at(i: number): MovieLensFeatureBatch;
}

/** What {@link movieLensFeatures} returns: the engine's configs and a way to feed it. */
export interface MovieLensFeatures {
  /** The included features, in {@link MOVIELENS_FEATURE_NAMES} order. */
  readonly names: readonly MovieLensFeatureName[];
  /** One table per included feature, named after it; `movie_history` has none of its own (it reads `movie_id`'s). */
  readonly tables: Readonly<Record<string, TableConfig>>;
  /** The feature configs to pass to `new TPUEmbedding({ features })`. */
  readonly features: Readonly<Record<string, FeatureConfig>>;
  /** Rows of each feature's table (for `movie_history`, the movie table's). */
  readonly vocabulary: Readonly<Record<MovieLensFeatureName, number>>;
  /** N, the history length. */
  readonly historyLength: number;
  /** The ratings histories and recency are read from. */
  readonly history: UserHistory;
  /**
   * The examples at some rows of a MovieLensData as one batch.
   * @throws InputError `id_out_of_range` for a user or movie beyond the tables, `no_ratings` for a movies-only config.
   */
  batchOf(data: MovieLensData, rows: Int32Array): MovieLensFeatureBatch;
  /**
   * A dataset's examples in batches (its order; shuffle the dataset first for training).
   * @param dataset e.g. `tutorialSplit(data).train.shuffle(1)`, or `canonicalSplit('u1').test`.
   * @param batchSize examples per batch; a multiple of the replicas for training on a TPU topology.
   * @param options `dropRemainder`.
   */
  batches<F extends FeatureName>(dataset: Dataset<F>, batchSize: number, options?: BatchOptions): MovieLensFeatureBatches;
}

function checkEdges(name: string, edges: unknown): readonly number[] {
  const ok =
    Array.isArray(edges) &&
    edges.length > 0 &&
    edges.every((e, i) => typeof e === 'number' && Number.isFinite(e) && (i === 0 || e > (edges[i - 1] as number)));
  if (!ok) {
    throw new ConfigError(
      'invalid_feature_options',
      `movieLensFeatures: expected ${name} to be a non-empty array of strictly increasing finite numbers, but got ${JSON.stringify(edges)}.`,
    );
  }
  return Object.freeze([...(edges as number[])]);
}

function checkInteger(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(
      'invalid_feature_options',
      `movieLensFeatures: expected ${name} to be an integer from ${min} to ${max}, but got ${JSON.stringify(v)}.`,
    );
  }
  return v;
}

/** The zip prefix id of a zip code: 1 + its first `digits` digits as a number, or 0 when they are not all digits. */
function zipPrefixId(zip: string, digits: number): number {
  const p = zip.slice(0, digits);
  return p.length === digits && /^\d+$/.test(p) ? 1 + Number(p) : 0;
}

/**
 * MovieLens features from the files, as the embedding engine takes them: one table per feature, the feature configs,
 * and batches of ids (`TPUEmbedding.lookup(batch.inputs)`). Needs a config with users (`100k-ratings`, `1m-ratings`).
 *
 * | feature | table rows | value |
 * |---|---|---|
 * | `user_id`, `movie_id` | max id + 1 | the ids as in the files |
 * | `user_age` | 7 | index into AGE_BUCKETS (TFDS's bucketized age) |
 * | `user_gender` | 2 | 0 female, 1 male |
 * | `user_occupation` | 22 | index into OCCUPATION_LABELS |
 * | `user_zip_prefix` | 10^d + 1 | 1 + the first d digits; 0 for a zip that does not start with d digits (Canada) |
 * | `movie_genres` | 21 | **multivalent, weighted**: every genre of the movie (index into MOVIE_GENRES), weight 1/√n |
 * | `movie_release_year` | edges + 2 | 0 no year in the title, else 1 + bucketize(year, releaseYearEdges) |
 * | `rating_hour` | 24 | hour of the rating's timestamp, UTC (the files carry no time zone) |
 * | `rating_weekday` | 7 | day of the week, UTC, 0 = Sunday (as `Date.getUTCDay`) |
 * | `rating_recency` | edges + 2 | time since the user's previous rating: 0 none, else 1 + bucketize(seconds, recencyEdgesSeconds) |
 * | `movie_history` | movie table | **sequence** (`maxSequenceLength` N) **sharing the `movie_id` table**: the last N movies rated strictly before |
 *
 * **Genres, weighted.** The genre table sums (`combiner: 'sum'`) and each of a movie's n genres carries weight 1/√n,
 * so the bag is Σ eᵢ/√n — TF's `sqrtn` — whose norm does not grow with the number of genres (for nearly orthogonal
 * genre rows ‖Σ eᵢ/√n‖ ≈ ‖e‖, where `sum` grows as √n and `mean` shrinks as 1/√n), which TF recommends for
 * multi-hot columns. The weights travel with the ids, so a caller can change them (e.g. inverse genre frequency)
 * without touching the table.
 *
 * **History, without leakage.** Histories and recency are read from `train` only (a {@link UserHistory} of its
 * ratings): a test example's history holds training ratings of the same user with a timestamp strictly smaller
 * than its own; ratings at the same second are not history (they include the rating itself); nothing of the test
 * split is ever read. Most recent first, so the sequence output's position k is "k + 1 ratings ago"; short histories
 * are zero-padded by the engine (see `historyLength`).
 *
 * @param train the training ratings (a Dataset, e.g. `tutorialSplit(data).train`, or a whole MovieLensData): the
 *   source of histories and recency, and of the users and movies files behind the tables.
 * @param options see {@link MovieLensFeatureOptions}.
 * @returns {@link MovieLensFeatures}.
 * @throws ConfigError `invalid_feature_options` naming the option and its value; InputError `no_users` for a config
 *   without a users file, `no_ratings` for a movies-only config.
 * @example
 * const data = await loadMovieLens('100k-ratings');
 * const { train, test } = tutorialSplit(data, { seed: 42 });
 * const f = movieLensFeatures(train, { history: 20, dim: 32 });
 * const emb = new TPUEmbedding({ features: f.features, optimizer: new Adagrad({ learningRate: 0.1 }), topology: 'v4-8' });
 * for (const batch of f.batches(train.shuffle(1), 1024, { dropRemainder: true })) {
 *   const acts = emb.lookup(batch.inputs); // movie_history [1024, 20, 32], movie_genres [1024, 32], …
 * }
 */
export function movieLensFeatures<F extends FeatureName>(train: Dataset<F> | MovieLensData, options: MovieLensFeatureOptions = {}): MovieLensFeatures {
  const api = 'movieLensFeatures';
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('invalid_feature_options', `${api}: expected an options object, but got ${String(options)}.`);
  }
  rejectUnknownOptions(api, options, ['history', 'dim', 'include', 'zipPrefixDigits', 'releaseYearEdges', 'recencyEdgesSeconds']);
  const historyLength = checkInteger('history', options.history ?? 20, 1, 10_000);
  const dim = checkInteger('dim', options.dim ?? 32, 1, 1 << 16);
  const zipDigits = checkInteger('zipPrefixDigits', options.zipPrefixDigits ?? 2, 1, 5);
  const yearEdges = checkEdges('releaseYearEdges', options.releaseYearEdges ?? RELEASE_YEAR_EDGES);
  const recencyEdges = checkEdges('recencyEdgesSeconds', options.recencyEdgesSeconds ?? RECENCY_EDGES_SECONDS);
  const include = options.include ?? MOVIELENS_FEATURE_NAMES;
  if (!Array.isArray(include) || include.length === 0 || include.some((n) => !(MOVIELENS_FEATURE_NAMES as readonly string[]).includes(n))) {
    throw new ConfigError(
      'invalid_feature_options',
      `${api}: expected include to be a non-empty array of ${MOVIELENS_FEATURE_NAMES.join(', ')}, but got ${JSON.stringify(include)}.`,
    );
  }
  const names = MOVIELENS_FEATURE_NAMES.filter((n) => include.includes(n));

  const data = train instanceof MovieLensData ? train : train.data;
  if (!data.ratings) {
    throw new InputError('no_ratings', `${api}: expected a ratings config (e.g. 100k-ratings), but ${data.config.name} has no ratings.`);
  }
  if (!data.users) {
    throw new InputError(
      'no_users',
      `${api}: expected a config with a users file (100k-ratings, 1m-ratings) for the user features, but ${data.config.name} has none.`,
    );
  }
  // Per-id side features (reused from the retrieval model's), zip prefixes and release-year buckets by id.
  const side = retrievalSideFeatures(data);
  const users = data.users;
  const zipById = new Int32Array(side.user_gender.length);
  for (let r = 0; r < users.length; r++) zipById[users.user_id[r]] = zipPrefixId(users.user_zip_code[r], zipDigits);
  const yearById = new Int32Array(side.movie_genres.rowSplits.length - 1);
  for (let r = 0; r < data.movies.length; r++) {
    const year = releaseYearOf(data.movies.movie_title[r]);
    yearById[data.movies.movie_id[r]] = year === null ? 0 : 1 + bucketize(year, yearEdges);
  }
  const vocabulary: Record<MovieLensFeatureName, number> = {
    user_id: side.user_gender.length,
    movie_id: yearById.length,
    user_age: AGE_BUCKETS.length,
    user_gender: 2,
    user_occupation: OCCUPATION_LABELS.length,
    user_zip_prefix: 10 ** zipDigits + 1,
    movie_genres: MOVIE_GENRES.length,
    movie_release_year: yearEdges.length + 2,
    rating_hour: 24,
    rating_weekday: 7,
    rating_recency: recencyEdges.length + 2,
    movie_history: yearById.length,
  };

  // Histories from the training ratings only.
  const rows = train instanceof MovieLensData ? Dataset.from(train, { features: [] }).rows() : train.rows();
  const ratings = data.ratings;
  const gather = <A extends Int32Array | Float64Array>(col: A, make: (n: number) => A): A => {
    const out = make(rows.length);
    for (let k = 0; k < rows.length; k++) out[k] = col[rows[k]];
    return out;
  };
  const history = new UserHistory({
    user_id: gather(ratings.user_id, (n) => new Int32Array(n)),
    movie_id: gather(ratings.movie_id, (n) => new Int32Array(n)),
    timestamp: gather(ratings.timestamp, (n) => new Float64Array(n)),
  });

  const tables: Record<string, TableConfig> = {};
  const features: Record<string, FeatureConfig> = {};
  const tableOf = (name: MovieLensFeatureName): TableConfig => {
    const key = name === 'movie_history' ? 'movie_id' : name;
    tables[key] ??= tableConfig({ vocabularySize: vocabulary[key], dim, name: key, combiner: key === 'movie_genres' ? 'sum' : 'mean' });
    return tables[key];
  };
  for (const name of names) {
    features[name] = featureConfig({ table: tableOf(name), name, ...(name === 'movie_history' ? { maxSequenceLength: historyLength } : {}) });
  }

  const batchOf = (source: MovieLensData, batchRows: Int32Array): MovieLensFeatureBatch => {
    const r = source.ratings;
    if (!r) {
      throw new InputError('no_ratings', `MovieLensFeatures.batchOf: expected a ratings config, but ${source.config.name} has no ratings.`);
    }
    const b = batchRows.length;
    const userId = new Int32Array(b);
    const movieId = new Int32Array(b);
    const rating = new Float32Array(b);
    const timestamp = new Float64Array(b);
    for (let k = 0; k < b; k++) {
      const row = batchRows[k];
      userId[k] = r.user_id[row];
      movieId[k] = r.movie_id[row];
      rating[k] = r.user_rating[row];
      timestamp[k] = r.timestamp[row];
      if (userId[k] >= vocabulary.user_id || movieId[k] >= vocabulary.movie_id) {
        const [what, id, size] = userId[k] >= vocabulary.user_id ? ['user_id', userId[k], vocabulary.user_id] : ['movie_id', movieId[k], vocabulary.movie_id];
        throw new InputError(
          'id_out_of_range',
          `MovieLensFeatures.batchOf: expected ${what} below ${size} (the ${what} table of the training data's files), but row ${row} of ${source.config.name} has ${id}. ` +
            'Build the features from data read from the same files.',
        );
      }
    }
    const inputs: Partial<Record<MovieLensFeatureName, Int32Array | RaggedInput>> = {};
    const perExample = (f: (k: number) => number): Int32Array => {
      const out = new Int32Array(b);
      for (let k = 0; k < b; k++) out[k] = f(k);
      return out;
    };
    const historyLengths = new Int32Array(b);
    for (const name of names) {
      switch (name) {
        case 'user_id': inputs[name] = userId; break;
        case 'movie_id': inputs[name] = movieId; break;
        case 'user_age': inputs[name] = perExample((k) => side.bucketized_user_age[userId[k]]); break;
        case 'user_gender': inputs[name] = perExample((k) => side.user_gender[userId[k]]); break;
        case 'user_occupation': inputs[name] = perExample((k) => side.user_occupation_label[userId[k]]); break;
        case 'user_zip_prefix': inputs[name] = perExample((k) => zipById[userId[k]]); break;
        case 'movie_release_year': inputs[name] = perExample((k) => yearById[movieId[k]]); break;
        case 'rating_hour': inputs[name] = perExample((k) => Math.floor(timestamp[k] / 3600) % 24); break;
        // 1970-01-01 was a Thursday (4).
        case 'rating_weekday': inputs[name] = perExample((k) => (Math.floor(timestamp[k] / 86_400) + 4) % 7); break;
        case 'rating_recency':
          inputs[name] = perExample((k) => {
            const prev = history.previousTime(userId[k], timestamp[k]);
            return prev === null ? 0 : 1 + bucketize(timestamp[k] - prev, recencyEdges);
          });
          break;
        case 'movie_genres': {
          const g = side.movie_genres;
          const splits = new Int32Array(b + 1);
          for (let k = 0; k < b; k++) splits[k + 1] = splits[k] + g.rowSplits[movieId[k] + 1] - g.rowSplits[movieId[k]];
          const values = new Int32Array(splits[b]);
          const weights = new Float32Array(splits[b]);
          for (let k = 0; k < b; k++) {
            const from = g.rowSplits[movieId[k]];
            const n = g.rowSplits[movieId[k] + 1] - from;
            for (let j = 0; j < n; j++) {
              values[splits[k] + j] = g.values[from + j];
              weights[splits[k] + j] = 1 / Math.sqrt(n);
            }
          }
          inputs[name] = { values, rowSplits: splits, weights };
          break;
        }
        case 'movie_history': {
          const lists: Int32Array[] = [];
          const splits = new Int32Array(b + 1);
          for (let k = 0; k < b; k++) {
            const h = history.before(userId[k], timestamp[k], historyLength);
            lists.push(h);
            historyLengths[k] = h.length;
            splits[k + 1] = splits[k] + h.length;
          }
          const values = new Int32Array(splits[b]);
          lists.forEach((h, k) => values.set(h, splits[k]));
          inputs[name] = { values, rowSplits: splits };
          break;
        }
      }
    }
    return { size: b, rows: batchRows, user_id: userId, movie_id: movieId, user_rating: rating, timestamp, inputs, historyLength: historyLengths };
  };

  const batches = <F extends FeatureName>(ds: Dataset<F>, batchSize: number, batchOptions: BatchOptions = {}): MovieLensFeatureBatches => {
    const batched = ds.batch(batchSize, batchOptions);
    const at = (i: number): MovieLensFeatureBatch => batchOf(ds.data, batched.at(i).rows);
    return {
      length: batched.length,
      at,
      *[Symbol.iterator]() {
        for (let i = 0; i < batched.length; i++) yield at(i);
      },
    };
  };

  return Object.freeze({
    names: Object.freeze(names),
    tables: Object.freeze(tables),
    features: Object.freeze(features),
    vocabulary: Object.freeze(vocabulary),
    historyLength,
    history,
    batchOf,
    batches,
  });
}

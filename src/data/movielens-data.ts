import { table, type ColumnTable } from 'arquero';
import { ConfigError, InputError } from '../errors';
import { inRange, where } from '../validation';
import type { DictionaryColumn, RaggedColumn } from './columns';
import { gatherFeature, type FeatureAccessor } from './feature-accessor';
import {
  DEMOGRAPHIC_FEATURES,
  MOVIE_FEATURES,
  RATING_FEATURES,
  type FeatureColumns,
  type FeatureName,
} from './features';
import { MOVIE_GENRES, OCCUPATION_LABELS } from './labels';
import type { MovieLensConfig } from './movielens-configs';
import type { MoviesTable, RatingsTable, UsersTable } from './movielens-tables';

// Hot path (one call per example or batch): built once, not per call.
const ROW = where(InputError, 'index_out_of_range', 'MovieLensData.row')('i');

/** Options of {@link MovieLensData.toTable}. */
export interface ToTableOptions {
  /** Which features become columns, in this order. @default every feature of the config (TFDS order) */
  readonly features?: readonly FeatureName[];
}

/**
 * A MovieLens config held column by column: the examples TFDS's `movielens/<config>` yields, without building
 * one object per example. `*-ratings` configs keep the ratings columns plus the row of each rating's movie
 * (and user, for 100k/1m), so movie and user features are joined on demand (`column`, batches, `toTable`)
 * instead of being copied into every rating.
 *
 * Ids are kept as in the files in Int32Arrays; TFDS stores them as strings of the same digits
 * (`String(data.column('movie_id')[i])`).
 *
 * @example
 * const data = await loadMovieLens('100k-ratings');
 * data.length;                      // 100000
 * data.column('user_rating');       // Float32Array [3, 3, 1, ...]
 * data.row(0).movie_title;          // 'Kolya (1996)'
 * data.toTable().objects({ limit: 3 });
 */
export class MovieLensData {
  /** Number of examples (ratings, or movies for `*-movies`). */
  readonly length: number;
  /** This config's features, in TFDS order. */
  readonly featureNames: readonly FeatureName[];
  private readonly accessors = new Map<FeatureName, FeatureAccessor>();
  private readonly columns = new Map<FeatureName, unknown>();

  /**
   * @param config the validated config.
   * @param movies the movies table.
   * @param users the users table (100k/1m ratings), else null.
   * @param ratings the ratings table (`*-ratings`), else null.
   * @param source where the files came from (for messages).
   */
  constructor(
    readonly config: MovieLensConfig,
    readonly movies: MoviesTable,
    readonly users: UsersTable | null,
    readonly ratings: RatingsTable | null,
    readonly source: string,
  ) {
    const names: FeatureName[] = [...MOVIE_FEATURES];
    const movieVia = ratings ? ratings.movieRow : null;
    this.accessors.set('movie_id', { kind: 'numeric', values: ratings ? ratings.movie_id : movies.movie_id, via: null });
    this.accessors.set('movie_title', { kind: 'string', values: movies.movie_title, via: movieVia });
    this.accessors.set('movie_genres', { kind: 'ragged', values: movies.movie_genres, via: movieVia });
    if (ratings) {
      names.push(...RATING_FEATURES);
      this.accessors.set('user_id', { kind: 'numeric', values: ratings.user_id, via: null });
      this.accessors.set('user_rating', { kind: 'numeric', values: ratings.user_rating, via: null });
      this.accessors.set('timestamp', { kind: 'numeric', values: ratings.timestamp, via: null });
      if (users && ratings.userRow) {
        const via = ratings.userRow;
        names.push(...DEMOGRAPHIC_FEATURES);
        this.accessors.set('user_gender', { kind: 'numeric', values: users.user_gender, via });
        this.accessors.set('bucketized_user_age', { kind: 'numeric', values: users.bucketized_user_age, via });
        this.accessors.set('user_occupation_label', { kind: 'numeric', values: users.user_occupation_label, via });
        this.accessors.set('user_occupation_text', { kind: 'string', values: users.user_occupation_text, via });
        this.accessors.set('user_zip_code', { kind: 'string', values: users.user_zip_code, via });
        if (users.raw_user_age) {
          names.push('raw_user_age');
          this.accessors.set('raw_user_age', { kind: 'numeric', values: users.raw_user_age, via });
        }
      }
    }
    this.featureNames = Object.freeze(names);
    this.length = ratings ? ratings.length : movies.length;
  }

  /** Number of distinct users (the users table, or the distinct `user_id`s of the ratings); 0 for `*-movies`. */
  get numUsers(): number {
    if (this.users) return this.users.length;
    if (!this.ratings) return 0;
    return new Set(this.ratings.user_id).size;
  }

  /** Number of movies in the movies file. */
  get numMovies(): number {
    return this.movies.length;
  }

  /** Whether this config has the feature. */
  has(name: string): name is FeatureName {
    return this.accessors.has(name as FeatureName);
  }

  /**
   * The whole column of a feature, one value per example. Non-joined numeric features are the stored arrays
   * (do not modify); joined ones are gathered once and cached. Text features come as a {@link DictionaryColumn}
   * whose codes are the join rows (no string is copied); `movie_genres` as a ragged column of label indices.
   *
   * @param name a feature of this config (see {@link featureNames}).
   * @returns the column, typed per {@link FeatureColumns}.
   * @throws ConfigError `unknown_dataset_feature` when the config has no such feature.
   * @example
   * const { codes, dictionary } = data.column('movie_title'); dictionary[codes[0]]; // 'Kolya (1996)'
   */
  column<K extends FeatureName>(name: K): FeatureColumns[K] {
    const cached = this.columns.get(name);
    if (cached) return cached as FeatureColumns[K];
    const a = this.accessor(name, 'MovieLensData.column');
    let col: unknown;
    if (a.kind === 'string') {
      col = { codes: a.via ?? identity(a.values.length), dictionary: a.values } satisfies DictionaryColumn;
    } else if (a.kind === 'numeric' && !a.via) {
      col = a.values;
    } else {
      col = gatherFeature(a, null, 0, this.length);
    }
    this.columns.set(name, col);
    return col as FeatureColumns[K];
  }

  /**
   * Internal: how to read a feature (used by Dataset batches).
   * @throws ConfigError `unknown_dataset_feature` listing this config's features.
   */
  accessor(name: string, api = 'MovieLensData'): FeatureAccessor {
    const a = this.accessors.get(name as FeatureName);
    if (!a) {
      throw new ConfigError(
        'unknown_dataset_feature',
        `${api}: expected a feature of ${this.config.name} (${this.featureNames.join(', ')}), but got ${JSON.stringify(name)}.`,
      );
    }
    return a;
  }

  /**
   * One example as TFDS yields it (ids as numbers, `user_gender` as a boolean, genres and occupation label as
   * label indices).
   * @param i example index in [0, length).
   * @throws InputError `index_out_of_range` when `i` is not an integer in [0, length).
   */
  row(i: number): Partial<Record<FeatureName, number | string | boolean | number[]>> {
    inRange(i, ROW, 0, this.length);
    const out: Partial<Record<FeatureName, number | string | boolean | number[]>> = {};
    for (const name of this.featureNames) {
      const a = this.accessors.get(name) as FeatureAccessor;
      const r = a.via ? a.via[i] : i;
      if (a.kind === 'numeric') out[name] = name === 'user_gender' ? a.values[r] === 1 : a.values[r];
      else if (a.kind === 'string') out[name] = a.values[r];
      else out[name] = Array.from(a.values.values.subarray(a.values.rowSplits[r], a.values.rowSplits[r + 1]));
    }
    return out;
  }

  /**
   * The examples as an arquero table (one row per example, movie and user features joined). Genres become arrays
   * of genre names, `user_gender` booleans (true = male), `user_occupation_label` stays an index into
   * OCCUPATION_LABELS. Memory grows with rows × features: select features for the 20m/25m configs.
   *
   * @param options which features.
   * @returns a new arquero ColumnTable.
   * @throws ConfigError `unknown_dataset_feature`.
   * @example
   * data.toTable({ features: ['user_id', 'movie_title', 'user_rating'] }).print(5);
   */
  toTable(options: ToTableOptions = {}): ColumnTable {
    const names = options.features ?? this.featureNames;
    const cols: Record<string, unknown> = {};
    for (const name of names) {
      const a = this.accessor(name, 'MovieLensData.toTable');
      const g = gatherFeature(a, null, 0, this.length);
      if (a.kind === 'ragged') cols[name] = raggedToGenreNames(g as RaggedColumn);
      else if (name === 'user_gender') cols[name] = Array.from(g as Uint8Array, (v) => v === 1);
      else cols[name] = g;
    }
    return table(cols as Record<string, ArrayLike<unknown>>);
  }

  /** The users table (100k/1m ratings) as an arquero table; null when there is none. Occupation label as text. */
  usersTable(): ColumnTable | null {
    const u = this.users;
    if (!u) return null;
    const cols: Record<string, ArrayLike<unknown>> = {
      user_id: u.user_id,
      user_gender: Array.from(u.user_gender, (v) => v === 1),
      bucketized_user_age: u.bucketized_user_age,
      user_occupation_label: Array.from(u.user_occupation_label, (v) => OCCUPATION_LABELS[v]),
      user_occupation_text: u.user_occupation_text,
      user_zip_code: u.user_zip_code,
    };
    if (u.raw_user_age) cols.raw_user_age = u.raw_user_age;
    return table(cols);
  }

  /** The movies table as an arquero table (`movie_id`, `movie_title`, `movie_genres` as genre names). */
  moviesTable(): ColumnTable {
    return table({
      movie_id: this.movies.movie_id,
      movie_title: this.movies.movie_title,
      movie_genres: raggedToGenreNames(this.movies.movie_genres),
    });
  }
}

function identity(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

function raggedToGenreNames(r: RaggedColumn): string[][] {
  const out = new Array<string[]>(r.rowSplits.length - 1);
  for (let i = 0; i < out.length; i++) {
    const row: string[] = [];
    for (let j = r.rowSplits[i]; j < r.rowSplits[i + 1]; j++) row.push(MOVIE_GENRES[r.values[j]]);
    out[i] = row;
  }
  return out;
}

import type { MovieLensData } from '../data/movielens-data';
import { AGE_BUCKETS, MOVIE_GENRES, OCCUPATION_LABELS } from '../data/labels';
import { InputError } from '../errors';

/** Query-side (user) features the two-tower model can add to `user_id`. */
export const QUERY_SIDE_FEATURES = ['user_gender', 'bucketized_user_age', 'user_occupation_label'] as const;
/** One of {@link QUERY_SIDE_FEATURES}. */
export type QuerySideFeature = (typeof QUERY_SIDE_FEATURES)[number];

/** Vocabulary of each side feature's table (gender 0/1, age bucket index into AGE_BUCKETS, occupation label). */
export const SIDE_FEATURE_VOCABULARY: Readonly<Record<QuerySideFeature | 'movie_genres', number>> = Object.freeze({
  user_gender: 2,
  bucketized_user_age: AGE_BUCKETS.length,
  user_occupation_label: OCCUPATION_LABELS.length,
  movie_genres: MOVIE_GENRES.length,
});

/**
 * Side features indexed **by id** (not by example), so that any user or movie id can be embedded, in training and
 * when all candidates are embedded for the index:
 *
 * ```
 * user_gender[userId]            0 female, 1 male
 * bucketized_user_age[userId]    index into AGE_BUCKETS (0 "Under 18" … 6 "56+")
 * user_occupation_label[userId]  index into OCCUPATION_LABELS
 * movie_genres                   ragged by movie id: genres of movie m = values[rowSplits[m] .. rowSplits[m+1])
 * ```
 * Ids absent from the data get 0 (and no genres).
 */
export interface RetrievalSideFeatures {
  readonly user_gender: Int32Array;
  readonly bucketized_user_age: Int32Array;
  readonly user_occupation_label: Int32Array;
  readonly movie_genres: { readonly values: Int32Array; readonly rowSplits: Int32Array };
}

/**
 * Builds {@link RetrievalSideFeatures} from a loaded `*-ratings` config with users (100k, 1m).
 * @param data the loaded MovieLens data.
 * @returns per-id arrays sized max id + 1.
 * @throws InputError `no_users` when the config has no users table (demographics unavailable).
 * @example
 * const side = retrievalSideFeatures(await loadMovieLens('100k-ratings'));
 * side.movie_genres; // ragged genres by movie id
 */
export function retrievalSideFeatures(data: MovieLensData): RetrievalSideFeatures {
  const users = data.users;
  if (!users) throw new InputError('no_users', `retrievalSideFeatures: expected a config with a users table (100k-ratings, 1m-ratings), but ${data.config.name} has none.`);
  let maxUser = 0;
  for (const id of users.user_id) maxUser = Math.max(maxUser, id);
  const gender = new Int32Array(maxUser + 1);
  const age = new Int32Array(maxUser + 1);
  const occupation = new Int32Array(maxUser + 1);
  for (let r = 0; r < users.length; r++) {
    const id = users.user_id[r];
    gender[id] = users.user_gender[r];
    age[id] = Math.max(0, (AGE_BUCKETS as readonly number[]).indexOf(users.bucketized_user_age[r]));
    occupation[id] = users.user_occupation_label[r];
  }
  const movies = data.movies;
  let maxMovie = 0;
  for (const id of movies.movie_id) maxMovie = Math.max(maxMovie, id);
  const counts = new Int32Array(maxMovie + 2);
  const g = movies.movie_genres;
  for (let r = 0; r < movies.length; r++) counts[movies.movie_id[r] + 1] = g.rowSplits[r + 1] - g.rowSplits[r];
  for (let m = 0; m <= maxMovie; m++) counts[m + 1] += counts[m];
  const values = new Int32Array(counts[maxMovie + 1]);
  for (let r = 0; r < movies.length; r++) {
    const o = counts[movies.movie_id[r]];
    for (let p = g.rowSplits[r]; p < g.rowSplits[r + 1]; p++) values[o + p - g.rowSplits[r]] = g.values[p];
  }
  return Object.freeze({
    user_gender: gender,
    bucketized_user_age: age,
    user_occupation_label: occupation,
    movie_genres: Object.freeze({ values, rowSplits: counts }),
  });
}

/** The ragged genres of the given movie ids (a gather of rows of `side.movie_genres`; unknown ids get none). */
export function genresOf(side: RetrievalSideFeatures, movieIds: ArrayLike<number>): { values: Int32Array; rowSplits: Int32Array } {
  const { values, rowSplits } = side.movie_genres;
  const n = rowSplits.length - 1;
  const splits = new Int32Array(movieIds.length + 1);
  for (let i = 0; i < movieIds.length; i++) {
    const m = movieIds[i];
    splits[i + 1] = splits[i] + (m >= 0 && m < n ? rowSplits[m + 1] - rowSplits[m] : 0);
  }
  const out = new Int32Array(splits[movieIds.length]);
  for (let i = 0; i < movieIds.length; i++) {
    const m = movieIds[i];
    if (m >= 0 && m < n) out.set(values.subarray(rowSplits[m], rowSplits[m + 1]), splits[i]);
  }
  return { values: out, rowSplits: splits };
}

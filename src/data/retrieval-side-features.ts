import type { MovieLensData } from './movielens-data';
import { AGE_BUCKETS, MOVIE_GENRES, OCCUPATION_LABELS } from './labels';
import { InputError } from '../errors';

/** Names of the MovieLens side features by id: the user's demographics and the movie's genres. */
export type SideFeatureName = 'user_gender' | 'bucketized_user_age' | 'user_occupation_label' | 'movie_genres';

/** Vocabulary of each side feature's table (gender 0/1, age bucket index into AGE_BUCKETS, occupation label, genre). */
export const SIDE_FEATURE_VOCABULARY: Readonly<Record<SideFeatureName, number>> = Object.freeze({
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
export interface MovieLensSideFeatures {
  readonly user_gender: Int32Array;
  readonly bucketized_user_age: Int32Array;
  readonly user_occupation_label: Int32Array;
  readonly movie_genres: { readonly values: Int32Array; readonly rowSplits: Int32Array };
  /** The table size of each feature: {@link SIDE_FEATURE_VOCABULARY}. */
  readonly vocabulary: Readonly<Record<SideFeatureName, number>>;
}

/**
 * Builds {@link MovieLensSideFeatures} from a loaded `*-ratings` config with users (100k, 1m): the side features the
 * two-tower retrieval model reads (its `RetrievalSideFeatures`).
 * @param data the loaded MovieLens data.
 * @returns per-id arrays sized max id + 1, and the vocabulary of each feature.
 * @throws InputError `no_users` when the config has no users table (demographics unavailable).
 * @example
 * const side = retrievalSideFeatures(await loadMovieLens('100k-ratings'));
 * side.movie_genres; // ragged genres by movie id
 */
export function retrievalSideFeatures(data: MovieLensData): MovieLensSideFeatures {
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
    vocabulary: SIDE_FEATURE_VOCABULARY,
  });
}


/** Query-side (user) features the two-tower model can add to `user_id`. */
export const QUERY_SIDE_FEATURES = ['user_gender', 'bucketized_user_age', 'user_occupation_label'] as const;
/** One of {@link QUERY_SIDE_FEATURES}. */
export type QuerySideFeature = (typeof QUERY_SIDE_FEATURES)[number];

/**
 * Side features indexed **by id** (not by example), so that any user or movie id can be embedded, in training and
 * when all candidates are embedded for the index (the data folder's `retrievalSideFeatures(data)` builds them from
 * MovieLens):
 *
 * ```
 * user_gender[userId]            0 … vocabulary.user_gender − 1
 * bucketized_user_age[userId]    0 … vocabulary.bucketized_user_age − 1
 * user_occupation_label[userId]  0 … vocabulary.user_occupation_label − 1
 * movie_genres                   ragged by movie id: genres of movie m = values[rowSplits[m] .. rowSplits[m+1])
 * vocabulary                     the table size of each feature
 * ```
 */
export interface RetrievalSideFeatures {
  readonly user_gender: Int32Array;
  readonly bucketized_user_age: Int32Array;
  readonly user_occupation_label: Int32Array;
  readonly movie_genres: { readonly values: Int32Array; readonly rowSplits: Int32Array };
  /** Rows of each side feature's table. */
  readonly vocabulary: Readonly<Record<QuerySideFeature | 'movie_genres', number>>;
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

import { InputError } from '../../errors';
import type { RaggedInput } from '../../embedding';

/** Batches as the data folder's `Dataset.batch()` yields them (only the id columns are read). */
type IdBatches = Iterable<{ readonly features: { readonly user_id: ArrayLike<number>; readonly movie_id: ArrayLike<number> } }>;

/**
 * The movies each user rated in a training set — SVD++'s implicit feedback N(u) — as a multivalent feature:
 * per batch, one ragged bag of movie ids per example's user (look it up with combiner `'sqrtn'` for Koren's
 * |N(u)|^−½ scaling).
 *
 * ```
 * user_id    [3, 7, 3]
 * → values   [m₁ m₂ … (user 3's movies) | (user 7's) | (user 3's again)]   rowSplits [0, n₃, n₃ + n₇, 2n₃ + n₇]
 * ```
 * Built from the training examples only (never the validation or test ones), so no held-out rating, not even
 * which movie it was, reaches the model.
 *
 * @example
 * const rated = RatedMovies.fromBatches(fitOn.batch(10_000), 944);
 * const bag = rated.bags(batch.features.user_id); // RaggedInput
 */
export class RatedMovies {
  private constructor(
    /** `movies[offsets[u] .. offsets[u + 1])` are user u's movies, ascending, each once. */
    private readonly offsets: Int32Array,
    private readonly movies: Int32Array,
  ) {}

  /**
   * Collects the (user, movie) pairs of a training dataset.
   * @param batches the training data's batches (only `user_id` and `movie_id` are read).
   * @param userVocabularySize users are ids in [0, it).
   * @throws InputError `id_out_of_range` for a user id outside [0, userVocabularySize).
   */
  static fromBatches(batches: IdBatches, userVocabularySize: number): RatedMovies {
    const lists: Set<number>[] = Array.from({ length: userVocabularySize }, () => new Set<number>());
    for (const { features } of batches) {
      for (let i = 0; i < features.user_id.length; i++) {
        const u = features.user_id[i];
        if (!(u >= 0 && u < userVocabularySize)) {
          throw new InputError('id_out_of_range', `RatedMovies.fromBatches: expected user ids in [0, ${userVocabularySize}), but got ${u}. Pass the user table's vocabulary size.`);
        }
        lists[u].add(features.movie_id[i]);
      }
    }
    const offsets = new Int32Array(userVocabularySize + 1);
    lists.forEach((s, u) => (offsets[u + 1] = offsets[u] + s.size));
    const movies = new Int32Array(offsets[userVocabularySize]);
    lists.forEach((s, u) => movies.set(Int32Array.from(s).sort(), offsets[u]));
    return new RatedMovies(offsets, movies);
  }

  /** User u's rated movies (a view). */
  of(user: number): Int32Array {
    return this.movies.subarray(this.offsets[user], this.offsets[user + 1]);
  }

  /**
   * One bag per example: the rated movies of `userIds[b]`.
   * @returns a {@link RaggedInput} (values and rowSplits, Int32Array).
   */
  bags(userIds: ArrayLike<number>): RaggedInput {
    const splits = new Int32Array(userIds.length + 1);
    for (let b = 0; b < userIds.length; b++) splits[b + 1] = splits[b] + this.of(userIds[b]).length;
    const values = new Int32Array(splits[userIds.length]);
    for (let b = 0; b < userIds.length; b++) values.set(this.of(userIds[b]), splits[b]);
    return { values, rowSplits: splits };
  }
}

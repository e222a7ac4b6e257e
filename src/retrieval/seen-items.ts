import { InputError } from '../errors';
import type { RetrievalDataset } from './two-tower-model';
import { batchOf } from './retrieval-batch';

/**
 * The items each user has already chosen (rated) in a dataset, usually the training split: what a recommender
 * leaves out of its answers and what the seen-excluded metrics leave out of the candidates
 * ({@link FactorizedTopK.updateState}'s `excluded`, {@link evaluateRetrieval}'s `exclude`).
 *
 * ```
 * pairs (user, movie)   (1, 5) (2, 7) (1, 3) (1, 5)
 * of(1) = [3, 5]        sorted, distinct
 * of(2) = [7]           of(9) = []  (a user without ratings)
 * ```
 *
 * @example
 * const seen = SeenItems.fromDataset(split.train.batch(4096));
 * seen.of(42); // Int32Array of the movies user 42 rated in training
 */
export class SeenItems {
  private constructor(private readonly byUser: ReadonlyMap<number, Int32Array>) {}

  /**
   * Collects the (user, movie) pairs of `dataset`.
   * @param dataset batches of `user_id` and `movie_id` (plain or the library's `Dataset.batch(...)` batches).
   * @returns the seen items of every user in it.
   * @throws InputError `bad_batch` when a batch's `user_id` and `movie_id` differ in length or hold non-integers.
   */
  static fromDataset(dataset: RetrievalDataset): SeenItems {
    const lists = new Map<number, number[]>();
    for (const b of dataset) {
      const { user_id: u, movie_id: m } = batchOf(b);
      if (u.length !== m.length) {
        throw new InputError('bad_batch', `SeenItems.fromDataset: expected user_id and movie_id of the same length in every batch, but got ${u.length} and ${m.length}.`);
      }
      for (let i = 0; i < u.length; i++) {
        if (!Number.isInteger(u[i]) || !Number.isInteger(m[i])) {
          throw new InputError('bad_batch', `SeenItems.fromDataset: expected integer user_id and movie_id, but got (${u[i]}, ${m[i]}) at ${i}.`);
        }
        let l = lists.get(u[i]);
        if (!l) lists.set(u[i], (l = []));
        l.push(m[i]);
      }
    }
    const byUser = new Map<number, Int32Array>();
    for (const [user, l] of lists) {
      const sorted = Int32Array.from(l).sort();
      let n = 0;
      for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[n++] = sorted[i];
      byUser.set(user, sorted.slice(0, n));
    }
    return new SeenItems(byUser);
  }

  /** The distinct items `userId` chose, ascending (empty for an unknown user). */
  of(userId: number): Int32Array {
    return this.byUser.get(userId) ?? EMPTY;
  }

  /** Number of users with at least one item. */
  get numUsers(): number {
    return this.byUser.size;
  }
}

const EMPTY = new Int32Array(0);

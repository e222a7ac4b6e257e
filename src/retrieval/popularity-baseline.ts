import { InputError } from '../errors';
import { batchOf } from './retrieval-batch';
import type { FactorizedRetriever } from './evaluate-retrieval';
import type { RetrievalDataset } from './two-tower-model';

/**
 * The popularity baseline of retrieval: every user gets the same list, the candidates ranked by how often they
 * were chosen in the training data (ties: the smaller id first). It is a {@link FactorizedRetriever} of width 1,
 * so {@link evaluateRetrieval} scores it with exactly the metric of the two towers:
 *
 * ```
 * count[j]      = #{ training pairs with item candidateIds[j] }
 * position[j]   = place of j when sorted by (count descending, id ascending)      0 = most popular
 * candidate[j]  = [N − position[j]]      query(u) = [1]      score(u, j) = N − position[j]   (exact in float32)
 * ```
 *
 * @example
 * const pop = PopularityBaseline.fit(train.batch(4096), ratings.movies.movie_id);
 * pop.recommend(10);                                     // the 10 most rated movies
 * evaluateRetrieval(pop, test.batch(4096)).topK[100];    // same split, same metric as the towers
 */
export class PopularityBaseline implements FactorizedRetriever {
  /** Width of its vectors: one number. */
  readonly dim = 1;
  /** Candidate ids, most popular first. */
  readonly ranked: Int32Array;

  private constructor(
    readonly candidateIds: Int32Array,
    /** Training count of each candidate, in the order of `candidateIds`. */
    readonly counts: Float64Array,
  ) {
    const order = Array.from(candidateIds.keys()).sort((a, b) => counts[b] - counts[a] || candidateIds[a] - candidateIds[b]);
    this.ranked = Int32Array.from(order, (j) => candidateIds[j]);
  }

  /**
   * Counts how often each candidate appears in `train`'s `movie_id` (items that are not candidates are ignored).
   * @param train training batches (plain or `Dataset.batch(...)`).
   * @param candidateIds every candidate (distinct integers).
   * @returns the baseline.
   * @throws InputError `bad_candidates` (empty, repeated or non-integer ids).
   */
  static fit(train: RetrievalDataset, candidateIds: ArrayLike<number>): PopularityBaseline {
    const ids = Int32Array.from(candidateIds);
    const column = new Map<number, number>();
    for (let j = 0; j < ids.length; j++) {
      if (ids[j] !== candidateIds[j] || column.has(ids[j])) {
        throw new InputError('bad_candidates', `PopularityBaseline.fit: expected candidateIds to be distinct integers, but got ${candidateIds[j]} at ${j}.`);
      }
      column.set(ids[j], j);
    }
    if (ids.length === 0) throw new InputError('bad_candidates', 'PopularityBaseline.fit: expected at least one candidate id, but got none.');
    const counts = new Float64Array(ids.length);
    for (const b of train) {
      const m = batchOf(b).movie_id;
      for (let i = 0; i < m.length; i++) {
        const j = column.get(m[i]);
        if (j !== undefined) counts[j]++;
      }
    }
    return new PopularityBaseline(ids, counts);
  }

  /**
   * The k most popular candidates, leaving out `exclude` (e.g. the user's seen items).
   * @param k how many (positive integer; fewer when the candidates run out).
   * @param exclude ids left out. @default none
   * @returns ids, most popular first.
   * @throws InputError `bad_option` when k is not a positive integer.
   */
  recommend(k: number, exclude: Iterable<number> = []): Int32Array {
    if (!Number.isInteger(k) || k < 1) throw new InputError('bad_option', `PopularityBaseline.recommend: expected k to be a positive integer, but got ${String(k)}.`);
    const skip = new Set(exclude);
    const out: number[] = [];
    for (let i = 0; i < this.ranked.length && out.length < k; i++) if (!skip.has(this.ranked[i])) out.push(this.ranked[i]);
    return Int32Array.from(out);
  }

  /** `[N, 1]`: N − position of each candidate (see the class comment). */
  candidateEmbeddings(): Float32Array {
    const N = this.candidateIds.length;
    const position = new Map<number, number>();
    this.ranked.forEach((id, p) => position.set(id, p));
    return Float32Array.from(this.candidateIds, (id) => N - position.get(id)!);
  }

  /** `[n, 1]` of ones: every user gets the same ranking. */
  queryEmbeddings(userIds: ArrayLike<number>): Float32Array {
    return new Float32Array(userIds.length).fill(1);
  }
}

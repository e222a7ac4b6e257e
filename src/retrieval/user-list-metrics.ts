import { InputError } from '../errors';
import type { TopKAccuracy } from './factorized-top-k';

/** Recall@K and NDCG@K per K, averaged over users (see {@link userListMetrics}). */
export interface UserListMetrics {
  /** Mean over users of (relevant items in the top K) / (relevant items). */
  readonly recall: TopKAccuracy;
  /** Mean over users of DCG@K / ideal DCG@K. */
  readonly ndcg: TopKAccuracy;
  /** Users averaged (those with at least one relevant item). */
  readonly users: number;
}

/**
 * Recall@K and NDCG@K of per-user recommendation lists, from the rank of each relevant (held-out) item in the
 * user's list (0 = first; as {@link FactorizedTopK.updateState} returns it: the candidates scored strictly above it,
 * the user's other relevant items included):
 *
 * ```
 * user u, n relevant items, ranks sorted ascending r₀ ≤ r₁ ≤ …   position pᵢ = max(rᵢ, i)   (ties share a rank;
 *                                                                  the i-th relevant item cannot sit above i)
 * recall@K(u) = #{ i : pᵢ < K } / n
 * DCG@K(u)    = Σ_{pᵢ < K} 1 / log₂(pᵢ + 2)        IDCG@K(u) = Σ_{i < min(n, K)} 1 / log₂(i + 2)
 * NDCG@K(u)   = DCG@K(u) / IDCG@K(u)
 * recall@K, NDCG@K = means over users with n ≥ 1
 * ```
 * Binary relevance (a held-out rating is relevant whatever its stars), as in the retrieval literature on MovieLens.
 *
 * @param ranksByUser per user, the ranks of their relevant items (any order); empty lists are skipped.
 * @param ks cut-offs (positive integers).
 * @returns {@link UserListMetrics}, zeros when no user has a relevant item.
 * @throws InputError `bad_option` (ks) or `bad_rank` (a rank that is not a non-negative integer).
 * @example
 * userListMetrics([[0, 3], [12]], [10]); // recall { 10: 0.5 }, ndcg { 10: 0.5·(1 + 1/log₂5)/(1 + 1/log₂3) }
 */
export function userListMetrics(ranksByUser: Iterable<ArrayLike<number>>, ks: readonly number[]): UserListMetrics {
  if (!Array.isArray(ks) || ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1)) {
    throw new InputError('bad_option', `userListMetrics: expected ks to be a non-empty list of positive integers, but got ${JSON.stringify(ks)}.`);
  }
  const recall = new Float64Array(ks.length);
  const ndcg = new Float64Array(ks.length);
  let users = 0;
  for (const ranks of ranksByUser) {
    const n = ranks.length;
    if (n === 0) continue;
    const pos = Float64Array.from(ranks).sort();
    for (let i = 0; i < n; i++) {
      if (!Number.isInteger(pos[i]) || pos[i] < 0) throw new InputError('bad_rank', `userListMetrics: expected ranks to be non-negative integers, but got ${pos[i]}.`);
      pos[i] = Math.max(pos[i], i);
    }
    users++;
    ks.forEach((k, t) => {
      let hits = 0;
      let dcg = 0;
      let idcg = 0;
      for (let i = 0; i < n; i++) {
        if (pos[i] < k) {
          hits++;
          dcg += 1 / Math.log2(pos[i] + 2);
        }
        if (i < k) idcg += 1 / Math.log2(i + 2);
      }
      recall[t] += hits / n;
      ndcg[t] += dcg / idcg;
    });
  }
  const mean = (a: Float64Array): TopKAccuracy => Object.freeze(Object.fromEntries(ks.map((k, t) => [k, users === 0 ? 0 : a[t] / users])));
  return Object.freeze({ recall: mean(recall), ndcg: mean(ndcg), users });
}

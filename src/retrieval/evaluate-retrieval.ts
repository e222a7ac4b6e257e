import { InputError } from '../errors';
import { DEFAULT_TOP_KS, FactorizedTopK, type TopKAccuracy } from './factorized-top-k';
import { batchOf } from './retrieval-batch';
import type { SeenItems } from './seen-items';
import type { RetrievalDataset } from './two-tower-model';
import { userListMetrics } from './user-list-metrics';

/**
 * Anything that scores candidates by an inner product of a query vector and a candidate vector: the
 * {@link TwoTowerModel} and the {@link PopularityBaseline} (whose "embedding" is one number), so both are scored
 * by the same code.
 */
export interface FactorizedRetriever {
  /** Width of the query and candidate vectors. */
  readonly dim: number;
  /** Every candidate id, in the order of {@link candidateEmbeddings}. */
  readonly candidateIds: Int32Array;
  /** `[candidateIds.length, dim]` row-major. */
  candidateEmbeddings(): Float32Array;
  /** `[userIds.length, dim]` row-major. */
  queryEmbeddings(userIds: ArrayLike<number>): Float32Array;
}

/** Options of {@link evaluateRetrieval}. */
export interface EvaluateRetrievalOptions {
  /** Cut-offs K. @default [1, 5, 10, 50, 100] */
  readonly ks?: readonly number[];
  /**
   * Items left out of each user's candidates (normally `SeenItems.fromDataset(train)`: the movies the user already
   * rated, which a recommender does not propose again). @default undefined (every candidate competes)
   */
  readonly exclude?: SeenItems;
}

/** Quality of a retriever on held-out (user, item) pairs. */
export interface RetrievalQuality {
  /** Factorized top-K accuracy (TFRS `FactorizedTopK`): share of held-out pairs whose item ranks in the top K. */
  readonly topK: TopKAccuracy;
  /** Recall@K averaged over users (a user's held-out items are their relevant set). */
  readonly recall: TopKAccuracy;
  /** NDCG@K averaged over users (binary relevance). */
  readonly ndcg: TopKAccuracy;
  /** Held-out pairs scored. */
  readonly queries: number;
  /** Users averaged in recall and NDCG. */
  readonly users: number;
  /** Whether each user's `exclude` items were left out of the candidates. */
  readonly seenExcluded: boolean;
}

/**
 * Scores a retriever on held-out pairs with the three usual metrics, from one ranking per pair:
 *
 * ```
 * rank(u, m) = #{ candidates c ≠ m, c ∉ exclude(u) : q_u·c > q_u·m }        (FactorizedTopK, ties in m's favour)
 * topK@K     = mean over pairs of [rank < K]
 * recall@K, NDCG@K = userListMetrics over users, each user's held-out items being its relevant set
 * ```
 * @param retriever a {@link FactorizedRetriever} (a `TwoTowerModel`, a `PopularityBaseline`).
 * @param dataset held-out (user, item) pairs; items must be candidates.
 * @param options ks, exclude.
 * @returns {@link RetrievalQuality}.
 * @throws InputError `bad_batch` (lengths, non-integers), `unknown_candidate`, `bad_option`.
 * @example
 * const seen = SeenItems.fromDataset(train.batch(4096));
 * evaluateRetrieval(model, test.batch(4096), { exclude: seen }).topK[100]; // seen-excluded top-100
 */
export function evaluateRetrieval(retriever: FactorizedRetriever, dataset: RetrievalDataset, options: EvaluateRetrievalOptions = {}): RetrievalQuality {
  const ks = options.ks ?? DEFAULT_TOP_KS;
  const users: number[] = [];
  const movies: number[] = [];
  for (const b of dataset) {
    const { user_id: u, movie_id: m } = batchOf(b);
    if (u.length !== m.length) throw new InputError('bad_batch', `evaluateRetrieval: expected user_id and movie_id of the same length in every batch, but got ${u.length} and ${m.length}.`);
    for (let i = 0; i < u.length; i++) {
      if (!Number.isInteger(u[i]) || !Number.isInteger(m[i])) throw new InputError('bad_batch', `evaluateRetrieval: expected integer user_id and movie_id, but got (${u[i]}, ${m[i]}) at ${i}.`);
      users.push(u[i]);
      movies.push(m[i]);
    }
  }
  const distinct = Int32Array.from(new Set(users));
  const row = new Map<number, number>();
  distinct.forEach((u, i) => row.set(u, i));
  const dim = retriever.dim;
  const table = retriever.queryEmbeddings(distinct);
  const q = new Float32Array(users.length * dim);
  for (let i = 0; i < users.length; i++) {
    const r = row.get(users[i])!;
    q.set(table.subarray(r * dim, (r + 1) * dim), i * dim);
  }
  const metric = new FactorizedTopK(retriever.candidateIds, retriever.candidateEmbeddings(), dim, { ks });
  try {
    const excluded = options.exclude ? users.map((u) => options.exclude!.of(u)) : undefined;
    const ranks = metric.updateState(q, movies, excluded);
    const byUser = new Map<number, number[]>();
    for (let i = 0; i < users.length; i++) {
      let l = byUser.get(users[i]);
      if (!l) byUser.set(users[i], (l = []));
      l.push(ranks[i]);
    }
    const list = userListMetrics(byUser.values(), metric.ks);
    return Object.freeze({ topK: metric.result(), recall: list.recall, ndcg: list.ndcg, queries: users.length, users: list.users, seenExcluded: options.exclude !== undefined });
  } finally {
    metric.dispose();
  }
}

import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors';
import { checkCandidates } from './candidate-index';

/** TFRS's default cut-offs of `FactorizedTopK` (top-1, 5, 10, 50 and 100 categorical accuracy). */
export const DEFAULT_TOP_KS = [1, 5, 10, 50, 100] as const;

/** Top-K accuracy per K, e.g. `{ 1: 0.002, 5: 0.02, …, 100: 0.36 }`. */
export type TopKAccuracy = Readonly<Record<number, number>>;

/** Options of {@link FactorizedTopK}. */
export interface FactorizedTopKOptions {
  /** The cut-offs K. @default [1, 5, 10, 50, 100] */
  readonly ks?: readonly number[];
  /** Queries scored per matrix product (bounds the `[block, N]` score matrix). @default 1024 */
  readonly queryBlock?: number;
}

/**
 * TFRS's `tfrs.metrics.FactorizedTopK`: how often the true candidate of a query ranks in the top K of **all**
 * candidates by inner product. TFRS scores the positive `s⁺ = q·c_true`, retrieves the top max(K) candidates and
 * counts a hit at K when fewer than K retrieved scores are strictly greater than `s⁺` (Keras
 * `TopKCategoricalAccuracy` on `[s⁺, top scores]`, i.e. `tf.math.in_top_k`). Here the same rank is computed
 * exactly over every candidate:
 *
 * ```
 * rank(q) = #{ candidates c ≠ c_true : q·c > q·c_true }      hit@K ⇔ rank < K      accuracy@K = hits / queries
 * ```
 * Ties therefore count in the true candidate's favour (as `in_top_k`), and the true candidate's own score comes
 * from the same matrix product as the others', so rounding cannot rank it below itself. With `excluded` (e.g. the
 * movies each user already rated in training) those candidates leave the count, as a recommender that filters
 * seen items would rank: `rank(q) = #{ c ∉ excluded(q), c ≠ c_true : q·c > q·c_true }`.
 *
 * @example
 * const metric = new FactorizedTopK(movieIds, movieEmbeddings, 32);
 * metric.updateState(userEmbeddings, trueMovieIds);
 * metric.result(); // { 1: 0.003, 5: 0.02, 10: 0.04, 50: 0.2, 100: 0.36 }
 */
export class FactorizedTopK {
  readonly ks: readonly number[];
  readonly queryBlock: number;
  private readonly column = new Map<number, number>();
  private readonly candidatesT: tf.Tensor2D;
  private readonly hits: Float64Array;
  private count = 0;
  private disposed = false;

  /**
   * @param candidateIds ids of every candidate `[N]`.
   * @param candidateVectors their embeddings `[N, dim]` row-major.
   * @param dim embedding width.
   * @param options ks, queryBlock.
   * @throws InputError `bad_candidates`, `bad_option` (ks not positive integers).
   */
  constructor(readonly candidateIds: Int32Array, candidateVectors: Float32Array, readonly dim: number, options: FactorizedTopKOptions = {}) {
    checkCandidates('FactorizedTopK', candidateIds, candidateVectors, dim);
    const ks = options.ks ?? DEFAULT_TOP_KS;
    if (!Array.isArray(ks) || ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1)) {
      throw new InputError('bad_option', `FactorizedTopK: expected ks to be a non-empty list of positive integers, but got ${JSON.stringify(ks)}.`);
    }
    this.ks = Object.freeze([...ks].sort((a, b) => a - b));
    this.queryBlock = options.queryBlock ?? 1024;
    if (!Number.isInteger(this.queryBlock) || this.queryBlock < 1) {
      throw new InputError('bad_option', `FactorizedTopK: expected queryBlock to be a positive integer, but got ${String(options.queryBlock)}.`);
    }
    candidateIds.forEach((id, j) => this.column.set(id, j));
    this.candidatesT = tf.tidy(() => tf.transpose(tf.tensor2d(candidateVectors, [candidateIds.length, dim]))) as tf.Tensor2D;
    this.hits = new Float64Array(this.ks.length);
  }

  /**
   * Adds queries and their true candidates.
   * @param queries query embeddings `[Q, dim]` row-major.
   * @param trueCandidateIds the candidate each query chose `[Q]` (must be among the candidates).
   * @param excluded per query, candidate ids left out of its ranking `[Q][*]` (e.g. the movies the user rated in
   *   training, {@link SeenItems}): they never count above the true candidate, as if they were not recommended.
   *   Ids that are not candidates, repeats and the query's own true candidate are ignored. @default none
   * @returns the rank of each query's true candidate (0 = best) `[Q]`.
   * @throws InputError `bad_query` (shapes, or `excluded` not one list per query) or `unknown_candidate` (a true id
   *   that is not a candidate); the metric's state is unchanged.
   */
  updateState(queries: Float32Array, trueCandidateIds: ArrayLike<number>, excluded?: ArrayLike<ArrayLike<number> | undefined>): Int32Array {
    if (this.disposed) throw new InputError('disposed', 'FactorizedTopK.updateState: the metric was disposed; create a new one.');
    const Q = trueCandidateIds.length;
    if (!(queries instanceof Float32Array) || queries.length !== Q * this.dim) {
      throw new InputError('bad_query', `FactorizedTopK.updateState: expected queries to be a Float32Array of ${Q} × ${this.dim} values (one per true candidate), but got ${queries instanceof Float32Array ? queries.length : String(queries)}.`);
    }
    const cols = new Int32Array(Q);
    for (let i = 0; i < Q; i++) {
      const c = this.column.get(trueCandidateIds[i]);
      if (c === undefined) throw new InputError('unknown_candidate', `FactorizedTopK.updateState: true candidate id ${trueCandidateIds[i]} (query ${i}) is not among the ${this.candidateIds.length} candidates; add it to the candidate set.`);
      cols[i] = c;
    }
    if (excluded !== undefined && (excluded === null || typeof excluded !== 'object' || excluded.length !== Q)) {
      throw new InputError('bad_query', `FactorizedTopK.updateState: expected excluded to hold one list of candidate ids per query (${Q}), but got ${excluded === null || typeof excluded !== 'object' ? String(excluded) : `${excluded.length} lists`}. Leave it out to exclude nothing.`);
    }
    const N = this.candidateIds.length;
    const ranks = new Int32Array(Q);
    for (let s = 0; s < Q; s += this.queryBlock) {
      const n = Math.min(this.queryBlock, Q - s);
      const scoresT = tf.tidy(() => tf.matMul(tf.tensor2d(queries.subarray(s * this.dim, (s + n) * this.dim), [n, this.dim]), this.candidatesT));
      const sc = scoresT.dataSync() as Float32Array;
      scoresT.dispose();
      for (let r = 0; r < n; r++) {
        const o = r * N;
        const col = cols[s + r];
        const pos = sc[o + col];
        let rank = 0;
        for (let j = 0; j < N; j++) if (sc[o + j] > pos && j !== col) rank++;
        const ex = excluded?.[s + r];
        if (ex && ex.length > 0) {
          const seen = new Set<number>();
          for (let e = 0; e < ex.length; e++) {
            const j = this.column.get(ex[e]);
            if (j === undefined || j === col || seen.has(j)) continue;
            seen.add(j);
            if (sc[o + j] > pos) rank--;
          }
        }
        ranks[s + r] = rank;
        for (let t = 0; t < this.ks.length; t++) if (rank < this.ks[t]) this.hits[t]++;
      }
    }
    this.count += Q;
    return ranks;
  }

  /** Accuracy at each K over every query added since construction or {@link reset} (0 before any query). */
  result(): TopKAccuracy {
    return Object.freeze(Object.fromEntries(this.ks.map((k, t) => [k, this.count === 0 ? 0 : this.hits[t] / this.count])));
  }

  /** Number of queries added. */
  get numQueries(): number {
    return this.count;
  }

  /** Forgets the queries added (TFRS `reset_states`). */
  reset(): void {
    this.hits.fill(0);
    this.count = 0;
  }

  /** Frees the candidate tensor. */
  dispose(): void {
    if (this.disposed) return;
    this.candidatesT.dispose();
    this.disposed = true;
  }
}

import { InputError } from '../errors';
import { positiveInteger, where } from '../validation';

/** The kinds of candidate index: exact (blocked matrix product + `tf.topk`) and approximate (HNSW, usearch). */
export const INDEX_KINDS = ['exact', 'hnsw'] as const;
/** One of {@link INDEX_KINDS}. */
export type IndexKind = (typeof INDEX_KINDS)[number];

/**
 * Top-k results of Q queries, row-major: query q's i-th best candidate is `ids[q·k + i]` with score
 * `scores[q·k + i]` (inner product, descending). Rows with fewer than k candidates are padded with id −1 and
 * score −Infinity.
 */
export interface SearchResult {
  readonly k: number;
  readonly numQueries: number;
  /** `[Q·k]` candidate ids. */
  readonly ids: Int32Array;
  /** `[Q·k]` inner products, best first. */
  readonly scores: Float32Array;
}

/** What every candidate index does: maximum-inner-product search over embedded candidates, and saving itself. */
export interface CandidateIndex {
  readonly kind: IndexKind;
  /** Width of the embeddings. */
  readonly dim: number;
  /** Number of candidates. */
  readonly size: number;
  /**
   * The k candidates of largest inner product with each query.
   * @param queries `[Q, dim]` row-major.
   * @param k results per query (≥ 1; capped at `size`, the rest padded).
   */
  search(queries: Float32Array, k: number): SearchResult;
  /** Writes the index into directory `dir` (created if needed); {@link loadCandidateIndex} reads it back. */
  save(dir: string): Promise<void>;
  /** Frees memory held outside the JS heap (tfjs tensors, native index). */
  dispose(): void;
}

/**
 * Checks a search call's arguments (shared by the indexes).
 * @returns the number of queries.
 * @throws InputError `bad_query` naming the rule and the value.
 */
export function checkSearch(api: string, dim: number, queries: Float32Array, k: number): number {
  if (!(queries instanceof Float32Array) || queries.length === 0 || queries.length % dim !== 0) {
    throw new InputError('bad_query', `${api}: expected queries to be a non-empty Float32Array of Q × ${dim} values, but got ${queries instanceof Float32Array ? `${queries.length} values` : String(queries)}.`);
  }
  positiveInteger(k, where(InputError, 'bad_query', api)('k'));
  return queries.length / dim;
}

/**
 * Checks candidate ids and embeddings before an index is built.
 * @throws InputError `bad_candidates`.
 */
export function checkCandidates(api: string, ids: Int32Array, vectors: Float32Array, dim: number): void {
  positiveInteger(dim, where(InputError, 'bad_candidates', api)('dim'));
  if (!(ids instanceof Int32Array) || ids.length === 0) throw new InputError('bad_candidates', `${api}: expected ids to be a non-empty Int32Array, but got ${String(ids)}.`);
  if (!(vectors instanceof Float32Array) || vectors.length !== ids.length * dim) {
    throw new InputError('bad_candidates', `${api}: expected vectors to be a Float32Array of ${ids.length} × ${dim} = ${ids.length * dim} values, but got ${vectors instanceof Float32Array ? vectors.length : String(vectors)}.`);
  }
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] < 0) throw new InputError('bad_candidates', `${api}: expected non-negative candidate ids, but got ${ids[i]} at ${i}.`);
  }
}

/**
 * Recall of an approximate search against the exact one: the fraction of the exact top-k ids that the
 * approximate top-k also returns, averaged over queries (`|approx ∩ exact| / k`).
 * @param approx results of the approximate index.
 * @param exact results of the exact index, same queries and k.
 * @returns recall@k in [0, 1].
 * @throws InputError `bad_query` when the two results differ in shape.
 * @example
 * recallAtK(hnsw.search(q, 10), exact.search(q, 10)); // 0.99
 */
export function recallAtK(approx: SearchResult, exact: SearchResult): number {
  if (approx.k !== exact.k || approx.numQueries !== exact.numQueries) {
    throw new InputError('bad_query', `recallAtK: expected results of the same queries and k, but got ${approx.numQueries}×${approx.k} and ${exact.numQueries}×${exact.k}.`);
  }
  const k = exact.k;
  let hit = 0;
  let total = 0;
  for (let q = 0; q < exact.numQueries; q++) {
    const want = new Set<number>();
    for (let i = 0; i < k; i++) if (exact.ids[q * k + i] >= 0) want.add(exact.ids[q * k + i]);
    for (let i = 0; i < k; i++) if (want.has(approx.ids[q * k + i])) hit++;
    total += want.size;
  }
  return total === 0 ? 1 : hit / total;
}

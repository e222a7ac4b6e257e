import { strict as assert } from 'node:assert';
import { before, describe, it } from 'node:test';
import { chooseBackend } from '../../src/backend';
import { InputError } from '../../src/errors';
import { FactorizedTopK, PopularityBaseline, SeenItems, evaluateRetrieval, userListMetrics, type FactorizedRetriever, type RetrievalBatch } from '../../src/retrieval';

const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-9, `${msg ?? ''} ${a} vs ${b}`);

describe('FactorizedTopK excluded candidates', () => {
  before(async () => {
    await chooseBackend();
  });

  it('leaves each query\'s excluded candidates out of its rank', () => {
    // Candidates 10→4, 20→3, 30→2, 40→1 (one dimension), q = [1]: scores 4, 3, 2, 1.
    const metric = new FactorizedTopK(Int32Array.from([10, 20, 30, 40]), Float32Array.from([4, 3, 2, 1]), 1, { ks: [1, 2] });
    // query 0: true 30, rank 2 (10, 20 above); excluding 10 → rank 1.
    // query 1: true 40, rank 3; excluding 20, 20 (repeat), 99 (not a candidate), 40 (itself) and 30 → rank 1.
    // query 2: true 30, nothing excluded → rank 2.   query 3: true 10, excluding 40 (below it) → rank 0.
    const ranks = metric.updateState(Float32Array.from([1, 1, 1, 1]), [30, 40, 30, 10], [[10], [20, 20, 99, 40, 30], undefined, [40]]);
    assert.deepEqual(Array.from(ranks), [1, 1, 2, 0]);
    // hit@1: query 3 only → 1/4; hit@2: queries 0, 1, 3 → 3/4.
    assert.deepEqual({ ...metric.result() }, { 1: 0.25, 2: 0.75 });
    assert.throws(
      () => metric.updateState(Float32Array.from([1, 1]), [10, 20], [[30]]),
      (e: unknown) => e instanceof InputError && e.kind === 'bad_query' && /excluded to hold one list of candidate ids per query \(2\), but got 1 lists/.test(e.message),
    );
    assert.equal(metric.numQueries, 4, 'a rejected update leaves the metric as it was');
    metric.dispose();
  });
});

describe('userListMetrics', () => {
  it('computes recall@K and NDCG@K by hand', () => {
    // user A: relevant ranks [3, 0] → positions 0, 3.  user B: [12] → position 12.  user C: [] (skipped).
    // K = 1:  A recall 1/2, DCG 1, IDCG 1 → 1;          B 0, 0.        recall 0.25, NDCG 0.5
    // K = 4:  A recall 1, DCG 1 + 1/log2(5), IDCG 1 + 1/log2(3);  B 0.   recall 0.5
    // K = 20: A as K = 4; B recall 1, DCG 1/log2(14), IDCG 1.
    const m = userListMetrics([[3, 0], [12], []], [1, 4, 20]);
    assert.equal(m.users, 2);
    close(m.recall[1], 0.25);
    close(m.ndcg[1], 0.5);
    close(m.recall[4], 0.5);
    const a = (1 + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3));
    close(m.ndcg[4], a / 2);
    close(m.recall[20], 1);
    close(m.ndcg[20], (a + 1 / Math.log2(14)) / 2);
  });

  it('gives tied relevant items distinct positions (NDCG never above 1)', () => {
    // Both relevant items tied at the top: rank 0 each → positions 0 and 1, a perfect list.
    const m = userListMetrics([[0, 0]], [1, 2]);
    close(m.ndcg[2], 1);
    close(m.recall[1], 0.5);
    close(m.ndcg[1], 1);
  });

  it('rejects bad ks and ranks', () => {
    assert.throws(() => userListMetrics([[0]], [0]), (e: unknown) => e instanceof InputError && e.kind === 'bad_option' && /ks to be a non-empty list of positive integers, but got \[0\]/.test(e.message));
    assert.throws(() => userListMetrics([[-1]], [1]), (e: unknown) => e instanceof InputError && e.kind === 'bad_rank' && /but got -1/.test(e.message));
  });
});

describe('SeenItems', () => {
  it('collects distinct sorted items per user', () => {
    const seen = SeenItems.fromDataset([{ user_id: [1, 2, 1], movie_id: [5, 7, 3] }, { features: { user_id: [1], movie_id: [5] } }]);
    assert.deepEqual(Array.from(seen.of(1)), [3, 5]);
    assert.deepEqual(Array.from(seen.of(2)), [7]);
    assert.deepEqual(Array.from(seen.of(9)), []);
    assert.equal(seen.numUsers, 2);
    assert.throws(() => SeenItems.fromDataset([{ user_id: [1, 2], movie_id: [5] }]), (e: unknown) => e instanceof InputError && /same length in every batch, but got 2 and 1/.test(e.message));
  });
});

describe('PopularityBaseline', () => {
  // Training counts: movie 3 ×3, movie 1 ×2, movie 2 ×2, movie 4 ×0 (tie 1/2 → smaller id first).
  const train: RetrievalBatch[] = [
    { user_id: [1, 1, 2, 3], movie_id: [3, 1, 3, 3] },
    { user_id: [2, 3, 3, 1], movie_id: [1, 2, 9, 2] }, // 9 is not a candidate: ignored
  ];
  const candidates = [4, 3, 2, 1];

  it('ranks candidates by training count, ties by id, and recommends around exclusions', () => {
    const pop = PopularityBaseline.fit(train, candidates);
    assert.deepEqual(Array.from(pop.counts), [0, 3, 2, 2]);
    assert.deepEqual(Array.from(pop.ranked), [3, 1, 2, 4]);
    assert.deepEqual(Array.from(pop.recommend(2)), [3, 1]);
    assert.deepEqual(Array.from(pop.recommend(2, [3])), [1, 2]);
    assert.deepEqual(Array.from(pop.recommend(9)), [3, 1, 2, 4]);
    // N − position: 4 → position 3 → 1; 3 → 4; 2 → 2; 1 → 3.
    assert.deepEqual(Array.from(pop.candidateEmbeddings()), [1, 4, 2, 3]);
    assert.throws(() => pop.recommend(0), (e: unknown) => e instanceof InputError && /k to be a positive integer, but got 0/.test(e.message));
    assert.throws(() => PopularityBaseline.fit(train, [1, 1]), (e: unknown) => e instanceof InputError && e.kind === 'bad_candidates' && /distinct integers, but got 1 at 1/.test(e.message));
  });

  it('is scored by evaluateRetrieval with and without the seen items, by hand', async () => {
    await chooseBackend();
    const pop = PopularityBaseline.fit(train, candidates);
    // Ranking for everyone: 3, 1, 2, 4. Held-out pairs: (1, 4), (2, 2), (2, 4), (3, 1).
    const test = [{ user_id: [1, 2, 2, 3], movie_id: [4, 2, 4, 1] }];
    // Seen included: ranks 3, 2, 3, 1 → top-1 0, top-2 1/4, top-4 1.
    const incl = evaluateRetrieval(pop, test, { ks: [1, 2, 4] });
    assert.deepEqual({ ...incl.topK }, { 1: 0, 2: 0.25, 4: 1 });
    assert.equal(incl.queries, 4);
    assert.equal(incl.seenExcluded, false);
    // Users' ranks: 1 [3] · 2 [2, 3] · 3 [1]. recall@2: 0, 0, 1 → 1/3; recall@4: 1. recall@1: 0.
    close(incl.recall[2], 1 / 3);
    close(incl.recall[4], 1);
    close(incl.recall[1], 0);
    // NDCG@2: user 3 only, DCG 1/log2(3) (position 1), IDCG 1.
    close(incl.ndcg[2], 1 / Math.log2(3) / 3);
    // NDCG@4: user 1 (1/log2 5)/1; user 2 (1/log2 4 + 1/log2 5)/(1 + 1/log2 3); user 3 1/log2 3.
    close(incl.ndcg[4], (1 / Math.log2(5) + (0.5 + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3)) + 1 / Math.log2(3)) / 3);
    // Seen excluded: user 1 saw {1, 2, 3} → movie 4 rank 0; user 2 saw {1, 3} → 2 rank 0, 4 rank 1; user 3 saw {2, 3} → 1 rank 0.
    const seen = SeenItems.fromDataset(train);
    const excl = evaluateRetrieval(pop, test, { ks: [1, 2, 4], exclude: seen });
    assert.deepEqual({ ...excl.topK }, { 1: 0.75, 2: 1, 4: 1 });
    assert.equal(excl.seenExcluded, true);
    close(excl.recall[1], (1 + 0.5 + 1) / 3);
    close(excl.ndcg[2], 1);
  });

  it('scores any FactorizedRetriever with the same code (a hand-made two-dimensional one)', async () => {
    await chooseBackend();
    // Candidates 1 → (1, 0), 2 → (0, 1); user 1 → (2, 1) prefers 1, user 2 → (0, 3) prefers 2.
    const retriever: FactorizedRetriever = {
      dim: 2,
      candidateIds: Int32Array.from([1, 2]),
      candidateEmbeddings: () => Float32Array.from([1, 0, 0, 1]),
      queryEmbeddings: (users) => Float32Array.from(Array.from(users).flatMap((u) => (u === 1 ? [2, 1] : [0, 3]))),
    };
    const q = evaluateRetrieval(retriever, [{ user_id: [1, 2, 2], movie_id: [2, 2, 1] }], { ks: [1] });
    // Ranks: (1, 2) → 1; (2, 2) → 0; (2, 1) → 1. top-1 = 1/3; recall@1: user 1 0, user 2 1/2 → 0.25.
    close(q.topK[1], 1 / 3);
    close(q.recall[1], 0.25);
    assert.throws(() => evaluateRetrieval(retriever, [{ user_id: [1], movie_id: [7] }]), (e: unknown) => e instanceof InputError && e.kind === 'unknown_candidate');
  });
});

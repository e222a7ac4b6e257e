import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chooseBackend } from '../../src/backend';
import { CheckpointError, ConfigError, InputError } from '../../src/errors';
import { Random } from '../../src/random';
import { ExactIndex, FactorizedTopK, HnswIndex, loadCandidateIndex, recallAtK } from '../../src/retrieval';
import { Recommender } from '../../src/retrieval/recommender';

const dir = mkdtempSync(path.join(tmpdir(), 'retrieval-index-test-'));

function randomMatrix(n: number, dim: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: n * dim }, () => rng.normal());
}

/** Top-k by sorting every inner product (ties: lower position first). */
function bruteForce(ids: Int32Array, vectors: Float32Array, dim: number, query: Float32Array, k: number): { ids: number[]; scores: number[] } {
  const scored = Array.from(ids, (id, j) => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += Math.fround(query[d] * vectors[j * dim + d]);
    return { id, j, s };
  });
  scored.sort((a, b) => b.s - a.s || a.j - b.j);
  return { ids: scored.slice(0, k).map((x) => x.id), scores: scored.slice(0, k).map((x) => x.s) };
}

describe('FactorizedTopK (TFRS semantics)', () => {
  before(async () => {
    await chooseBackend();
  });

  it('counts hits at K on a hand-made case, ties in the true candidate\'s favour', () => {
    // One-dimensional candidates 10→4, 20→3, 30→2, 40→1.
    const metric = new FactorizedTopK(Int32Array.from([10, 20, 30, 40]), Float32Array.from([4, 3, 2, 1]), 1, { ks: [5, 1, 3] });
    // q=[1]: scores 4,3,2,1 → true 30 has 2 better (rank 2); true 40 rank 3.
    // q=[-1]: scores −4,−3,−2,−1 → true 40 rank 0. q=[0]: all tie at 0 → true 20 rank 0 (ties count for it).
    const ranks = metric.updateState(Float32Array.from([1, 1, -1, 0]), [30, 40, 40, 20]);
    assert.deepEqual(Array.from(ranks), [2, 3, 0, 0]);
    // hit@1: ranks < 1 → 2 of 4; hit@3: 3 of 4; hit@5: 4 of 4. ks are sorted.
    assert.deepEqual(metric.ks, [1, 3, 5]);
    assert.deepEqual({ ...metric.result() }, { 1: 0.5, 3: 0.75, 5: 1 });
    metric.reset();
    assert.deepEqual({ ...metric.result() }, { 1: 0, 3: 0, 5: 0 });
    assert.throws(() => metric.updateState(Float32Array.from([1]), [99]), /true candidate id 99 \(query 0\) is not among the 4 candidates/);
    assert.throws(() => metric.updateState(Float32Array.from([1, 2]), [10]), /Float32Array of 1 × 1 values/);
    metric.dispose();
  });

  it('agrees with a brute-force rank over many candidates (blocked queries)', () => {
    const dim = 8;
    const ids = Int32Array.from({ length: 300 }, (_, i) => 1000 + i);
    const vecs = randomMatrix(300, dim, 3);
    const queries = randomMatrix(50, dim, 4);
    const truth = Array.from({ length: 50 }, (_, i) => 1000 + ((i * 37) % 300));
    const metric = new FactorizedTopK(ids, vecs, dim, { queryBlock: 16 });
    const ranks = metric.updateState(queries, truth);
    for (let q = 0; q < 50; q++) {
      const bf = bruteForce(ids, vecs, dim, queries.subarray(q * dim, (q + 1) * dim), 300);
      const pos = bf.ids.indexOf(truth[q]);
      const better = bf.scores.filter((s, i) => i !== pos && s > bf.scores[pos] + 1e-5).length;
      assert.ok(Math.abs(ranks[q] - better) <= 1, `query ${q}: rank ${ranks[q]} vs brute force ${better}`);
    }
    metric.dispose();
  });
});

describe('ExactIndex', () => {
  it('equals a brute-force sort, across blocks, and pads k beyond the size', () => {
    const dim = 8;
    const ids = Int32Array.from({ length: 1000 }, (_, i) => 5 * i + 1);
    const vecs = randomMatrix(1000, dim, 1);
    const queries = randomMatrix(5, dim, 2);
    const index = ExactIndex.build(ids, vecs, dim, { blockSize: 128 });
    const before = tf.memory().numTensors;
    const r = index.search(queries, 20);
    assert.equal(tf.memory().numTensors, before);
    for (let q = 0; q < 5; q++) {
      const bf = bruteForce(ids, vecs, dim, queries.subarray(q * dim, (q + 1) * dim), 20);
      assert.deepEqual(Array.from(r.ids.subarray(q * 20, (q + 1) * 20)), bf.ids);
      r.scores.subarray(q * 20, (q + 1) * 20).forEach((s, i) => assert.ok(Math.abs(s - bf.scores[i]) < 1e-4));
    }
    const small = ExactIndex.build(Int32Array.from([3, 4]), Float32Array.from([1, 0, 0, 1]), 2);
    const p = small.search(Float32Array.from([2, 1]), 3);
    assert.deepEqual(Array.from(p.ids), [3, 4, -1]);
    assert.deepEqual(Array.from(p.scores), [2, 1, -Infinity]);
    assert.throws(() => small.search(Float32Array.from([1, 2, 3]), 1), InputError);
    assert.throws(() => small.search(Float32Array.from([1, 2]), 0), /k to be a positive integer, but got 0/);
    assert.throws(() => ExactIndex.build(Int32Array.from([1]), Float32Array.from([1, 2, 3]), 2), /1 × 2 = 2 values, but got 3/);
    index.dispose();
    small.dispose();
  });

  it('round-trips through save/load', async () => {
    const ids = Int32Array.from({ length: 200 }, (_, i) => i * 2);
    const vecs = randomMatrix(200, 4, 5);
    const queries = randomMatrix(3, 4, 6);
    const index = ExactIndex.build(ids, vecs, 4);
    const d = path.join(dir, 'exact');
    await index.save(d);
    const loaded = await loadCandidateIndex(d);
    assert.equal(loaded.kind, 'exact');
    assert.deepEqual(loaded.search(queries, 10), index.search(queries, 10));
    index.dispose();
    loaded.dispose();
  });
});

describe('HnswIndex (usearch)', () => {
  it('finds the exact neighbours on a small set (recall@10 ≥ 0.95) and round-trips through save/load', async () => {
    const dim = 16;
    const n = 2000;
    const ids = Int32Array.from({ length: n }, (_, i) => i + 1);
    const vecs = randomMatrix(n, dim, 7);
    const queries = randomMatrix(50, dim, 8);
    const exact = ExactIndex.build(ids, vecs, dim);
    const hnsw = HnswIndex.build(ids, vecs, dim, { expansionSearch: 128 });
    const e = exact.search(queries, 10);
    const a = hnsw.search(queries, 10);
    const recall = recallAtK(a, e);
    assert.ok(recall >= 0.95, `recall@10 ${recall}`);
    // Scores are inner products (usearch's ip distance is 1 − q·c).
    for (let i = 0; i < 10; i++) if (a.ids[i] === e.ids[i]) assert.ok(Math.abs(a.scores[i] - e.scores[i]) < 1e-3);
    const d = path.join(dir, 'hnsw');
    await hnsw.save(d);
    const loaded = await loadCandidateIndex(d);
    assert.equal(loaded.kind, 'hnsw');
    assert.equal(loaded.size, n);
    assert.deepEqual(loaded.search(queries, 10).ids, a.ids);
    const single = hnsw.search(queries.subarray(0, dim), 5);
    assert.deepEqual(Array.from(single.ids), Array.from(a.ids.subarray(0, 5)));
    assert.throws(() => HnswIndex.build(Int32Array.from([1, 1]), new Float32Array(2 * dim), dim), /unique candidate ids/);
    // Index options are construction-time options: ConfigError invalid_option, naming the option and the value.
    const option = (re: RegExp) => (e: unknown) => e instanceof ConfigError && e.kind === 'invalid_option' && re.test(e.message);
    assert.throws(() => HnswIndex.build(ids, vecs, dim, { quantization: 'f8' as never }), option(/^HnswIndex\.build: expected quantization to be one of f32, f16, i8, but got 'f8'\.$/));
    assert.throws(() => HnswIndex.build(ids, vecs, dim, { connectivity: 1 }), option(/^HnswIndex\.build: expected connectivity to be an integer ≥ 2, but got 1\.$/));
    assert.throws(() => ExactIndex.build(ids, vecs, dim, { blockSize: 0 }), option(/^ExactIndex\.build: expected blockSize to be a positive integer, but got 0\.$/));
    assert.throws(() => new FactorizedTopK(ids, vecs, dim, { ks: [0] }), option(/^FactorizedTopK: expected ks to be a non-empty list of positive integers, but got \[0\]\.$/));
    assert.throws(() => new FactorizedTopK(ids, vecs, dim, { queryBlock: 2.5 }), option(/^FactorizedTopK: expected queryBlock to be a positive integer, but got 2\.5\.$/));
    exact.dispose();
  });

  it('loadCandidateIndex names the directory when there is no index', async () => {
    await assert.rejects(loadCandidateIndex(path.join(dir, 'nothing')), (e: unknown) => e instanceof CheckpointError && /found neither/.test(e.message));
  });

  it('Recommender refuses a query model whose output width is not the index dim (ConfigError bad_model, at construction)', () => {
    const user = tf.input({ shape: [1], dtype: 'int32', name: 'user_id' });
    const emb = tf.layers.embedding({ inputDim: 5, outputDim: 4, name: 'query_embedding' });
    const model = tf.model({ inputs: user, outputs: tf.layers.flatten().apply(emb.apply(user)) as tf.SymbolicTensor });
    const index = ExactIndex.build(Int32Array.from([1, 2]), new Float32Array(2 * 8), 8);
    assert.throws(() => new Recommender(model, index), (e: unknown) => e instanceof ConfigError && e.kind === 'bad_model' && /^Recommender: expected the query model's output width to equal the index's dim \(8\), but got shape \[null, 4\]\. Pass/.test(e.message));
    index.dispose();
    model.dispose();
  });

  after(() => rmSync(dir, { recursive: true, force: true }));
});

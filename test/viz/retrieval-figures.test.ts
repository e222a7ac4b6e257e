import { strict as assert } from 'node:assert';
import { before, test } from 'node:test';
import { chooseBackend } from '../../src/backend';
import { loadMovieLensSync } from '../../src/data';
import { ConfigError } from '../../src/errors';
import { PopularityBaseline, SeenItems, TwoTowerModel, evaluateRetrieval, pcaProjection, type RetrievalBatch } from '../../src/retrieval';
import { compareSearch, genreProjectionFigure, retrievalQualityTable, topKHistoryFigure } from '../../src/viz';
import { GENRE_COLOURS, OTHER_GENRE_COLOUR } from '../../src/viz/retrieval-figures';
import { Random } from '../../src/random';
import { ML_100K, tempDir, writeFolder } from '../data/synthetic';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

before(async () => {
  await chooseBackend();
});

test('genreProjectionFigure: one distinct colour per common first genre, the rest grey "other" drawn beneath; the PCA of the candidates', () => {
  const dir = tempDir();
  writeFolder(dir, 'ml-100k', ML_100K, 'latin1');
  const data = loadMovieLensSync('100k-ratings', { dir });
  // Movies 1 (first genre Animation), 543 (Drama), 267 (Unknown): one each; with 2 colours Unknown is 'other'.
  const model = new TwoTowerModel({ topology: 'cpu', userVocabularySize: 4, movieVocabularySize: 544, embeddingDim: 4, candidateIds: Int32Array.from([1, 543, 267]), seed: 1 });
  try {
    const fig = genreProjectionFigure(model, data, 2);
    const t = fig.data as Any[];
    assert.deepEqual(t.map((s) => s.name), ['other', 'Animation', 'Drama']);
    assert.deepEqual(t.map((s) => s.marker.color), [OTHER_GENRE_COLOUR, GENRE_COLOURS[0], GENRE_COLOURS[1]]);
    assert.ok(t[0].legendrank > t[1].legendrank, "'other' is listed last");
    // The points are the PCA of the candidates' embeddings, in candidate order 1, 543, 267.
    const p = pcaProjection(model.candidateEmbeddings(Int32Array.from([1, 543, 267])), 4);
    assert.deepEqual([t[1].x[0], t[2].x[0], t[0].x[0]], [p.x[0], p.x[1], p.x[2]]);
    assert.match((fig.layout as Any).xaxis.title.text, /^PC 1 \(\d+\.\d% of variance\)$/);
    // The default colours every genre here (3 ≤ 7).
    assert.deepEqual((genreProjectionFigure(model, data).data as Any[]).map((s) => s.name), ['Animation', 'Drama', 'Unknown']);
    assert.throws(() => genreProjectionFigure(model, data, 8), (e: unknown) => e instanceof ConfigError && e.kind === 'invalid_option' && /maxGenres to be an integer from 1 to 7 .*but got 8/.test(e.message));
  } finally {
    model.dispose();
  }
  // The colours are distinct from each other and from the grey.
  assert.equal(new Set([...GENRE_COLOURS, OTHER_GENRE_COLOUR]).size, GENRE_COLOURS.length + 1);
});

test('topKHistoryFigure: one line per K (largest first) over whole-number epoch ticks', () => {
  const logs = [1, 2, 3].map((e) => ({ epoch: e - 1, loss: 1, lossPerExample: 1, examples: 1, seconds: 1, lastStep: 10 * e, examplesPerSecond: 1, topK: { 1: 0.1 * e, 10: 0.2 * e } }));
  const fig = topKHistoryFigure(logs);
  assert.deepEqual((fig.data as Any[]).map((s) => [s.name, s.x]), [['top-10', [1, 2, 3]], ['top-1', [1, 2, 3]]]);
  const x = (fig.layout as Any).xaxis;
  assert.deepEqual([x.tick0, x.dtick, x.tickformat], [1, 1, 'd']);
});

test('compareSearch: exact and HNSW rows with latency, build time and recall against exact', async () => {
  const model = new TwoTowerModel({ topology: 'cpu', userVocabularySize: 20, movieVocabularySize: 41, embeddingDim: 8, candidateIds: Int32Array.from({ length: 40 }, (_, i) => i + 1), seed: 2 });
  try {
    const rng = new Random(3);
    const train: RetrievalBatch[] = Array.from({ length: 4 }, () => ({ user_id: Int32Array.from({ length: 32 }, () => rng.int(20)), movie_id: Int32Array.from({ length: 32 }, () => 1 + rng.int(40)) }));
    await model.fit(train, { epochs: 1, verbose: false });
    const t = compareSearch(model, [1, 2, 3, 4, 5], { k: 5 });
    assert.deepEqual(t.columnNames(), ['index', 'build_ms', 'p50_ms', 'p99_ms', 'queries_per_s', 'recall@5']);
    const rows = t.objects() as Any[];
    assert.deepEqual(rows.map((r) => r.index), ['exact (tfjs matMul + topk)', 'HNSW (usearch)']);
    assert.equal(rows[0]['recall@5'], 1); // exact against itself
    for (const r of rows) {
      assert.ok(r['recall@5'] >= 0 && r['recall@5'] <= 1);
      assert.ok(r.build_ms >= 0 && r.p50_ms >= 0 && r.p99_ms >= r.p50_ms && r.queries_per_s > 0, JSON.stringify(r));
    }
    // 40 candidates: HNSW's graph search finds the exact neighbours.
    assert.equal(rows[1]['recall@5'], 1);
  } finally {
    model.dispose();
  }
});

test('retrievalQualityTable: one row per retriever and seen setting, the metrics at each K', () => {
  // Popularity over candidates 1, 2, 3 trained on movie 3 twice and 2 once: ranking 3, 2, 1.
  const train = [{ user_id: [1, 1, 2], movie_id: [3, 2, 3] }];
  const pop = PopularityBaseline.fit(train, [1, 2, 3]);
  // User 2 held out movie 2 (rank 1, or 0 with its seen movie 3 excluded).
  const test = [{ user_id: [2], movie_id: [2] }];
  const rows = [
    { name: 'popularity', quality: evaluateRetrieval(pop, test, { ks: [1, 2] }) },
    { name: 'popularity', quality: evaluateRetrieval(pop, test, { ks: [1, 2], exclude: SeenItems.fromDataset(train) }) },
  ];
  const t = retrievalQualityTable(rows, [1]);
  assert.deepEqual(t.columnNames(), ['retriever', 'seen', 'top-1', 'recall@1', 'NDCG@1']);
  assert.deepEqual(t.objects(), [
    { retriever: 'popularity', seen: 'included', 'top-1': 0, 'recall@1': 0, 'NDCG@1': 0 },
    { retriever: 'popularity', seen: 'excluded', 'top-1': 1, 'recall@1': 1, 'NDCG@1': 1 },
  ]);
  assert.throws(() => retrievalQualityTable(rows, [10]), /expected every quality to hold K = 10 .* 'popularity' has 1, 2/);
  assert.throws(() => retrievalQualityTable([]), /at least one \{ name, quality \} row/);
});

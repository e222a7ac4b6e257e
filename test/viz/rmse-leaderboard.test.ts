import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { InputError } from '../../src/errors';
import { RMSE_ANCHORS } from '../../src/models';
import { rmseLeaderboardFigure, rmseLeaderboardTable } from '../../src/viz';
import { COLORWAY } from '../../src/viz/template';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const rows = [
  { name: 'BaselineOnly', mean: 0.944, sd: 0.004, runs: 5, split: '5 random 80/20' },
  { name: 'DCN-v2', mean: 0.925, split: '1 random 80/20' },
];
const anchors = [
  { name: 'SVD++ (Surprise)', rmse: 0.92, split: 'Surprise 5-fold 80/20 (mean)', source: 'Surprise README' },
  { name: 'GLocal-K', rmse: 0.889, split: 'u1.test', source: 'Han et al. 2021' },
];

test('rmseLeaderboardFigure: measured dots with ± sd error bars beside the published anchors, best at the top', () => {
  const fig = rmseLeaderboardFigure(rows, { anchors });
  const [measured, published] = fig.data as Any[];
  assert.equal(fig.data.length, 2);
  // Sorted by RMSE: DCN-v2 (0.925) before BaselineOnly (0.944); a row without sd gets a zero-width bar.
  assert.deepEqual(measured.y, ['DCN-v2', 'BaselineOnly']);
  assert.deepEqual(measured.x, [0.925, 0.944]);
  assert.deepEqual(measured.error_x.array, [0, 0.004]);
  assert.equal(measured.error_x.visible, true);
  assert.equal(measured.marker.color, COLORWAY[0]);
  assert.deepEqual(published.y, ['GLocal-K', 'SVD++ (Surprise)']);
  assert.equal(published.marker.symbol, 'diamond');
  assert.match(measured.hovertemplate[1], /BaselineOnly<br>0\.9440 ± 0\.0040 \(5 runs\)<br>5 random 80\/20/);
  assert.match(published.hovertemplate[0], /u1\.test/);
  const layout = fig.layout as Any;
  // Plotly draws the first category at the bottom: the array is worst → best, so the best row is on top.
  assert.deepEqual(layout.yaxis.categoryarray, ['BaselineOnly', 'DCN-v2', 'SVD++ (Surprise)', 'GLocal-K']);
  assert.equal(layout.title.text, 'Test RMSE on MovieLens 100K');
  assert.equal(layout.xaxis.title.text, 'test RMSE (stars)');
  assert.equal(layout.yaxis.title.text, 'model');
  assert.deepEqual(layout.colorway, [...COLORWAY], 'the library template');
  // The published anchors by default.
  assert.equal((rmseLeaderboardFigure(rows).data[1] as Any).x.length, RMSE_ANCHORS.length);
  // No anchors: one trace.
  assert.equal(rmseLeaderboardFigure(rows, { anchors: [] }).data.length, 1);
});

test('rmseLeaderboardTable: one row per model and anchor, best first, sd and runs only for measured rows', () => {
  const t = rmseLeaderboardTable(rows, { anchors }).objects() as Any[];
  assert.deepEqual(t.map((r) => r.model), ['GLocal-K', 'SVD++ (Surprise)', 'DCN-v2', 'BaselineOnly']);
  assert.deepEqual(t[3], { model: 'BaselineOnly', rmse: 0.944, sd: 0.004, runs: 5, split: '5 random 80/20', source: 'this run' });
  assert.deepEqual(t[2], { model: 'DCN-v2', rmse: 0.925, sd: 0, runs: 1, split: '1 random 80/20', source: 'this run' });
  assert.deepEqual(t[0], { model: 'GLocal-K', rmse: 0.889, sd: null, runs: null, split: 'u1.test', source: 'Han et al. 2021' });
});

test('rmseLeaderboardFigure/Table: a NaN, negative or fractional-run row, no rows, or a repeated name is an InputError naming the row', () => {
  for (const [bad, re] of [
    [{ name: 'MF', mean: Number.NaN }, /rows\[0\] to be \{ name: string, mean: a finite number ≥ 0.*but got \{"name":"MF","mean":null\}/],
    [{ name: 'MF', mean: 0.9, sd: -1 }, /rows\[0\].*"sd":-1/],
    [{ name: 'MF', mean: 0.9, runs: 2.5 }, /rows\[0\].*"runs":2.5/],
  ] as const) {
    assert.throws(() => rmseLeaderboardFigure([bad as Any]), (e: unknown) => e instanceof InputError && e.kind === 'not_finite' && re.test(e.message));
    assert.throws(() => rmseLeaderboardTable([bad as Any]), (e: unknown) => e instanceof InputError && e.kind === 'not_finite' && /^rmseLeaderboardTable: /.test(e.message));
  }
  assert.throws(() => rmseLeaderboardFigure([]), (e: unknown) => e instanceof InputError && e.kind === 'empty');
  assert.throws(
    () => rmseLeaderboardFigure([{ name: 'GLocal-K', mean: 0.9 }], { anchors }),
    (e: unknown) => e instanceof InputError && e.kind === 'duplicate_name' && /'GLocal-K' appears twice\. Rename one\./.test(e.message),
  );
});

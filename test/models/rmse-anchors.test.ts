import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/errors';
import { RMSE_ANCHORS, rmseComparisonTable } from '../../src/models';

test('RMSE_ANCHORS: published reference points only, each with its source and split', () => {
  const by = (name: string, split?: string) => RMSE_ANCHORS.find((a) => a.name.startsWith(name) && (!split || a.split === split))?.rmse;
  assert.equal(by('TF "TPU embeddings" tutorial'), 1.1339);
  // Surprise's 5-fold 80/20 table on ml-100k.
  const surprise = 'Surprise 5-fold 80/20 (mean)';
  assert.deepEqual([by('BaselineOnly', surprise), by('SVD (', surprise), by('KNNBaseline', surprise), by('SVD++', surprise)], [0.944, 0.934, 0.931, 0.92]);
  // u1.base / u1.test.
  assert.deepEqual([by('GC-MC', 'u1.test'), by('IGMC', 'u1.test'), by('GLocal-K', 'u1.test')], [0.91, 0.905, 0.889]);
  // Measured numbers come from the run, never from this list (no "measured here" row, no row of this library).
  for (const a of RMSE_ANCHORS) {
    assert.doesNotMatch(`${a.name} ${a.source}`, /measured|this library|mean predictor/i, a.name);
    assert.ok(a.source.length > 0 && a.split.length > 0, a.name);
  }
  assert.ok(Object.isFrozen(RMSE_ANCHORS) && Object.isFrozen(RMSE_ANCHORS[0]));
});

test('rmseComparisonTable: measured rows beside the anchors, lowest RMSE first, rounded to 4 decimals', () => {
  const t = rmseComparisonTable([{ name: 'mine', rmse: 0.92345678 }, { name: 'short', rmse: 1.05, split: '10 eval batches' }]);
  assert.equal(t.numRows(), RMSE_ANCHORS.length + 2);
  const rmse = t.array('rmse') as number[];
  assert.deepEqual(rmse, [...rmse].sort((a, b) => a - b));
  const mine = t.objects().find((r: any) => r.model === 'mine') as any;
  assert.deepEqual(mine, { model: 'mine', split: 'tutorial split', rmse: 0.9235, source: 'this run' });
  // GLocal-K 0.889 < IGMC 0.905 < GC-MC 0.910 < SVD++ 0.920 < mine 0.9235
  assert.deepEqual((t.array('model') as string[]).slice(0, 5), ['GLocal-K', 'IGMC', 'GC-MC', 'SVD++ (Surprise)', 'mine']);
  assert.equal(rmseComparisonTable([], []).numRows(), 0);
});

test('rmseComparisonTable: rejects an RMSE that is not a finite number ≥ 0', () => {
  assert.throws(() => rmseComparisonTable([{ name: 'bad', rmse: NaN }]), (e: unknown) => e instanceof InputError && /row 0 \('bad'\) to have a finite RMSE ≥ 0, but got NaN/.test(e.message));
});

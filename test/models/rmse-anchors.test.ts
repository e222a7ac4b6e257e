import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/errors';
import { RMSE_ANCHORS, rmseComparisonTable } from '../../src/models';

test('RMSE_ANCHORS: the published and measured reference points', () => {
  const by = (name: string, split?: string) => RMSE_ANCHORS.find((a) => a.name.startsWith(name) && (!split || a.split === split))?.rmse;
  assert.equal(by('TF "TPU embeddings" tutorial'), 1.1339);
  assert.equal(by('mean predictor'), 1.126);
  assert.equal(by('full protocol', 'tutorial split'), 0.9485);
  assert.equal(by('GC-MC'), 0.91);
  assert.equal(by('GLocal-K'), 0.889);
  assert.ok(Object.isFrozen(RMSE_ANCHORS) && Object.isFrozen(RMSE_ANCHORS[0]));
});

test('rmseComparisonTable: measured rows beside the anchors, lowest RMSE first, rounded to 4 decimals', () => {
  const t = rmseComparisonTable([{ name: 'mine', rmse: 0.92345678 }, { name: 'short', rmse: 1.05, split: '10 eval batches' }]);
  assert.equal(t.numRows(), RMSE_ANCHORS.length + 2);
  const rmse = t.array('rmse') as number[];
  assert.deepEqual(rmse, [...rmse].sort((a, b) => a - b));
  const mine = t.objects().find((r: any) => r.model === 'mine') as any;
  assert.deepEqual(mine, { model: 'mine', split: 'tutorial split', rmse: 0.9235, source: 'this run' });
  // GLocal-K 0.889 < GC-MC 0.910 < mine 0.9235
  assert.deepEqual((t.array('model') as string[]).slice(0, 3), ['GLocal-K', 'GC-MC', 'mine']);
  assert.equal(rmseComparisonTable([], []).numRows(), 0);
});

test('rmseComparisonTable: rejects an RMSE that is not a finite number ≥ 0', () => {
  assert.throws(() => rmseComparisonTable([{ name: 'bad', rmse: NaN }]), (e: unknown) => e instanceof InputError && /row 0 \('bad'\) to have a finite RMSE ≥ 0, but got NaN/.test(e.message));
});

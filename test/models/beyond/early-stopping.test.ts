// Early stopping on a validation set: it stops `patience` epochs after the best one and puts back the best epoch's
// weights (tables and dense weights), which a recorder callback snapshots after every epoch.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseBackend } from '../../../src/backend';
import { ConfigError } from '../../../src/errors';
import { Adam } from '../../../src/optimizers';
import { Random } from '../../../src/random';
import { DCNv2, earlyStopping, type ColumnBatch, type WeightSnapshot } from '../../../src/models/beyond';
import type { EpochLogs, TrainingCallback } from '../../../src/models';

before(async () => {
  await chooseBackend();
});

/** 8 users × 8 movies; training labels r, validation labels 6 − r on the same pairs, so fitting the training set soon hurts validation. */
function batches(seed: number): { train: ColumnBatch[]; validation: ColumnBatch[] } {
  const rng = new Random(seed);
  const u = Int32Array.from({ length: 64 }, (_, i) => i % 8);
  const m = Int32Array.from({ length: 64 }, (_, i) => Math.floor(i / 8));
  const r = Float32Array.from({ length: 64 }, () => 1 + rng.int(5));
  const train = [0, 32].map((s) => ({ user_id: u.slice(s, s + 32), movie_id: m.slice(s, s + 32), user_rating: r.slice(s, s + 32) }));
  return { train, validation: [{ user_id: u, movie_id: m, user_rating: r.map((x) => 6 - x) }] };
}

function sameWeights(a: WeightSnapshot, b: WeightSnapshot): boolean {
  const eq = (x: Float32Array, y: Float32Array): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
  return a.dense.every((d, i) => eq(d, b.dense[i])) && Object.keys(a.tables).every((t) => eq(a.tables[t].weights, b.tables[t].weights));
}

test('stops patience epochs after the best val_rmse and restores the best epoch\'s weights', async () => {
  const model = new DCNv2({ embeddingDim: 4, crossLayers: 1, deepUnits: [8], userVocabularySize: 8, movieVocabularySize: 8, topology: 'v4-8', optimizer: new Adam({ learningRate: 0.05 }), denseOptimizer: undefined, seed: 3 });
  const { train, validation } = batches(5);
  const seen: { snapshot: WeightSnapshot; val: number }[] = [];
  const recorder: TrainingCallback<EpochLogs> = { onEpochEnd: (_e, logs) => void seen.push({ snapshot: model.snapshotWeights(), val: logs.val_rmse as number }) };
  const stop = earlyStopping(model, { patience: 2 });
  const history = await model.fit(train, { epochs: 40, validationData: validation, callbacks: [recorder, stop], verbose: 0 });
  const best = seen.reduce((bi, s, i) => (s.val < seen[bi].val ? i : bi), 0);
  assert.equal(stop.bestEpoch, best);
  assert.equal(stop.stoppedEpoch, best + 2, 'stopped after 2 epochs without improvement');
  assert.equal(history.epochs.length, best + 3);
  assert.ok(history.epochs.length < 40, 'training ended early');
  const last = seen[seen.length - 1].snapshot;
  assert.ok(!sameWeights(last, seen[best].snapshot), 'the last epoch moved the weights');
  assert.ok(sameWeights(model.snapshotWeights(), seen[best].snapshot), 'the best epoch\'s weights are back');
  const again = await model.evaluate(validation);
  assert.ok(Math.abs(again.rmse - seen[best].val) < 1e-6, `val_rmse after restore ${again.rmse} vs best ${seen[best].val}`);
  model.dispose();
});

test('without validationData the default monitor is missing: a ConfigError names the fix', async () => {
  const model = new DCNv2({ embeddingDim: 4, crossLayers: 1, deepUnits: [8], userVocabularySize: 8, movieVocabularySize: 8, topology: 'cpu', placement: 'cpu' });
  await assert.rejects(
    model.fit(batches(1).train, { epochs: 2, callbacks: [earlyStopping(model)], verbose: 0 }),
    (e: unknown) => e instanceof ConfigError && e.kind === 'missing_metric' && /val_rmse.*validationData.*validationSplit/.test(e.message),
  );
  assert.throws(() => earlyStopping(model, { patience: -1 }), (e: unknown) => e instanceof ConfigError && /patience.*-1/.test(e.message));
  model.dispose();
});

// predictSavedModel: a checkpoint trained here → exportSavedModel (real TF 2.21) → predictSavedModel (real TF,
// tf.saved_model.load) equals the model's own predictions; bad pairs and a missing SavedModel are refused before
// Python starts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseBackend } from '../../src/backend';
import { saveCheckpoint } from '../../src/checkpoint';
import { CheckpointError, InputError } from '../../src/errors';
import { exportSavedModel, predictSavedModel } from '../../src/interop';
import { RankingModel, rankingCheckpointContent, type RatingBatch } from '../../src/models';
import { kerasAdagrad } from '../../src/optimizers';
import { Random } from '../../src/random';

const SIZES = { userVocabularySize: 40, movieVocabularySize: 60, embeddingDim: 8 } as const;

function batches(n: number, seed: number): RatingBatch[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => {
    const u = Int32Array.from({ length: 32 }, () => rng.int(SIZES.userVocabularySize));
    const m = Int32Array.from({ length: 32 }, () => rng.int(SIZES.movieVocabularySize));
    return { user_id: u, movie_id: m, user_rating: Float32Array.from(u, (x, i) => 1 + ((x * 3 + m[i]) % 5)) };
  });
}

describe('predictSavedModel', () => {
  let dir: string;
  before(async () => {
    await chooseBackend();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'predict-saved-model-test-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("returns TensorFlow's predictions of an exported checkpoint, equal to the model's within 1e-5", async () => {
    const model = new RankingModel({ topology: 'v4-8', optimizer: kerasAdagrad({ learningRate: 0.1 }), ...SIZES, seed: 11 });
    await model.fit(batches(4, 5), { epochs: 1, verbose: 0 });
    await saveCheckpoint(path.join(dir, 'ckpts'), await rankingCheckpointContent(model));
    await exportSavedModel(path.join(dir, 'ckpts'), path.join(dir, 'saved-model'));
    // Every user with a movie of its own, the last ids of both vocabularies included.
    const pairs = { user_id: Array.from({ length: 40 }, (_, i) => i), movie_id: Array.from({ length: 40 }, (_, i) => (i * 7 + 3) % 60) };
    pairs.movie_id[39] = 59;
    const mine = Array.from(model.predict(pairs));
    model.dispose();
    const got = await predictSavedModel(path.join(dir, 'saved-model'), pairs);
    assert.equal(got.signature, 'serving');
    assert.match(got.tensorflow, /^2\./);
    assert.equal(got.predictions.length, 40);
    const worst = Math.max(...mine.map((p, i) => Math.abs(p - got.predictions[i])));
    assert.ok(worst <= 1e-5, `max |TF − tpu-embeddings| = ${worst}`);
    // The predictions are not all one value (a model that ignores its inputs would pass the comparison above).
    assert.ok(new Set(got.predictions.map((p) => p.toFixed(6))).size > 10);
    console.log(`predictSavedModel: 40 pairs in ${got.seconds.toFixed(1)} s (TF ${got.tensorflow}), max |Δ| ${worst.toExponential(2)}`);
  });

  it('refuses bad pairs with InputError bad_pairs, and a directory without saved_model.pb with CheckpointError, before Python starts', async () => {
    const cases: Array<[Parameters<typeof predictSavedModel>[1], RegExp]> = [
      [{ user_id: [1, 2], movie_id: [3] }, /expected as many movie_id as user_id, but got 1 and 2/],
      [{ user_id: [], movie_id: [] }, /expected 1 to 100000 pairs, but got 0/],
      [{ user_id: [1.5], movie_id: [3] }, /expected user_id\[0\] to be a non-negative int32 id, but got 1\.5/],
      [{ user_id: [1], movie_id: [-3] }, /expected movie_id\[0\] to be a non-negative int32 id, but got -3/],
    ];
    for (const [pairs, message] of cases) {
      await assert.rejects(predictSavedModel(dir, pairs), (e: unknown) => e instanceof InputError && e.kind === 'bad_pairs' && message.test(e.message));
    }
    await assert.rejects(
      predictSavedModel(path.join(dir, 'nothing-here'), { user_id: [1], movie_id: [2] }),
      (e: unknown) => e instanceof CheckpointError && e.kind === 'missing_saved_model' && /no saved_model\.pb|there is none; write one with exportSavedModel/.test(e.message),
    );
  });
});

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chooseBackend } from '../../src/backend';
import { fileSystemIO } from '../../src/checkpoint';
import { CheckpointError, InputError } from '../../src/errors';
import { kerasAdagrad } from '../../src/optimizers';
import { Random } from '../../src/random';
import { RankingModel } from '../../src/models';

describe('RankingModel.exportServingModel', () => {
  before(async () => {
    await chooseBackend();
  });

  it('builds a plain LayersModel that, saved and loaded with bare tf.loadLayersModel, predicts like the model', async () => {
    const model = new RankingModel({
      topology: 'v4-8',
      optimizer: kerasAdagrad({ learningRate: 0.1 }),
      userVocabularySize: 40,
      movieVocabularySize: 30,
      embeddingDim: 8,
      hiddenUnits: [16, 8],
      seed: 11,
    });
    const rng = new Random(5);
    const batches = Array.from({ length: 4 }, () => {
      const u = Int32Array.from({ length: 16 }, () => rng.int(40));
      const m = Int32Array.from({ length: 16 }, () => rng.int(30));
      return { user_id: u, movie_id: m, user_rating: Float32Array.from(u, (x, i) => 1 + ((x + m[i]) % 5)) };
    });
    await model.fit(batches, { epochs: 2, verbose: 0 });

    const served = model.exportServingModel();
    assert.deepEqual(served.inputs.map((i) => [i.name, i.dtype, i.shape]), [
      ['user_id', 'int32', [null, 1]],
      ['movie_id', 'int32', [null, 1]],
    ]);
    assert.deepEqual(served.outputs[0].shape, [null, 1]);
    // The embedding layers hold the full trained tables (user table = table_1, movie table = table_0).
    const state = await model.getState();
    const userTable = served.getLayer('user_embedding').getWeights()[0]; // the layer's own variable: not disposed here
    assert.deepEqual(userTable.shape, [40, 8]);
    assert.deepEqual(Array.from(userTable.dataSync()), Array.from(state.tables.find((t) => t.name === 'table_1')!.data as Float32Array));

    // Save to memory and load with nothing but tfjs.
    let artifacts: tf.io.ModelArtifacts | undefined;
    await served.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    // Only stock Keras layers (no custom class a plain loader would not know).
    assert.deepEqual(served.layers.map((l) => `${l.name}:${l.getClassName()}`), [
      'user_id:InputLayer', 'movie_id:InputLayer', 'user_embedding:Embedding', 'movie_embedding:Embedding',
      'user_flatten:Flatten', 'movie_flatten:Flatten', 'concat:Concatenate', 'dense_0:Dense', 'dense_1:Dense', 'rating:Dense',
    ]);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));

    const users = [0, 5, 39, 17, 30, 2, 8];
    const movies = [29, 0, 1, 17, 3, 3, 20];
    const expected = model.predict({ user_id: users, movie_id: movies });
    const out = tf.tidy(() => loaded.predict([tf.tensor1d(users, 'int32'), tf.tensor1d(movies, 'int32')]) as tf.Tensor);
    assert.deepEqual(out.shape, [7, 1]);
    const got = out.dataSync();
    expected.forEach((x, i) => assert.ok(Math.abs(x - got[i]) <= 1e-5, `example ${i}: ${x} vs ${got[i]}`));
    // The tutorial's serving call: user 30, movie 100 is out of this tiny vocabulary, so user 30 / movie 10 here.
    const one = tf.tidy(() => (loaded.predict([tf.tensor1d([30], 'int32'), tf.tensor1d([10], 'int32')]) as tf.Tensor).dataSync()[0]);
    assert.ok(Math.abs(one - model.predict({ user_id: [30], movie_id: [10] })[0]) <= 1e-5);
    out.dispose();
    served.dispose();
    loaded.dispose();
    model.dispose();
  });

  it('saveServingModel(dir) writes the export from Node with no router to register, and overwrites it atomically', async (t) => {
    // No registerFileSystemRouter() anywhere in this file: on wasm/cpu tfjs has no file:// handler of its own.
    assert.equal(tf.io.getSaveHandlers('file:///probe').length, 0);
    const dir = mkdtempSync(path.join(tmpdir(), 'serving-export-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const target = path.join(dir, 'serving-model');
    const model = new RankingModel({ topology: 'v4-8', optimizer: kerasAdagrad({ learningRate: 0.1 }), userVocabularySize: 40, movieVocabularySize: 30, embeddingDim: 8, hiddenUnits: [16, 8], seed: 3 });
    const users = [0, 5, 39, 17, 30];
    const movies = [29, 0, 1, 17, 10];
    const served = async () => {
      const loaded = await tf.loadLayersModel(fileSystemIO(target));
      const out = tf.tidy(() => Array.from((loaded.predict([tf.tensor1d(users, 'int32'), tf.tensor1d(movies, 'int32')]) as tf.Tensor).dataSync()));
      loaded.dispose();
      return out;
    };
    const close = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-5, `example ${i}: ${x} vs ${b[i]}`));
    const before = tf.memory().numTensors;
    const result = await model.saveServingModel(target);
    assert.equal(tf.memory().numTensors, before); // the temporary serving model was disposed
    // Weights: 40·8 + 30·8 + (16·16 + 16) + (16·8 + 8) + (8 + 1) = 977 float32 = 3,908 bytes.
    assert.equal(result.modelArtifactsInfo.weightDataBytes, 3908);
    const first = await served();
    close(first, model.predict({ user_id: users, movie_id: movies }));

    // Train, save again over it: the directory holds only the new model.json and its weights, which predict the new values.
    const rng = new Random(8);
    const batch = () => {
      const u = Int32Array.from({ length: 16 }, () => rng.int(40));
      const m = Int32Array.from({ length: 16 }, () => rng.int(30));
      return { user_id: u, movie_id: m, user_rating: Float32Array.from(u, (x, i) => 1 + ((x * m[i]) % 5)) };
    };
    await model.fit([batch(), batch(), batch()], { epochs: 3, verbose: 0 });
    await model.saveServingModel(target);
    const second = await served();
    close(second, model.predict({ user_id: users, movie_id: movies }));
    assert.ok(second.some((x, i) => Math.abs(x - first[i]) > 1e-3), 'training changed the predictions');
    const paths = JSON.parse(readFileSync(path.join(target, 'model.json'), 'utf8')).weightsManifest[0].paths as string[];
    assert.deepEqual(readdirSync(target).sort(), [...paths, 'model.json'].sort());

    await assert.rejects(model.saveServingModel(''), (e: unknown) => e instanceof InputError && e.kind === 'bad_path' && /RankingModel\.saveServingModel: expected dir to be a directory path, but got ""/.test(e.message));
    // A directory path that is a file: the save fails with CheckpointError and the file is left alone.
    const file = path.join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    await assert.rejects(model.saveServingModel(file), (e: unknown) => e instanceof CheckpointError && e.kind === 'write_failed' && /could not save the model to .*not-a-dir/.test(e.message));
    assert.equal(readFileSync(file, 'utf8'), 'x');
    model.dispose();
  });
});

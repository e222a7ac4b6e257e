import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chooseBackend } from '../../src/backend';
import { fileSystemIO, registerFileSystemRouter } from '../../src/checkpoint';
import { CheckpointError } from '../../src/errors';

const dir = mkdtempSync(path.join(tmpdir(), 'fsio-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  await chooseBackend();
});

/** Inputs of per-example shape [1] (tfjs' predict() expands a [B] tensor to [B, 1]), embeddings flattened to [B, 16]. */
function buildModel(): tf.LayersModel {
  const user = tf.input({ shape: [1], dtype: 'int32', name: 'user_id' });
  const movie = tf.input({ shape: [1], dtype: 'int32', name: 'movie_id' });
  const embed = (x: tf.SymbolicTensor, inputDim: number, name: string) =>
    tf.layers.flatten().apply(tf.layers.embedding({ inputDim, outputDim: 16, name }).apply(x)) as tf.SymbolicTensor;
  const u = embed(user, 300, 'user_embedding');
  const m = embed(movie, 500, 'movie_embedding');
  const x = tf.layers.concatenate().apply([u, m]) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 1, name: 'rating' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: [user, movie], outputs: out });
}

describe('fileSystemIO', () => {
  it('saves model.json + sharded weights and loads a model that predicts the same values', async () => {
    const model = buildModel();
    const target = path.join(dir, 'export');
    // Weights: 300·16 + 500·16 + 32 + 1 = 12,833 float32 = 51,332 bytes → 4 shards of ≤ 16 KiB.
    await model.save(fileSystemIO(target, { weightShardBytes: 16 * 1024 }));
    assert.deepEqual(readdirSync(target).sort(), ['group1-shard1of4.bin', 'group1-shard2of4.bin', 'group1-shard3of4.bin', 'group1-shard4of4.bin', 'model.json']);
    const json = JSON.parse(readFileSync(path.join(target, 'model.json'), 'utf8'));
    assert.equal(json.format, 'layers-model');
    assert.equal(json.weightsManifest[0].paths.length, 4);
    const loaded = await tf.loadLayersModel(fileSystemIO(target));
    assert.deepEqual(loaded.inputNames, ['user_id', 'movie_id']);
    const before = tf.memory().numTensors;
    const inputs = [tf.tensor1d([30, 0, 299], 'int32'), tf.tensor1d([100, 499, 0], 'int32')];
    const a = model.predict(inputs) as tf.Tensor;
    const b = loaded.predict(inputs) as tf.Tensor;
    assert.deepEqual(a.shape, [3, 1]);
    assert.deepEqual(Array.from(await b.data()), Array.from(await a.data()));
    tf.dispose([a, b, ...inputs]);
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
    loaded.dispose();
  });

  it('registers a file:// router for tf.loadLayersModel and model.save on wasm/cpu', async () => {
    assert.equal(registerFileSystemRouter(), true);
    assert.equal(registerFileSystemRouter(), false); // idempotent
    const model = buildModel();
    const target = path.join(dir, 'via-url');
    await model.save(`file://${target}`);
    assert.ok(existsSync(path.join(target, 'model.json')));
    const loaded = await tf.loadLayersModel(`file://${target}/model.json`);
    assert.equal(loaded.countParams(), model.countParams());
    model.dispose();
    loaded.dispose();
  });

  it('names the missing file when loading', async () => {
    await assert.rejects(tf.loadLayersModel(fileSystemIO(path.join(dir, 'none'))), (e: unknown) => e instanceof CheckpointError && e.kind === 'missing_file' && /none\/model\.json/.test(e.message));
    rmSync(path.join(dir, 'export', 'group1-shard2of4.bin'));
    await assert.rejects(tf.loadLayersModel(fileSystemIO(path.join(dir, 'export'))), /cannot read weights file .*group1-shard2of4\.bin/);
  });
});

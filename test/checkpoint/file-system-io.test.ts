import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, watch, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chooseBackend } from '../../src/backend';
import { fileSystemIO, registerFileSystemRouter } from '../../src/checkpoint';
import { setFileSystemStepObserver } from '../../src/checkpoint/file-system-io';
import { CheckpointError, ConfigError } from '../../src/errors';
import { probe, seededModel } from './fixtures/seeded-model';

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
    const json = JSON.parse(readFileSync(path.join(target, 'model.json'), 'utf8'));
    assert.equal(json.format, 'layers-model');
    assert.equal(json.weightsManifest[0].paths.length, 4);
    json.weightsManifest[0].paths.forEach((p: string, i: number) => assert.match(p, new RegExp(`^group1-shard${i + 1}of4-[0-9a-z]+\\.bin$`)));
    assert.deepEqual(readdirSync(target).sort(), [...json.weightsManifest[0].paths, 'model.json'].sort());
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

  it('refuses a weightShardBytes that is not a positive integer when the handler is made (ConfigError invalid_option)', () => {
    assert.throws(
      () => fileSystemIO(path.join(dir, 'never'), { weightShardBytes: 0 }),
      (e: unknown) => e instanceof ConfigError && e.kind === 'invalid_option' && e.message === 'fileSystemIO: expected options.weightShardBytes to be a positive integer, but got 0.',
    );
    assert.ok(!existsSync(path.join(dir, 'never')));
  });

  it('names the missing file when loading', async () => {
    await assert.rejects(tf.loadLayersModel(fileSystemIO(path.join(dir, 'none'))), (e: unknown) => e instanceof CheckpointError && e.kind === 'missing_file' && /none\/model\.json/.test(e.message));
    const second = JSON.parse(readFileSync(path.join(dir, 'export', 'model.json'), 'utf8')).weightsManifest[0].paths[1] as string;
    rmSync(path.join(dir, 'export', second));
    await assert.rejects(tf.loadLayersModel(fileSystemIO(path.join(dir, 'export'))), (e: unknown) => e instanceof CheckpointError && e.kind === 'missing_file' && /cannot read weights file .*group1-shard2of4-[0-9a-z]+\.bin/.test((e as Error).message));
  });
});

const CHILD = path.join(__dirname, 'fixtures', 'export-child.ts');

/**
 * Runs the export child; SIGKILLs it once it prints STOPPED (at step `stopAt`), or, with stopAt 0, `delayMs` after the
 * first change inotify reports in `target` (the save's first write, whatever the implementation).
 */
function runChild(target: string, seed: number, stopAt: number, shardBytes: number, delayMs = 0, env: NodeJS.ProcessEnv = {}): Promise<{ out: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const watcher = stopAt === 0 ? watch(target, () => arm(delayMs)) : null;
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, target, String(seed), String(stopAt), String(shardBytes)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    let armed = false;
    const arm = (ms: number) => {
      if (armed) return;
      armed = true;
      setTimeout(() => child.kill('SIGKILL'), ms);
    };
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('STOPPED')) arm(0);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearTimeout(guard);
      watcher?.close();
      if (code !== 0 && sig !== 'SIGKILL') reject(new Error(`export child exited ${code}: ${err}`));
      else resolve({ out, killed: sig === 'SIGKILL' });
    });
  });
}

async function predictionsOf(target: string): Promise<number[]> {
  const loaded = await tf.loadLayersModel(fileSystemIO(target));
  const values = probe(loaded);
  loaded.dispose();
  return values;
}

describe('fileSystemIO save overwriting an export, killed after each filesystem step', () => {
  it('leaves a directory that loads and predicts exactly the old or exactly the new model, and the next save cleans up', async (t) => {
    // 12,833 float32 = 51,332 bytes in 32 KiB shards → 2 weights files per export.
    const SHARD = 32 * 1024;
    const [oldModel, newModel, nextModel] = [1, 2, 3].map((seed) => seededModel(seed));
    const [oldValues, newValues, nextValues] = [oldModel, newModel, nextModel].map(probe);
    assert.notDeepEqual(oldValues, newValues);
    const steps: string[] = [];
    let committed = false;
    for (let k = 1; ; k++) {
      const target = path.join(dir, `kill-${k}`);
      await oldModel.save(fileSystemIO(target, { weightShardBytes: SHARD }));
      const { out, killed } = await runChild(target, 2, k, SHARD);
      if (!killed) {
        // Past the last step: the save ran to the end.
        assert.match(out, new RegExp(`^DONE ${k - 1}$`, 'm'));
        assert.deepEqual(await predictionsOf(target), newValues);
        break;
      }
      const m = /STOPPED (\d+) (\S+) (\S+)/.exec(out);
      assert.ok(m && Number(m[1]) === k, out);
      steps.push(m![2]);
      if (m![2] === 'commit') committed = true;
      const values = await predictionsOf(target); // a plain tf.loadLayersModel of the directory
      assert.deepEqual(values, committed ? newValues : oldValues, `after step ${k} (${m![2]}) the export predicts neither the old nor the new model`);
      t.diagnostic(`killed after step ${k} (${m![2]} ${path.basename(m![3])}): loads the ${committed ? 'new' : 'old'} model; ${readdirSync(target).length} entries`);
      // The next save removes whatever the killed one left behind: model.json and its two weights files remain.
      await nextModel.save(fileSystemIO(target, { weightShardBytes: SHARD }));
      const paths = JSON.parse(readFileSync(path.join(target, 'model.json'), 'utf8')).weightsManifest[0].paths as string[];
      assert.equal(paths.length, 2);
      assert.deepEqual(readdirSync(target).sort(), [...paths, 'model.json'].sort());
      assert.deepEqual(await predictionsOf(target), nextValues);
    }
    // Two new weights files, directory fsync, the temporary model.json, the rename, directory fsync, the two old files removed, fsync.
    assert.deepEqual(steps, ['weights', 'weights', 'sync-dir', 'model-json-temp', 'commit', 'sync-dir', 'remove', 'remove', 'sync-dir']);
    [oldModel, newModel, nextModel].forEach((m) => m.dispose());
  });

  it('removes the previous export\'s weights whatever their names, and leaves files it does not own', async () => {
    const target = path.join(dir, 'foreign-names');
    const oldModel = seededModel(5);
    await oldModel.save(fileSystemIO(target, { weightShardBytes: 32 * 1024 }));
    // As a converter could have named them: weights-a.bin, weights-b.bin; plus a user's note beside the export.
    const json = JSON.parse(readFileSync(path.join(target, 'model.json'), 'utf8'));
    json.weightsManifest[0].paths.forEach((p: string, i: number) => {
      writeFileSync(path.join(target, `weights-${'ab'[i]}.bin`), readFileSync(path.join(target, p)));
      rmSync(path.join(target, p));
    });
    json.weightsManifest[0].paths = ['weights-a.bin', 'weights-b.bin'];
    writeFileSync(path.join(target, 'model.json'), JSON.stringify(json));
    writeFileSync(path.join(target, 'NOTES.txt'), 'mine');
    assert.deepEqual(await predictionsOf(target), probe(oldModel));
    const newModel = seededModel(6);
    await newModel.save(fileSystemIO(target, { weightShardBytes: 32 * 1024 }));
    const paths = JSON.parse(readFileSync(path.join(target, 'model.json'), 'utf8')).weightsManifest[0].paths as string[];
    assert.deepEqual(readdirSync(target).sort(), ['NOTES.txt', ...paths, 'model.json'].sort());
    assert.deepEqual(await predictionsOf(target), probe(newModel));
    [oldModel, newModel].forEach((m) => m.dispose());
  });

  it('a load that read model.json just before a save committed (and deleted the old weights) reads the new export', async () => {
    const target = path.join(dir, 'race');
    const [oldModel, newModel] = [7, 8].map((seed) => seededModel(seed));
    await oldModel.save(fileSystemIO(target, { weightShardBytes: 32 * 1024 }));
    const seen: string[] = [];
    // The load pauses after reading the old model.json while a whole save replaces the export.
    setFileSystemStepObserver(async ({ step }) => {
      seen.push(step);
      if (step === 'load-manifest' && seen.filter((s) => s === 'load-manifest').length === 1) await newModel.save(fileSystemIO(target, { weightShardBytes: 32 * 1024 }));
    });
    let values: number[];
    try {
      values = await predictionsOf(target);
    } finally {
      setFileSystemStepObserver(null);
    }
    assert.deepEqual(seen, ['load-manifest', 'weights', 'weights', 'sync-dir', 'model-json-temp', 'commit', 'sync-dir', 'remove', 'remove', 'sync-dir', 'load-manifest']);
    assert.deepEqual(values, probe(newModel));
    [oldModel, newModel].forEach((m) => m.dispose());
  });

  for (const delayMs of [0, 10, 40]) {
    it(`killed ${delayMs} ms after its first write into a 3 MiB export leaves exactly the old or the new model`, async (t) => {
      // dim 1024: (300 + 500) × 1024 + 2048 + 1 float32 ≈ 3.3 MB in 64 KiB shards → 51 weights files.
      const env = { SEEDED_DIM: '1024' };
      const [oldModel, newModel] = [1, 2].map((seed) => seededModel(seed, 1024));
      const [oldValues, newValues] = [oldModel, newModel].map(probe);
      const target = path.join(dir, `random-${delayMs}`);
      await oldModel.save(fileSystemIO(target, { weightShardBytes: 64 * 1024 }));
      const { out } = await runChild(target, 2, 0, 64 * 1024, delayMs, env);
      const values = await predictionsOf(target);
      const which = JSON.stringify(values) === JSON.stringify(newValues) ? 'new' : 'old';
      t.diagnostic(`killed ${delayMs} ms after the first write (${out.includes('DONE') ? 'after' : 'before'} the save returned): the ${which} model`);
      assert.deepEqual(values, which === 'new' ? newValues : oldValues);
      [oldModel, newModel].forEach((m) => m.dispose());
    });
  }
});

describe('fileSystemIO load reads only the files of the model directory, at the manifest sizes', () => {
  const SHARD = 32 * 1024;
  let source = '';
  let values: number[] = [];
  let paths: string[] = [];
  before(async () => {
    const model = seededModel(4);
    values = probe(model);
    source = path.join(dir, 'guarded-source');
    await model.save(fileSystemIO(source, { weightShardBytes: SHARD }));
    model.dispose();
    paths = JSON.parse(readFileSync(path.join(source, 'model.json'), 'utf8')).weightsManifest[0].paths;
  });

  /** A copy of the source export under `name`; `edit` may rewrite the manifest's paths and the files. */
  function copyExport(name: string, edit: (target: string, json: { weightsManifest: { paths: string[] }[] }) => void): string {
    const target = path.join(dir, name);
    mkdirSync(target, { recursive: true });
    for (const p of paths) writeFileSync(path.join(target, p), readFileSync(path.join(source, p)));
    const json = JSON.parse(readFileSync(path.join(source, 'model.json'), 'utf8'));
    edit(target, json);
    writeFileSync(path.join(target, 'model.json'), JSON.stringify(json));
    return target;
  }

  const rejectsWith = (target: string, kind: string, re: RegExp) =>
    assert.rejects(tf.loadLayersModel(fileSystemIO(target)), (e: unknown) => {
      assert.ok(e instanceof CheckpointError, `expected a CheckpointError, got ${e}`);
      assert.equal(e.kind, kind, e.message);
      assert.match(e.message, re);
      return true;
    });

  it("refuses a weight path with '..' even when the file it names has the right size", async () => {
    // The second weights file moved next to the model directory and listed as ../<name>: tfjs would read it.
    const target = copyExport('dotdot', (t, json) => {
      writeFileSync(path.join(dir, paths[1]), readFileSync(path.join(t, paths[1])));
      rmSync(path.join(t, paths[1]));
      json.weightsManifest[0].paths[1] = `../${paths[1]}`;
    });
    await rejectsWith(target, 'unsafe_path', /fileSystemIO: weight path "\.\.\/group1-shard2of2-[0-9a-z]+\.bin" in .*dotdot\/model\.json contains '\.\.'; a model\.json may only list files inside/);
    const passwd = copyExport('passwd', (_t, json) => (json.weightsManifest[0].paths[0] = '../../etc/passwd'));
    await rejectsWith(passwd, 'unsafe_path', /"\.\.\/\.\.\/etc\/passwd" .* contains '\.\.'/);
  });

  it('refuses an absolute weight path', async () => {
    const outside = path.join(dir, 'outside-abs.bin');
    const target = copyExport('absolute', (t, json) => {
      writeFileSync(outside, readFileSync(path.join(t, paths[0])));
      json.weightsManifest[0].paths[0] = outside;
    });
    await rejectsWith(target, 'unsafe_path', /is absolute/);
  });

  it('refuses a symlink that leaves the directory, and follows one that stays inside', async () => {
    const outside = path.join(dir, 'outside-link.bin');
    const target = copyExport('symlink-out', (t) => {
      writeFileSync(outside, readFileSync(path.join(t, paths[0])));
      rmSync(path.join(t, paths[0]));
      symlinkSync(outside, path.join(t, paths[0]));
    });
    await rejectsWith(target, 'unsafe_path', /resolves through a symlink to .*outside-link\.bin, outside the model directory/);
    const inside = copyExport('symlink-in', (t) => {
      mkdirSync(path.join(t, 'store'));
      writeFileSync(path.join(t, 'store', 'w0.bin'), readFileSync(path.join(t, paths[0])));
      rmSync(path.join(t, paths[0]));
      symlinkSync(path.join('store', 'w0.bin'), path.join(t, paths[0]));
    });
    assert.deepEqual(await predictionsOf(inside), values);
  });

  it('refuses weights whose total size differs from the manifest (truncated or padded)', async () => {
    // 12,833 float32 = 51,332 bytes in the manifest; the second file holds 51,332 − 32,768 = 18,564.
    const truncated = copyExport('truncated', (t) => writeFileSync(path.join(t, paths[1]), readFileSync(path.join(t, paths[1])).subarray(0, 18_560)));
    await rejectsWith(truncated, 'size_mismatch', /hold 51328 bytes, but its weight specs need 51332 \(group1-shard1of2-[0-9a-z]+\.bin: 32768, group1-shard2of2-[0-9a-z]+\.bin: 18560\)/);
    const padded = copyExport('padded', (t) => writeFileSync(path.join(t, paths[1]), Buffer.concat([readFileSync(path.join(t, paths[1])), Buffer.alloc(8)])));
    await rejectsWith(padded, 'size_mismatch', /hold 51340 bytes, but its weight specs need 51332/);
  });
});

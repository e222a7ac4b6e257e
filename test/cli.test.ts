// The CLI's checkpoint commands run from the repository (scripts/cli.ts through tsx, in a child process, as a user
// runs `tpu-embeddings evaluate|export`): a checkpoint trained here is evaluated on the tutorial split with the same
// RMSE the model computes in-process, and exported to a directory that plain tf.loadLayersModel serves with the
// model's predictions. Bad command lines exit 2 naming the argument. (The installed package's CLI is covered by
// test/package/pack-install.test.ts.)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../src/backend';
import { fileSystemIO, saveCheckpoint } from '../src/checkpoint';
import { loadMovieLens, tutorialSplit } from '../src/data';
import { RankingModel, rankingCheckpointContent } from '../src/models';
import { kerasAdagrad } from '../src/optimizers';

const ROOT = path.resolve(__dirname, '..');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'cli.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });

describe('tpu-embeddings evaluate / export (scripts/cli.ts)', () => {
  let dir: string;
  let model: RankingModel;
  let expectedRmse: number;

  before(async () => {
    await chooseBackend();
    dir = mkdtempSync(path.join(tmpdir(), 'tpu-emb-cli-'));
    const split = tutorialSplit(await loadMovieLens('100k-ratings'), { seed: 42, features: ['user_id', 'movie_id', 'user_rating'] });
    model = new RankingModel({ topology: 'v4-8', optimizer: kerasAdagrad({ learningRate: 0.1 }), embeddingDim: 8, hiddenUnits: [16], seed: 3 });
    await model.fit(split.train.batch(1024, { dropRemainder: true }), { epochs: 1, verbose: 0 });
    expectedRmse = (await model.evaluate(split.test.batch(1000))).rmse;
    await saveCheckpoint(path.join(dir, 'ckpts'), await rankingCheckpointContent(model));
  });
  after(() => {
    model?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('evaluate restores the newest checkpoint of a folder on CPU and prints the RMSE the model has', () => {
    const r = cli('evaluate', path.join(dir, 'ckpts'));
    assert.equal(r.status, 0, r.stderr);
    const m = /ckpt-(\d+) \(step \d+\): test RMSE (\d+\.\d{4}) on 20,000 ratings of the tutorial split \(seed 42\)/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.equal(m[2], expectedRmse.toFixed(4));
  });

  it('export writes a serving export that plain tf.loadLayersModel serves with the model\'s predictions', async () => {
    const out = path.join(dir, 'export');
    const r = cli('export', path.join(dir, 'ckpts'), out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /exported to .*export/);
    const served = await tf.loadLayersModel(fileSystemIO(out));
    const users = Int32Array.from([30, 1, 943]);
    const movies = Int32Array.from([100, 1682, 50]);
    const got = tf.tidy(() => (served.predict([tf.tensor1d(users, 'int32'), tf.tensor1d(movies, 'int32')]) as tf.Tensor).dataSync());
    const want = model.predict({ user_id: users, movie_id: movies });
    served.dispose();
    for (let i = 0; i < users.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-5, `pair ${i}: served ${got[i]} vs model ${want[i]}`);
  });

  it('bad command lines exit 2 naming the argument; a folder without checkpoints exits 1 naming it', () => {
    const badSplit = cli('evaluate', dir, '--split', 'u9');
    assert.equal(badSplit.status, 2);
    assert.match(badSplit.stderr, /evaluate: expected --split to be one of tutorial, u1, .*but got 'u9'/);
    const oneArg = cli('export', dir);
    assert.equal(oneArg.status, 2);
    assert.match(oneArg.stderr, /export: expected a checkpoint directory and an output directory, but got 1 argument/);
    const empty = cli('evaluate', path.join(dir, 'nothing-here'));
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /CheckpointError: expected .*nothing-here to be a checkpoint directory/);
  });
});

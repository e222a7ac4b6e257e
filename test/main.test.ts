// `npm start` end to end (the tutorial as a script) with --quick in a temporary outputs directory: the summary,
// the checkpoint, the serving export and the prediction for user 30 / movie 100. Reads MovieLens 100K from
// ../shared/data (or $MOVIELENS_DIR).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseMainArgs, type MainSummary } from '../scripts/main';
import { saveCheckpoint } from '../src/checkpoint';
import { RankingModel, rankingCheckpointContent } from '../src/models';

const ROOT = path.resolve(__dirname, '..');
const outputs = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-start-'));
after(() => fs.rmSync(outputs, { recursive: true, force: true }));

test('npm start -- --quick runs the tutorial end to end and leaves summary, checkpoint, export and figures', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/main.ts', '--quick', '--outputs', outputs], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, MAIN_QUICK: '' },
  });
  assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  // Progress: the eight stages in order, one line per epoch (not a terminal, so no bars).
  const stages = [...r.stdout.matchAll(/^\[(\d)\/8\]/gm)].map((m) => Number(m[1]));
  assert.deepEqual(stages, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.match(r.stderr, /Epoch 10\/10 · 10 steps · loss/); // fit's progress lines go to stderr
  assert.match(r.stderr, /Epoch 1\/1 · 312 steps/); // floor(80,000 / (64 per replica × 4 replicas = 256)) = 312 full batches
  // The summary table: RMSEs beside the anchors, throughput, checkpoint, prediction.
  for (const re of [/tutorial protocol \(100 steps\)/, /full protocol \(1 epoch\)/, /GLocal-K/, /1\.1339/, /global mean \(this run\)/, /BaselineOnly, Surprise ALS \(this run\)/, /full protocol throughput +[\d,]+ examples\/s/, /checkpoint +.*ckpt-312/, /prediction \(user 30, movie 100\) +\d\.\d{3} stars/]) {
    assert.match(r.stdout, re);
  }

  const s = JSON.parse(fs.readFileSync(path.join(outputs, 'summary.json'), 'utf8')) as MainSummary;
  assert.equal(s.quick, true);
  assert.equal(s.topology, 'v4-8');
  assert.equal(s.tutorial.steps, 100); // 10 epochs × 10 steps
  assert.equal(s.tutorial.evalExamples, 640); // 10 eval batches × 64
  assert.equal(s.full.evalExamples, 20_000);
  // Same-run baselines on the same split: BaselineOnly well under the global mean (Surprise: 0.944 vs ~1.13).
  assert.ok(s.baselines.baselineOnly < s.baselines.globalMean - 0.1, JSON.stringify(s.baselines));
  // 100 steps of 64 move the RMSE near the mean predictor (1.126); one full epoch beats it.
  assert.ok(s.tutorial.rmse > 0.9 && s.tutorial.rmse < 1.3, `tutorial RMSE ${s.tutorial.rmse}`);
  assert.ok(s.full.rmse > 0.85 && s.full.rmse < 1.126, `full RMSE ${s.full.rmse}`);
  assert.ok(s.full.examplesPerSecond > 0 && s.tutorial.examplesPerSecond > 0);
  assert.ok(s.cpuRestoreMaxAbsDiff <= 1e-6, `CPU restore differs by ${s.cpuRestoreMaxAbsDiff}`);
  assert.ok(Math.abs(s.cpuRestoreRmse - s.full.rmse) <= 1e-6);
  assert.ok(Number.isFinite(s.prediction) && s.prediction >= 0.5 && s.prediction <= 5.5, `prediction ${s.prediction}`);

  // The checkpoint: manifest + the three safetensors files, ~2 × 2 tables of 2048 × 64 float32 (2 MiB) + dense.
  assert.equal(s.checkpoint.dir, path.join(outputs, 'checkpoints', 'ckpt-312'));
  for (const f of ['checkpoint.json', 'tables.safetensors', 'dense.safetensors', 'optimizer.safetensors']) {
    assert.ok(fs.existsSync(path.join(s.checkpoint.dir, f)), f);
  }
  assert.ok(s.checkpoint.bytes > 4 * 2048 * 64 * 4, `checkpoint ${s.checkpoint.bytes} bytes`);
  // The export: model.json + weights, plain tfjs.
  const modelJson = JSON.parse(fs.readFileSync(path.join(outputs, 'serving-model', 'model.json'), 'utf8'));
  assert.ok(Array.isArray(modelJson.weightsManifest) && modelJson.weightsManifest[0].paths.every((p: string) => fs.existsSync(path.join(outputs, 'serving-model', p))));
  const html = fs.readFileSync(path.join(outputs, 'training-loss.html'), 'utf8');
  assert.match(html, /Tutorial protocol: training loss/);
  assert.match(html, /Full protocol: loss \(1 epoch\)/);
});

test('npm start in a folder holding a later run\'s checkpoint and export restores and exports the checkpoint it just saved', async () => {
  // Another run left ckpt-9999 (a different model: seed 77, two training steps) and its serving export.
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-start-again-'));
  after(() => fs.rmSync(folder, { recursive: true, force: true }));
  const other = new RankingModel({ topology: 'v4-8', seed: 77 });
  const ids = Int32Array.from({ length: 256 }, (_, i) => 1 + i);
  await other.fit([{ user_id: ids, movie_id: ids, user_rating: new Float32Array(256).fill(5) }], { epochs: 2, verbose: 0 });
  await saveCheckpoint(path.join(folder, 'checkpoints'), { ...(await rankingCheckpointContent(other)), step: 9999 });
  await other.saveServingModel(path.join(folder, 'serving-model'));
  other.dispose();

  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join('test', 'fixtures', 'main-child.ts'), folder], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  const s = JSON.parse(fs.readFileSync(path.join(folder, 'summary.json'), 'utf8')) as MainSummary;
  // The run restored its own ckpt-312 on CPU (not ckpt-9999): same predictions and RMSE as the trained model.
  assert.equal(s.checkpoint.dir, path.join(folder, 'checkpoints', 'ckpt-312'));
  assert.ok(s.cpuRestoreMaxAbsDiff <= 1e-6, `CPU restore differs by ${s.cpuRestoreMaxAbsDiff}`);
  assert.ok(Math.abs(s.cpuRestoreRmse - s.full.rmse) <= 1e-6, `CPU RMSE ${s.cpuRestoreRmse} vs ${s.full.rmse}`);
  assert.ok(fs.existsSync(path.join(folder, 'checkpoints', 'ckpt-9999')), 'the other run\'s checkpoint is left alone');

  // The export: the old one stayed loadable at every filesystem step of the overwrite, then the new one served.
  const before = /^EXPORT-BEFORE (\S+)$/m.exec(r.stdout);
  assert.ok(before && Number.isFinite(Number(before[1])), r.stdout.slice(0, 2000));
  const steps = [...r.stdout.matchAll(/^EXPORT-STEP (\S+) (.*)$/gm)].map((m) => ({ step: m[1], prediction: m[2] }));
  assert.ok(steps.some((x) => x.step === 'commit'), `export steps seen: ${JSON.stringify(steps)}`);
  const commit = steps.findIndex((x) => x.step === 'commit');
  steps.forEach((x, i) => assert.equal(x.prediction, i < commit ? before![1] : String(s.prediction), `after export step ${i + 1} (${x.step})`));
  assert.notEqual(String(s.prediction), before![1]);
  const modelJson = JSON.parse(fs.readFileSync(path.join(folder, 'serving-model', 'model.json'), 'utf8'));
  assert.deepEqual(fs.readdirSync(path.join(folder, 'serving-model')).sort(), [...modelJson.weightsManifest[0].paths, 'model.json'].sort());
});

test('parseMainArgs: flags, environment and errors', () => {
  assert.deepEqual(parseMainArgs([], {}), { quick: false });
  assert.deepEqual(parseMainArgs(['--quick', '--outputs', '/x', '--topology=v4-32', '--epochs', '3', '--verbose', '2'], {}), {
    quick: true, outputs: '/x', topology: 'v4-32', epochs: 3, verbose: 2,
  });
  assert.deepEqual(parseMainArgs([], { MAIN_QUICK: '1', TPU_EMBEDDINGS_OUTPUTS: '/o' }), { quick: true, outputs: '/o' });
  assert.throws(() => parseMainArgs(['--fast'], {}), /main: unknown option --fast\. usage: npm start/);
  assert.throws(() => parseMainArgs(['--outputs'], {}), /main: --outputs needs a value/);
  assert.throws(() => parseMainArgs(['--verbose', '3'], {}), /expected --verbose to be 0, 1 or 2/);
});

// Recommender.save over an existing recommender, with child processes killed (SIGKILL) after each filesystem step:
// the directory always loads as exactly the old or exactly the new recommender, and the next save cleans up.
import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CheckpointError } from '../../src/errors';
import { RECOMMENDER_FILE, Recommender } from '../../src/retrieval/recommender';
import { recommendations, seededRecommender } from './fixtures/seeded-recommender';

const CHILD = path.join(__dirname, 'fixtures', 'recommender-child.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'rec-save-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  await tf.setBackend('cpu');
});

function runChild(target: string, seed: number, stopAt: number): Promise<{ out: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, target, String(seed), String(stopAt)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('STOPPED')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearTimeout(guard);
      if (code !== 0 && sig !== 'SIGKILL') reject(new Error(`recommender child exited ${code}: ${err}`));
      else resolve({ out, killed: sig === 'SIGKILL' });
    });
  });
}

async function loadedRecommendations(target: string): Promise<number[][]> {
  const rec = await Recommender.load(target);
  const r = recommendations(rec);
  rec.dispose();
  return r;
}

describe('Recommender.save over a saved recommender, killed after each filesystem step', () => {
  it('leaves a directory that loads as exactly the old or exactly the new recommender; the next save cleans up', async (t) => {
    const [oldRec, newRec, nextRec] = [1, 2, 3].map(seededRecommender);
    const [oldR, newR, nextR] = [oldRec, newRec, nextRec].map(recommendations);
    assert.notDeepEqual(oldR, newR);
    const steps: string[] = [];
    let committed = false;
    for (let k = 1; ; k++) {
      const target = path.join(dir, `kill-${k}`);
      await oldRec.save(target);
      const { out, killed } = await runChild(target, 2, k);
      if (!killed) {
        assert.match(out, new RegExp(`^DONE ${k - 1}$`, 'm'));
        assert.deepEqual(await loadedRecommendations(target), newR);
        break;
      }
      const m = /STOPPED (\d+) (\S+) (\S+)/.exec(out);
      assert.ok(m && Number(m[1]) === k, out);
      steps.push(m![2]);
      if (m![2] === 'commit' && m![3].endsWith(RECOMMENDER_FILE)) committed = true;
      assert.deepEqual(await loadedRecommendations(target), committed ? newR : oldR, `after step ${k} (${m![2]} ${m![3]})`);
      t.diagnostic(`killed after step ${k} (${m![2]} ${path.basename(m![3])}): the ${committed ? 'new' : 'old'} recommender`);
      await nextRec.save(target);
      const manifest = JSON.parse(readFileSync(path.join(target, RECOMMENDER_FILE), 'utf8'));
      assert.deepEqual(readdirSync(target).sort(), [manifest.index, manifest.query, RECOMMENDER_FILE].sort());
      assert.deepEqual(await loadedRecommendations(target), nextR);
    }
    // The query model's own atomic save (in its new sub-directory), the index, the manifest's commit, removals.
    assert.deepEqual(steps, ['mkdir', 'weights', 'sync-dir', 'model-json-temp', 'commit', 'sync-dir', 'index', 'manifest-temp', 'commit', 'sync-dir', 'remove', 'remove', 'sync-dir']);
    [oldRec, newRec, nextRec].forEach((r) => r.dispose());
  });

  it('still loads a recommender saved before generations (query/ and index/), and refuses a sub-directory outside dir', async () => {
    const rec = seededRecommender(4);
    const target = path.join(dir, 'legacy');
    await rec.save(target);
    const manifest = JSON.parse(readFileSync(path.join(target, RECOMMENDER_FILE), 'utf8'));
    renameSync(path.join(target, manifest.query), path.join(target, 'query'));
    renameSync(path.join(target, manifest.index), path.join(target, 'index'));
    const { query: _q, index: _i, ...legacy } = manifest;
    writeFileSync(path.join(target, RECOMMENDER_FILE), JSON.stringify(legacy));
    assert.deepEqual(await loadedRecommendations(target), recommendations(rec));
    writeFileSync(path.join(target, RECOMMENDER_FILE), JSON.stringify({ ...legacy, index: '../elsewhere' }));
    await assert.rejects(Recommender.load(target), (e: unknown) => e instanceof CheckpointError && e.kind === 'bad_index' && /names its index directory "\.\.\/elsewhere"; expected a plain name inside/.test(e.message));
    rec.dispose();
  });
});

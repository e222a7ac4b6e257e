// Issue 13 part 3 item 3 with issue 11 item 1: a save of a checkpoint holding dynamic tables (existing rows + id maps
// streamed into several files per table) killed (SIGKILL) right after each of its filesystem steps in turn leaves the
// newest complete checkpoint listed, loadable and restorable into an engine with exactly the state it was saved from
// (the old ckpt-200 before the commit point, the new ckpt-300 after it); the next save repairs the root.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, it } from 'node:test';
import { chooseBackend } from '../../src/backend';
import { latestCheckpoint, listCheckpoints, loadCheckpoint, restoreExistingRows, saveCheckpoint } from '../../src/checkpoint';
import type { TPUEmbedding } from '../../src/embedding';
import { dynamicEngine, dynamicState, engineContent, trainStep } from './fixtures/dynamic-engine';
import { FAULT_CHUNK_BYTES, FAULT_FILE_BYTES, stepsFor } from './fixtures/dynamic-fault-child';

const CHILD = path.join(__dirname, 'fixtures', 'dynamic-fault-child.ts');
const base = mkdtempSync(path.join(tmpdir(), 'dyn-fault-'));
after(() => rmSync(base, { recursive: true, force: true }));

const state = (e: TPUEmbedding) => ({ items: dynamicState(e, 'items'), tags: dynamicState(e, 'tags'), users: Array.from(e.exportTables().users.weights) });
const trained = (steps: number): TPUEmbedding => {
  const e = dynamicEngine('v4-8');
  for (let s = 0; s < steps; s++) trainStep(e, s);
  return e;
};
const expected = new Map<number, ReturnType<typeof state>>();

before(async () => {
  await chooseBackend();
  for (const step of [100, 200, 300, 400]) expected.set(step, state(trained(stepsFor(step))));
});

function runChild(root: string, k: number): Promise<{ killed: boolean; steps: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, root, String(k)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearTimeout(guard);
      const steps = out.split('\n').filter((l) => l.startsWith('STEP ')).map((l) => l.replace(/^STEP \d+ /, ''));
      if (sig === 'SIGKILL' && !out.includes('DONE')) resolve({ killed: true, steps });
      else if (code === 0 && out.includes('DONE')) resolve({ killed: false, steps });
      else reject(new Error(`child exited ${code} ${sig}: ${err}`));
    });
  });
}

const save = async (root: string, step: number, keepLast: number) =>
  saveCheckpoint(root, engineContent(trained(stepsFor(step)), step, FAULT_FILE_BYTES), { keepLast, chunkBytes: FAULT_CHUNK_BYTES });

/** Loads (every sha256 checked) and restores a checkpoint into a fresh engine; returns the state it restored. */
async function restoredState(dir: string): Promise<ReturnType<typeof state>> {
  const loaded = await loadCheckpoint(dir);
  const e = dynamicEngine('v4-8');
  restoreExistingRows(e, loaded, dir);
  e.importTables({ users: { weights: loaded.tensors.get('users')!.data as Float32Array, slots: {} } });
  return state(e);
}

it('a dynamic-table save killed after each filesystem step leaves a listed checkpoint that restores the saved state exactly', async (t) => {
  const killedAfter: string[] = [];
  for (let k = 1; ; k++) {
    const root = path.join(base, String(k));
    await save(root, 100, Infinity);
    await save(root, 200, Infinity);
    const run = await runChild(root, k);
    if (!run.killed) {
      assert.equal(run.steps.length, k - 1);
      const latest = (await latestCheckpoint(root))!;
      assert.equal(latest.step, 300);
      assert.deepEqual(await restoredState(latest.dir), expected.get(300));
      break;
    }
    const at = run.steps[run.steps.length - 1];
    killedAfter.push(at);
    const committed = run.steps.some((s) => /-> ckpt-\d+$/.test(s));
    const step = committed ? 300 : 200;
    const latest = await latestCheckpoint(root);
    assert.ok(latest, `killed after '${at}': no checkpoint listed`);
    assert.equal(latest.step, step, `killed after '${at}'`);
    assert.deepEqual(await restoredState(latest.dir), expected.get(step), `killed after '${at}': the restored state`);
    for (const c of await listCheckpoints(root)) await loadCheckpoint(c.dir);
    await save(root, 400, 2);
    assert.deepEqual((await listCheckpoints(root)).map((c) => c.step), [step, 400], `killed after '${at}': ${readdirSync(root).join(', ')}`);
    assert.ok(readdirSync(root).every((n) => /^ckpt-\d+$/.test(n)), readdirSync(root).join(', '));
    rmSync(root, { recursive: true, force: true });
  }
  t.diagnostic(`${killedAfter.length} kills, after: ${killedAfter.join(' | ')}`);
  for (const re of [/^write dynamic-items-00000\.safetensors @/, /^write dynamic-(items|tags)-00001\.safetensors @/, /^fsync dynamic-tags-0000\d\.safetensors$/, /^rename checkpoint\.json\.tmp -> checkpoint\.json$/, /^rename \.tmp-ckpt-\S+ -> ckpt-300$/, /^rename ckpt-100 -> \.trash-ckpt-100-/]) {
    assert.ok(killedAfter.some((s) => re.test(s)), `no kill after a step matching ${re}`);
  }
});

// Issue 13 part 3 item 3 with issue 11 item 1: a save of a checkpoint holding dynamic tables (existing rows + id maps
// streamed into several files per table) killed (SIGKILL) right after each of its filesystem steps in turn leaves the
// newest complete checkpoint listed, loadable and restorable into an engine with exactly the state it was saved from
// (the old ckpt-200 before the commit point, the new ckpt-300 after it); the next save repairs the root.
// Speed: the engines are trained once here; each child rebuilds ckpt-300's content from the rows frozen out of the
// trained engine (no tfjs in the child), and that save is checked byte-identical to the engine-backed save first.
// The child is bundled once with esbuild into plain JavaScript (the same sources, no tsx loader per child: ~0.1 s a
// start instead of ~0.7 s). Two kill points run at once, each in its own root.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { buildSync } from 'esbuild';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, it } from 'node:test';
import { chooseBackend } from '../../src/backend';
import { latestCheckpoint, listCheckpoints, loadCheckpoint, restoreExistingRows, saveCheckpoint } from '../../src/checkpoint';
import type { TPUEmbedding } from '../../src/embedding';
import { dynamicEngine, dynamicState, engineContent, trainStep } from './fixtures/dynamic-engine';
import { FAULT_CHUNK_BYTES, FAULT_FILE_BYTES, FAULT_STEP, type FaultChildInput } from './fixtures/dynamic-fault-child';
import { freezeRows } from './fixtures/frozen-rows';

const CHILD_SOURCE = path.join(__dirname, 'fixtures', 'dynamic-fault-child.ts');
/** Kill points checked at once (each in its own root). */
const PARALLEL = 2;
const base = mkdtempSync(path.join(tmpdir(), 'dyn-fault-'));
const INPUT = path.join(base, 'frozen-300.json');
const CHILD = path.join(base, 'dynamic-fault-child.js');
after(() => rmSync(base, { recursive: true, force: true }));

/** Steps trained before the save of ckpt-<100·i>. */
const stepsFor = (step: number): number => (2 * step) / 100;
const state = (e: TPUEmbedding) => ({ items: dynamicState(e, 'items'), tags: dynamicState(e, 'tags'), users: Array.from(e.exportTables().users.weights) });
const trained = (steps: number): TPUEmbedding => {
  const e = dynamicEngine('v4-8');
  for (let s = 0; s < steps; s++) trainStep(e, s);
  return e;
};
/** The engine trained for each checkpoint step (trained once: saving only reads it) and the state it holds. */
const engines = new Map<number, TPUEmbedding>();
const expected = new Map<number, ReturnType<typeof state>>();

before(async () => {
  await chooseBackend();
  for (const step of [100, 200, FAULT_STEP, 400]) {
    const e = trained(stepsFor(step));
    engines.set(step, e);
    expected.set(step, state(e));
  }
  const e = engines.get(FAULT_STEP)!;
  const input: FaultChildInput = { users: Array.from(e.exportTables().users.weights), tables: ['items', 'tags'].map((t) => freezeRows(e.existingRows(t))) };
  writeFileSync(INPUT, JSON.stringify(input));
  buildSync({ entryPoints: [CHILD_SOURCE], outfile: CHILD, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
});

function runChild(root: string, k: number): Promise<{ killed: boolean; steps: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, root, String(k), INPUT], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  saveCheckpoint(root, engineContent(engines.get(step)!, step, FAULT_FILE_BYTES), { keepLast, chunkBytes: FAULT_CHUNK_BYTES });

/** Loads (every sha256 checked) and restores a checkpoint into a fresh engine; returns the state it restored. */
async function restoredState(dir: string): Promise<ReturnType<typeof state>> {
  const loaded = await loadCheckpoint(dir);
  const e = dynamicEngine('v4-8');
  restoreExistingRows(e, loaded, dir);
  e.importTables({ users: { weights: loaded.tensors.get('users')!.data as Float32Array, slots: {} } });
  return state(e);
}

/** A root holding ckpt-100 and ckpt-200, as the child finds it. */
async function preparedRoot(name: string): Promise<string> {
  const root = path.join(base, name);
  await save(root, 100, Infinity);
  await save(root, 200, Infinity);
  return root;
}

/** The files of a checkpoint directory by name; the manifest's creation time blanked (the one field a save stamps). */
function checkpointFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(dir).sort()) {
    const bytes = readFileSync(path.join(dir, name));
    files.set(name, name === 'checkpoint.json' ? Buffer.from(bytes.toString('utf8').replace(/("createdAt":\s*")[^"]*"/, '$1"')) : bytes);
  }
  return files;
}

/** Kills the child after step k (1-based) of its save, checks the root, and returns the name of that step. */
async function killAfter(k: number): Promise<string> {
  const root = await preparedRoot(String(k));
  const run = await runChild(root, k);
  assert.ok(run.killed, `k = ${k}: the child finished after ${run.steps.length} steps`);
  assert.equal(run.steps.length, k);
  const at = run.steps[run.steps.length - 1];
  const committed = run.steps.some((s) => /-> ckpt-\d+$/.test(s));
  const step = committed ? FAULT_STEP : 200;
  const latest = await latestCheckpoint(root);
  assert.ok(latest, `killed after '${at}': no checkpoint listed`);
  assert.equal(latest.step, step, `killed after '${at}'`);
  assert.deepEqual(await restoredState(latest.dir), expected.get(step), `killed after '${at}': the restored state`);
  for (const c of await listCheckpoints(root)) await loadCheckpoint(c.dir);
  await save(root, 400, 2);
  assert.deepEqual((await listCheckpoints(root)).map((c) => c.step), [step, 400], `killed after '${at}': ${readdirSync(root).join(', ')}`);
  assert.ok(readdirSync(root).every((n) => /^ckpt-\d+$/.test(n)), readdirSync(root).join(', '));
  rmSync(root, { recursive: true, force: true });
  return at;
}

it('the child saves, from the frozen rows, files byte-identical to the engine-backed save of the same engine', async () => {
  const root = await preparedRoot('child-0');
  const run = await runChild(root, 0);
  assert.equal(run.killed, false);
  const reference = await preparedRoot('reference');
  await save(reference, FAULT_STEP, 2);
  const mine = checkpointFiles(path.join(root, `ckpt-${FAULT_STEP}`));
  const theirs = checkpointFiles(path.join(reference, `ckpt-${FAULT_STEP}`));
  assert.deepEqual([...mine.keys()], [...theirs.keys()]);
  assert.ok([...mine.keys()].filter((n) => n.startsWith('dynamic-')).length >= 4, [...mine.keys()].join(', '));
  // The tensor files first (a differing row names its file), then the manifest (configs, id maps, hashes).
  for (const [name, bytes] of [...theirs].sort(([a], [b]) => Number(a === 'checkpoint.json') - Number(b === 'checkpoint.json'))) {
    assert.ok(bytes.equals(mine.get(name)!), `${name} differs from the engine-backed save`);
  }
  assert.deepEqual(readdirSync(root).sort(), readdirSync(reference).sort());
});

it('a dynamic-table save killed after each filesystem step leaves a listed checkpoint that restores the saved state exactly', async (t) => {
  // The whole save (k = 0: never killed) gives the number of kill points and must restore the new state.
  const root = await preparedRoot('0');
  const run = await runChild(root, 0);
  assert.equal(run.killed, false);
  const latest = (await latestCheckpoint(root))!;
  assert.equal(latest.step, FAULT_STEP);
  assert.deepEqual(await restoredState(latest.dir), expected.get(FAULT_STEP));
  const total = run.steps.length;
  assert.ok(total > 10, `only ${total} steps`);
  const killedAfter: string[] = new Array(total);
  let next = 1;
  const worker = async (): Promise<void> => {
    for (let k = next++; k <= total; k = next++) killedAfter[k - 1] = await killAfter(k);
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  // Kill point k fell right after step k of the whole save (names equal but for each save's lock token <pid>-<hex>).
  const untokened = (s: string) => s.replace(/\d+-[0-9a-f]{8}/g, '<token>');
  assert.deepEqual(killedAfter.map(untokened), run.steps.map(untokened));
  t.diagnostic(`${killedAfter.length} kills, after: ${killedAfter.join(' | ')}`);
  for (const re of [/^write dynamic-items-00000\.safetensors @/, /^write dynamic-(items|tags)-00001\.safetensors @/, /^fsync dynamic-tags-0000\d\.safetensors$/, /^rename checkpoint\.json\.tmp -> checkpoint\.json$/, /^rename \.tmp-ckpt-\S+ -> ckpt-300$/, /^rename ckpt-100 -> \.trash-ckpt-100-/]) {
    assert.ok(killedAfter.some((s) => re.test(s)), `no kill after a step matching ${re}`);
  }
});

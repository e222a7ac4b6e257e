import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { latestCheckpoint, listCheckpoints, loadCheckpoint, saveCheckpoint } from '../../src/checkpoint';
import { findOrphanedCheckpoints } from '../../src/checkpoint/checkpoint-recovery';
import { completeCheckpoints } from '../../src/checkpoint/latest-checkpoint';
import { faultContent } from './fixtures/fault-content';

// Item 1 of issue 11: a save killed (SIGKILL) right after each of its filesystem steps in turn — every write,
// fsync, rename, remove and lock step, announced by the internal save-step observer — must leave the newest
// complete checkpoint listed and loadable (old or new content, told apart by the values), and the next list or
// save must repair the root so that nothing but `ckpt-<step>` directories is left.

const CHILD = path.join(__dirname, 'fixtures', 'fault-child.ts');
const base = mkdtempSync(path.join(tmpdir(), 'ckpt-fault-'));
after(() => rmSync(base, { recursive: true, force: true }));

interface ChildRun {
  readonly killed: boolean;
  /** The step names the child announced, in order; when killed, the last one is the step it died after. */
  readonly steps: string[];
}

function runChild(root: string, mode: 'plain' | 'overwrite', k: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, root, mode, String(k)], { stdio: ['ignore', 'pipe', 'pipe'] });
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

/** ckpt-100 holds 1 / 10, ckpt-200 holds 2 / 20. */
async function setUp(root: string): Promise<void> {
  await saveCheckpoint(root, faultContent(100, 1), { keepLast: Infinity });
  await saveCheckpoint(root, faultContent(200, 2), { keepLast: Infinity });
}

/** Loads a checkpoint and returns v when file a holds v everywhere and file b 10·v (else fails). */
async function valueOf(dir: string): Promise<number> {
  const { tensors } = await loadCheckpoint(dir); // verifies every sha256
  const a = Array.from(tensors.get('a')!.data as Float32Array);
  const b = Array.from(tensors.get('b')!.data as Float32Array);
  assert.ok(a.every((x) => x === a[0]) && b.every((x) => x === 10 * a[0]), `${dir} holds mixed values`);
  return a[0];
}

const onlyCheckpoints = (root: string) => readdirSync(root).every((n) => /^ckpt-\d+$/.test(n));

for (const mode of ['plain', 'overwrite'] as const) {
  // plain: step 300 (value 3) saved beside 100 and 200 with keepLast 2; overwrite: step 200 replaced by value 22, keepLast 1.
  const newStep = mode === 'plain' ? 300 : 200;
  const oldValue = 2; // the newest complete checkpoint before the save: ckpt-200
  const newValue = mode === 'plain' ? 3 : 22;
  it(`${mode} save killed after each filesystem step leaves a listed, loadable checkpoint; the next list or save repairs the root`, async (t) => {
    const killedAfter: string[] = [];
    for (let k = 1; ; k++) {
      const root = path.join(base, `${mode}-${k}`);
      await setUp(root);
      const run = await runChild(root, mode, k);
      if (!run.killed) {
        assert.equal(run.steps.length, k - 1, 'the save completed with no step left to kill at');
        assert.equal(await valueOf((await latestCheckpoint(root))!.dir), newValue);
        break;
      }
      const at = run.steps[run.steps.length - 1];
      killedAfter.push(at);
      // Once the old copy is moved aside or the new one renamed in, the save has passed its commit point: the new
      // content is the newest complete checkpoint; before that, the old one is.
      const committed = run.steps.some((s) => /-> (ckpt-\d+|\.old-ckpt-\S+)$/.test(s));
      const expected = committed ? { step: newStep, v: newValue } : { step: 200, v: oldValue };
      const recoverBy = k % 2 === 1 ? 'list' : 'save';
      if (recoverBy === 'save') {
        // Leave the repair to the save: look without touching (the same read-only view listCheckpoints falls back to).
        const names = readdirSync(root);
        const view = [...(await completeCheckpoints(root, names)), ...(await findOrphanedCheckpoints(root, names))].sort((x, y) => x.step - y.step);
        const newest = view[view.length - 1];
        assert.ok(newest, `killed after '${at}': no complete checkpoint on disk`);
        assert.deepEqual({ step: newest.step, v: await valueOf(newest.dir) }, expected, `killed after '${at}' (before any repair)`);
      } else {
        const latest = await latestCheckpoint(root);
        assert.ok(latest, `killed after '${at}': no checkpoint listed`);
        assert.deepEqual({ step: latest.step, v: await valueOf(latest.dir) }, expected, `killed after '${at}'`);
        for (const c of await listCheckpoints(root)) await valueOf(c.dir); // every listed checkpoint loads
        assert.ok(onlyCheckpoints(root), `killed after '${at}': the list left ${readdirSync(root).join(', ')}`);
      }
      // The next save works and leaves only checkpoints: the one just saved and the newest before it.
      await saveCheckpoint(root, faultContent(400, 4), { keepLast: 2 });
      const after = await listCheckpoints(root);
      assert.deepEqual(after.map((c) => c.step), [expected.step, 400], `killed after '${at}', recovered by ${recoverBy}: ${readdirSync(root).join(', ')}`);
      assert.equal(await valueOf(after[0].dir), expected.v, `killed after '${at}', recovered by ${recoverBy}`);
      assert.equal(await valueOf(after[1].dir), 4);
      assert.ok(onlyCheckpoints(root), `killed after '${at}', recovered by ${recoverBy}: left ${readdirSync(root).join(', ')}`);
      rmSync(root, { recursive: true, force: true });
    }
    t.diagnostic(`${killedAfter.length} kills, after: ${killedAfter.join(' | ')}`);
    // Every kind of step was hit, in particular the instants between the two renames of an overwrite.
    for (const re of [/^link .* -> \.ckpt-lock$/, /^write a\.safetensors/, /^fsync b\.safetensors$/, /^rename checkpoint\.json\.tmp -> checkpoint\.json$/, /^fsync dir \.tmp-ckpt-/, /^rename \.tmp-ckpt-\S+ -> ckpt-/, /^rename ckpt-100 -> \.trash-ckpt-100-/, /^unlink \.ckpt-lock$/]) {
      assert.ok(killedAfter.some((s) => re.test(s)), `no kill after a step matching ${re}`);
    }
    if (mode === 'overwrite') assert.ok(killedAfter.some((s) => /^rename ckpt-200 -> \.old-ckpt-200-/.test(s)));
  });
}

describe('an overwrite killed between its two renames', () => {
  it('is listed through its working copy while a live process holds the lock, and renamed back once the lock is free', async () => {
    const probe = path.join(base, 'orphan-probe');
    await setUp(probe);
    const full = await runChild(probe, 'overwrite', 0);
    const k = full.steps.findIndex((s) => /^rename ckpt-200 -> \.old-ckpt-200-/.test(s)) + 1;
    assert.ok(k > 0);
    const root = path.join(base, 'orphan');
    await setUp(root);
    assert.ok((await runChild(root, 'overwrite', k)).killed);
    assert.ok(!readdirSync(root).includes('ckpt-200')); // the kill fell between the renames
    // A live process (this one) holds the lock, so the list may not repair: it lists the complete new copy.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    writeFileSync(path.join(root, '.ckpt-lock'), JSON.stringify({ pid: process.pid, start, host: hostname(), token: 'test', since: new Date().toISOString() }));
    const listed = await listCheckpoints(root);
    assert.deepEqual(listed.map((c) => c.step), [100, 200]);
    assert.match(path.basename(listed[1].dir), /^\.tmp-ckpt-200-/);
    assert.equal(await valueOf(listed[1].dir), 22);
    assert.ok(!readdirSync(root).includes('ckpt-200'));
    // Lock released: the next list renames it back and removes the rest.
    rmSync(path.join(root, '.ckpt-lock'));
    assert.deepEqual((await listCheckpoints(root)).map((c) => path.basename(c.dir)), ['ckpt-100', 'ckpt-200']);
    assert.equal(await valueOf(path.join(root, 'ckpt-200')), 22);
    assert.deepEqual(readdirSync(root).sort(), ['ckpt-100', 'ckpt-200']);
  });
});

// test-alone: waits on locks measured in ms
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { listCheckpoints, loadCheckpoint, saveCheckpoint, type CheckpointContent } from '../../src/checkpoint';
import { CheckpointError } from '../../src/errors';

// Issue 11, item 3: saves to one root are serialized by `.ckpt-lock`; none reports write_failed for a checkpoint it
// committed; a lock of a dead process never blocks; a live holder makes a save fail with `locked` before writing.

const CHILD = path.join(__dirname, 'fixtures', 'save-child.ts');
const base = mkdtempSync(path.join(tmpdir(), 'ckpt-lock-'));
after(() => rmSync(base, { recursive: true, force: true }));
let counter = 0;
const freshRoot = () => path.join(base, `root-${counter++}`);

function content(step: number, v = step): CheckpointContent {
  return { step, groups: [{ file: 't.safetensors', tensors: [{ name: 't', dtype: 'float32', shape: [64, 16], data: new Float32Array(64 * 16).fill(v) }] }] };
}

async function valueOf(dir: string): Promise<number> {
  const data = (await loadCheckpoint(dir)).tensors.get('t')!.data as Float32Array;
  assert.ok(data.every((x) => x === data[0]), `${dir} holds mixed values`);
  return data[0];
}

/** Spawns the child saver (24 MB per save unless given); resolves with its exit and output. */
function startChild(root: string, step: number, mode: 'go' | 'block', keepLast?: number, mb = 24) {
  const args = ['--import', 'tsx', CHILD, root, String(step), String(mb), mode, ...(keepLast === undefined ? [] : [String(keepLast)])];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
  const printed = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => (out.includes(text) ? resolve() : undefined);
      child.stdout!.on('data', check);
      child.on('exit', () => reject(new Error(`child exited before printing ${text}: ${err}`)));
      check();
    });
  return { child, exited, printed };
}

/** Starts two `go` children together: both load first, then both get the signal to save at the same moment. */
async function startTogether(a: ReturnType<typeof startChild>, b: ReturnType<typeof startChild>): Promise<void> {
  await Promise.all([a.printed('READY'), b.printed('READY')]);
  a.child.stdin!.end('go\n');
  b.child.stdin!.end('go\n');
}

describe('concurrent saves to one root', () => {
  it('in one process: two calls serialize, both commit, pruning keeps what each just saved', async () => {
    const root = freshRoot();
    for (const s of [1, 2]) await saveCheckpoint(root, content(s), { keepLast: Infinity });
    const results = await Promise.allSettled([saveCheckpoint(root, content(3), { keepLast: 1 }), saveCheckpoint(root, content(4), { keepLast: 1 })]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled'], JSON.stringify(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))));
    // Serialized: the first to take the lock commits and prunes 1 and 2; the second commits and prunes the first.
    const saved = results.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof saveCheckpoint>>>).value);
    const [first, second] = saved[0].pruned.length === 2 ? saved : [saved[1], saved[0]];
    assert.deepEqual(first.pruned.map((d) => path.basename(d)), ['ckpt-1', 'ckpt-2']);
    assert.deepEqual(second.pruned, [first.dir]);
    assert.deepEqual(readdirSync(root), [path.basename(second.dir)]);
    assert.equal(await valueOf(second.dir), second.manifest.step);
  });

  it('in one process: the same step twice gives one commit and one `exists`, never write_failed', async () => {
    const root = freshRoot();
    const results = await Promise.allSettled([saveCheckpoint(root, content(7, 1)), saveCheckpoint(root, content(7, 2))]);
    const done = results.findIndex((r) => r.status === 'fulfilled');
    const other = results[1 - done];
    assert.ok(done >= 0 && other.status === 'rejected' && other.reason instanceof CheckpointError && other.reason.kind === 'exists', String((other as PromiseRejectedResult).reason));
    assert.equal(await valueOf(path.join(root, 'ckpt-7')), done + 1);
    // With overwrite both commit, one after the other: one content wins, whole.
    const both = await Promise.all([saveCheckpoint(root, content(7, 3), { overwrite: true }), saveCheckpoint(root, content(7, 4), { overwrite: true })]);
    assert.equal(both.length, 2);
    assert.ok([3, 4].includes(await valueOf(path.join(root, 'ckpt-7'))));
    assert.deepEqual(readdirSync(root), ['ckpt-7']);
  });

  it('in two processes: both saves of 24 MB commit, and the root holds only checkpoints afterwards', async () => {
    const root = freshRoot();
    await saveCheckpoint(root, content(1), { keepLast: Infinity });
    const a = startChild(root, 10, 'go', 2);
    const b = startChild(root, 20, 'go', 2);
    await startTogether(a, b);
    const [ra, rb] = await Promise.all([a.exited, b.exited]);
    assert.deepEqual([ra.code, rb.code], [0, 0], `${ra.err}\n${rb.err}`);
    assert.ok(ra.out.includes('DONE') && rb.out.includes('DONE'));
    // keepLast 2: whichever committed last kept itself and the other one; ckpt-1 was pruned.
    const steps = (await listCheckpoints(root)).map((c) => c.step);
    assert.deepEqual(steps, [10, 20]);
    for (const s of steps) await loadCheckpoint(path.join(root, `ckpt-${s}`));
    assert.deepEqual(readdirSync(root).sort(), ['ckpt-10', 'ckpt-20']);
  });

  it('in two processes: the same step twice gives one commit and one `exists` (not write_failed) after the first finished', async () => {
    const root = freshRoot();
    const a = startChild(root, 5, 'go');
    const b = startChild(root, 5, 'go');
    await startTogether(a, b);
    const runs = await Promise.all([a.exited, b.exited]);
    const ok = runs.filter((r) => r.code === 0);
    const refused = runs.filter((r) => r.code !== 0);
    assert.equal(ok.length, 1, runs.map((r) => r.err).join('\n'));
    assert.equal(refused.length, 1);
    assert.match(refused[0].err, /CheckpointError: saveCheckpoint: \S+ckpt-5 already exists\. Pass \{ overwrite: true \}/);
    assert.doesNotMatch(refused[0].err, /write_failed|failed/);
    await loadCheckpoint(path.join(root, 'ckpt-5'));
    assert.deepEqual(readdirSync(root), ['ckpt-5']);
  });
});

describe('the lock', () => {
  it('held by a live process makes a save fail with `locked` naming it, writing nothing; once it dies the next save proceeds', async (t) => {
    const root = freshRoot();
    await saveCheckpoint(root, content(1));
    const holder = startChild(root, 2, 'block', undefined, 4); // blocks mid-save, holding the lock
    holder.child.stdin!.end();
    t.after(() => holder.child.kill('SIGKILL')); // never left blocked, even when an assertion fails
    await holder.printed('MIDSAVE');
    const before = readdirSync(root).sort();
    const t0 = Date.now();
    await assert.rejects(
      saveCheckpoint(root, content(3), { lockTimeoutMs: 300 }),
      (e: unknown) =>
        e instanceof CheckpointError &&
        e.kind === 'locked' &&
        new RegExp(`\\.ckpt-lock is held by process ${holder.child.pid} .*waited 300 ms\\. Wait for that save to finish, pass a larger lockTimeoutMs`).test(e.message),
    );
    assert.ok(Date.now() - t0 >= 300);
    assert.deepEqual(readdirSync(root).sort(), before); // nothing written, nothing removed
    holder.child.kill('SIGKILL');
    await holder.exited;
    // The dead holder's lock is broken at once (measured below), its working directory removed.
    const t1 = Date.now();
    await saveCheckpoint(root, content(3));
    const waited = Date.now() - t1;
    assert.ok(waited < 5_000, `waited ${waited} ms on a dead process's lock`);
    t.diagnostic(`save after the holder was killed took ${waited} ms (lock broken, its working directory removed)`);
    assert.deepEqual(readdirSync(root).sort(), ['ckpt-1', 'ckpt-3']);
  });

  it('whose pid now belongs to another process (a reused pid) is stale', async () => {
    const root = freshRoot();
    await saveCheckpoint(root, content(1));
    // This process is alive, but it started at another time than the one recorded: the pid was reused.
    writeFileSync(path.join(root, '.ckpt-lock'), JSON.stringify({ pid: process.pid, start: '1', host: hostname(), token: 'gone', since: '2020-01-01T00:00:00.000Z' }));
    await saveCheckpoint(root, content(2), { lockTimeoutMs: 0 });
    assert.deepEqual(readdirSync(root).sort(), ['ckpt-1', 'ckpt-2']);
    // The same record with this process's real start time is a live holder.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    writeFileSync(path.join(root, '.ckpt-lock'), JSON.stringify({ pid: process.pid, start, host: hostname(), token: 'live', since: '2020-01-01T00:00:00.000Z' }));
    await assert.rejects(saveCheckpoint(root, content(3), { lockTimeoutMs: 0 }), (e: unknown) => e instanceof CheckpointError && e.kind === 'locked');
    rmSync(path.join(root, '.ckpt-lock'));
  });
});

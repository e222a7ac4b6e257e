import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { latestCheckpoint, listCheckpoints, loadCheckpoint, saveCheckpoint, type CheckpointContent } from '../../src/checkpoint';
import { CheckpointError } from '../../src/errors';

// Issue 11, item 5: real disk failures give typed errors that name the path and say what happened. The disk is a
// real 256 KiB tmpfs mounted for this test (needs root, as in CI here); read-only by remounting it.

const base = mkdtempSync(path.join(tmpdir(), 'ckpt-disk-'));
const disk = path.join(base, 'disk');
let mounted = false;
before(() => {
  mkdirSync(disk);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', disk]); // fails the suite loudly if it cannot mount
  mounted = true;
});
after(() => {
  if (mounted) execFileSync('umount', [disk]);
  rmSync(base, { recursive: true, force: true });
});

function content(step: number, floats: number): CheckpointContent {
  return { step, groups: [{ file: 't.safetensors', tensors: [{ name: 't', dtype: 'float32', shape: [floats], data: new Float32Array(floats).fill(step) }] }] };
}

const isWriteFailed = (re: RegExp) => (e: unknown) => e instanceof CheckpointError && e.kind === 'write_failed' && re.test(e.message);

describe('saveCheckpoint on a failing disk', () => {
  it('disk full (ENOSPC): write_failed naming the file, the working directory removed, the previous checkpoint intact', async () => {
    const root = path.join(disk, 'full');
    await saveCheckpoint(root, content(1, 1024)); // 4 KiB
    // 400 KiB cannot fit on a 256 KiB disk.
    await assert.rejects(saveCheckpoint(root, content(2, 100 * 1024)), isWriteFailed(/writing \S+\/ckpt-2 failed: disk full \(ENOSPC\) at \S+\/\.tmp-ckpt-2-\d+-[0-9a-f]+\/t\.safetensors\. Free space/));
    assert.deepEqual(readdirSync(root), ['ckpt-1']);
    assert.equal(((await loadCheckpoint((await latestCheckpoint(root))!.dir)).tensors.get('t')!.data as Float32Array)[0], 1);
    // Space is back once the failed save cleaned up: a save that fits succeeds.
    await saveCheckpoint(root, content(3, 1024));
    assert.deepEqual((await listCheckpoints(root)).map((c) => c.step), [1, 3]);
  });

  it('read-only file system (EROFS): write_failed naming the lock file, nothing written, listing still works', async () => {
    const root = path.join(disk, 'ro');
    await saveCheckpoint(root, content(1, 16));
    execFileSync('mount', ['-o', 'remount,ro', disk]);
    try {
      await assert.rejects(saveCheckpoint(root, content(2, 16)), isWriteFailed(/cannot take the lock of \S+\/ro: read-only file system \(EROFS\) at \S+\/ro\/\.ckpt-lock\.\d+-[0-9a-f]+\. Check that the directory is writable/));
      assert.deepEqual((await listCheckpoints(root)).map((c) => c.step), [1]);
      await loadCheckpoint(path.join(root, 'ckpt-1'));
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', disk]);
    }
    assert.deepEqual(readdirSync(root), ['ckpt-1']);
  });

  it('a directory where the lock file is expected (EISDIR): write_failed naming it', async () => {
    const root = path.join(disk, 'isdir');
    await saveCheckpoint(root, content(1, 16));
    mkdirSync(path.join(root, '.ckpt-lock'));
    await assert.rejects(saveCheckpoint(root, content(2, 16)), isWriteFailed(/a directory is where a file is expected \(EISDIR\) at \S+\/isdir\/\.ckpt-lock\./));
    assert.deepEqual(readdirSync(root).sort(), ['.ckpt-lock', 'ckpt-1']);
  });

  it('a file where the root directory is expected: write_failed naming it', async () => {
    const root = path.join(disk, 'isdir', 'ckpt-1', 't.safetensors', 'inner');
    await assert.rejects(saveCheckpoint(root, content(1, 16)), isWriteFailed(/writing \S+\/inner\/ckpt-1 failed: (a file is where a directory is expected \(ENOTDIR\)|already exists \(EEXIST\)) at \S+t\.safetensors/));
  });
});

describe('loadCheckpoint on a damaged directory', () => {
  it('a directory where checkpoint.json is expected (EISDIR): read_failed naming it', async () => {
    const root = path.join(disk, 'load');
    await saveCheckpoint(root, content(1, 16));
    const dir = path.join(root, 'ckpt-1');
    rmSync(path.join(dir, 'checkpoint.json'));
    mkdirSync(path.join(dir, 'checkpoint.json'));
    await assert.rejects(
      loadCheckpoint(dir),
      (e: unknown) => e instanceof CheckpointError && e.kind === 'read_failed' && /cannot read \S+\/ckpt-1\/checkpoint\.json: a directory is where a file is expected \(EISDIR\)/.test(e.message),
    );
  });
});

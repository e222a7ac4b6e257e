import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { latestCheckpoint, listCheckpoints, loadCheckpoint, saveCheckpoint, type CheckpointContent } from '../../src/checkpoint';
import { CheckpointError, ConfigError } from '../../src/errors';

const base = mkdtempSync(path.join(tmpdir(), 'ckpt-test-'));
after(() => rmSync(base, { recursive: true, force: true }));
let counter = 0;
const freshRoot = () => path.join(base, `root-${counter++}`);

/** A tutorial-shaped checkpoint in miniature: two tables with Adagrad slots, dense weights, the step. */
function content(step: number): CheckpointContent {
  const vocab = 7;
  const dim = 3;
  const table = (seed: number) => Float32Array.from({ length: vocab * dim }, (_, i) => seed + i / 100);
  return {
    step,
    configs: { tables: [{ name: 'user_id', vocabularySize: vocab, dim }], optimizer: { name: 'adagrad', learningRate: 0.1 } },
    topology: { name: 'v4-8', numReplicas: 4, numShards: 16 },
    groups: [
      {
        file: 'tables.safetensors',
        tensors: [
          { name: 'user_id', dtype: 'float32', shape: [vocab, dim], data: table(step) },
          { name: 'user_id/accumulator', dtype: 'float32', shape: [vocab, dim], data: new Float32Array(vocab * dim).fill(0.1) },
          { name: 'movie_id', dtype: 'float32', shape: [vocab, dim], data: table(-step) },
        ],
      },
      {
        file: 'dense.safetensors',
        tensors: [
          { name: 'dense/kernel', dtype: 'float32', shape: [6, 2], data: Float32Array.from({ length: 12 }, (_, i) => i) },
          { name: 'dense/bias', dtype: 'float32', shape: [2], data: new Float32Array([0.5, -0.5]) },
          { name: 'optimizer/iterations', dtype: 'int32', shape: [], data: new Int32Array([step]) },
        ],
      },
    ],
  };
}

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips several tensors with manifest, configs and topology', async () => {
    const root = freshRoot();
    const c = content(10);
    const progress: number[] = [];
    const saved = await saveCheckpoint(root, c, { onProgress: (p) => progress.push(p.bytesWritten) });
    assert.equal(saved.dir, path.join(root, 'ckpt-10'));
    assert.deepEqual(readdirSync(saved.dir).sort(), ['checkpoint.json', 'dense.safetensors', 'tables.safetensors']);
    const { manifest, tensors } = await loadCheckpoint(saved.dir);
    assert.equal(manifest.formatVersion, 1);
    assert.equal(manifest.step, 10);
    assert.deepEqual(manifest.configs, c.configs);
    assert.deepEqual(manifest.topology, c.topology);
    assert.ok(!Number.isNaN(Date.parse(manifest.createdAt)));
    assert.deepEqual(manifest.tensors.map((t) => t.name), ['user_id', 'user_id/accumulator', 'movie_id', 'dense/kernel', 'dense/bias', 'optimizer/iterations']);
    for (const g of c.groups) {
      for (const t of g.tensors) {
        const got = tensors.get(t.name)!;
        assert.equal(got.dtype, t.dtype);
        assert.deepEqual(got.shape, t.shape);
        assert.deepEqual(Array.from(got.data as Float32Array), Array.from(t.data as Float32Array), t.name);
      }
    }
    // Manifest entries carry the file's hash and an absolute byte range: 21 float32 = 84 bytes per table.
    const e = manifest.tensors[1];
    assert.equal(e.file, 'tables.safetensors');
    assert.equal(e.byteRange[1] - e.byteRange[0], 84);
    const sha = createHash('sha256').update(readFileSync(path.join(saved.dir, 'tables.safetensors'))).digest('hex');
    assert.equal(e.sha256, sha);
    // Progress is monotone and ends at the total size of the two files.
    const total = manifest.files.reduce((s, f) => s + f.bytes, 0);
    assert.equal(progress[progress.length - 1], total);
    assert.ok(progress.every((p, i) => i === 0 || p >= progress[i - 1]));
    assert.deepEqual(await latestCheckpoint(root), { dir: saved.dir, step: 10 });
  });

  it('rejects a corrupted tensor file naming the file, with expected vs got hash', async () => {
    const root = freshRoot();
    const { dir, manifest } = await saveCheckpoint(root, content(3));
    const file = path.join(dir, 'tables.safetensors');
    const bytes = readFileSync(file);
    bytes[bytes.length - 5] ^= 0xff; // flip one byte of movie_id's data
    writeFileSync(file, bytes);
    const want = manifest.files.find((f) => f.file === 'tables.safetensors')!.sha256;
    await assert.rejects(
      loadCheckpoint(dir),
      (e: unknown) =>
        e instanceof CheckpointError &&
        e.kind === 'hash_mismatch' &&
        e.message.includes(file) &&
        e.message.includes(`expected sha256 ${want}`) &&
        /but got [0-9a-f]{64}/.test(e.message),
    );
    // A truncated file: size and hash both differ.
    writeFileSync(file, bytes.subarray(0, 100));
    await assert.rejects(loadCheckpoint(dir), /tables\.safetensors is corrupted: expected sha256 [0-9a-f]{64} \(\d+ bytes\), but got [0-9a-f]{64} \(100 bytes\)/);
    rmSync(file);
    await assert.rejects(loadCheckpoint(dir), (e: unknown) => e instanceof CheckpointError && e.kind === 'missing_file' && e.message.includes(file));
  });

  it('rejects a manifest whose shape disagrees with the file, naming tensor and file', async () => {
    const root = freshRoot();
    const { dir } = await saveCheckpoint(root, content(4));
    const mPath = path.join(dir, 'checkpoint.json');
    const m = JSON.parse(readFileSync(mPath, 'utf8'));
    m.tensors[0].shape = [3, 7];
    writeFileSync(mPath, JSON.stringify(m));
    await assert.rejects(loadCheckpoint(dir), (e: unknown) => e instanceof CheckpointError && e.kind === 'shape_mismatch' && /tensor 'user_id' in .*tables\.safetensors: expected float32 \[3, 7\] .* but got float32 \[7, 3\]/.test(e.message));
    m.formatVersion = 99;
    writeFileSync(mPath, JSON.stringify(m));
    await assert.rejects(loadCheckpoint(dir), (e: unknown) => e instanceof CheckpointError && e.kind === 'unsupported_version' && /expected formatVersion 1 .* but got 99/.test(e.message));
    writeFileSync(mPath, '{oops');
    await assert.rejects(loadCheckpoint(dir), (e: unknown) => e instanceof CheckpointError && e.kind === 'bad_manifest');
  });

  it('points at the checkpoints when given the root directory', async () => {
    const root = freshRoot();
    await saveCheckpoint(root, content(1));
    await assert.rejects(loadCheckpoint(root), (e: unknown) => e instanceof CheckpointError && e.kind === 'missing_manifest' && /holds checkpoints ckpt-1: pass one of them/.test(e.message));
  });

  it('keeps the last N checkpoints and prunes older steps', async () => {
    const root = freshRoot();
    for (const step of [5, 10, 15]) await saveCheckpoint(root, content(step), { keepLast: 2 });
    assert.deepEqual((await listCheckpoints(root)).map((c) => c.step), [10, 15]);
    // Steps are ordered numerically, not by name ('ckpt-100' < 'ckpt-20' as strings).
    const r = await saveCheckpoint(root, content(100), { keepLast: 2 });
    assert.deepEqual(r.pruned, [path.join(root, 'ckpt-10')]);
    await saveCheckpoint(root, content(20), { keepLast: 2 });
    assert.deepEqual((await listCheckpoints(root)).map((c) => c.step), [20, 100]);
    assert.equal((await latestCheckpoint(root))!.step, 100);
    assert.deepEqual(readdirSync(root).sort(), ['ckpt-100', 'ckpt-20']); // no temp or trash directories left
    const all = freshRoot();
    for (const step of [1, 2, 3, 4]) await saveCheckpoint(all, content(step), { keepLast: Infinity });
    assert.equal((await listCheckpoints(all)).length, 4);
  });

  it('never prunes the checkpoint just saved, even when its step is below the newest (issue 11, item 2)', async () => {
    const root = freshRoot();
    for (const step of [100, 200]) await saveCheckpoint(root, content(step), { keepLast: 2 });
    // Rule: the step just saved is kept; the others are pruned lowest step first until keepLast remain.
    const r = await saveCheckpoint(root, content(50), { keepLast: 2 });
    assert.equal(r.dir, path.join(root, 'ckpt-50'));
    assert.deepEqual(r.pruned, [path.join(root, 'ckpt-100')]);
    assert.deepEqual((await listCheckpoints(root)).map((c) => c.step), [50, 200]);
    const { manifest, tensors } = await loadCheckpoint(r.dir);
    assert.equal(manifest.step, 50);
    assert.equal((tensors.get('user_id')!.data as Float32Array)[0], 50);
    const r1 = await saveCheckpoint(root, content(10), { keepLast: 1 });
    assert.deepEqual(r1.pruned, [path.join(root, 'ckpt-50'), path.join(root, 'ckpt-200')]);
    assert.deepEqual(readdirSync(root), ['ckpt-10']);
  });

  it('refuses to overwrite a step unless asked, and replaces it whole when asked', async () => {
    const root = freshRoot();
    await saveCheckpoint(root, content(7));
    await assert.rejects(saveCheckpoint(root, content(7)), (e: unknown) => e instanceof CheckpointError && e.kind === 'exists' && /ckpt-7 already exists. Pass \{ overwrite: true \}/.test(e.message));
    const c = content(7);
    (c.groups[1].tensors[1].data as Float32Array)[0] = 9;
    await saveCheckpoint(root, c, { overwrite: true });
    const { tensors } = await loadCheckpoint(path.join(root, 'ckpt-7'));
    assert.equal((tensors.get('dense/bias')!.data as Float32Array)[0], 9);
    assert.deepEqual(readdirSync(root), ['ckpt-7']);
  });

  it('ignores incomplete directories and cleans temp directories of dead processes', async () => {
    const root = freshRoot();
    await saveCheckpoint(root, content(1));
    mkdirSync(path.join(root, 'ckpt-50')); // no manifest: not complete
    mkdirSync(path.join(root, '.tmp-ckpt-60-999999999-abc')); // pid 999999999 does not exist
    writeFileSync(path.join(root, '.tmp-ckpt-60-999999999-abc', 'tables.safetensors'), 'partial');
    assert.equal((await latestCheckpoint(root))!.step, 1);
    await saveCheckpoint(root, content(2));
    assert.ok(!existsSync(path.join(root, '.tmp-ckpt-60-999999999-abc')));
    assert.equal(await latestCheckpoint(freshRoot()), null);
  });

  it('restores a checkpoint an older version left as its only copy in .trash-ckpt-… (overwrite killed between renames)', async () => {
    const root = freshRoot();
    await saveCheckpoint(root, content(1));
    await saveCheckpoint(root, content(2));
    // What versions before this one left: ckpt-2 moved to .trash-ckpt-2-<pid>-<epoch ms>, the new copy never renamed in.
    renameSync(path.join(root, 'ckpt-2'), path.join(root, '.trash-ckpt-2-999999999-1795951782721'));
    mkdirSync(path.join(root, '.tmp-ckpt-2-999999999-AbCdEf'));
    // A pruned one being deleted when the process died: its manifest is there, a file is gone. Not restored.
    await saveCheckpoint(root, content(3));
    renameSync(path.join(root, 'ckpt-3'), path.join(root, '.trash-ckpt-3-999999999-1795951782999'));
    rmSync(path.join(root, '.trash-ckpt-3-999999999-1795951782999', 'dense.safetensors'));
    assert.deepEqual((await listCheckpoints(root)).map((c) => c.step), [1, 2]);
    assert.deepEqual(readdirSync(root).sort(), ['ckpt-1', 'ckpt-2']);
    assert.equal(((await loadCheckpoint(path.join(root, 'ckpt-2'))).tensors.get('user_id')!.data as Float32Array)[0], 2);
  });

  it('validates the content and options with messages that say the rule', async () => {
    const root = freshRoot();
    const c = content(1);
    const bad = (x: unknown, re: RegExp, opts = {}) => assert.rejects(saveCheckpoint(root, x as CheckpointContent, opts), (e: unknown) => e instanceof CheckpointError && re.test(e.message));
    await bad({ ...c, step: -1 }, /expected step to be a non-negative integer, but got -1/);
    await bad({ ...c, groups: [] }, /non-empty array/);
    await bad({ ...c, groups: [{ ...c.groups[0], file: '../x.safetensors' }] }, /plain file name ending in \.safetensors/);
    await bad({ ...c, groups: [c.groups[0], { ...c.groups[1], file: 'tables.safetensors' }] }, /unique group files/);
    await bad({ ...c, groups: [c.groups[0], c.groups[0]].map((g, i) => ({ ...g, file: `g${i}.safetensors` })) }, /'user_id' appears twice/);
    await bad({ ...c, topology: [1] }, /topology to be a plain object/);
    // Options are ConfigError invalid_option (the same rule as every other API's options), checked before any write.
    const badOption = (opts: object, message: string) =>
      assert.rejects(saveCheckpoint(root, c, opts), (e: unknown) => e instanceof ConfigError && e.kind === 'invalid_option' && e.message === message);
    await badOption({ keepLast: 0 }, 'saveCheckpoint: expected options.keepLast to be a positive integer, but got 0. Pass Infinity to keep every checkpoint.');
    await badOption({ chunkBytes: 1.5 }, 'saveCheckpoint: expected options.chunkBytes to be a positive integer, but got 1.5.');
    await badOption({ lockTimeoutMs: -1 }, 'saveCheckpoint: expected options.lockTimeoutMs to be a finite number of milliseconds ≥ 0, but got -1.');
    await bad({ ...c, groups: [{ file: 'w.safetensors', tensors: [{ name: 'w', dtype: 'float32', shape: [2, 3], data: new Float32Array(5) }] }] }, /'w' has shape \[2, 3\] \(6 elements\) but its data holds 5/);
    assert.ok(!existsSync(root)); // nothing written, not even the root
  });
});

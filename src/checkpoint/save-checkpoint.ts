import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { CheckpointError, ConfigError } from '../errors';
import { finiteNumber, nonNegativeInteger, positiveInteger, where } from '../validation';
import {
  CHECKPOINT_DIR_PREFIX,
  CHECKPOINT_FORMAT_VERSION,
  MANIFEST_FILE,
  type CheckpointManifest,
  type ManifestFile,
  type ManifestTensor,
} from './checkpoint-manifest';
import { acquireCheckpointLock } from './checkpoint-lock';
import { leftoverName, OLD_PREFIX, recoverCheckpoints, TEMP_PREFIX, TRASH_PREFIX } from './checkpoint-recovery';
import { syncDir } from './durable-writes';
import { describeFileSystemError } from './file-system-error';
import { completeCheckpoints } from './latest-checkpoint';
import { layoutSafetensors, SAFETENSORS_DTYPES, shapeSize, tensorBytes, type NamedTensor } from './safetensors';
import type { StreamedTensor } from './streamed-tensor';
import { saveStep } from './save-step-observer';

/** A group of tensors written to one safetensors file of the checkpoint. */
export interface CheckpointGroup {
  /** File name inside the checkpoint directory, e.g. `tables.safetensors` (no directories; must end in `.safetensors`). */
  readonly file: string;
  /** The tensors, in file order. Names are unique across the whole checkpoint. */
  readonly tensors: readonly NamedTensor[];
  /**
   * Tensors written after {@link tensors}, chunk by chunk as they yield them (at most `chunkBytes` per chunk), never
   * copied whole: e.g. the rows of a dynamic table. @default []
   */
  readonly streamed?: readonly StreamedTensor[];
}

/** What to save. */
export interface CheckpointContent {
  /** The training step (non-negative integer); the directory is `ckpt-<step>`. */
  readonly step: number;
  /** Free-form JSON-serialisable configs (tables, features, optimizers, model). @default {} */
  readonly configs?: Readonly<Record<string, unknown>>;
  /** Free-form JSON-serialisable topology description (e.g. a `Topology`). @default {} */
  readonly topology?: Readonly<Record<string, unknown>>;
  /** One entry per safetensors file. At least one tensor in total. */
  readonly groups: readonly CheckpointGroup[];
}

/** Progress of a save, reported after every chunk written. */
export interface SaveProgress {
  /** The file being written. */
  readonly file: string;
  /** Bytes written so far over all files. */
  readonly bytesWritten: number;
  /** Bytes the checkpoint will hold over all files. */
  readonly totalBytes: number;
}

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /**
   * How many checkpoints to keep in `rootDir` after a successful save. The checkpoint just saved is always kept;
   * the others are pruned lowest step first until `keepLast` remain (so saving step 50 next to 100 and 200 with
   * `keepLast: 2` keeps 50 and 200). `Infinity` keeps all. @default 3
   */
  readonly keepLast?: number;
  /** Replace an existing `ckpt-<step>` instead of throwing `exists`. @default false */
  readonly overwrite?: boolean;
  /** Called after every chunk written (for progress bars). @default undefined */
  readonly onProgress?: (progress: SaveProgress) => void;
  /** Chunk size of the writes in bytes. @default 8 MiB */
  readonly chunkBytes?: number;
  /** How long to wait, in milliseconds, while another save (this process or another) holds the root's lock. @default 600000 */
  readonly lockTimeoutMs?: number;
}

/** What {@link saveCheckpoint} returns. */
export interface SavedCheckpoint {
  /** Absolute path of the new checkpoint directory. */
  readonly dir: string;
  readonly manifest: CheckpointManifest;
  /** Directories removed by keep-last-N pruning. */
  readonly pruned: readonly string[];
}

/** The manifest is written under this name in the working directory, fsynced, then renamed to `checkpoint.json`. */
const MANIFEST_TEMP_FILE = `${MANIFEST_FILE}.tmp`;

/**
 * Saves a checkpoint atomically to `<rootDir>/ckpt-<step>`. Saves to one root are serialized by a lock file
 * (`.ckpt-lock`; a lock left by a dead process is broken at once). Every file is written into a working directory
 * `.tmp-ckpt-…` inside `rootDir` and fsynced, the manifest is written last (fsynced, renamed into place), the
 * directory is fsynced, and only then is it renamed to `ckpt-<step>` (one atomic `rename(2)`) and `rootDir` fsynced.
 * With `overwrite`, the existing `ckpt-<step>` is moved aside (`.old-ckpt-…`) only once the new copy is durable,
 * and deleted after the new one is in place. After that commit point, checkpoints beyond `keepLast` are pruned
 * (never the one just saved). A kill at any instant leaves the newest complete checkpoint (old or new) listed by
 * {@link listCheckpoints} and loadable; the next list or save repairs the root and deletes what the kill left.
 * Errors after the commit point (pruning, removing the replaced copy) do not fail the save: the next save or
 * list removes the leftovers.
 *
 * Layout: `checkpoint.json` (see {@link CheckpointManifest}) + one safetensors file per group, e.g.
 * `tables.safetensors` with `user_id` `[2048, 64]`, `user_id/accumulators` `[2048, 64]`, and `dense.safetensors`.
 *
 * @param rootDir the directory that holds the checkpoints (created if missing).
 * @param content step, configs, topology and the tensor groups.
 * @param options keepLast, overwrite, onProgress, chunkBytes, lockTimeoutMs.
 * @returns the new directory, its manifest and the pruned directories.
 * @throws ConfigError `invalid_option` for an invalid option (keepLast, chunkBytes, lockTimeoutMs), before anything is written.
 * @throws CheckpointError `bad_checkpoint` for invalid content (message names the field), `exists` when
 *   `ckpt-<step>` exists and `overwrite` is false, `bad_tensor` for a tensor whose data does not match its shape,
 *   `locked` when another save held the root's lock for `lockTimeoutMs`, `write_failed` when the disk write fails
 *   before the commit point, saying what happened (disk full, read-only file system, a directory where a file is
 *   expected, …) and where; the working directory is removed and the previous checkpoints are untouched.
 * @example
 * await saveCheckpoint('/tmp/ckpts', {
 *   step: 100, configs: { tables }, topology: { name: 'v4-8' },
 *   groups: [{ file: 'tables.safetensors', tensors: [{ name: 'user_id', dtype: 'float32', shape: [2048, 64], data }] }],
 * }, { keepLast: 3 });
 */
export async function saveCheckpoint(rootDir: string, content: CheckpointContent, options: SaveCheckpointOptions = {}): Promise<SavedCheckpoint> {
  const { keepLast, overwrite, onProgress, chunkBytes, lockTimeoutMs } = validateOptions(options);
  validateContent(content);
  // Tensors are checked (bad_tensor) before anything on disk is touched.
  const layouts = content.groups.map((g) => layoutSafetensors([...g.tensors, ...(g.streamed ?? [])], { format: 'tpu-embeddings', step: String(content.step) }));
  const totalBytes = layouts.reduce((s, l) => s + l.totalBytes, 0);
  const root = path.resolve(rootDir);
  const finalDir = path.join(root, `${CHECKPOINT_DIR_PREFIX}${content.step}`);
  const failed = (e: unknown, at: string): CheckpointError =>
    e instanceof CheckpointError
      ? e
      : new CheckpointError('write_failed', `saveCheckpoint: writing ${finalDir} failed: ${describeFileSystemError(e, at)}. Free space or fix the directory, or save elsewhere; the previous checkpoints are untouched.`);
  try {
    await fsp.mkdir(root, { recursive: true });
  } catch (e) {
    throw failed(e, root);
  }
  const lock = await acquireCheckpointLock(root, lockTimeoutMs, 'saveCheckpoint');
  let tmp: string | null = null;
  let old: string | null = null;
  let committed = false;
  let at = root;
  try {
    await recoverCheckpoints(root);
    if (!overwrite && (await exists(finalDir))) {
      throw new CheckpointError('exists', `saveCheckpoint: ${finalDir} already exists. Pass { overwrite: true } to replace it, or save under another step.`);
    }
    const createdAt = new Date().toISOString();
    tmp = path.join(root, leftoverName(TEMP_PREFIX, content.step, lock.token));
    const tmpName = path.basename(tmp);
    at = tmp;
    await fsp.mkdir(tmp);
    saveStep(`mkdir ${tmpName}`);
    const files: ManifestFile[] = [];
    const tensors: ManifestTensor[] = [];
    let written = 0;
    for (let g = 0; g < content.groups.length; g++) {
      const group = content.groups[g];
      const layout = layouts[g];
      const hash = createHash('sha256');
      at = path.join(tmp, group.file);
      const fh = await fsp.open(at, 'wx');
      try {
        const write = async (bytes: Buffer): Promise<void> => {
          for (let off = 0; off < bytes.length; off += chunkBytes) {
            const chunk = bytes.subarray(off, Math.min(bytes.length, off + chunkBytes));
            // write(2) may write less than asked (a disk filling up): loop until the chunk is whole or it throws.
            for (let done = 0; done < chunk.length; ) {
              const { bytesWritten } = await fh.write(chunk, done, chunk.length - done);
              if (bytesWritten === 0) throw Object.assign(new Error('write returned 0 bytes'), { code: 'EIO', path: at });
              done += bytesWritten;
            }
            saveStep(`write ${group.file} @${written}`);
            hash.update(chunk);
            written += chunk.length;
            onProgress?.({ file: group.file, bytesWritten: written, totalBytes });
          }
        };
        await write(layout.header);
        for (const t of group.tensors) await write(tensorBytes(t.data));
        for (const t of group.streamed ?? []) for (const chunk of streamedChunks(t, chunkBytes)) await write(tensorBytes(chunk));
        await fh.sync();
        saveStep(`fsync ${group.file}`);
      } finally {
        await fh.close();
      }
      const sha256 = hash.digest('hex');
      files.push({ file: group.file, bytes: layout.totalBytes, sha256 });
      for (const e of layout.entries) tensors.push({ name: e.name, dtype: e.dtype, shape: e.shape, file: group.file, byteRange: e.byteRange, sha256 });
    }
    const manifest: CheckpointManifest = {
      formatVersion: CHECKPOINT_FORMAT_VERSION,
      step: content.step,
      createdAt,
      configs: content.configs ?? {},
      topology: content.topology ?? {},
      files,
      tensors,
    };
    at = path.join(tmp, MANIFEST_TEMP_FILE);
    await writeSynced(at, JSON.stringify(manifest, null, 2) + '\n');
    at = path.join(tmp, MANIFEST_FILE);
    await fsp.rename(path.join(tmp, MANIFEST_TEMP_FILE), at);
    saveStep(`rename ${MANIFEST_TEMP_FILE} -> ${MANIFEST_FILE}`);
    at = tmp;
    await syncDir(tmp);
    saveStep(`fsync dir ${tmpName}`);
    at = root;
    await syncDir(root); // the working directory's entry is durable before anything is moved
    saveStep('fsync root');
    if (overwrite && (await exists(finalDir))) {
      old = path.join(root, leftoverName(OLD_PREFIX, content.step, lock.token));
      await fsp.rename(finalDir, old);
      saveStep(`rename ${path.basename(finalDir)} -> ${path.basename(old)}`);
    }
    await fsp.rename(tmp, finalDir);
    committed = true;
    saveStep(`rename ${tmpName} -> ${path.basename(finalDir)}`);
    await afterCommit(async () => {
      await syncDir(root);
      saveStep('fsync root');
    });
    if (old) {
      const replaced = old;
      await afterCommit(async () => {
        await fsp.rm(replaced, { recursive: true, force: true });
        saveStep(`remove ${path.basename(replaced)}`);
      });
    }
    const pruned = await prune(root, content.step, keepLast, lock.token);
    return { dir: finalDir, manifest, pruned };
  } catch (e) {
    if (!committed) {
      if (old) await fsp.rename(old, finalDir).catch(() => undefined); // put the replaced checkpoint back
      if (tmp) await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    }
    throw failed(e, at);
  } finally {
    await lock.release();
  }
}

/**
 * The chunks of a streamed tensor, each checked (element type, at most the asked size) and their total against its
 * shape: `bad_tensor` before the commit point otherwise (the working directory is then removed).
 */
function* streamedChunks(t: StreamedTensor, chunkBytes: number): Generator<Uint8Array | Float32Array | Int32Array | Float64Array | BigInt64Array> {
  const size = SAFETENSORS_DTYPES[t.dtype].bytes;
  const maxElements = Math.max(1, Math.floor(chunkBytes / size));
  const expected = shapeSize(t.shape, `saveCheckpoint('${t.name}')`);
  let n = 0;
  for (const chunk of t.chunks(maxElements)) {
    if (!ArrayBuffer.isView(chunk) || chunk.BYTES_PER_ELEMENT !== size || chunk.length > maxElements || n + chunk.length > expected) {
      throw new CheckpointError(
        'bad_tensor',
        `saveCheckpoint: streamed tensor '${t.name}' (${t.dtype} [${t.shape.join(', ')}]) yielded a chunk of ${(chunk as { length?: number })?.length} ${(chunk as object)?.constructor?.name ?? typeof chunk} elements after ${n}: expected typed arrays of ${size}-byte elements, at most ${maxElements} each, ${expected} in total. Fix the tensor's chunks().`,
      );
    }
    n += chunk.length;
    yield chunk;
  }
  if (n !== expected) {
    throw new CheckpointError('bad_tensor', `saveCheckpoint: streamed tensor '${t.name}' (${t.dtype} [${t.shape.join(', ')}]) yielded ${n} elements, but its shape holds ${expected}. Fix the tensor's shape or its chunks().`);
  }
}

/** Runs a cleanup step after the commit point: its failure leaves leftovers for the next save or list, never an error. */
async function afterCommit(step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch {
    // the checkpoint is committed; recoverCheckpoints removes what is left on the next save or list
  }
}

/** Keep-last-N pruning: never the step just saved; the others lowest step first. Returns the removed directories. */
async function prune(root: string, savedStep: number, keepLast: number, token: string): Promise<string[]> {
  if (!Number.isFinite(keepLast)) return [];
  const others = (await completeCheckpoints(root).catch(() => [])).filter((c) => c.step !== savedStep);
  const doomed = others.slice(0, Math.max(0, others.length - (keepLast - 1)));
  const pruned: string[] = [];
  for (const c of doomed) {
    await afterCommit(async () => {
      const trash = path.join(root, leftoverName(TRASH_PREFIX, c.step, token));
      await fsp.rename(c.dir, trash); // out of the listing in one step, then deleted
      saveStep(`rename ${path.basename(c.dir)} -> ${path.basename(trash)}`);
      pruned.push(c.dir);
      await fsp.rm(trash, { recursive: true, force: true });
      saveStep(`remove ${path.basename(trash)}`);
    });
  }
  if (pruned.length > 0) {
    await afterCommit(async () => {
      await syncDir(root);
      saveStep('fsync root');
    });
  }
  return pruned;
}

async function writeSynced(file: string, text: string): Promise<void> {
  const fh = await fsp.open(file, 'wx');
  try {
    await fh.writeFile(text, 'utf8');
    saveStep(`write ${path.basename(file)}`);
    await fh.sync();
    saveStep(`fsync ${path.basename(file)}`);
  } finally {
    await fh.close();
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.stat(p);
    return true;
  } catch {
    return false;
  }
}

function validateOptions(o: SaveCheckpointOptions): Required<Omit<SaveCheckpointOptions, 'onProgress'>> & Pick<SaveCheckpointOptions, 'onProgress'> {
  // Options are construction-time settings: ConfigError invalid_option, before anything is written.
  const at = where(ConfigError, 'invalid_option', 'saveCheckpoint');
  const keepLast = o.keepLast ?? 3;
  if (keepLast !== Infinity) positiveInteger(keepLast, at('options.keepLast', 'Pass Infinity to keep every checkpoint.'));
  const chunkBytes = positiveInteger(o.chunkBytes ?? 8 * 1024 * 1024, at('options.chunkBytes'));
  const lockTimeoutMs = finiteNumber(o.lockTimeoutMs ?? 600_000, at('options.lockTimeoutMs'), { min: 0, unit: 'milliseconds' });
  return { keepLast, overwrite: o.overwrite ?? false, onProgress: o.onProgress, chunkBytes, lockTimeoutMs };
}

function validateContent(c: CheckpointContent): void {
  const fail = (rule: string): never => {
    throw new CheckpointError('bad_checkpoint', `saveCheckpoint: ${rule}`);
  };
  if (c === null || typeof c !== 'object') fail('expected content to be an object { step, configs, topology, groups }.');
  nonNegativeInteger(c.step, where(CheckpointError, 'bad_checkpoint', 'saveCheckpoint')('step'));
  for (const key of ['configs', 'topology'] as const) {
    const v = c[key];
    if (v === undefined) continue;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`expected ${key} to be a plain object, but got ${JSON.stringify(v)}.`);
    try {
      JSON.stringify(v);
    } catch (e) {
      fail(`expected ${key} to be JSON-serialisable, but JSON.stringify failed (${(e as Error).message}).`);
    }
  }
  if (!Array.isArray(c.groups) || c.groups.length === 0) fail('expected groups to be a non-empty array of { file, tensors }.');
  const files = new Set<string>();
  const names = new Set<string>();
  for (const g of c.groups) {
    if (typeof g?.file !== 'string' || !/^[A-Za-z0-9._-]+\.safetensors$/.test(g.file) || g.file.startsWith('.')) {
      fail(`expected every group file to be a plain file name ending in .safetensors (letters, digits, '.', '_', '-'), but got ${JSON.stringify(g?.file)}.`);
    }
    if (files.has(g.file)) fail(`expected unique group files, but '${g.file}' appears twice.`);
    files.add(g.file);
    if (!Array.isArray(g.tensors)) fail(`expected group '${g.file}' to have a tensors array.`);
    if (g.streamed !== undefined && !Array.isArray(g.streamed)) fail(`expected group '${g.file}' streamed to be an array of streamed tensors.`);
    for (const t of [...g.tensors, ...(g.streamed ?? [])]) {
      if (names.has(t.name)) fail(`expected tensor names to be unique across the checkpoint, but '${t.name}' appears twice.`);
      names.add(t.name);
    }
  }
  if (names.size === 0) fail('expected at least one tensor.');
}

import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { CheckpointError } from '../errors';
import {
  CHECKPOINT_DIR_PREFIX,
  CHECKPOINT_FORMAT_VERSION,
  MANIFEST_FILE,
  type CheckpointManifest,
  type ManifestFile,
  type ManifestTensor,
} from './checkpoint-manifest';
import { listCheckpoints } from './latest-checkpoint';
import { layoutSafetensors, tensorBytes, type NamedTensor } from './safetensors';

/** A group of tensors written to one safetensors file of the checkpoint. */
export interface CheckpointGroup {
  /** File name inside the checkpoint directory, e.g. `tables.safetensors` (no directories; must end in `.safetensors`). */
  readonly file: string;
  /** The tensors, in file order. Names are unique across the whole checkpoint. */
  readonly tensors: readonly NamedTensor[];
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
  /** How many checkpoints to keep in `rootDir` after a successful save (oldest steps pruned). `Infinity` keeps all. @default 3 */
  readonly keepLast?: number;
  /** Replace an existing `ckpt-<step>` instead of throwing `exists`. @default false */
  readonly overwrite?: boolean;
  /** Called after every chunk written (for progress bars). @default undefined */
  readonly onProgress?: (progress: SaveProgress) => void;
  /** Chunk size of the writes in bytes. @default 8 MiB */
  readonly chunkBytes?: number;
}

/** What {@link saveCheckpoint} returns. */
export interface SavedCheckpoint {
  /** Absolute path of the new checkpoint directory. */
  readonly dir: string;
  readonly manifest: CheckpointManifest;
  /** Directories removed by keep-last-N pruning. */
  readonly pruned: readonly string[];
}

const TEMP_PREFIX = '.tmp-ckpt-';
const TRASH_PREFIX = '.trash-ckpt-';

/**
 * Saves a checkpoint atomically to `<rootDir>/ckpt-<step>`: every file is written into a temporary
 * directory inside `rootDir`, fsynced, then the directory is fsynced and renamed (one atomic `rename(2)`),
 * and `rootDir` is fsynced. A crash at any point leaves either the previous checkpoints alone or the new one
 * whole; {@link latestCheckpoint} never returns a half-written directory. After success, checkpoints beyond the
 * newest `keepLast` are removed (renamed away first, then deleted).
 *
 * Layout: `checkpoint.json` (see {@link CheckpointManifest}) + one safetensors file per group, e.g.
 * `tables.safetensors` with `user_id` `[2048, 64]`, `user_id/accumulators` `[2048, 64]`, and `dense.safetensors`.
 *
 * @param rootDir the directory that holds the checkpoints (created if missing).
 * @param content step, configs, topology and the tensor groups.
 * @param options keepLast, overwrite, onProgress.
 * @returns the new directory, its manifest and the pruned directories.
 * @throws CheckpointError `bad_checkpoint` for invalid content (message names the field), `exists` when
 *   `ckpt-<step>` exists and `overwrite` is false, `bad_tensor` for a tensor whose data does not match its shape,
 *   `write_failed` when the disk write fails (the temporary directory is removed).
 * @example
 * await saveCheckpoint('/tmp/ckpts', {
 *   step: 100, configs: { tables }, topology: { name: 'v4-8' },
 *   groups: [{ file: 'tables.safetensors', tensors: [{ name: 'user_id', dtype: 'float32', shape: [2048, 64], data }] }],
 * }, { keepLast: 3 });
 */
export async function saveCheckpoint(rootDir: string, content: CheckpointContent, options: SaveCheckpointOptions = {}): Promise<SavedCheckpoint> {
  const { keepLast, overwrite, onProgress, chunkBytes } = validateOptions(options);
  validateContent(content);
  const root = path.resolve(rootDir);
  await fsp.mkdir(root, { recursive: true });
  await removeStaleTemps(root);
  const finalDir = path.join(root, `${CHECKPOINT_DIR_PREFIX}${content.step}`);
  if (!overwrite && (await exists(finalDir))) {
    throw new CheckpointError('exists', `saveCheckpoint: ${finalDir} already exists. Pass { overwrite: true } to replace it, or save under another step.`);
  }
  const createdAt = new Date().toISOString();
  const layouts = content.groups.map((g) => layoutSafetensors(g.tensors, { format: 'tpu-embeddings', step: String(content.step) }));
  const totalBytes = layouts.reduce((s, l) => s + l.totalBytes, 0);
  const tmp = await fsp.mkdtemp(path.join(root, `${TEMP_PREFIX}${content.step}-${process.pid}-`));
  try {
    const files: ManifestFile[] = [];
    const tensors: ManifestTensor[] = [];
    let written = 0;
    for (let g = 0; g < content.groups.length; g++) {
      const group = content.groups[g];
      const layout = layouts[g];
      const hash = createHash('sha256');
      const fh = await fsp.open(path.join(tmp, group.file), 'wx');
      try {
        const write = async (bytes: Buffer): Promise<void> => {
          for (let at = 0; at < bytes.length; at += chunkBytes) {
            const chunk = bytes.subarray(at, Math.min(bytes.length, at + chunkBytes));
            await fh.write(chunk);
            hash.update(chunk);
            written += chunk.length;
            onProgress?.({ file: group.file, bytesWritten: written, totalBytes });
          }
        };
        await write(layout.header);
        for (const t of group.tensors) await write(tensorBytes(t.data));
        await fh.sync();
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
    await writeSynced(path.join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    await syncDir(tmp);
    let replaced: string | null = null;
    if (overwrite && (await exists(finalDir))) {
      replaced = path.join(root, `${TRASH_PREFIX}${content.step}-${process.pid}-${Date.now()}`);
      await fsp.rename(finalDir, replaced);
    }
    await fsp.rename(tmp, finalDir);
    await syncDir(root);
    if (replaced) await fsp.rm(replaced, { recursive: true, force: true });
    const pruned = await prune(root, keepLast);
    return { dir: finalDir, manifest, pruned };
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError('write_failed', `saveCheckpoint: writing ${finalDir} failed (${(e as Error).message}); the previous checkpoints are untouched.`);
  }
}

async function prune(root: string, keepLast: number): Promise<string[]> {
  if (!Number.isFinite(keepLast)) return [];
  const all = await listCheckpoints(root);
  const doomed = all.slice(0, Math.max(0, all.length - keepLast));
  const pruned: string[] = [];
  for (const c of doomed) {
    const trash = path.join(root, `${TRASH_PREFIX}${c.step}-${process.pid}-${Date.now()}`);
    await fsp.rename(c.dir, trash);
    await fsp.rm(trash, { recursive: true, force: true });
    pruned.push(c.dir);
  }
  if (pruned.length > 0) await syncDir(root);
  return pruned;
}

/** Removes temp/trash directories left by processes that no longer run (a crash mid-save). */
async function removeStaleTemps(root: string): Promise<void> {
  for (const name of await fsp.readdir(root)) {
    const prefix = name.startsWith(TEMP_PREFIX) ? TEMP_PREFIX : name.startsWith(TRASH_PREFIX) ? TRASH_PREFIX : null;
    if (!prefix) continue;
    const pid = Number(name.slice(prefix.length).split('-')[1]);
    if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)) {
      await fsp.rm(path.join(root, name), { recursive: true, force: true });
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

async function writeSynced(file: string, text: string): Promise<void> {
  const fh = await fsp.open(file, 'wx');
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
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
  const keepLast = o.keepLast ?? 3;
  if (!(keepLast === Infinity || (Number.isInteger(keepLast) && keepLast >= 1))) {
    throw new CheckpointError('bad_checkpoint', `saveCheckpoint: expected options.keepLast to be a positive integer or Infinity, but got ${keepLast}.`);
  }
  const chunkBytes = o.chunkBytes ?? 8 * 1024 * 1024;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) {
    throw new CheckpointError('bad_checkpoint', `saveCheckpoint: expected options.chunkBytes to be a positive integer, but got ${chunkBytes}.`);
  }
  return { keepLast, overwrite: o.overwrite ?? false, onProgress: o.onProgress, chunkBytes };
}

function validateContent(c: CheckpointContent): void {
  const fail = (rule: string): never => {
    throw new CheckpointError('bad_checkpoint', `saveCheckpoint: ${rule}`);
  };
  if (c === null || typeof c !== 'object') fail('expected content to be an object { step, configs, topology, groups }.');
  if (!Number.isSafeInteger(c.step) || c.step < 0) fail(`expected step to be a non-negative integer, but got ${c.step}.`);
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
    for (const t of g.tensors) {
      if (names.has(t.name)) fail(`expected tensor names to be unique across the checkpoint, but '${t.name}' appears twice.`);
      names.add(t.name);
    }
  }
  if (names.size === 0) fail('expected at least one tensor.');
}

import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { CHECKPOINT_DIR_PREFIX, MANIFEST_FILE } from './checkpoint-manifest';
import { isAbandonedLockFile, LOCK_FILE } from './checkpoint-lock';
import { saveStep } from './save-step-observer';
import { syncDir } from './durable-writes';

/** A save writes its new checkpoint here first: `.tmp-ckpt-<step>-<pid>-<hex>`. */
export const TEMP_PREFIX = '.tmp-ckpt-';
/** An overwritten checkpoint waits here until the new one is in place: `.old-ckpt-<step>-<pid>-<hex>` (same suffix as its temp). */
export const OLD_PREFIX = '.old-ckpt-';
/** A pruned checkpoint is renamed here, then deleted: `.trash-ckpt-<step>-<pid>-<hex>`. */
export const TRASH_PREFIX = '.trash-ckpt-';

const LEFTOVER = /^(\.tmp-ckpt-|\.old-ckpt-|\.trash-ckpt-)(0|[1-9][0-9]*)-(.+)$/;

/**
 * The name of a save's working directory.
 * @param prefix {@link TEMP_PREFIX}, {@link OLD_PREFIX} or {@link TRASH_PREFIX}.
 * @param step the checkpoint step.
 * @param token the save's `pid-hex` token.
 * @returns e.g. `.tmp-ckpt-100-4242-9f3a01bc`.
 * @example
 * leftoverName(TEMP_PREFIX, 100, lock.token);
 */
export function leftoverName(prefix: string, step: number, token: string): string {
  return `${prefix}${step}-${token}`;
}

/** A checkpoint whose `ckpt-<step>` is missing because a save was killed between its two renames. */
export interface OrphanedCheckpoint {
  readonly step: number;
  /** The newest complete copy: the save's new directory when complete, else the replaced one. */
  readonly dir: string;
}

/**
 * Finds checkpoints orphaned by an overwrite killed after `ckpt-<step>` was moved to `.old-ckpt-…` and before the new
 * copy was renamed in. The new copy is complete at that point (the old one is moved only after the new one is durable).
 *
 * @param root the checkpoint root.
 * @param names the entries of `root`.
 * @returns one entry per orphaned step.
 * @example
 * await findOrphanedCheckpoints(root, await fsp.readdir(root)); // [{ step: 100, dir: '/ckpts/.tmp-ckpt-100-…' }]
 */
export async function findOrphanedCheckpoints(root: string, names: readonly string[]): Promise<OrphanedCheckpoint[]> {
  const present = new Set(names);
  const orphans = new Map<number, OrphanedCheckpoint>();
  for (const name of names) {
    const m = LEFTOVER.exec(name);
    if (!m || m[1] !== OLD_PREFIX || present.has(`${CHECKPOINT_DIR_PREFIX}${m[2]}`)) continue;
    const step = Number(m[2]);
    const fresh = path.join(root, leftoverName(TEMP_PREFIX, step, m[3]));
    const old = path.join(root, name);
    if (await isComplete(fresh)) orphans.set(step, { step, dir: fresh });
    else if (await isComplete(old)) orphans.set(step, { step, dir: old });
  }
  // Earlier versions of saveCheckpoint moved an overwritten checkpoint to `.trash-ckpt-<step>-<pid>-<epoch ms>` before renaming the
  // new one in; a kill between the two left it as the only copy. The newest such copy whose files are all there is
  // restored (a pruned one being deleted may have lost files: those are not).
  const legacy = [...names].filter((n) => LEGACY_TRASH.test(n)).sort((a, b) => Number(LEGACY_TRASH.exec(b)![2]) - Number(LEGACY_TRASH.exec(a)![2]));
  for (const name of legacy) {
    const step = Number(LEGACY_TRASH.exec(name)![1]);
    if (present.has(`${CHECKPOINT_DIR_PREFIX}${step}`) || orphans.has(step)) continue;
    const dir = path.join(root, name);
    if (await hasAllFiles(dir)) orphans.set(step, { step, dir });
  }
  return [...orphans.values()];
}

const LEGACY_TRASH = /^\.trash-ckpt-(0|[1-9][0-9]*)-[0-9]+-([0-9]{13})$/;

/** A complete directory whose manifest parses and whose listed files all exist with their listed sizes. */
async function hasAllFiles(dir: string): Promise<boolean> {
  try {
    const manifest = JSON.parse(await fsp.readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as { files?: { file: string; bytes: number }[] };
    if (!Array.isArray(manifest.files)) return false;
    for (const f of manifest.files) if ((await fsp.stat(path.join(dir, path.basename(f.file)))).size !== f.bytes) return false;
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `root` holds anything a killed save leaves behind (working directories, lock files).
 * @param names the entries of the root.
 * @returns true when {@link recoverCheckpoints} has work to do.
 * @example
 * if (hasLeftovers(await fsp.readdir(root))) …
 */
export function hasLeftovers(names: readonly string[]): boolean {
  return names.some((n) => LEFTOVER.test(n) || n.startsWith(LOCK_FILE));
}

/**
 * Repairs a checkpoint root after a killed save; the caller holds the root's lock, so every working directory
 * belongs to a save that is over. Orphaned checkpoints are renamed back to `ckpt-<step>` (newest complete copy),
 * then every other working directory and abandoned lock file is deleted.
 *
 * @param root the checkpoint root.
 * @returns nothing; throws the filesystem error if a rename or delete fails.
 * @example
 * const lock = await acquireCheckpointLock(root, 60_000, 'saveCheckpoint');
 * await recoverCheckpoints(root);
 */
export async function recoverCheckpoints(root: string): Promise<void> {
  let names = await fsp.readdir(root);
  if (!hasLeftovers(names)) return;
  const orphans = await findOrphanedCheckpoints(root, names);
  for (const o of orphans) {
    await fsp.rename(o.dir, path.join(root, `${CHECKPOINT_DIR_PREFIX}${o.step}`));
    saveStep(`rename ${path.basename(o.dir)} -> ${CHECKPOINT_DIR_PREFIX}${o.step} (recover)`);
  }
  if (orphans.length > 0) {
    await syncDir(root);
    saveStep('fsync root (recover)');
    names = await fsp.readdir(root);
  }
  let removed = false;
  for (const name of names) {
    if (LEFTOVER.test(name) || (await isAbandonedLockFile(root, name))) {
      await fsp.rm(path.join(root, name), { recursive: true, force: true });
      saveStep(`remove ${name} (recover)`);
      removed = true;
    }
  }
  if (removed) {
    await syncDir(root);
    saveStep('fsync root (recover)');
  }
}

/**
 * Whether a directory holds a whole checkpoint: its manifest is renamed into place last, after every file is fsynced.
 * @param dir a checkpoint or working directory.
 * @returns true when `checkpoint.json` is a file in it.
 * @example
 * await isComplete('/ckpts/.tmp-ckpt-100-4242-9f3a01bc');
 */
export async function isComplete(dir: string): Promise<boolean> {
  try {
    return (await fsp.stat(path.join(dir, MANIFEST_FILE))).isFile();
  } catch {
    return false;
  }
}

import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { CHECKPOINT_DIR_PREFIX, MANIFEST_FILE } from './checkpoint-manifest';
import { tryCheckpointLock } from './checkpoint-lock';
import { findOrphanedCheckpoints, hasLeftovers, recoverCheckpoints } from './checkpoint-recovery';

/** A complete checkpoint directory found under a root. */
export interface CheckpointRef {
  /** Absolute path of `ckpt-<step>`. */
  readonly dir: string;
  readonly step: number;
}

/**
 * Lists the complete checkpoints under `rootDir` (directories `ckpt-<step>` holding `checkpoint.json`),
 * oldest step first. Temporary directories of an interrupted save (`.tmp-ckpt-…`) are never listed.
 *
 * Recovery: when a save was killed, the first list (or save) after it repairs the root if no live save holds its
 * lock: a checkpoint an overwrite had moved aside is renamed back to `ckpt-<step>` (the new copy when it was
 * complete, else the old one), and every temporary, replaced or pruned directory and dead lock file is deleted.
 * When the root cannot be repaired (read-only, or a live save holds the lock) such an orphaned checkpoint is
 * listed with its working directory as `dir`, so the newest complete checkpoint is always listed.
 *
 * @param rootDir the directory given to {@link saveCheckpoint}.
 * @returns the checkpoints sorted by step ascending; `[]` when `rootDir` does not exist.
 * @example
 * (await listCheckpoints('/tmp/ckpts')).map((c) => c.step); // [100, 200, 300]
 */
export async function listCheckpoints(rootDir: string): Promise<CheckpointRef[]> {
  const root = path.resolve(rootDir);
  let names = await readNames(root);
  if (names === null) return [];
  if (hasLeftovers(names)) {
    try {
      const got = await tryCheckpointLock(root, 'listCheckpoints');
      if ('release' in got) {
        try {
          await recoverCheckpoints(root);
        } finally {
          await got.release();
        }
        names = (await readNames(root)) ?? [];
      }
    } catch {
      // read-only or damaged root: list what is there, orphans included
    }
  }
  const found = await completeCheckpoints(root, names);
  const steps = new Set(found.map((c) => c.step));
  for (const o of await findOrphanedCheckpoints(root, names)) if (!steps.has(o.step)) found.push(o);
  return found.sort((a, b) => a.step - b.step);
}

/**
 * The complete `ckpt-<step>` directories of a root as they are now, without any recovery (for a save that holds
 * the root's lock).
 * @param root the absolute root.
 * @param names its entries, when already read.
 * @returns the checkpoints sorted by step ascending.
 * @example
 * await completeCheckpoints('/ckpts');
 */
export async function completeCheckpoints(root: string, names?: readonly string[]): Promise<CheckpointRef[]> {
  const entries = names ?? (await readNames(root)) ?? [];
  const found: CheckpointRef[] = [];
  for (const name of entries) {
    const m = new RegExp(`^${CHECKPOINT_DIR_PREFIX}(0|[1-9][0-9]*)$`).exec(name);
    if (!m) continue;
    const dir = path.join(root, name);
    try {
      if ((await fsp.stat(path.join(dir, MANIFEST_FILE))).isFile()) found.push({ dir, step: Number(m[1]) });
    } catch {
      // no manifest: not a complete checkpoint
    }
  }
  return found.sort((a, b) => a.step - b.step);
}

async function readNames(root: string): Promise<string[] | null> {
  try {
    return await fsp.readdir(root);
  } catch {
    return null;
  }
}

/**
 * The checkpoint with the highest step under `rootDir`, or `null` when there is none, after the same recovery as
 * {@link listCheckpoints}. Only complete checkpoints qualify (their manifest is renamed in last); hashes are checked
 * later by {@link loadCheckpoint}.
 *
 * @param rootDir the directory given to {@link saveCheckpoint}.
 * @returns the newest checkpoint, or null.
 * @example
 * const latest = await latestCheckpoint('/tmp/ckpts');
 * if (latest) await loadCheckpoint(latest.dir);
 */
export async function latestCheckpoint(rootDir: string): Promise<CheckpointRef | null> {
  const all = await listCheckpoints(rootDir);
  return all.length > 0 ? all[all.length - 1] : null;
}

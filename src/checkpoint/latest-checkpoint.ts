import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { CHECKPOINT_DIR_PREFIX, MANIFEST_FILE } from './checkpoint-manifest';

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
 * @param rootDir the directory given to {@link saveCheckpoint}.
 * @returns the checkpoints sorted by step ascending; `[]` when `rootDir` does not exist.
 * @example
 * (await listCheckpoints('/tmp/ckpts')).map((c) => c.step); // [100, 200, 300]
 */
export async function listCheckpoints(rootDir: string): Promise<CheckpointRef[]> {
  const root = path.resolve(rootDir);
  let names: string[];
  try {
    names = await fsp.readdir(root);
  } catch {
    return [];
  }
  const found: CheckpointRef[] = [];
  for (const name of names) {
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

/**
 * The checkpoint with the highest step under `rootDir`, or `null` when there is none. Only directories
 * renamed into place by a completed {@link saveCheckpoint} qualify; hashes are checked later by {@link loadCheckpoint}.
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

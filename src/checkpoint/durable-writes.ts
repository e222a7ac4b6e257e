// Durable file writes shared by the savers of this folder: fsynced files and directories, unique generation names,
// and the internal step observer that fault-injection tests use to kill a process after any filesystem step.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

/**
 * One filesystem step of a save (fileSystemIO, Recommender.save), in order: `mkdir` (the model directory was created),
 * `weights` (one new weights file written and fsynced), `sync-dir`, `model-json-temp` (the new model.json written
 * and fsynced under a temporary name), `commit` (renamed onto model.json), `remove` (one old or orphaned file
 * or directory deleted), and for Recommender.save `index` (the candidate index written and fsynced) and
 * `manifest-temp` (the new recommender.json before its rename); and of a load, `load-manifest` (model.json read,
 * weights not yet). Internal: for fault-injection tests, not part of the public API.
 */
export interface FileSystemStep {
  readonly step: 'mkdir' | 'weights' | 'sync-dir' | 'model-json-temp' | 'index' | 'manifest-temp' | 'commit' | 'remove' | 'load-manifest';
  /** The file or directory the step touched. */
  readonly path: string;
}

/** Internal: called after each filesystem step of a save or load (awaited). Not exported from the package. */
export type FileSystemStepObserver = (step: FileSystemStep) => void | Promise<void>;

let stepObserver: FileSystemStepObserver | null = null;

/**
 * Internal, for fault-injection tests (not exported from the package): installs a function called after every
 * filesystem step of a save (fileSystemIO, Recommender.save) and load, or removes it with `null`.
 * @param observer the observer, or null.
 */
export function setFileSystemStepObserver(observer: FileSystemStepObserver | null): void {
  stepObserver = observer;
}

/** Internal: reports one filesystem step to the observer, if any (awaited). */
export async function observed(step: FileSystemStep['step'], p: string): Promise<void> {
  if (stepObserver) await stepObserver({ step, path: p });
}

/** A name part unique to one save: base-36 milliseconds + 6 random hex digits, e.g. `mx1r12hf57ea54`. */
export function newGeneration(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Writes a new file (fails if it exists) and fsyncs it. */
export async function writeSynced(file: string, data: Uint8Array): Promise<void> {
  const fh = await fsp.open(file, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsyncs a directory (its entries: creations, renames, deletions). */
export async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsyncs every regular file directly inside `dir`, then `dir` itself (for files written by code that does not fsync). */
export async function syncFilesIn(dir: string): Promise<void> {
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    if (!e.isFile()) continue;
    const fh = await fsp.open(path.join(dir, e.name), 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
  await syncDir(dir);
}

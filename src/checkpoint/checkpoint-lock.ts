import { randomBytes } from 'node:crypto';
import { promises as fsp, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { CheckpointError } from '../errors';
import { describeFileSystemError, errnoCode } from './file-system-error';
import { saveStep } from './save-step-observer';

/** The lock file a save holds in the checkpoint root while it runs (serializes saves to one directory). */
export const LOCK_FILE = '.ckpt-lock';
/** Prefix of the per-attempt files a lock is linked from (`.ckpt-lock.<pid>-<hex>`) and of the break mutex. */
const LOCK_CANDIDATE_PREFIX = `${LOCK_FILE}.`;
const BREAK_FILE = `${LOCK_FILE}.break`;
/** A break mutex (held for a few milliseconds while a dead holder's lock is removed) older than this is abandoned. */
const BREAK_STALE_MS = 10_000;
/** A lock file that cannot be parsed (foreign or damaged) older than this is considered stale. */
const UNREADABLE_LOCK_STALE_MS = 10_000;
/** Waiting for a live holder polls after 25 ms, doubling up to 400 ms. */
const POLL_MS = 25;
const MAX_POLL_MS = 400;

/** Who holds a lock: written as JSON into the lock file. */
export interface LockOwner {
  readonly pid: number;
  /** Start time of the process (field 22 of `/proc/<pid>/stat`), to tell a reused pid from the holder; null off Linux. */
  readonly start: string | null;
  readonly host: string;
  readonly token: string;
  /** ISO time the lock was taken. */
  readonly since: string;
}

/** A held lock. */
export interface CheckpointLock {
  /** `pid-hex`, unique to this save: names its temporary directories. */
  readonly token: string;
  /** Removes the lock file (errors ignored: a leftover lock of a dead process is broken by the next save). */
  release(): Promise<void>;
}

/**
 * Takes the lock of a checkpoint root, waiting while another live process (or another call in this process)
 * holds it. A lock whose holder is dead (pid gone, or reused by a process started later) is broken at once.
 *
 * @param root the checkpoint root (must exist).
 * @param timeoutMs how long to wait for a live holder.
 * @param api the public function, for messages.
 * @returns the held lock.
 * @throws CheckpointError `locked` after `timeoutMs` (naming the holder's pid and the lock file), `write_failed`
 *   when the lock file cannot be created (read-only disk, a directory in its place …).
 * @example
 * const lock = await acquireCheckpointLock(root, 60_000, 'saveCheckpoint');
 * try { … } finally { await lock.release(); }
 */
export async function acquireCheckpointLock(root: string, timeoutMs: number, api: string): Promise<CheckpointLock> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = POLL_MS; ; wait = Math.min(MAX_POLL_MS, wait * 2)) {
    const got = await tryCheckpointLock(root, api);
    if ('release' in got) return got;
    if (Date.now() >= deadline) {
      throw new CheckpointError(
        'locked',
        `${api}: ${path.join(root, LOCK_FILE)} is held by process ${got.pid} on ${got.host} (since ${got.since}), which is saving to the same directory; ` +
          `waited ${timeoutMs} ms. Wait for that save to finish, pass a larger lockTimeoutMs, or save to another directory. Nothing was written.`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(wait, deadline - Date.now()))));
  }
}

/**
 * Takes the lock if it is free or its holder is dead, without waiting.
 *
 * @param root the checkpoint root (must exist).
 * @param api the public function, for messages.
 * @returns the held lock, or the live holder.
 * @throws CheckpointError `write_failed` when the lock file cannot be created or read.
 * @example
 * const got = await tryCheckpointLock(root, 'listCheckpoints');
 * if ('release' in got) await got.release();
 */
export async function tryCheckpointLock(root: string, api: string): Promise<CheckpointLock | LockOwner> {
  const lockPath = path.join(root, LOCK_FILE);
  const token = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const owner: LockOwner = { pid: process.pid, start: processStart(process.pid), host: hostname(), token, since: new Date().toISOString() };
  const candidate = path.join(root, `${LOCK_CANDIDATE_PREFIX}${token}`);
  const fail = (e: unknown, at: string): never => {
    throw new CheckpointError('write_failed', `${api}: cannot take the lock of ${root}: ${describeFileSystemError(e, at)}. Check that the directory is writable; nothing was written.`);
  };
  try {
    await fsp.writeFile(candidate, JSON.stringify(owner), { flag: 'wx' });
  } catch (e) {
    fail(e, candidate);
  }
  saveStep(`write lock candidate ${path.basename(candidate)}`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await fsp.link(candidate, lockPath); // atomic: fails with EEXIST while another holds the lock
        saveStep(`link ${path.basename(candidate)} -> ${LOCK_FILE}`);
        return {
          token,
          release: async () => {
            try {
              await fsp.unlink(lockPath);
              saveStep(`unlink ${LOCK_FILE}`);
            } catch {
              // a leftover lock of a dead process is broken by the next save
            }
          },
        };
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') fail(e, lockPath);
      }
      const holder = await readHolder(lockPath).catch((e) => fail(e, lockPath));
      if (holder === 'gone') continue; // released meanwhile
      if (holder !== 'unreadable' && !isStale(holder)) return holder;
      if (attempt > 100) fail(new Error('the lock could not be broken'), lockPath);
      await breakStaleLock(root, holder === 'unreadable' ? null : holder.token);
    }
  } finally {
    await fsp.unlink(candidate).catch(() => undefined);
    saveStep(`unlink lock candidate ${path.basename(candidate)}`);
  }
}

/**
 * Whether a leftover lock-candidate or break-mutex file may be removed (its process is dead or it is abandoned).
 *
 * @param root the checkpoint root.
 * @param name a file name in `root`.
 * @returns true for a `.ckpt-lock.<pid>-<hex>` of a dead process or a `.ckpt-lock.break` older than 10 s.
 * @example
 * if (await isAbandonedLockFile(root, name)) await fsp.rm(path.join(root, name), { force: true });
 */
export async function isAbandonedLockFile(root: string, name: string): Promise<boolean> {
  if (name === BREAK_FILE) {
    try {
      return Date.now() - (await fsp.stat(path.join(root, name))).mtimeMs > BREAK_STALE_MS;
    } catch {
      return false;
    }
  }
  if (!name.startsWith(LOCK_CANDIDATE_PREFIX)) return false;
  const pid = Number(name.slice(LOCK_CANDIDATE_PREFIX.length).split('-')[0]);
  return Number.isInteger(pid) && pid > 0 && !isAlive(pid);
}

async function readHolder(lockPath: string): Promise<LockOwner | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await fsp.readFile(lockPath, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return 'gone';
    throw e;
  }
  try {
    const o = JSON.parse(text) as LockOwner;
    if (Number.isInteger(o.pid) && typeof o.token === 'string' && typeof o.host === 'string') return o;
  } catch {
    // fall through
  }
  try {
    const age = Date.now() - (await fsp.stat(lockPath)).mtimeMs;
    return age > UNREADABLE_LOCK_STALE_MS ? 'unreadable' : { pid: -1, start: null, host: 'unknown', token: '', since: 'just now' };
  } catch {
    return 'gone';
  }
}

/** Removes a dead holder's lock under a short-lived break mutex, so two breakers never remove a fresh lock. */
async function breakStaleLock(root: string, staleToken: string | null): Promise<void> {
  const breakPath = path.join(root, BREAK_FILE);
  try {
    await fsp.writeFile(breakPath, String(process.pid), { flag: 'wx' });
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw e;
    if (await isAbandonedLockFile(root, BREAK_FILE)) await fsp.rm(breakPath, { force: true });
    else await new Promise((r) => setTimeout(r, POLL_MS));
    return;
  }
  try {
    const lockPath = path.join(root, LOCK_FILE);
    const holder = await readHolder(lockPath);
    const same = holder === 'unreadable' ? staleToken === null : holder !== 'gone' && holder.token === staleToken;
    if (same) {
      await fsp.rm(lockPath, { force: true });
      saveStep(`unlink stale ${LOCK_FILE}`);
    }
  } finally {
    await fsp.rm(breakPath, { force: true });
  }
}

function isStale(o: LockOwner): boolean {
  if (o.host !== hostname()) return false; // another machine on a shared disk: cannot tell, treat as live
  if (!isAlive(o.pid)) return true;
  return o.start !== null && processStart(o.pid) !== o.start; // the pid was reused by a later process
}

/** True when the process exists and is not a zombie. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
  return processState(pid) !== 'Z';
}

function statFields(pid: number): string[] | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function processState(pid: number): string | null {
  return statFields(pid)?.[0] ?? null;
}

function processStart(pid: number): string | null {
  return statFields(pid)?.[19] ?? null;
}

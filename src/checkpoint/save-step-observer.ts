/**
 * Internal fault-injection seam (not exported from `src/index.ts`): every filesystem step of a checkpoint save
 * (write, fsync, rename, remove, lock) is announced by name right after it happened, e.g. `write t0.safetensors @0`,
 * `fsync dir .tmp-ckpt-100-…`, `rename .tmp-ckpt-100-… -> ckpt-100`. A crash test sets an observer that kills its
 * own process at the k-th step, to check that every prefix of a save leaves a restorable checkpoint.
 */

/** Called after each filesystem step of a save, with the step's name. */
export type SaveStepObserver = (step: string) => void;

let observer: SaveStepObserver | null = null;

/**
 * Sets (or clears with `null`) the process-wide observer of save steps. For tests only.
 *
 * @param fn the observer, or null.
 * @example
 * let k = 0;
 * setSaveStepObserver((step) => { if (++k === 5) process.kill(process.pid, 'SIGKILL'); });
 */
export function setSaveStepObserver(fn: SaveStepObserver | null): void {
  observer = fn;
}

/**
 * Announces that a filesystem step has just completed.
 *
 * @param name what was done, e.g. `rename ckpt-100 -> .old-ckpt-100-…`.
 * @example
 * saveStep(`fsync file ${file}`);
 */
export function saveStep(name: string): void {
  observer?.(name);
}

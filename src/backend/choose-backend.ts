import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';

/** The tfjs backends this library can run on, fastest first. */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
/** One of {@link BACKENDS}: `tensorflow` is tfjs-node's native backend. */
export type BackendName = (typeof BACKENDS)[number];

/** Which backend was chosen and why (the one line that is logged). */
export interface BackendChoice {
  readonly name: BackendName;
  readonly reason: string;
}

/** Options of {@link chooseBackend}. */
export interface ChooseBackendOptions {
  /**
   * Force one backend; also read from the `TPU_EMBEDDINGS_BACKEND` environment variable
   * (`tensorflow` or `node`, `wasm`, `cpu`).
   * @default undefined (tfjs-node if it loads, else wasm, else cpu)
   */
  readonly force?: BackendName | 'node';
  /**
   * Where the one line goes.
   * @default stdout in a Jupyter notebook (shown as plain output there), else stderr (so it does not mix with results)
   */
  readonly log?: (line: string) => void;
}

let chosen: Promise<BackendChoice> | null = null;

/**
 * Picks the tfjs backend once per process: tfjs-node if it loads, else wasm, else cpu, and logs one line
 * saying which and why (e.g. `tpu-embeddings: tfjs-node not installed; using wasm`). Later calls return the
 * first choice without logging again. The process-wide `uncaughtException` / `unhandledRejection` listeners that
 * tfjs-backend-wasm's Emscripten glue registers are removed again, so an uncaught error keeps Node's report and
 * exit code 1 (or the script's own handler) instead of the glue's exit code 7.
 *
 * @returns the backend chosen and the reason.
 * @throws ConfigError `backend_unavailable` when a forced backend is unknown or fails to start, or no backend starts.
 * @example
 * const { name } = await chooseBackend(); // 'wasm' on a machine without libtensorflow
 */
export function chooseBackend(options: ChooseBackendOptions = {}): Promise<BackendChoice> {
  if (!chosen) {
    const attempt = pick(options);
    chosen = attempt;
    // A failed choice is not cached: the next call (e.g. with another `force`) tries again.
    attempt.catch(() => {
      if (chosen === attempt) chosen = null;
    });
  }
  return chosen;
}

/** Forgets the cached choice (tests use it to try every backend in one process). */
export function resetBackendChoice(): void {
  chosen = null;
}

async function pick(options: ChooseBackendOptions): Promise<BackendChoice> {
  const inNotebook = process.env.JPY_PARENT_PID !== undefined;
  const log = options.log ?? ((line: string) => (inNotebook ? console.log(line) : console.error(line)));
  const forcedRaw = options.force ?? process.env.TPU_EMBEDDINGS_BACKEND;
  const forced = forcedRaw === 'node' ? 'tensorflow' : forcedRaw;
  if (forced !== undefined && forced !== '' && !(BACKENDS as readonly string[]).includes(forced)) {
    throw new ConfigError(
      'backend_unavailable',
      `chooseBackend: expected TPU_EMBEDDINGS_BACKEND to be one of ${BACKENDS.join(', ')} (or node), but got '${forced}'. ` +
        'Unset it to let the library pick the fastest backend that loads.',
    );
  }
  const order: BackendName[] = forced ? [forced as BackendName] : [...BACKENDS];
  const skipped: string[] = [];
  for (const name of order) {
    const failure = await tryBackend(name);
    if (failure === null) {
      const why = forced ? `forced by ${options.force ? 'option' : 'TPU_EMBEDDINGS_BACKEND'}` : skipped.join('; ') || 'fastest available';
      const choice: BackendChoice = { name, reason: why };
      log(`tpu-embeddings: ${why}; using ${name}`);
      return choice;
    }
    if (forced) {
      throw new ConfigError('backend_unavailable', `chooseBackend: the forced backend '${name}' failed to start: ${failure}. Unset TPU_EMBEDDINGS_BACKEND or install it.`);
    }
    skipped.push(failure);
  }
  throw new ConfigError('backend_unavailable', `chooseBackend: no tfjs backend could start (${skipped.join('; ')}). Install @tensorflow/tfjs-backend-wasm (a dependency of tpu-embeddings) again.`);
}

/** Returns null when `name` is now the active backend, else a short reason. */
async function tryBackend(name: BackendName): Promise<string | null> {
  try {
    if (name === 'tensorflow') {
      try {
        require('@tensorflow/tfjs-node');
      } catch (e) {
        const code = (e as { code?: string }).code;
        return code === 'MODULE_NOT_FOUND' ? 'tfjs-node not installed' : `tfjs-node failed to load (${firstLine(e)})`;
      }
    } else if (name === 'wasm') {
      try {
        require('@tensorflow/tfjs-backend-wasm');
      } catch (e) {
        return `tfjs-backend-wasm failed to load (${firstLine(e)})`;
      }
    }
    const ok = await withoutProcessHandlers(async () => {
      const set = await tf.setBackend(name);
      if (set) await tf.ready();
      return set;
    });
    if (!ok) return `${name} backend failed to initialise`;
    return null;
  } catch (e) {
    return `${name} backend failed (${firstLine(e)})`;
  }
}

/** The process events Emscripten's Node glue (tfjs-backend-wasm) takes over when its module starts. */
const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * Runs `start` and then removes the `uncaughtException` / `unhandledRejection` listeners it added.
 * tfjs-backend-wasm's Emscripten glue registers listeners that rethrow every uncaught error, so any later
 * uncaught error of the process exits with code 7 under a header pointing into tf-backend-wasm.node.js
 * instead of Node's own report (or the script's handler). A library must not own those events.
 */
async function withoutProcessHandlers<T>(start: () => Promise<T>): Promise<T> {
  type Listener = (...args: unknown[]) => void;
  const emitter = process as unknown as { listeners(e: string): Listener[]; removeListener(e: string, l: Listener): unknown };
  const before = new Map(PROCESS_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  try {
    return await start();
  } finally {
    for (const event of PROCESS_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)!.has(listener)) emitter.removeListener(event, listener);
      }
    }
  }
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

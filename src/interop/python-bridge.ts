import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { ConfigError } from '../errors';

/** How to install what the bridge needs (pip installs TensorFlow 2.21 for CPU). */
export const PYTHON_INSTALL_HINT = 'python3 -m pip install tensorflow-cpu safetensors numpy';

/** The folder holding the `tpu_embeddings_interop` Python package (put on PYTHONPATH). */
export const INTEROP_PYTHON_DIR = path.resolve(__dirname, '..', '..', 'interop', 'python');

/** What {@link runPythonModule} returns. */
export interface PythonRun {
  /** The process's standard output. */
  readonly stdout: string;
  /** Its standard error (TensorFlow's logs). */
  readonly stderr: string;
  /** Wall-clock seconds. */
  readonly seconds: number;
}

/** The Python interpreter the bridge uses: `$TPU_EMBEDDINGS_PYTHON`, else `python3` on PATH. */
export function pythonExecutable(): string {
  return process.env.TPU_EMBEDDINGS_PYTHON || 'python3';
}

/**
 * Runs `python3 -m <module> <args…>` with `interop/python` on PYTHONPATH (one process: TensorFlow's import is slow).
 * A missing interpreter or a missing TensorFlow / safetensors / numpy is reported with the command that installs it.
 *
 * @param api the calling API, for messages.
 * @param module e.g. `tpu_embeddings_interop.export_saved_model`.
 * @param args its arguments.
 * @param timeoutMs kill it after this long. @default 600000 (TensorFlow's import alone takes 5–20 s here)
 * @returns stdout, stderr and the time taken (the process runs without blocking the event loop).
 * @throws ConfigError `python_missing` (no interpreter), `tensorflow_missing` (TF/safetensors/numpy do not import;
 *   the message gives {@link PYTHON_INSTALL_HINT}), `python_failed` (non-zero exit; the message quotes stderr's tail).
 * @example await runPythonModule('exportSavedModel', 'tpu_embeddings_interop.export_saved_model', [ckpt, out])
 */
export async function runPythonModule(api: string, module: string, args: readonly string[], timeoutMs = 600_000): Promise<PythonRun> {
  const python = pythonExecutable();
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: [INTEROP_PYTHON_DIR, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter), TF_CPP_MIN_LOG_LEVEL: '2' };
  const t0 = performance.now();
  const run = await new Promise<{ status: number | null; stdout: string; stderr: string; error?: Error }>((resolve) => {
    const child = spawn(python, ['-m', module, ...args], { env, timeout: timeoutMs });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const done = (status: number | null, error?: Error): void =>
      resolve({ status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), error });
    child.on('error', (e) => done(null, e));
    child.on('close', (code, signal) => done(code, signal ? new Error(`killed by ${signal}${signal === 'SIGTERM' ? ` after ${timeoutMs} ms` : ''}`) : undefined));
  });
  const seconds = (performance.now() - t0) / 1000;
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new ConfigError(
      'python_missing',
      `${api}: expected a Python 3 interpreter '${python}' on PATH (or in TPU_EMBEDDINGS_PYTHON), but there is none. Install Python 3.11, then TensorFlow: ${PYTHON_INSTALL_HINT}`,
    );
  }
  const missing = /No module named '(tensorflow|safetensors|numpy|keras)/.exec(run.stderr ?? '');
  if (run.status !== 0 && missing) {
    throw new ConfigError(
      'tensorflow_missing',
      `${api}: expected '${python}' to import ${missing[1]} (TensorFlow 2.21 for CPU, safetensors, numpy), but it has no module '${missing[1]}'. Install them with: ${PYTHON_INSTALL_HINT}`,
    );
  }
  if (run.error || run.status !== 0) {
    const tail = `${run.stderr ?? ''}`.trim().split('\n').slice(-6).join('\n');
    throw new ConfigError('python_failed', `${api}: '${python} -m ${module}' failed (${run.error ? run.error.message : `exit ${run.status}`}):\n${tail}`);
  }
  return { stdout: run.stdout, stderr: run.stderr, seconds };
}

import { SingleBar } from 'cli-progress';
import { ConfigError } from '../errors';
import { EPOCH_BOOKKEEPING, type BaseEpochLogs, type EpochLogs } from './history';
import type { TrainingCallback } from './training-callback';

/** How `fit` reports progress. */
export const PROGRESS_MODES = ['bar', 'lines', 'silent'] as const;
/** One of {@link PROGRESS_MODES}: a terminal progress bar, one line per epoch, or nothing. */
export type ProgressMode = (typeof PROGRESS_MODES)[number];

/**
 * Whether the code runs inside a Jupyter kernel (tslab): Jupyter sets `JPY_PARENT_PID` for its kernels, and
 * tslab's executor defines `globalThis.tslab`.
 * @returns true in a notebook.
 * @example if (inNotebook()) console.log('one line per epoch');
 */
export function inNotebook(): boolean {
  return process.env.JPY_PARENT_PID !== undefined || (globalThis as { tslab?: unknown }).tslab !== undefined;
}

/**
 * The mode `fit({ verbose })` uses: `0` → silent; `2` → lines; `1` → bar; `'auto'` → lines in a notebook or when
 * the stream is not a terminal, else bar.
 * @param verbose `0 | 1 | 2 | 'auto'`.
 * @param stream where the output goes. @default process.stderr
 * @throws ConfigError `invalid_verbose` for another value.
 */
export function progressModeFor(verbose: 0 | 1 | 2 | 'auto', stream: NodeJS.WriteStream = process.stderr): ProgressMode {
  if (verbose === 0) return 'silent';
  if (verbose === 2) return 'lines';
  if (verbose === 1) return inNotebook() ? 'lines' : 'bar';
  if (verbose === 'auto') return inNotebook() || !stream.isTTY ? 'lines' : 'bar';
  throw new ConfigError('invalid_verbose', `fit: expected verbose to be 0, 1, 2 or 'auto', but got ${String(verbose)}.`);
}

/**
 * The progress reporter `fit` installs: a `cli-progress` bar per epoch with the running loss and throughput
 * (`'bar'`), or one line per epoch (`'lines'`, for notebooks and logs) with every metric of the epoch logs in their
 * order (numbers with 4 decimals, a record of numbers as `name[key] value`, e.g. retrieval's `topK[10] 0.2310`):
 * `Epoch 3/10 · 10 steps · loss 1.0123 · rmse 1.0061 · val_rmse 1.0456 · 48,210 ex/s`.
 *
 * @param mode see {@link PROGRESS_MODES}.
 * @param options.write where lines go. @default stdout in a notebook (so Jupyter shows them as output, not as
 *   red stderr), else process.stderr
 * @param options.stream the bar's stream. @default process.stderr
 * @returns a {@link TrainingCallback}.
 * @example
 * await model.fit(train, { epochs: 3, verbose: 0, callbacks: [progressCallback('lines', { write: console.log })] });
 */
export function progressCallback<L extends BaseEpochLogs = EpochLogs>(
  mode: ProgressMode,
  options: { write?: (line: string) => void; stream?: NodeJS.WritableStream } = {},
): TrainingCallback<L> {
  if (mode === 'silent') return {};
  const write =
    options.write ?? ((line: string) => void (inNotebook() ? process.stdout : process.stderr).write(`${line}\n`));
  let epochs = 0;
  let stepsPerEpoch: number | undefined;
  let bar: SingleBar | null = null;
  let epochStart = 0;
  let examples = 0;
  let lossSum = 0;
  let steps = 0;
  return {
    onTrainBegin(info) {
      epochs = info.epochs;
      stepsPerEpoch = info.stepsPerEpoch;
    },
    onEpochBegin(epoch) {
      epochStart = performance.now();
      examples = 0;
      lossSum = 0;
      steps = 0;
      if (mode === 'bar') {
        bar = new SingleBar({
          format: `Epoch ${epoch + 1}/${epochs} [{bar}] {value}/{total} · loss {loss} · {throughput} ex/s`,
          stream: options.stream ?? process.stderr,
          hideCursor: null,
          barsize: 30,
        });
        bar.start(stepsPerEpoch ?? 0, 0, { loss: '-', throughput: '-' });
      }
    },
    onStepEnd(_step, logs) {
      steps++;
      examples += logs.batchSize;
      lossSum += logs.loss;
      if (bar) {
        const seconds = (performance.now() - epochStart) / 1000;
        if (stepsPerEpoch === undefined) bar.setTotal(steps);
        bar.update(steps, { loss: (lossSum / steps).toFixed(4), throughput: Math.round(examples / Math.max(seconds, 1e-9)).toLocaleString('en-US') });
      }
    },
    onEpochEnd(epoch, logs) {
      if (bar) {
        bar.stop();
        bar = null;
      }
      const parts = [`Epoch ${epoch + 1}/${epochs}`, `${steps} steps`, ...metricParts(logs), `${Math.round(logs.examplesPerSecond).toLocaleString('en-US')} ex/s`];
      write(parts.join(' · '));
    },
    onTrainEnd() {
      if (bar) {
        bar.stop();
        bar = null;
      }
    },
  };
}

/** The metrics of one epoch's logs as `name value` parts, in the logs' order (bookkeeping and throughput left out). */
function metricParts(logs: BaseEpochLogs): string[] {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(logs)) {
    if (key === 'examplesPerSecond' || (EPOCH_BOOKKEEPING as readonly string[]).includes(key)) continue;
    if (typeof value === 'number') parts.push(`${key} ${value.toFixed(4)}`);
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (typeof v === 'number') parts.push(`${key}[${k}] ${v.toFixed(4)}`);
    }
  }
  return parts;
}

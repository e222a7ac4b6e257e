import { ConfigError, InputError } from '../errors';
import { History, type BaseEpochLogs, type StepLogs } from './history';
import { progressCallback, progressModeFor } from './progress-callback';
import { openBatches, type BatchDataset, type BatchReader } from './rating-batch';
import type { TrainingCallback } from './training-callback';

/** Sums over one epoch's training steps, from which a model derives its epoch metrics. */
export interface EpochTotals {
  /** Steps in the epoch. */
  readonly steps: number;
  /** Examples in the epoch. */
  readonly examples: number;
  /** Σ over steps of the step loss. */
  readonly lossSum: number;
  /** Σ over steps of step loss × batch size (e.g. Σ squared errors when the loss is a batch mean). */
  readonly lossTimesBatchSum: number;
}

/**
 * What a model supplies to {@link runFitLoop}: its step and its metrics. The loop (epochs, steps per epoch, dataset
 * restarts, timing, History, callbacks, progress output) is the same for every model.
 */
export interface FitLoopParts<B, L extends BaseEpochLogs> {
  /** The calling API, for messages (e.g. `'RankingModel.fit'`). */
  readonly api: string;
  /** The training data. */
  readonly dataset: BatchDataset<B>;
  /** One training step: checks the batch, trains, returns the loss and the batch size. */
  readonly step: (batch: B) => { readonly loss: number; readonly batchSize: number };
  /** The model's global step after the last step (1-based, across fit calls). */
  readonly globalStep: () => number;
  /**
   * The epoch's logs from the core's fields and totals: the model adds its metrics and its validation
   * (called after the epoch's training steps; its time is not in `base.seconds`).
   */
  readonly epochLogs: (base: BaseEpochLogs, totals: EpochTotals) => L | Promise<L>;
  /**
   * Asked after every epoch's callbacks: true ends training there (Keras' `model.stop_training`, set e.g. by an
   * early-stopping callback); `onTrainEnd` still runs. @default never
   */
  readonly stopRequested?: () => boolean;
}

/** Options of {@link runFitLoop} (every model's `fit` options share them). */
export interface FitLoopOptions<L extends BaseEpochLogs> {
  /** Epochs. @default 1 */
  readonly epochs?: number;
  /**
   * Steps per epoch. When set, one iterator runs across epochs (epoch 2 continues where epoch 1 stopped) and starts
   * over when the dataset runs out; when unset, every epoch is one full pass. @default undefined
   */
  readonly stepsPerEpoch?: number;
  /** Extra callbacks, called after the progress reporter. @default [] */
  readonly callbacks?: readonly TrainingCallback<L>[];
  /** 0 silent, 1 bar, 2 one line per epoch, 'auto' bar in a terminal and lines in notebooks/logs. @default 'auto' */
  readonly verbose?: 0 | 1 | 2 | 'auto';
}

/** The loop yields to the event loop every this many steps (timers, servers and notebook output keep running). */
export const FIT_YIELD_EVERY_STEPS = 8;

/**
 * Keras' `fit` loop, shared by every model: per epoch, steps until the dataset (or `stepsPerEpoch`) ends, timed
 * per step; per step a {@link StepLogs} into the {@link History} and `onStepEnd`; per epoch the core's
 * {@link BaseEpochLogs} (mean step loss, examples, seconds, examples/s) completed by the model's `epochLogs`.
 *
 * @param parts see {@link FitLoopParts}; @param options see {@link FitLoopOptions}.
 * @returns the {@link History}.
 * @throws ConfigError `invalid_fit_options` (epochs, stepsPerEpoch), `invalid_verbose`; InputError `empty_dataset`,
 *   `bad_dataset`, and whatever the step throws (the failed step changes nothing; earlier steps stay applied).
 * @example
 * const history = await runFitLoop({ api: 'MyModel.fit', dataset, step: (b) => ({ loss: model.trainStep(b), batchSize: b.user_id.length }),
 *   globalStep: () => model.step, epochLogs: (base) => base }, { epochs: 2 });
 */
export async function runFitLoop<B, L extends BaseEpochLogs>(parts: FitLoopParts<B, L>, options: FitLoopOptions<L> = {}): Promise<History<L>> {
  const { api, dataset } = parts;
  const epochs = options.epochs ?? 1;
  const steps = options.stepsPerEpoch;
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new ConfigError('invalid_fit_options', `${api}: expected epochs to be a positive integer, but got ${String(epochs)}.`);
  }
  if (steps !== undefined && (!Number.isInteger(steps) || steps < 1)) {
    throw new ConfigError('invalid_fit_options', `${api}: expected stepsPerEpoch to be a positive integer or undefined, but got ${String(steps)}.`);
  }
  const history = new History<L>();
  const callbacks: TrainingCallback<L>[] = [progressCallback<L>(progressModeFor(options.verbose ?? 'auto')), ...(options.callbacks ?? [])];
  const knownLength = (dataset as { length?: unknown }).length;
  const stepsHint = steps ?? (typeof knownLength === 'number' && Number.isFinite(knownLength) ? knownLength : undefined);
  for (const c of callbacks) await c.onTrainBegin?.({ epochs, stepsPerEpoch: stepsHint });
  let reader: BatchReader<B> | null = steps !== undefined ? openBatches(api, dataset) : null;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const c of callbacks) await c.onEpochBegin?.(epoch);
    if (steps === undefined) reader = openBatches(api, dataset);
    let lossSum = 0;
    let lossTimesBatchSum = 0;
    let examples = 0;
    let n = 0;
    let seconds = 0;
    let restarted = false;
    while (steps === undefined || n < steps) {
      let batch = await (reader as BatchReader<B>).next();
      if (batch === null && steps !== undefined && !restarted) {
        reader = openBatches(api, dataset);
        restarted = true;
        batch = await reader.next();
      }
      if (batch === null) break;
      restarted = false;
      const t0 = performance.now();
      const { loss, batchSize } = parts.step(batch);
      seconds += (performance.now() - t0) / 1000;
      lossSum += loss;
      lossTimesBatchSum += loss * batchSize;
      examples += batchSize;
      n++;
      const logs: StepLogs = { step: parts.globalStep(), epoch, stepInEpoch: n - 1, loss, batchSize };
      history.addStep(logs);
      for (const c of callbacks) await c.onStepEnd?.(logs.step, logs, history);
      if (n % FIT_YIELD_EVERY_STEPS === 0) await new Promise((r) => setImmediate(r));
    }
    if (n === 0) {
      throw new InputError('empty_dataset', `${api}: expected at least one batch per epoch, but the dataset yielded none. Check the split and the batch size (dropRemainder drops a short last batch).`);
    }
    const base: BaseEpochLogs = { epoch, lastStep: parts.globalStep(), loss: lossSum / n, examples, seconds, examplesPerSecond: examples / Math.max(seconds, 1e-9) };
    const logs = await parts.epochLogs(base, { steps: n, examples, lossSum, lossTimesBatchSum });
    history.addEpoch(logs);
    for (const c of callbacks) await c.onEpochEnd?.(epoch, logs, history);
    if (parts.stopRequested?.()) break;
  }
  for (const c of callbacks) await c.onTrainEnd?.(history);
  return history;
}

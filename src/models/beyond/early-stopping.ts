import { ConfigError } from '../../errors';
import type { EpochLogs } from '../history';
import type { TrainingCallback } from '../training-callback';
import type { WeightSnapshot } from './embedding-rating-model';

/** What {@link earlyStopping} needs from a model. */
export interface StoppableModel {
  stopTraining: boolean;
  snapshotWeights(): WeightSnapshot;
  restoreWeights(snapshot: WeightSnapshot): void;
}

/** Options of {@link earlyStopping} (Keras' `EarlyStopping`). */
export interface EarlyStoppingOptions {
  /** The epoch metric to minimise. @default 'val_rmse' */
  readonly monitor?: 'val_rmse' | 'val_loss' | 'rmse' | 'loss';
  /** Epochs without improvement before stopping. @default 3 */
  readonly patience?: number;
  /** Smallest decrease that counts as an improvement. @default 0 */
  readonly minDelta?: number;
  /** At the end of training, put back the weights of the best epoch. @default true */
  readonly restoreBestWeights?: boolean;
}

/** The callback {@link earlyStopping} returns, with what it saw. */
export interface EarlyStoppingCallback extends TrainingCallback<EpochLogs> {
  /** 0-based best epoch so far (−1 before the first). */
  readonly bestEpoch: number;
  /** The monitored value at the best epoch. */
  readonly best: number;
  /** The epoch after which training stopped, or −1 when it ran to the end. */
  readonly stoppedEpoch: number;
}

/**
 * Keras' `EarlyStopping` for the models of `models/beyond`: after every epoch, if the monitored metric (by default
 * `val_rmse`, from `validationData` carved out of the training data with `validationSplit`) did not improve for
 * `patience` epochs, sets `model.stopTraining`; at the end of training, restores the best epoch's weights (tables
 * with their slots, dense weights) when the last epoch was not the best.
 *
 * @param model the model to stop and restore.
 * @param options see {@link EarlyStoppingOptions}.
 * @returns the callback (its `bestEpoch`, `best`, `stoppedEpoch` tell what happened).
 * @throws ConfigError `invalid_callback` for a bad option; `missing_metric` (at the first epoch) when the metric is not in the logs (no validationData).
 * @example
 * const stop = earlyStopping(model, { patience: 2 });
 * await model.fit(train, { epochs: 50, validationData: validation.batch(4096), callbacks: [stop] });
 * stop.bestEpoch;
 */
export function earlyStopping(model: StoppableModel, options: EarlyStoppingOptions = {}): EarlyStoppingCallback {
  const monitor = options.monitor ?? 'val_rmse';
  const patience = options.patience ?? 3;
  const minDelta = options.minDelta ?? 0;
  if (!['val_rmse', 'val_loss', 'rmse', 'loss'].includes(monitor)) {
    throw new ConfigError('invalid_callback', `earlyStopping: expected monitor to be one of val_rmse, val_loss, rmse, loss, but got ${JSON.stringify(monitor)}.`);
  }
  if (!Number.isInteger(patience) || patience < 0) throw new ConfigError('invalid_callback', `earlyStopping: expected patience to be an integer ≥ 0, but got ${String(patience)}.`);
  if (typeof minDelta !== 'number' || !(minDelta >= 0)) throw new ConfigError('invalid_callback', `earlyStopping: expected minDelta to be a number ≥ 0, but got ${String(minDelta)}.`);
  const restore = options.restoreBestWeights ?? true;
  let bestSnapshot: WeightSnapshot | null = null;
  let wait = 0;
  let lastEpoch = -1;
  const cb = {
    bestEpoch: -1,
    best: Infinity,
    stoppedEpoch: -1,
    onTrainBegin() {
      cb.bestEpoch = -1;
      cb.best = Infinity;
      cb.stoppedEpoch = -1;
      bestSnapshot = null;
      wait = 0;
    },
    onEpochEnd(epoch: number, logs: EpochLogs) {
      const value = (logs as unknown as Record<string, number | undefined>)[monitor];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new ConfigError('missing_metric', `earlyStopping: expected the epoch logs to hold a finite '${monitor}', but got ${String(value)}. Pass validationData to fit (carve it with validationSplit) or monitor 'loss'.`);
      }
      lastEpoch = epoch;
      if (value < cb.best - minDelta) {
        cb.best = value;
        cb.bestEpoch = epoch;
        wait = 0;
        if (restore) bestSnapshot = model.snapshotWeights();
      } else if (++wait >= patience) {
        cb.stoppedEpoch = epoch;
        model.stopTraining = true;
      }
    },
    onTrainEnd() {
      if (restore && bestSnapshot && cb.bestEpoch !== lastEpoch) model.restoreWeights(bestSnapshot);
      bestSnapshot = null;
    },
  };
  return cb;
}

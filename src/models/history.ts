/**
 * What every model's epoch logs hold (the training core fills them): the model adds its own metrics beside them
 * (e.g. `rmse` for ranking, `lossPerExample` and `topK` for retrieval).
 */
export interface BaseEpochLogs {
  /** 0-based epoch index. */
  readonly epoch: number;
  /** 1-based global step of the epoch's last step. */
  readonly lastStep: number;
  /** Mean of the epoch's per-step losses. */
  readonly loss: number;
  /** Training examples in the epoch. */
  readonly examples: number;
  /** Wall-clock seconds of the epoch's training steps (validation excluded). */
  readonly seconds: number;
  /** Training throughput, examples/s. */
  readonly examplesPerSecond: number;
}

/** The fields of {@link BaseEpochLogs} that are bookkeeping, not metrics (not collected in `History.history`). */
export const EPOCH_BOOKKEEPING = ['epoch', 'lastStep', 'examples', 'seconds'] as const;

/** Metrics of one finished epoch of the ranking model (Keras' `logs` at `on_epoch_end`). */
export interface EpochLogs extends BaseEpochLogs {
  /** Mean of the epoch's per-step losses (loss = Σ squared errors / global batch). */
  readonly loss: number;
  /** √(Σ squared errors / examples) over the epoch's training examples (Keras `RootMeanSquaredError`). */
  readonly rmse: number;
  /** Validation loss and RMSE, when `validationData` was given. */
  readonly val_loss?: number;
  readonly val_rmse?: number;
}

/** Metrics of one training step. */
export interface StepLogs {
  /** 1-based global step (counts every step since the model was built, across fit calls). */
  readonly step: number;
  /** 0-based epoch index within the current `fit`. */
  readonly epoch: number;
  /** 0-based step index within the epoch. */
  readonly stepInEpoch: number;
  /** This step's loss (ranking: Σ squared errors / global batch). */
  readonly loss: number;
  /** Examples in this step's global batch. */
  readonly batchSize: number;
}

/**
 * What `fit` returns (Keras' `History`): per-step losses and per-epoch metrics.
 *
 * `history.history` holds one array per metric, one value per epoch, with Keras' names
 * (`loss`, `rmse`, `val_loss`, `val_rmse`), so `history.history.loss[e]` is epoch e's mean loss.
 *
 * @example
 * const h = await model.fit(train, { epochs: 3 });
 * h.history.rmse;   // [1.05, 0.97, 0.95]
 * h.stepLoss.length // total steps
 */
export class History<L extends BaseEpochLogs = EpochLogs> {
  /** 0-based indices of the finished epochs. */
  readonly epoch: number[] = [];
  /**
   * Per-epoch metric arrays (Keras names): every numeric field of the epoch logs but the bookkeeping
   * ({@link EPOCH_BOOKKEEPING}); the ranking model's five are always present.
   */
  readonly history: { loss: number[]; rmse: number[]; val_loss: number[]; val_rmse: number[]; examplesPerSecond: number[] } & Record<string, number[]> = {
    loss: [],
    rmse: [],
    val_loss: [],
    val_rmse: [],
    examplesPerSecond: [],
  };
  /** Loss of every step, in order. */
  readonly stepLoss: number[] = [];
  /** 1-based global step of every entry of {@link stepLoss}. */
  readonly stepIndex: number[] = [];
  /** The full logs of every epoch. */
  readonly epochs: L[] = [];

  /** Records one step. */
  addStep(logs: StepLogs): void {
    this.stepLoss.push(logs.loss);
    this.stepIndex.push(logs.step);
  }

  /** Records one epoch: its logs, and every numeric metric in {@link history}. */
  addEpoch(logs: L): void {
    this.epoch.push(logs.epoch);
    this.epochs.push(logs);
    for (const [key, value] of Object.entries(logs)) {
      if (typeof value !== 'number' || (EPOCH_BOOKKEEPING as readonly string[]).includes(key)) continue;
      (this.history[key] ??= []).push(value);
    }
  }
}

/** Metrics of one finished epoch (Keras' `logs` at `on_epoch_end`). */
export interface EpochLogs {
  /** 0-based epoch index. */
  readonly epoch: number;
  /** 1-based global step of the epoch's last step. */
  readonly lastStep: number;
  /** Mean of the epoch's per-step losses (loss = Σ squared errors / global batch). */
  readonly loss: number;
  /** √(Σ squared errors / examples) over the epoch's training examples (Keras `RootMeanSquaredError`). */
  readonly rmse: number;
  /** Validation loss and RMSE, when `validationData` was given. */
  readonly val_loss?: number;
  readonly val_rmse?: number;
  /** Training examples in the epoch. */
  readonly examples: number;
  /** Wall-clock seconds of the epoch's training steps (validation excluded). */
  readonly seconds: number;
  /** Training throughput, examples/s. */
  readonly examplesPerSecond: number;
}

/** Metrics of one training step. */
export interface StepLogs {
  /** 1-based global step (counts every step since the model was built, across fit calls). */
  readonly step: number;
  /** 0-based epoch index within the current `fit`. */
  readonly epoch: number;
  /** 0-based step index within the epoch. */
  readonly stepInEpoch: number;
  /** Σ squared errors / global batch of this step. */
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
export class History {
  /** 0-based indices of the finished epochs. */
  readonly epoch: number[] = [];
  /** Per-epoch metric arrays (Keras names). */
  readonly history: { loss: number[]; rmse: number[]; val_loss: number[]; val_rmse: number[]; examplesPerSecond: number[] } = {
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
  readonly epochs: EpochLogs[] = [];

  /** Records one step. */
  addStep(logs: StepLogs): void {
    this.stepLoss.push(logs.loss);
    this.stepIndex.push(logs.step);
  }

  /** Records one epoch. */
  addEpoch(logs: EpochLogs): void {
    this.epoch.push(logs.epoch);
    this.epochs.push(logs);
    this.history.loss.push(logs.loss);
    this.history.rmse.push(logs.rmse);
    this.history.examplesPerSecond.push(logs.examplesPerSecond);
    if (logs.val_loss !== undefined) this.history.val_loss.push(logs.val_loss);
    if (logs.val_rmse !== undefined) this.history.val_rmse.push(logs.val_rmse);
  }
}

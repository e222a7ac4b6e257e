import type { BaseEpochLogs, EpochLogs, History, StepLogs } from './history';

/** What a callback learns when training starts. */
export interface TrainBeginInfo {
  readonly epochs: number;
  /** Steps per epoch (`stepsPerEpoch`, else the dataset's `length` when it has one), or `undefined` when unknown. */
  readonly stepsPerEpoch: number | undefined;
}

/**
 * Hooks `fit` calls (Keras' `tf.keras.callbacks.Callback`, camel-cased). Every hook may be async; `fit` awaits it.
 * `L` is the model's epoch logs (the ranking model's {@link EpochLogs} by default).
 *
 * @example
 * const printer: TrainingCallback = { onEpochEnd: (e, logs) => console.log(e, logs.rmse) };
 * await model.fit(train, { epochs: 2, callbacks: [printer] });
 */
export interface TrainingCallback<L extends BaseEpochLogs = EpochLogs> {
  onTrainBegin?(info: TrainBeginInfo): void | Promise<void>;
  onEpochBegin?(epoch: number): void | Promise<void>;
  onStepEnd?(step: number, logs: StepLogs, history: History<L>): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: L, history: History<L>): void | Promise<void>;
  onTrainEnd?(history: History<L>): void | Promise<void>;
}

/**
 * A callback that hands the {@link History} to `update` every `everySteps` steps and at every epoch end — the hook
 * for a live loss figure in a notebook (e.g. the viz folder's live figure: `update = (h) => fig.update(h.stepLoss)`).
 *
 * @param update called with the history so far (may be async).
 * @param options.everySteps how often during an epoch. @default 10
 * @returns a {@link TrainingCallback}.
 * @example
 * await model.fit(train, { epochs: 5, callbacks: [liveLossCallback((h) => figure.update(h))] });
 */
export function liveLossCallback<L extends BaseEpochLogs = EpochLogs>(
  update: (history: History<L>) => void | Promise<void>,
  options: { everySteps?: number } = {},
): TrainingCallback<L> {
  const every = options.everySteps ?? 10;
  return {
    onStepEnd: (step, _logs, history) => (step % every === 0 ? update(history) : undefined),
    onEpochEnd: (_epoch, _logs, history) => update(history),
  };
}

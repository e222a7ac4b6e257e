import type { Figure } from './figure-types';
import { lineFigure } from './line-figure';
import { liveFigure, type LiveFigureOptions } from './live-figure';
import type { History } from '../models/history';
import { liveLossCallback, type TrainingCallback } from '../models/training-callback';

/**
 * The training-loss figure of a {@link History}: the loss of every step (x = global step) and, when recorded, the
 * validation loss at the last step of each epoch. The loss axis is logarithmic: the first steps' loss is often ten
 * times the later one and would flatten the rest of the curve on a linear axis (every step is drawn, none is cut
 * as warm-up); tick labels are thinned as `logAxis` does. A loss of exactly 0 is not drawn on a log axis.
 * @param history what `fit` returned (or the history so far, from a callback).
 * @param title @default 'Training loss'
 * @returns a Plotly figure (show it with the viz folder's `show`, or save it with `saveHtml`).
 * @throws InputError from `lineFigure` when the history has no step yet.
 * @example show(lossFigure(await model.fit(train, { epochs: 3 })));
 */
export function lossFigure(history: History, title = 'Training loss'): Figure {
  const series = [{ name: 'train (per step)', x: history.stepIndex, y: history.stepLoss }];
  const withVal = history.epochs.filter((e) => e.val_loss !== undefined);
  if (withVal.length > 0) {
    series.push({ name: 'validation (per epoch)', x: withVal.map((e) => e.lastStep), y: withVal.map((e) => e.val_loss as number) });
  }
  return lineFigure({ title, xTitle: 'step', yTitle: 'loss', yUnit: 'Σ squared error / batch', series, markers: false, logY: true });
}

/**
 * A callback that shows the loss figure once in a notebook and redraws it in place every `everySteps` steps and at
 * every epoch end (tslab's updatable display, through the viz folder's `liveFigure`).
 * @param options.everySteps redraw period. @default 20
 * @param options.display displays for `liveFigure` (found automatically in a tslab kernel).
 * @returns a {@link TrainingCallback}.
 * @throws ConfigError `no_notebook` (from liveFigure) at the first redraw outside a notebook without displays.
 * @example await model.fit(train, { epochs: 5, callbacks: [liveLossFigureCallback()] });
 */
export function liveLossFigureCallback(options: { everySteps?: number; title?: string } & LiveFigureOptions = {}): TrainingCallback {
  let live: ReturnType<typeof liveFigure> | null = null;
  return liveLossCallback(
    (history) => {
      if (history.stepLoss.length === 0) return;
      const fig = lossFigure(history, options.title);
      if (!live) live = liveFigure(fig, options);
      else live.update(fig);
    },
    { everySteps: options.everySteps ?? 20 },
  );
}

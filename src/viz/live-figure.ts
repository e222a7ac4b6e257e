import type { Figure } from './figure-types';
import { figureDivHtml } from './figure-html';
import { plotlyOnce } from './show';
import { resolveDisplay, type HtmlDisplay } from './notebook-display';

/** A figure shown once in a notebook and redrawn in place, e.g. the loss while training. */
export interface LiveFigure {
  /** Replaces the shown figure by `figure` (same output cell, no new output). */
  update(figure: Figure): void;
  /** The figure shown last. */
  readonly current: Figure;
}

/** Options of {@link liveFigure}. */
export interface LiveFigureOptions {
  /**
   * An updatable display (tslab's `newDisplay()`); plotly.js, when needed, goes to a separate output first so
   * updates do not resend it. @default a new display of the tslab kernel
   */
  readonly display?: HtmlDisplay;
  /** Plain display for the one-time plotly.js output. @default the tslab kernel's `display` */
  readonly plotlyDisplay?: HtmlDisplay;
}

/**
 * Shows a figure that can be updated in place (tslab's `newDisplay()`: every update replaces the same
 * output). plotly.js is inlined in its own output before the figure the first time in a kernel session.
 *
 * @param figure the first state of the figure.
 * @param options displays to use (found automatically in a notebook).
 * @returns a {@link LiveFigure}; call `update(figure)` as often as you like (each sends the figure's data).
 * @throws ConfigError `no_notebook` outside a tslab kernel without displays.
 * @example
 * const live = liveFigure(lineFigure({ title: 'Loss', xTitle: 'step', yTitle: 'loss', series: [{ name: 'train', y: [] }] }));
 * live.update(lineFigure({ title: 'Loss', xTitle: 'step', yTitle: 'loss', series: [{ name: 'train', y: losses }] }));
 */
export function liveFigure(figure: Figure, options: LiveFigureOptions = {}): LiveFigure {
  const target = resolveDisplay('liveFigure', options.display, true);
  const plotly = plotlyOnce();
  if (plotly) resolveDisplay('liveFigure', options.plotlyDisplay ?? options.display, false).html(plotly);
  let current = figure;
  target.html(figureDivHtml(figure));
  return {
    update(next: Figure): void {
      current = next;
      target.html(figureDivHtml(next));
    },
    get current() {
      return current;
    },
  };
}

import type { Figure } from './figure-types';
import { figureDivHtml, plotlyScriptTag } from './figure-html';
import { resolveDisplay, type HtmlDisplay } from './notebook-display';

/** Options of {@link show}. */
export interface ShowOptions {
  /** Where to send the HTML. @default the tslab kernel's `display` (found automatically in a notebook) */
  readonly display?: HtmlDisplay;
  /**
   * Embed plotly.js in this output even if an earlier output of this kernel session did.
   * @default false (embedded once per kernel session, in the first figure shown)
   */
  readonly includePlotly?: boolean;
}

const EMBEDDED_FLAG = Symbol.for('tpu-embeddings.viz.plotlyEmbedded');

/** Whether plotly.js was already sent to the notebook in this kernel session (a process-global flag). */
export function plotlyEmbedded(): boolean {
  return (globalThis as Record<symbol, unknown>)[EMBEDDED_FLAG] === true;
}

/** Sets or clears the process-global "plotly.js embedded" flag (tests and kernel restarts). */
export function setPlotlyEmbedded(value: boolean): void {
  (globalThis as Record<symbol, unknown>)[EMBEDDED_FLAG] = value;
}

/** Returns the plotly.js script tag the first time in a kernel session (or when forced), else ''. */
export function plotlyOnce(force = false): string {
  if (plotlyEmbedded() && !force) return '';
  setPlotlyEmbedded(true);
  return plotlyScriptTag();
}

/**
 * Shows a figure inline in a Jupyter notebook (tslab kernel) as HTML: plotly.js is inlined from
 * `plotly.js-dist` in the first figure of the kernel session (offline, no CDN; later figures of the same page
 * rely on it), then a responsive div drawn with `Plotly.newPlot`. The saved notebook and its HTML export
 * keep the figures.
 *
 * @param figure a figure from a builder of this folder (or any Plotly figure).
 * @param options where to display; whether to force plotly.js in.
 * @throws ConfigError `no_notebook` outside a tslab kernel without `display` (use {@link saveHtml} in scripts).
 * @example
 * show(histogramFigure({ values: ratings, title: 'Ratings', xTitle: 'rating', xUnit: 'stars' }));
 */
export function show(figure: Figure, options: ShowOptions = {}): void {
  const display = resolveDisplay('show', options.display, false);
  display.html(plotlyOnce(options.includePlotly ?? false) + figureDivHtml(figure));
}

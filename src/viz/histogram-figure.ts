import { InputError } from '../errors';
import type { Figure, FigureLabels } from './figure-types';
import { baseLayout } from './template';
import { finiteNumbers } from './check-values';

/** Options of {@link histogramFigure}. */
export interface HistogramFigureOptions extends Omit<FigureLabels, 'yTitle'> {
  /** The values to count (e.g. every rating). */
  readonly values: ArrayLike<number>;
  /**
   * How to bin: `'integers'` gives one bar per integer value from min to max (ratings 1…5); a number gives
   * that many equal-width bins from min to max (the last bin includes max); `'auto'` picks `'integers'`
   * when every value is an integer and max − min < 100, else 20 bins.
   * @default 'auto'
   */
  readonly bins?: 'auto' | 'integers' | number;
  /** y-axis title. @default 'count' */
  readonly yTitle?: string;
  /** Show each bar's count on it. @default true */
  readonly showValues?: boolean;
}

/**
 * A histogram computed here (not by Plotly), so the counts are plain data that tests and reports can read:
 * a `bar` trace whose `x` are bin centres, `y` the counts and `width` the bin width.
 *
 * @param options values, binning, labels and units.
 * @returns a Plotly figure with one `bar` trace; `customdata` holds each bin's `[low, high)` edges.
 * @throws InputError `empty` without values, `not_finite` on NaN/∞, `bad_bins` when bins is not a positive integer.
 * @example
 * histogramFigure({ values: [1, 2, 2, 5], title: 'Ratings', xTitle: 'rating', xUnit: 'stars' });
 * // x = [1, 2, 3, 4, 5], y = [1, 2, 0, 0, 1]
 */
export function histogramFigure(options: HistogramFigureOptions): Figure {
  const values = finiteNumbers('histogramFigure', 'values', options.values);
  if (values.length === 0) {
    throw new InputError('empty', 'histogramFigure: expected at least one value, but got none. Pass the values to count.');
  }
  let min = Infinity;
  let max = -Infinity;
  let integers = true;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    if (!Number.isInteger(v)) integers = false;
  }
  const bins = options.bins ?? 'auto';
  const mode = bins === 'auto' ? (integers && max - min < 100 ? 'integers' : 20) : bins;
  let x: number[];
  let y: number[];
  let edges: [number, number][];
  let width: number;
  if (mode === 'integers') {
    if (!integers) {
      throw new InputError('bad_bins', "histogramFigure: bins 'integers' needs integer values; use a number of bins instead.");
    }
    const n = max - min + 1;
    y = new Array<number>(n).fill(0);
    for (const v of values) y[v - min]++;
    x = y.map((_, i) => min + i);
    edges = x.map((c) => [c - 0.5, c + 0.5]);
    width = 0.8;
  } else {
    if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 1) {
      throw new InputError(
        'bad_bins',
        `histogramFigure: expected bins to be 'auto', 'integers' or a positive integer, but got ${String(mode)}.`,
      );
    }
    const span = max - min || 1;
    const w = span / mode;
    y = new Array<number>(mode).fill(0);
    for (const v of values) y[Math.min(mode - 1, Math.floor((v - min) / w))]++;
    edges = y.map((_, i) => [min + i * w, min + (i + 1) * w]);
    x = edges.map(([lo, hi]) => (lo + hi) / 2);
    width = w;
  }
  const layout = baseLayout({ ...options, yTitle: options.yTitle ?? 'count' });
  return {
    data: [
      {
        type: 'bar',
        name: options.yTitle ?? 'count',
        x,
        y,
        width,
        customdata: edges,
        hovertemplate: '[%{customdata[0]}, %{customdata[1]}): %{y}<extra></extra>',
        ...((options.showValues ?? true) ? { text: y.map(String), textposition: 'auto', textangle: 0 } : {}),
      },
    ],
    layout: {
      ...layout,
      showlegend: false,
      bargap: 0.05,
      // one tick per integer value when there are few (ratings 1…5), else Plotly's ticks
      xaxis: mode === 'integers' && x.length <= 30 ? { ...layout.xaxis, dtick: 1 } : layout.xaxis,
    },
  };
}

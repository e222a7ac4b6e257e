import { logAxis } from './log-axis';
import { InputError } from '../errors';
import type { Figure, FigureLabels } from './figure-types';
import { baseLayout } from './template';
import { finiteNumbers } from './check-values';

/** One named set of counts for {@link logLogFigure} (e.g. ratings per movie). */
export interface CountSeries {
  /** Legend name, e.g. `'movies'`. */
  readonly name: string;
  /** One count per item, in any order (e.g. ratings of each movie). */
  readonly counts: ArrayLike<number>;
}

/** Options of {@link logLogFigure}. */
export interface LogLogFigureOptions extends Omit<FigureLabels, 'xTitle' | 'yTitle'> {
  /** One or more count sets; each is sorted in decreasing order and drawn as count by rank. */
  readonly series: readonly CountSeries[];
  /** x-axis title. @default 'rank' */
  readonly xTitle?: string;
  /** y-axis title. @default 'count' */
  readonly yTitle?: string;
  /**
   * Give, in each series' legend entry, the share of the total held by the top fraction of items (0 to turn off).
   * @default 0.1 (the top 10%)
   */
  readonly topFraction?: number;
}

/**
 * The long tail: counts sorted in decreasing order, drawn as count by rank on log–log axes. A straight-ish
 * line means a power law: a few items (popular movies, heavy users) take most lookups, which is why
 * embedding lookups are skewed and deduplication pays. Items with a zero count cannot be drawn on a log
 * axis and are left out (their number is given in the legend).
 *
 * @param options count sets, labels and units.
 * @returns a Plotly figure with one `scatter` trace per series (x = rank 1…n, y = count) on log axes, named
 *   e.g. `movies: top 10% (168) hold 42.7%` (legend entries wrap on narrow screens, annotations would not).
 * @throws InputError `empty` without series, `not_finite` / `negative` on a bad count.
 * @example
 * logLogFigure({ title: 'Ratings per movie', yTitle: 'ratings', series: [{ name: 'movies', counts: [3, 40, 1] }] });
 * // x = [1, 2, 3], y = [40, 3, 1]
 */
export function logLogFigure(options: LogLogFigureOptions): Figure {
  if (options.series.length === 0) {
    throw new InputError('empty', 'logLogFigure: expected at least one series, but got none. Pass series: [{ name, counts }].');
  }
  const topFraction = options.topFraction ?? 0.1;
  if (!(topFraction >= 0 && topFraction <= 1)) {
    throw new InputError('bad_fraction', `logLogFigure: expected topFraction in [0, 1], but got ${topFraction}.`);
  }
  const data = options.series.map((s, k) => {
    const counts = finiteNumbers('logLogFigure', `series[${k}].counts`, s.counts);
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] < 0) {
        throw new InputError('negative', `logLogFigure: expected series[${k}].counts[${i}] ≥ 0, but got ${counts[i]}.`);
      }
    }
    const sorted = counts.sort((a, b) => b - a);
    const positive = sorted.filter((c) => c > 0);
    const zeros = sorted.length - positive.length;
    const notes: string[] = [];
    if (topFraction > 0 && sorted.length > 0) {
      const total = sorted.reduce((a, b) => a + b, 0);
      const top = Math.max(1, Math.round(topFraction * sorted.length));
      const topSum = sorted.slice(0, top).reduce((a, b) => a + b, 0);
      const share = total > 0 ? (100 * topSum) / total : 0;
      notes.push(`top ${+(topFraction * 100).toFixed(1)}% (${top}) hold ${share.toFixed(1)}%`);
    }
    if (zeros > 0) notes.push(`${zeros} with 0 not shown`);
    return {
      type: 'scatter',
      mode: 'lines+markers',
      marker: { size: 4 },
      name: notes.length > 0 ? `${s.name}: ${notes.join('; ')}` : s.name,
      x: positive.map((_, i) => i + 1),
      y: positive,
    };
  });
  const layout = baseLayout({ ...options, xTitle: options.xTitle ?? 'rank', yTitle: options.yTitle ?? 'count' });
  return {
    data,
    layout: {
      ...layout,
      hovermode: 'closest',
      showlegend: true,
      // thinned labels: powers of ten only over ≥ 2 decades (Plotly's minor labels read as data on narrow plots)
      xaxis: { ...layout.xaxis, ...logAxis(data.flatMap((t) => t.x)) },
      yaxis: { ...layout.yaxis, ...logAxis(data.flatMap((t) => t.y)) },
    },
  };
}

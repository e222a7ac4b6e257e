/** Decades of data from which a log axis labels powers of ten only (see {@link logAxis}). */
export const LOG_AXIS_DECADES_FOR_POWERS_ONLY = 2;

/** The Plotly attributes {@link logAxis} returns. */
export interface LogAxis {
  readonly type: 'log';
  /** 1: a label at each power of ten only; 'D2': powers of ten plus small 2 and 5 labels between them. */
  readonly dtick: 1 | 'D2';
}

/**
 * A log axis with thinned tick labels. Plotly's own choice labels many minor ticks (2, 3, 5 … between powers of ten),
 * which crowd and read as data on narrow plots. Over {@link LOG_AXIS_DECADES_FOR_POWERS_ONLY} decades or more of data
 * the axis labels powers of ten only; over fewer it keeps the 2 and 5 labels, so that at least two labels show.
 *
 * @param values the values drawn on the axis; values ≤ 0 or not finite are ignored (a log axis does not draw them).
 * @returns `{ type: 'log', dtick }` to spread into a Plotly axis.
 * @example
 * logAxis([0.9, 15]);    // { type: 'log', dtick: 'D2' }  (1.2 decades: 1, 2, 5, 10 labelled)
 * logAxis([0.01, 1e3]);  // { type: 'log', dtick: 1 }     (5 decades: 0.01, 0.1, … 1000)
 */
export function logAxis(values: Iterable<number>): LogAxis {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v > 0 && Number.isFinite(v)) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const decades = max >= min ? Math.log10(max / min) : 0;
  return { type: 'log', dtick: decades >= LOG_AXIS_DECADES_FOR_POWERS_ONLY ? 1 : 'D2' };
}


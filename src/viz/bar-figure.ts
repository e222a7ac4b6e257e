import type { Figure, FigureLabels } from './figure-types';
import { baseLayout } from './template';
import { finiteNumbers, sameLength } from './check-values';

/** Options of {@link barFigure}. */
export interface BarFigureOptions extends FigureLabels {
  /** Category or position of each bar. */
  readonly x: readonly (string | number)[] | ArrayLike<number>;
  /** Height of each bar, one per `x`. */
  readonly y: ArrayLike<number>;
  /** Legend name of the bars. @default 'count' */
  readonly name?: string;
  /** Draw the bars horizontally (`x` becomes the value axis). @default false */
  readonly horizontal?: boolean;
  /** Show each bar's value on it. @default false */
  readonly showValues?: boolean;
}

/**
 * A bar chart of one series (e.g. ratings per occupation, bytes per shard).
 *
 * @param options bars, labels and units.
 * @returns a Plotly figure (plain data) with one `bar` trace.
 * @throws InputError `length_mismatch` when `x` and `y` differ in length, `not_finite` on a NaN/∞ height.
 * @example
 * barFigure({ x: ['a', 'b'], y: [3, 5], title: 'Ratings per user', xTitle: 'user', yTitle: 'ratings' });
 */
export function barFigure(options: BarFigureOptions): Figure {
  const x = Array.from(options.x as ArrayLike<string | number>);
  const y = finiteNumbers('barFigure', 'y', options.y);
  sameLength('barFigure', 'x', x.length, 'y', y.length);
  const horizontal = options.horizontal ?? false;
  const layout = baseLayout(
    horizontal
      ? { ...options, xTitle: options.yTitle, xUnit: options.yUnit, yTitle: options.xTitle, yUnit: options.xUnit }
      : options,
  );
  return {
    data: [
      {
        type: 'bar',
        name: options.name ?? 'count',
        x: horizontal ? y : x,
        y: horizontal ? x : y,
        orientation: horizontal ? 'h' : 'v',
        ...(options.showValues ? { text: y.map(String), textposition: 'auto', textangle: 0 } : {}),
      },
    ],
    layout: { ...layout, showlegend: false, bargap: 0.1 },
  };
}

/**
 * The shape of a Plotly figure as this library builds it: plain JSON data (`{ data, layout }`) that
 * `Plotly.newPlot(div, data, layout)` accepts. Kept loose on purpose (no dependency on Plotly's types):
 * the builders in this folder fill the fields they need and tests read them as data.
 */

/** One Plotly trace (`{ type: 'bar', x, y, … }`); any Plotly trace attribute is allowed. */
export interface PlotlyTrace {
  /** Plotly trace type, e.g. `'bar'`, `'scatter'`, `'heatmap'`. */
  readonly type: string;
  readonly [attribute: string]: unknown;
}

/** A Plotly layout (`{ title, xaxis, yaxis, … }`); any Plotly layout attribute is allowed. */
export interface PlotlyLayout {
  readonly [attribute: string]: unknown;
}

/**
 * A Plotly figure: traces plus a layout. Pure data, JSON-serialisable.
 * @example
 * const fig: Figure = { data: [{ type: 'bar', x: ['a'], y: [1] }], layout: { title: { text: 'Counts' } } };
 */
export interface Figure {
  readonly data: readonly PlotlyTrace[];
  readonly layout: PlotlyLayout;
}

/** Labels shared by every figure builder: the title and axis titles, with units where the axis has one. */
export interface FigureLabels {
  /** Figure title (one short line). */
  readonly title: string;
  /** x-axis title, e.g. `'rank of movie'`. */
  readonly xTitle: string;
  /** y-axis title, e.g. `'ratings'`. */
  readonly yTitle: string;
  /** Unit of the x axis, shown as `xTitle (unit)`. @default undefined (no unit shown) */
  readonly xUnit?: string;
  /** Unit of the y axis, shown as `yTitle (unit)`. @default undefined (no unit shown) */
  readonly yUnit?: string;
}

/** One named series of a multi-series figure ({@link lineFigure}, {@link scatterFigure}). */
export interface Series {
  /** Legend name of the series. */
  readonly name: string;
  /** x values; @default undefined (0, 1, 2, … — the index, e.g. the step) */
  readonly x?: ArrayLike<number> | readonly (string | number)[];
  /** y values, one per x. */
  readonly y: ArrayLike<number>;
}

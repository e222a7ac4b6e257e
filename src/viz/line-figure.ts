import { InputError } from '../errors';
import type { Figure, FigureLabels, PlotlyTrace, Series } from './figure-types';
import { baseLayout } from './template';
import { finiteNumbers, sameLength } from './check-values';
import { logAxis } from './log-axis';

/** Options of {@link lineFigure}. */
export interface LineFigureOptions extends FigureLabels {
  /** One or more series (e.g. train and test loss per step). */
  readonly series: readonly Series[];
  /** Log scale on y (e.g. a loss over orders of magnitude), its tick labels thinned by `logAxis`. @default false */
  readonly logY?: boolean;
  /** Draw a marker at each point. @default false */
  readonly markers?: boolean;
  /** x holds whole numbers (e.g. epochs): ticks only at integers, at most about 10 of them. @default false */
  readonly integerX?: boolean;
}

/**
 * Lines of one or more series over a shared x axis, e.g. loss per training step.
 *
 * @param options series, labels and units.
 * @returns a Plotly figure with one `scatter` trace (mode `lines`) per series.
 * @throws InputError `empty` without series, `length_mismatch` when a series' x and y differ, `not_finite` on NaN/∞ in y.
 * @example
 * lineFigure({ title: 'Training loss', xTitle: 'step', yTitle: 'loss', yUnit: 'MSE',
 *   series: [{ name: 'train', y: [1.2, 0.9, 0.8] }] });
 */
export function lineFigure(options: LineFigureOptions): Figure {
  const data = seriesTraces('lineFigure', options.series, options.markers ? 'lines+markers' : 'lines');
  const layout = baseLayout(options);
  return {
    data,
    layout: {
      ...layout,
      xaxis: options.integerX ? { ...layout.xaxis, ...integerTicks(data.flatMap((t) => t.x as number[])) } : layout.xaxis,
      yaxis: { ...layout.yaxis, ...(options.logY ? logAxis(data.flatMap((t) => t.y as number[])) : { type: 'linear' }) },
      showlegend: data.length > 1,
    },
  };
}

/** Ticks at whole numbers only, every `dtick` (1, 2, 5, 10, 20 … so that at most about 10 show), from the smallest x. */
function integerTicks(xs: readonly number[]): { tick0: number; dtick: number; tickformat: string } {
  const lo = Math.min(...xs);
  const span = Math.max(...xs) - lo;
  let dtick = 1;
  for (let i = 0; span / dtick > 10; i++) dtick = [2, 5, 10][i % 3] * 10 ** Math.floor(i / 3);
  return { tick0: Number.isFinite(lo) ? Math.floor(lo) : 0, dtick, tickformat: 'd' };
}

/** Validates series and turns them into scatter traces (shared by line and scatter figures). */
export function seriesTraces(api: string, series: readonly Series[], mode: string): PlotlyTrace[] {
  if (series.length === 0) {
    throw new InputError('empty', `${api}: expected at least one series, but got none. Pass series: [{ name, y }].`);
  }
  return series.map((s, k) => {
    const y = finiteNumbers(api, `series[${k}].y`, s.y);
    const x = s.x === undefined ? y.map((_, i) => i) : Array.from(s.x as ArrayLike<number | string>);
    sameLength(api, `series[${k}].x`, x.length, `series[${k}].y`, y.length);
    return { type: 'scatter', mode, name: s.name, x, y };
  });
}

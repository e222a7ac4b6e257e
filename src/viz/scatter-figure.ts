import type { Figure, FigureLabels, Series } from './figure-types';
import { baseLayout } from './template';
import { seriesTraces } from './line-figure';

/** Options of {@link scatterFigure}. */
export interface ScatterFigureOptions extends FigureLabels {
  /** One or more point clouds (e.g. movie embeddings projected to 2-D, one series per genre). */
  readonly series: readonly Series[];
  /** Marker size in pixels. @default 6 */
  readonly markerSize?: number;
}

/**
 * Points of one or more series, e.g. predicted vs true rating, or a 2-D projection of embeddings.
 *
 * @param options series, labels and units.
 * @returns a Plotly figure with one `scatter` trace (mode `markers`) per series.
 * @throws InputError `empty`, `length_mismatch` or `not_finite` as {@link lineFigure}.
 * @example
 * scatterFigure({ title: 'Predictions', xTitle: 'true rating', yTitle: 'predicted rating',
 *   series: [{ name: 'test', x: [1, 5], y: [1.4, 4.2] }] });
 */
export function scatterFigure(options: ScatterFigureOptions): Figure {
  const data = seriesTraces('scatterFigure', options.series, 'markers').map((t) => ({
    ...t,
    marker: { size: options.markerSize ?? 6, opacity: 0.75 },
  }));
  const layout = baseLayout(options);
  return { data, layout: { ...layout, hovermode: 'closest', showlegend: data.length > 1 } };
}

import type { Figure, PlotlyTrace } from './figure-types';
import { baseLayout } from './template';
import { ConfigError } from '../errors';
import type { SpeedupPoint } from '../cost/speedup-sparsecore-vs-cpu';

/** One line of {@link speedupFigure}: a name (e.g. `'v4-8'`) and its points across batch sizes. */
export interface SpeedupSeries {
  readonly name: string;
  readonly points: readonly SpeedupPoint[];
  /** Plot the embedding-only speedup (dense compute left out) instead of the whole step's. @default false */
  readonly embeddingOnly?: boolean;
}

/** Options of {@link speedupFigure}. */
export interface SpeedupFigureOptions {
  readonly title: string;
  readonly series: readonly SpeedupSeries[];
  /** Shaded reference bands. @default the seed's 10–30× and the TPU v4 paper's 5–7× (see {@link SPEEDUP_BANDS}) */
  readonly bands?: readonly SpeedupBand[];
}

/** A published speedup range drawn as a shaded band. */
export interface SpeedupBand {
  readonly name: string;
  readonly low: number;
  readonly high: number;
}

/**
 * The ranges the model is compared with:
 * - the seed's claim: SparseCore embeddings ran Google's production recommenders 10–30× faster than embeddings on
 *   CPU hosts (TPU v3 and v4);
 * - the TPU v4 paper (Jouppi et al., ISCA 2023, "TPU v4: An Optically Reconfigurable Supercomputer…"): SparseCores
 *   speed up embedding-heavy models 5–7×.
 */
export const SPEEDUP_BANDS: readonly SpeedupBand[] = Object.freeze([
  Object.freeze({ name: 'seed: 10–30×', low: 10, high: 30 }),
  Object.freeze({ name: 'TPU v4 paper: 5–7×', low: 5, high: 7 }),
]);

/**
 * Modelled SparseCore-vs-CPU speedup against global batch size (log–log), one line per series, over shaded bands
 * for the published ranges. Bands are filled polygon traces spanning the batch sizes drawn.
 *
 * @param options - series (from `speedupSparseCoreVsCpu`), title, bands.
 * @returns a Plotly figure (plain data): the bands first, then one line per series.
 * @throws ConfigError `invalid_option` without series or with an empty series.
 * @example
 * speedupFigure({ title: 'Production-like model', series: [{ name: 'v4-8',
 *   points: speedupSparseCoreVsCpu({ model: productionLikeModel(), topology: 'v4-8', batchSizes: [1024, 8192] }) }] });
 */
export function speedupFigure(options: SpeedupFigureOptions): Figure {
  if (options.series.length === 0 || options.series.some((s) => s.points.length === 0)) {
    throw new ConfigError('invalid_option', 'speedupFigure: expected at least one series, each with at least one point.');
  }
  const xs = options.series.flatMap((s) => s.points.map((p) => p.globalBatchSize));
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const bandColors = ['rgba(0, 158, 115, 0.15)', 'rgba(230, 159, 0, 0.18)'];
  const bands: PlotlyTrace[] = (options.bands ?? SPEEDUP_BANDS).map((b, i) => ({
    type: 'scatter',
    mode: 'lines',
    name: b.name,
    x: [x0, x1, x1, x0, x0],
    y: [b.low, b.low, b.high, b.high, b.low],
    fill: 'toself',
    fillcolor: bandColors[i % bandColors.length],
    line: { width: 0 },
    hoverinfo: 'name',
  }));
  const lines: PlotlyTrace[] = options.series.map((s) => ({
    type: 'scatter',
    mode: 'lines+markers',
    name: s.embeddingOnly ? `${s.name} (embeddings only)` : s.name,
    x: s.points.map((p) => p.globalBatchSize),
    y: s.points.map((p) => (s.embeddingOnly ? p.embeddingSpeedup : p.speedup)),
    ...(s.embeddingOnly ? { line: { dash: 'dot' } } : {}),
  }));
  const layout = baseLayout({ title: options.title, xTitle: 'global batch size', xUnit: 'samples', yTitle: 'speedup', yUnit: '×' });
  return {
    data: [...bands, ...lines],
    layout: { ...layout, xaxis: { ...layout.xaxis, type: 'log' }, yaxis: { ...layout.yaxis, type: 'log' }, hovermode: 'closest' },
  };
}

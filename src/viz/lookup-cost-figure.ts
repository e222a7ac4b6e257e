import { logAxis } from './log-axis';
import { ConfigError } from '../errors';
import type { Figure, PlotlyTrace } from './figure-types';
import { baseLayout } from './template';
import type { LookupCostResult } from '../measure/measure-lookup-cost';

/** The swept parameter of a {@link lookupCostFigure}. */
export const LOOKUP_COST_AXES = ['vocabularySize', 'idsPerStep', 'dim'] as const;
/** One of {@link LOOKUP_COST_AXES}. */
export type LookupCostAxis = (typeof LOOKUP_COST_AXES)[number];

/** Options of {@link lookupCostFigure}. */
export interface LookupCostFigureOptions {
  readonly title: string;
  /** Measurements of one sweep (any skews mixed; one line per skew). */
  readonly results: readonly LookupCostResult[];
  /** The parameter on the x axis. */
  readonly x: LookupCostAxis;
  /** This machine's copy bandwidth, bytes/s (read + written), measured in the same run: the reference line is the
   * time the lookup's bytes would take at that bandwidth. */
  readonly copyBandwidth: number;
}

const AXIS_TITLES: Readonly<Record<LookupCostAxis, [string, string]>> = Object.freeze({
  vocabularySize: ['vocabulary size', 'rows'],
  idsPerStep: ['ids per step', 'ids'],
  dim: ['embedding dim', 'float32 per row'],
});

/**
 * Measured step times against one swept parameter, log–log: per skew, the engine's lookup and update; the dense
 * tfjs baseline's step (lookup + update) where it was measured; and, dashed, the time the lookup's bytes
 * (`lookupBytes`) would take at this machine's copy bandwidth — the floor a memory-bound lookup could reach.
 *
 * @param options - see {@link LookupCostFigureOptions}.
 * @returns a Plotly figure (plain data).
 * @throws ConfigError `invalid_option` without results, for an unknown axis or a non-positive bandwidth.
 * @example lookupCostFigure({ title: 'Step time vs vocabulary', results, x: 'vocabularySize', copyBandwidth: bw })
 */
export function lookupCostFigure(options: LookupCostFigureOptions): Figure {
  const { results, x } = options;
  if (results.length === 0) throw new ConfigError('invalid_option', 'lookupCostFigure: expected at least one result, but got none.');
  if (!(LOOKUP_COST_AXES as readonly string[]).includes(x)) {
    throw new ConfigError('invalid_option', `lookupCostFigure: expected x to be one of ${LOOKUP_COST_AXES.join(', ')}, but got '${String(x)}'.`);
  }
  if (!(options.copyBandwidth > 0)) {
    throw new ConfigError('invalid_option', `lookupCostFigure: expected copyBandwidth to be a positive number of bytes/s, but got ${options.copyBandwidth}.`);
  }
  const skews = [...new Set(results.map((r) => r.skew))];
  const sorted = (rs: readonly LookupCostResult[]) => [...rs].sort((a, b) => a[x] - b[x]);
  const line = (name: string, rs: readonly LookupCostResult[], y: (r: LookupCostResult) => number, extra: object = {}): PlotlyTrace => ({
    type: 'scatter',
    mode: 'lines+markers',
    name,
    x: rs.map((r) => r[x]),
    y: rs.map(y),
    ...extra,
  });
  const data: PlotlyTrace[] = [];
  for (const skew of skews) {
    const rs = sorted(results.filter((r) => r.skew === skew));
    data.push(line(`engine lookup, ${skew}`, rs, (r) => r.lookupMs));
    data.push(line(`engine update, ${skew}`, rs, (r) => r.updateMs));
  }
  for (const skew of skews) {
    const rs = sorted(results.filter((r) => r.skew === skew && r.dense !== null));
    if (rs.length > 0) data.push(line(`dense tfjs step, ${skew}`, rs, (r) => r.dense!.stepMs, { line: { dash: 'dash' } }));
  }
  const first = sorted(results.filter((r) => r.skew === skews[0]));
  data.push(line('lookup bytes at copy bandwidth', first, (r) => (1000 * r.lookupBytes) / options.copyBandwidth, { mode: 'lines', line: { dash: 'dot', color: '#000000' } }));
  const [xTitle, xUnit] = AXIS_TITLES[x];
  const layout = baseLayout({ title: options.title, xTitle, xUnit, yTitle: 'time per step', yUnit: 'ms' });
  return { data, layout: { ...layout, xaxis: { ...layout.xaxis, ...logAxis(results.map((r) => r[x])) }, yaxis: { ...layout.yaxis, ...logAxis(data.flatMap((t) => t.y as number[])) }, hovermode: 'closest' } };
}

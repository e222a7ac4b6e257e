import type { Figure } from './figure-types';
import { baseLayout } from './template';
import { ConfigError } from '../errors';
import { STEP_COST_PARTS, type StepCostBreakdown } from '../cost/step-cost-breakdown';

/** One bar of {@link stepBreakdownFigure}: a label (e.g. `'v4-8 SparseCore'`) and its modelled breakdown. */
export interface LabelledBreakdown {
  readonly label: string;
  readonly breakdown: StepCostBreakdown;
}

/** Options of {@link stepBreakdownFigure}. */
export interface StepBreakdownFigureOptions {
  readonly title: string;
  readonly bars: readonly LabelledBreakdown[];
}

const PART_LABELS: Readonly<Record<(typeof STEP_COST_PARTS)[number], string>> = Object.freeze({
  gather: 'gather',
  comms: 'all-to-all / network',
  optimizerUpdate: 'optimizer update',
  hostTransfer: 'host transfer (PCIe)',
  denseCompute: 'dense compute',
});

function formatSeconds(s: number): string {
  if (s >= 1) return `${s.toPrecision(3)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toPrecision(3)} ms`;
  return `${(s * 1e6).toPrecision(3)} µs`;
}

/**
 * Stacked bars of modelled step-time breakdowns, each bar scaled to 100 % so that a 50 µs SparseCore step and a
 * 5 ms CPU-hosted step can be read side by side; the tick label carries each bar's total time and the hover each
 * part's time. One trace per part (gather, all-to-all, optimizer update, host transfer, dense compute).
 *
 * @param options - the bars and a title.
 * @returns a Plotly figure (plain data), `barmode: 'stack'`.
 * @throws ConfigError `invalid_option` without bars or with a zero-time bar.
 * @example
 * const [p] = speedupSparseCoreVsCpu({ model: tutorialModel(), topology: 'v4-8', batchSizes: [64] });
 * stepBreakdownFigure({ title: 'Tutorial model, batch 64', bars: [{ label: 'v4 SC', breakdown: p.sparseCore }, { label: 'v4 CPU', breakdown: p.cpu }] });
 */
export function stepBreakdownFigure(options: StepBreakdownFigureOptions): Figure {
  if (options.bars.length === 0) throw new ConfigError('invalid_option', 'stepBreakdownFigure: expected at least one bar, but got none.');
  const x = options.bars.map((b) => {
    const total = b.breakdown.total();
    if (!(total > 0)) throw new ConfigError('invalid_option', `stepBreakdownFigure: expected bar '${b.label}' to have a positive total time, but got ${total}.`);
    return `${b.label}<br>${formatSeconds(total)}`;
  });
  const data = STEP_COST_PARTS.map((part) => ({
    type: 'bar',
    name: PART_LABELS[part],
    x,
    y: options.bars.map((b) => (100 * b.breakdown[part]) / b.breakdown.total()),
    customdata: options.bars.map((b) => formatSeconds(b.breakdown[part])),
    hovertemplate: `${PART_LABELS[part]}: %{customdata} (%{y:.1f} %)<extra></extra>`,
  }));
  const layout = baseLayout({ title: options.title, xTitle: 'placement and TPU (total step time)', yTitle: 'share of the step', yUnit: '%' });
  return { data, layout: { ...layout, barmode: 'stack', yaxis: { ...layout.yaxis, range: [0, 100] }, hovermode: 'closest' } };
}

import type { Figure, FigureLabels, PlotlyLayout } from './figure-types';

/** The colours of the library's figures, in series order (colour-blind-safe Okabe–Ito palette). */
export const COLORWAY = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'] as const;

/** Formats an axis title with its unit: `axisTitle('step time', 'ms')` → `'step time (ms)'`. */
export function axisTitle(title: string, unit?: string): string {
  return unit ? `${title} (${unit})` : title;
}

/** An axis of {@link baseLayout}: its title text plus any Plotly axis attribute. */
export interface BaseAxis {
  readonly title: { readonly text: string };
  readonly automargin: boolean;
  readonly [attribute: string]: unknown;
}

/** What {@link baseLayout} returns: a Plotly layout whose title and axes are known to be set. */
export interface BaseLayout extends PlotlyLayout {
  readonly title: { readonly text: string; readonly [attribute: string]: unknown };
  readonly xaxis: BaseAxis;
  readonly yaxis: BaseAxis;
}

/**
 * The library's layout for one figure: title, axis titles with units, and the shared template
 * (see {@link applyTemplate}).
 *
 * @param labels title, axis titles and units.
 * @returns a Plotly layout (plain data).
 * @example
 * baseLayout({ title: 'Loss', xTitle: 'step', yTitle: 'loss', yUnit: 'MSE' }).yaxis.title.text; // 'loss (MSE)'
 */
export function baseLayout(labels: FigureLabels): BaseLayout {
  return {
    ...templateLayout(),
    title: { text: labels.title, x: 0, xanchor: 'left', font: { size: 16 } },
    xaxis: { ...axisTemplate(), title: { text: axisTitle(labels.xTitle, labels.xUnit) }, automargin: true },
    yaxis: { ...axisTemplate(), title: { text: axisTitle(labels.yTitle, labels.yUnit) }, automargin: true },
  };
}

/**
 * Fills in the library's template on any figure without overriding what the figure sets: font, colours,
 * small margins with `automargin` axes, `autosize` (the plot follows its container, so it stays readable
 * on narrow screens), a horizontal legend under the plot, and unified hover on x.
 *
 * @param figure any Plotly figure.
 * @returns a new figure; the input is not modified.
 * @example
 * const fig = applyTemplate({ data: [{ type: 'bar', x: [1], y: [2] }], layout: { title: { text: 'x' } } });
 */
export function applyTemplate(figure: Figure): Figure {
  const layout = figure.layout as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...templateLayout(), ...layout };
  for (const key of Object.keys(layout)) {
    if (/^[xy]axis\d*$/.test(key)) merged[key] = { ...axisTemplate(), ...(layout[key] as object) };
  }
  for (const key of ['xaxis', 'yaxis']) if (!(key in merged)) merged[key] = axisTemplate();
  return { data: figure.data, layout: merged };
}

function templateLayout(): Record<string, unknown> {
  return {
    autosize: true,
    font: { family: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', size: 13, color: '#222' },
    colorway: [...COLORWAY],
    margin: { l: 8, r: 8, t: 48, b: 8, pad: 2 },
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    hovermode: 'x unified',
    showlegend: true,
    legend: { orientation: 'h', x: 0, y: -0.2, yanchor: 'top' },
  };
}

function axisTemplate(): Record<string, unknown> {
  return { automargin: true, gridcolor: '#e5e5e5', zerolinecolor: '#bbbbbb', linecolor: '#888888', ticks: 'outside' };
}

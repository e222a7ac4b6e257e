import { logAxis } from './log-axis';
import { ConfigError } from '../errors';
import type { Figure } from './figure-types';
import { baseLayout } from './template';

/** One configuration of {@link cpuModelFigure}: its label and the times to compare, ms. */
export interface CpuModelBars {
  readonly label: string;
  /** Named times, ms, e.g. `{ 'measured': 142, 'model (copy bandwidth)': 7.0 }`; one bar per name. */
  readonly times: Readonly<Record<string, number>>;
}

/**
 * Grouped bars (log y) comparing the cost model's CPU figure with this machine's measurement, per configuration.
 *
 * @param options - title and configurations (every configuration names the same times).
 * @returns a Plotly figure (plain data), one bar trace per time name.
 * @throws ConfigError `invalid_option` without configurations or with a non-positive time.
 * @example cpuModelFigure({ title: 'Model vs measured', configurations: [{ label: '1e6 × 64', times: { measured: 142, model: 7 } }] })
 */
export function cpuModelFigure(options: { readonly title: string; readonly configurations: readonly CpuModelBars[] }): Figure {
  const cs = options.configurations;
  if (cs.length === 0) throw new ConfigError('invalid_option', 'cpuModelFigure: expected at least one configuration, but got none.');
  const names = Object.keys(cs[0].times);
  for (const c of cs) {
    for (const n of names) {
      const v = c.times[n];
      if (!(Number.isFinite(v) && v > 0)) {
        throw new ConfigError('invalid_option', `cpuModelFigure: expected '${c.label}' to have a positive time '${n}', but got ${v}.`);
      }
    }
  }
  const data = names.map((n) => ({ type: 'bar', name: n, x: cs.map((c) => c.label), y: cs.map((c) => c.times[n]) }));
  const layout = baseLayout({ title: options.title, xTitle: 'configuration', yTitle: 'lookup + update time', yUnit: 'ms' });
  return { data, layout: { ...layout, barmode: 'group', yaxis: { ...layout.yaxis, ...logAxis(cs.flatMap((c) => names.map((n) => c.times[n]))) }, hovermode: 'closest' } };
}

import { logAxis } from './log-axis';
import { ConfigError } from '../errors';
import type { Figure } from './figure-types';
import { baseLayout } from './template';
import type { LoadBalanceResult } from '../measure/measure-load-balance';

/** Options of {@link loadBalanceFigure}. */
export interface LoadBalanceFigureOptions {
  readonly title: string;
  readonly results: readonly LoadBalanceResult[];
  /** Plot unique ids per shard (what the gather and the optimizer pay for) instead of ids. @default false */
  readonly unique?: boolean;
}

/**
 * Ids (or unique ids) per shard, one line per measured configuration (`sharding, skew`), y on a log scale so that a
 * shard holding 30× the mean and a balanced set of shards fit one plot.
 *
 * @param options - see {@link LoadBalanceFigureOptions}.
 * @returns a Plotly figure (plain data).
 * @throws ConfigError `invalid_option` without results.
 * @example loadBalanceFigure({ title: 'Ids per SparseCore', results: [modUniform, divZipf] })
 */
export function loadBalanceFigure(options: LoadBalanceFigureOptions): Figure {
  if (options.results.length === 0) throw new ConfigError('invalid_option', 'loadBalanceFigure: expected at least one result, but got none.');
  const unique = options.unique ?? false;
  const data = options.results.map((r) => {
    const y = unique ? r.uniqueIdsPerShard : r.idsPerShard;
    return {
      type: 'scatter',
      mode: 'lines+markers',
      name: `${r.sharding}, ${r.skew} (max/mean ${(unique ? r.uniqueImbalance : r.imbalance).toFixed(2)})`,
      x: y.map((_, j) => j),
      y: [...y],
    };
  });
  const layout = baseLayout({
    title: options.title,
    xTitle: 'shard (SparseCore)',
    yTitle: unique ? 'unique ids per step' : 'ids per step',
    yUnit: 'ids',
  });
  return { data, layout: { ...layout, yaxis: { ...layout.yaxis, ...logAxis(data.flatMap((t) => t.y as number[])) }, xaxis: { ...layout.xaxis, dtick: 1 }, hovermode: 'closest' } };
}

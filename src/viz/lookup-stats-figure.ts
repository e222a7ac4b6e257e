import { InputError } from '../errors';
import type { LookupStats } from '../embedding/lookup-stats-types';
import type { Figure } from './figure-types';
import { heatmapFigure } from './heatmap-figure';

/**
 * One lookup step's load per SparseCore: a heatmap with two lines per table — the ids routed to each shard and the
 * unique ids (rows actually gathered after per-replica deduplication) — and one column per shard. Uneven columns
 * are the imbalance the statistics report (max ids on one shard / mean).
 *
 * @param stats one step's statistics, e.g. `embedding.lastStats`.
 * @param title @default 'Ids per shard (step <step>, batch <global batch>)'
 * @returns a Plotly heatmap figure: `z[table × {ids, unique ids}][shard]`.
 * @throws InputError `empty` for statistics without tables (or null, before the first lookup).
 * @example
 * embedding.lookup({ user_id, movie_id });
 * show(lookupStatsFigure(embedding.lastStats!));
 */
export function lookupStatsFigure(stats: LookupStats | null, title?: string): Figure {
  if (!stats || stats.tables.length === 0) {
    throw new InputError('empty', `lookupStatsFigure: expected one step's LookupStats with at least one table, but got ${stats ? 'no table' : String(stats)}. Call embedding.lookup(...) first and pass embedding.lastStats.`);
  }
  const n = stats.tables[0].numShards;
  return heatmapFigure({
    title: title ?? `Ids per shard (step ${stats.step}, batch ${stats.globalBatchSize})`,
    xTitle: 'shard',
    yTitle: 'table',
    zTitle: 'ids',
    x: Array.from({ length: n }, (_, s) => s),
    y: stats.tables.flatMap((t) => [`${t.table} ids`, `${t.table} unique ids`]),
    z: stats.tables.flatMap((t) => [t.idsPerShard, t.uniqueIdsPerShard]),
  });
}

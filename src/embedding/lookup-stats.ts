import * as aq from 'arquero';
import type { LookupStats, TableLookupStats } from './lookup-stats-types';

/** Totals of one table's {@link TableLookupStats} over many lookups. */
export interface AccumulatedTableStats {
  readonly table: string;
  /** Sums over steps. */
  readonly ids: number;
  readonly uniqueIds: number;
  readonly droppedIds: number;
  readonly bytesGathered: number;
  readonly activationBytes: number;
  readonly allToAllBytesIn: number;
  readonly allToAllBytesOut: number;
  readonly gradientBytes: number;
  /** Sums over steps, per shard. */
  readonly idsPerShard: readonly number[];
  readonly uniqueIdsPerShard: readonly number[];
  /** Maxima over steps (to size the per-partition limits). */
  readonly maxIdsPerPartition: number;
  readonly maxUniqueIdsPerPartition: number;
  /** Max over steps of the per-step imbalance. */
  readonly maxImbalance: number;
}

/** Totals over many lookup steps. */
export interface AccumulatedLookupStats {
  readonly steps: number;
  readonly samples: number;
  readonly tables: readonly AccumulatedTableStats[];
}

/** Empty totals for the given tables. */
export function emptyAccumulatedStats(tableNames: readonly string[]): AccumulatedLookupStats {
  return Object.freeze({
    steps: 0,
    samples: 0,
    tables: Object.freeze(
      tableNames.map((table) =>
        Object.freeze({
          table,
          ids: 0,
          uniqueIds: 0,
          droppedIds: 0,
          bytesGathered: 0,
          activationBytes: 0,
          allToAllBytesIn: 0,
          allToAllBytesOut: 0,
          gradientBytes: 0,
          idsPerShard: [],
          uniqueIdsPerShard: [],
          maxIdsPerPartition: 0,
          maxUniqueIdsPerPartition: 0,
          maxImbalance: 0,
        }),
      ),
    ),
  });
}

const addArrays = (a: readonly number[], b: readonly number[]): number[] =>
  Array.from({ length: Math.max(a.length, b.length) }, (_, i) => (a[i] ?? 0) + (b[i] ?? 0));

/**
 * Adds one step's statistics to running totals (returns a new frozen object).
 * @example acc = accumulateStats(acc, emb.lastStats!)
 */
export function accumulateStats(acc: AccumulatedLookupStats, step: LookupStats): AccumulatedLookupStats {
  const byName = new Map<string, AccumulatedTableStats>(acc.tables.map((t) => [t.table, t]));
  for (const t of step.tables) {
    const a = byName.get(t.table) ?? emptyAccumulatedStats([t.table]).tables[0];
    byName.set(
      t.table,
      Object.freeze({
        table: t.table,
        ids: a.ids + t.ids,
        uniqueIds: a.uniqueIds + t.uniqueIds,
        droppedIds: a.droppedIds + t.droppedIds,
        bytesGathered: a.bytesGathered + t.bytesGathered,
        activationBytes: a.activationBytes + t.activationBytes,
        allToAllBytesIn: a.allToAllBytesIn + t.allToAllBytesIn,
        allToAllBytesOut: a.allToAllBytesOut + t.allToAllBytesOut,
        gradientBytes: a.gradientBytes + t.gradientBytes,
        idsPerShard: Object.freeze(addArrays(a.idsPerShard, t.idsPerShard)),
        uniqueIdsPerShard: Object.freeze(addArrays(a.uniqueIdsPerShard, t.uniqueIdsPerShard)),
        maxIdsPerPartition: Math.max(a.maxIdsPerPartition, t.maxIdsPerPartition),
        maxUniqueIdsPerPartition: Math.max(a.maxUniqueIdsPerPartition, t.maxUniqueIdsPerPartition),
        maxImbalance: Math.max(a.maxImbalance, t.imbalance),
      }),
    );
  }
  return Object.freeze({ steps: acc.steps + 1, samples: acc.samples + step.globalBatchSize, tables: Object.freeze([...byName.values()]) });
}

/** Options of {@link statsToTable}. */
export interface StatsToTableOptions {
  /** One row per (step, table, shard) with `ids` and `uniqueIds` of that shard, instead of one per (step, table). @default false */
  readonly perShard?: boolean;
}

/**
 * Lookup statistics as an arquero table: one row per (step, table) with every scalar field of
 * {@link TableLookupStats} plus `step`, `numReplicas`, `globalBatchSize`; or one row per shard with `perShard`.
 * @param stats one step, or many (e.g. `emb.statsHistory`).
 * @returns an arquero `ColumnTable`.
 * @example statsToTable(emb.statsHistory).groupby('table').rollup({ ids: aq.op.mean('ids') })
 */
export function statsToTable(stats: LookupStats | readonly LookupStats[], options: StatsToTableOptions = {}): aq.ColumnTable {
  const steps = Array.isArray(stats) ? (stats as readonly LookupStats[]) : [stats as LookupStats];
  const rows: Record<string, unknown>[] = [];
  for (const s of steps) {
    for (const t of s.tables) {
      const head = { step: s.step, numReplicas: s.numReplicas, globalBatchSize: s.globalBatchSize, table: t.table };
      if (options.perShard) {
        for (let k = 0; k < t.numShards; k++) {
          rows.push({ ...head, shard: k, ids: t.idsPerShard[k], uniqueIds: t.uniqueIdsPerShard[k] });
        }
      } else {
        const { idsPerShard: _a, uniqueIdsPerShard: _b, table: _c, idsPerPartition: _d, uniqueIdsPerPartition: _e, ...scalars } = t as TableLookupStats;
        rows.push({ ...head, ...scalars });
      }
    }
  }
  return aq.from(rows);
}

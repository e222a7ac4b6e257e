import { InputError } from '../errors';
import type { LookupStats } from './lookup-stats-types';
import type { StackedTableLayout } from './sparse-core-stacking';

/**
 * Lookup statistics of one TensorFlow stack (the tables TF stacks into one SparseCore table, see `stackTables`): what
 * a TPU's per-stack id buffers must hold. TF sizes `max_ids_per_partition` / `max_unique_ids_per_partition` per
 * *stacked* table (`SparseCoreEmbeddingConfig.max_ids_per_table` is keyed by the stack's name, default 256), so the
 * limits of a stack are the maxima of the sums over its tables, not the maxima of any one table.
 */
export interface StackLookupStats {
  /** TF's stacked table name (the tables' names joined by `_`). */
  readonly stack: string;
  /** Its tables, in stack order. */
  readonly tables: readonly string[];
  readonly numShards: number;
  /** Steps summed. */
  readonly steps: number;
  /** Ids routed to each SparseCore from all the stack's tables, summed over replicas and steps. */
  readonly idsPerShard: readonly number[];
  readonly uniqueIdsPerShard: readonly number[];
  /** Largest ids / unique ids one replica sent to one SparseCore of the stack in one step (all its tables together). */
  readonly maxIdsPerPartition: number;
  readonly maxUniqueIdsPerPartition: number;
  /** Max over shards of ids / mean over shards, over the steps summed (1 = balanced). */
  readonly imbalance: number;
}

/**
 * Per-stack statistics from per-table lookup statistics: for each stack of `layouts`, the per-(replica, SparseCore)
 * counts of its tables are added up step by step, and their maxima taken — the values TF's `max_ids_per_table` /
 * `max_unique_ids_per_table` (keyed by stack name) must cover.
 *
 * @param stats one step or many (e.g. `emb.statsHistory`).
 * @param layouts the placement, e.g. `emb.stackedLayouts`.
 * @returns one entry per stack, in the order of `layouts`; stacks whose tables never appear in `stats` are left out.
 * @throws InputError `missing_partition_counts` when a table's statistics carry no per-partition counts (synthetic).
 * @example stackLookupStats(emb.statsHistory, emb.stackedLayouts!)[0].maxIdsPerPartition
 */
export function stackLookupStats(stats: LookupStats | readonly LookupStats[], layouts: readonly StackedTableLayout[]): StackLookupStats[] {
  const steps = Array.isArray(stats) ? (stats as readonly LookupStats[]) : [stats as LookupStats];
  const stacks = new Map<string, string[]>();
  for (const l of layouts) stacks.set(l.stack, [...(stacks.get(l.stack) ?? []), l.table]);
  const out: StackLookupStats[] = [];
  for (const [stack, tables] of stacks) {
    let N = 0;
    let idsPerShard: number[] = [];
    let uniquePerShard: number[] = [];
    let maxIds = 0;
    let maxUnique = 0;
    let counted = 0;
    for (const step of steps) {
      const members = step.tables.filter((t) => tables.includes(t.table));
      if (members.length === 0) continue;
      counted++;
      N = members[0].numShards;
      const ids = new Array<number>(members[0].idsPerPartition?.length ?? 0).fill(0);
      const uniq = new Array<number>(ids.length).fill(0);
      for (const t of members) {
        if (!t.idsPerPartition || !t.uniqueIdsPerPartition) {
          throw new InputError('missing_partition_counts', `stackLookupStats: table '${t.table}' of step ${step.step} has no idsPerPartition; pass statistics recorded by TPUEmbedding.lookup (not synthetic ones).`);
        }
        t.idsPerPartition.forEach((v, i) => (ids[i] += v));
        t.uniqueIdsPerPartition.forEach((v, i) => (uniq[i] += v));
      }
      if (idsPerShard.length !== N) {
        idsPerShard = new Array<number>(N).fill(0);
        uniquePerShard = new Array<number>(N).fill(0);
      }
      ids.forEach((v, i) => {
        idsPerShard[i % N] += v;
        uniquePerShard[i % N] += uniq[i];
        if (v > maxIds) maxIds = v;
        if (uniq[i] > maxUnique) maxUnique = uniq[i];
      });
    }
    if (counted === 0) continue;
    const mean = idsPerShard.reduce((a, b) => a + b, 0) / N;
    out.push(
      Object.freeze({
        stack,
        tables: Object.freeze(tables),
        numShards: N,
        steps: counted,
        idsPerShard: Object.freeze(idsPerShard),
        uniqueIdsPerShard: Object.freeze(uniquePerShard),
        maxIdsPerPartition: maxIds,
        maxUniqueIdsPerPartition: maxUnique,
        imbalance: mean > 0 ? Math.max(...idsPerShard) / mean : 1,
      }),
    );
  }
  return out;
}

import type { TPUEmbedding } from '../embedding';

/** Per-table id limits for the SparseCore configs (ids per partition, as the engine counts them). */
export interface TableIdLimits {
  readonly maxIdsPerPartition?: number;
  readonly maxUniqueIdsPerPartition?: number;
}

/**
 * The per-partition id limits to write for each table, first found of: `given[table]`, the embedding's own
 * `maxIdsPerPartition` / `maxUniqueIdsPerPartition`, the maxima observed over its lookups so far
 * (`accumulatedStats`, per (replica, SparseCore) partition). A table with none of these gets `{}`.
 *
 * @param embedding the embedding.
 * @param given limits chosen by the caller, per table name.
 * @returns limits per table name, in the embedding's table order.
 * @example suggestedIdLimits(emb) // { table_0: { maxIdsPerPartition: 37, maxUniqueIdsPerPartition: 21 }, … }
 */
export function suggestedIdLimits(embedding: TPUEmbedding, given: Readonly<Record<string, TableIdLimits>> = {}): Record<string, TableIdLimits> {
  const observed = new Map(embedding.accumulatedStats.steps > 0 ? embedding.accumulatedStats.tables.map((t) => [t.table, t]) : []);
  const out: Record<string, TableIdLimits> = {};
  for (const name of embedding.tableNames) {
    const seen = observed.get(name);
    const pick = (key: keyof TableIdLimits): number | undefined =>
      given[name]?.[key] ?? embedding[key] ?? (seen && seen[key] > 0 ? seen[key] : undefined);
    const maxIds = pick('maxIdsPerPartition');
    const maxUnique = pick('maxUniqueIdsPerPartition');
    out[name] = { ...(maxIds !== undefined ? { maxIdsPerPartition: maxIds } : {}), ...(maxUnique !== undefined ? { maxUniqueIdsPerPartition: maxUnique } : {}) };
  }
  return out;
}

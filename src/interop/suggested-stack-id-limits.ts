import { stackLookupStats, type TPUEmbedding } from '../embedding';
import { suggestedIdLimits, type TableIdLimits } from './suggested-id-limits';

/**
 * The per-partition id limits TensorFlow needs, keyed as it reads them: `SparseCoreEmbeddingConfig.max_ids_per_table`
 * and `max_unique_ids_per_table` are looked up by **stacked** table name (`tpu_embedding_v3`
 * `_update_sparse_core_buffer_size_after_table_stacking`; a missing name silently gets 256), and the tables of a
 * stack share one buffer per (replica, SparseCore). For each stack of `embedding.stackedLayouts`, first found of:
 * `given[stack]` (or `given[table]` for a stack of one table); the embedding's own per-table limits × the stack's
 * tables (the most a partition can then receive); the per-stack maxima observed over the kept lookups
 * (`stackLookupStats(embedding.statsHistory, …)`). Without TF's layout (placement 'cpu', layoutRule 'table-order')
 * this is {@link suggestedIdLimits}, by table.
 *
 * JAX (`jax_tpu_embedding` `auto_stack_tables`) and Keras-RS take limits per `TableSpec`/`TableConfig`, but a stack
 * of several tables ignores them and uses its `stack_to_max_ids_per_partition` callable (default 256): pass these
 * values there, by stack name.
 *
 * @param embedding the embedding.
 * @param given limits chosen by the caller, by stack (or single-table) name.
 * @returns limits per stack name, in TF's stack order.
 * @example suggestedStackIdLimits(emb) // { table_0_table_1: { maxIdsPerPartition: 6, maxUniqueIdsPerPartition: 6 } }
 */
export function suggestedStackIdLimits(embedding: TPUEmbedding, given: Readonly<Record<string, TableIdLimits>> = {}): Record<string, TableIdLimits> {
  const layouts = embedding.stackedLayouts;
  if (!layouts) return suggestedIdLimits(embedding, given);
  const observed = new Map(embedding.statsHistory.length > 0 ? stackLookupStats(embedding.statsHistory, layouts).map((s) => [s.stack, s]) : []);
  const stacks = new Map<string, string[]>();
  for (const l of layouts) stacks.set(l.stack, [...(stacks.get(l.stack) ?? []), l.table]);
  const out: Record<string, TableIdLimits> = {};
  for (const [stack, tables] of stacks) {
    const seen = observed.get(stack);
    const pick = (key: keyof TableIdLimits): number | undefined => {
      const configured = embedding[key];
      return (
        given[stack]?.[key] ??
        (tables.length === 1 ? given[tables[0]]?.[key] : undefined) ??
        (configured !== undefined ? configured * tables.length : undefined) ??
        (seen && seen[key] > 0 ? seen[key] : undefined)
      );
    };
    const maxIds = pick('maxIdsPerPartition');
    const maxUnique = pick('maxUniqueIdsPerPartition');
    out[stack] = { ...(maxIds !== undefined ? { maxIdsPerPartition: maxIds } : {}), ...(maxUnique !== undefined ? { maxUniqueIdsPerPartition: maxUnique } : {}) };
  }
  return out;
}

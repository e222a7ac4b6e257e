/**
 * CONTRACT (shared by the embedding engine and the cost model): what one lookup step moved, per table.
 * The engine fills it; `cost/` reads it. All counts are for one global batch.
 */
import type { DynamicIdStats } from '../kernels/dynamic-id-map';

/** Per-table statistics of one lookup step. Arrays are indexed by shard (`numShards` long). */
export interface TableLookupStats {
  readonly table: string;
  readonly dim: number;
  readonly numShards: number;
  /** 'sparsecore' (sharded over SparseCores) or 'cpu' (one unsharded table in host memory). */
  readonly placement: 'sparsecore' | 'cpu';
  /** Ids routed to each shard, summed over replicas (before dedup). */
  readonly idsPerShard: readonly number[];
  /** Unique ids per shard, summed over replicas (dedup is per replica). */
  readonly uniqueIdsPerShard: readonly number[];
  /** Largest ids / unique ids any one replica sent to any one shard (to size the per-partition limits). */
  readonly maxIdsPerPartition: number;
  readonly maxUniqueIdsPerPartition: number;
  /**
   * Ids / unique ids each replica sent to each shard, `[numReplicas × numShards]` replica-major (entry r·N + s):
   * what per-stack statistics sum (see `stackLookupStats`). Filled by the engine; absent in synthetic statistics.
   */
  readonly idsPerPartition?: readonly number[];
  readonly uniqueIdsPerPartition?: readonly number[];
  /**
   * Rows the table holds after this lookup: every (padded) row of a dense table, the rows touched so far of a lazy
   * one (its memory: rows × dim × 4 bytes per array). Filled by the engine; absent in synthetic statistics.
   */
  readonly rowsMaterialized?: number;
  /** Ids dropped because a per-partition limit was exceeded with dropping allowed. */
  readonly droppedIds: number;
  /** Total ids and unique rows in the global batch (unique over the global batch, as the update sees them). */
  readonly ids: number;
  readonly uniqueIds: number;
  /** Bytes of table rows read by the gather (unique rows × dim × 4, per replica). */
  readonly bytesGathered: number;
  /** Bytes of activations written (samples × dim × 4, or samples × L × dim × 4). */
  readonly activationBytes: number;
  /** All-to-all bytes: ids sent to shards (4 B each) and gathered rows sent back to replicas. */
  readonly allToAllBytesIn: number;
  readonly allToAllBytesOut: number;
  /** Gradient bytes sent back to shards in the backward pass (unique rows × dim × 4, per replica). */
  readonly gradientBytes: number;
  /** Load imbalance: max over shards of ids / mean over shards (1 = perfectly balanced). */
  readonly imbalance: number;
  /**
   * Dynamic-vocabulary tables only: the id map's counts for this lookup (hits, admissions, rejected ids, evictions;
   * see `DynamicIdStats`). The other fields count rows, after the mapping (rejected ids are not routed).
   */
  readonly dynamic?: DynamicIdStats;
}

/** One lookup step's statistics for all tables. */
export interface LookupStats {
  readonly step: number;
  readonly numReplicas: number;
  readonly globalBatchSize: number;
  readonly tables: readonly TableLookupStats[];
}

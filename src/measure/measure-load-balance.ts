import { ConfigError } from '../errors';
import { finiteNumber, positiveInteger, where } from '../validation';
import type { IdSkew } from '../cost/id-distribution';
import { featureConfig } from '../embedding/feature-config';
import { tableConfig } from '../embedding/table-config';
import type { Sharding } from '../embedding/table-layout';
import { TPUEmbedding } from '../embedding/tpu-embedding';
import { SGD } from '../optimizers/sgd';
import { Random } from '../random';
import type { Topology } from '../strategy/topology';
import { sampleIds } from './sample-ids';

/** Options of {@link measureLoadBalance}. */
export interface MeasureLoadBalanceOptions {
  /** Table rows V. */
  readonly vocabularySize: number;
  /** Rows per step over all replicas; divisible by the topology's replicas. */
  readonly globalBatchSize: number;
  /** Ids per sample (one multivalent feature). @default 1 */
  readonly idsPerSample?: number;
  /** 'uniform' or `{ zipf: s }` over a frequency-sorted vocabulary (hot ids are the small ids). @default 'uniform' */
  readonly skew?: IdSkew;
  /** @default 'mod' */
  readonly sharding?: Sharding;
  /** The simulated slice. @default 'v4-8' */
  readonly topology?: Topology | string;
  /** Lookups to run (fresh ids each). @default 20 */
  readonly steps?: number;
  /** Headroom over the observed maxima for the suggested limits (≥ 1). @default 1.25 */
  readonly headroom?: number;
  /** Seed of the ids. @default 0 */
  readonly seed?: number;
}

/** Ids per SparseCore, measured from the engine's per-step statistics. */
export interface LoadBalanceResult {
  readonly vocabularySize: number;
  readonly globalBatchSize: number;
  readonly idsPerSample: number;
  /** 'uniform' or 'zipf(s)'. */
  readonly skew: string;
  readonly sharding: Sharding;
  readonly topology: string;
  readonly numShards: number;
  readonly numReplicas: number;
  readonly steps: number;
  /** Mean over steps of the ids each shard received (all replicas), before dedup. Length numShards. */
  readonly idsPerShard: readonly number[];
  /** Mean over steps of the unique ids each shard served (dedup per replica, summed over replicas). */
  readonly uniqueIdsPerShard: readonly number[];
  /** Mean over steps of max / mean ids per shard (1 = balanced). */
  readonly imbalance: number;
  /** The same for unique ids (what the gather and the optimizer pay for). */
  readonly uniqueImbalance: number;
  /** Largest ids / unique ids one replica sent to one shard in any step (the engine's observed maxima). */
  readonly maxIdsPerPartition: number;
  readonly maxUniqueIdsPerPartition: number;
  /** ⌈headroom · observed max⌉ rounded up to a multiple of 8: values for `maxIdsPerPartition` /
   * `maxUniqueIdsPerPartition` that this traffic does not overflow. */
  readonly suggestedMaxIdsPerPartition: number;
  readonly suggestedMaxUniqueIdsPerPartition: number;
}

const roundUp8 = (x: number) => Math.max(8, Math.ceil(x / 8) * 8);

/**
 * Runs the engine's lookups on fresh ids and reads how they spread over the shards (SparseCores): ids and unique ids
 * per shard, the imbalance (max / mean), and the per-partition maxima that `maxIdsPerPartition` and
 * `maxUniqueIdsPerPartition` must cover. Uses a dim-8 table (the routing does not depend on dim).
 *
 * Frequency-sorted Zipf ids put the head on the small ids: `mod` sharding deals them round-robin over the shards,
 * `div` sharding (contiguous ranges) puts the whole head on the first shard.
 *
 * @param options - see {@link MeasureLoadBalanceOptions}.
 * @returns a frozen {@link LoadBalanceResult}.
 * @throws ConfigError `invalid_option` for bad counts or headroom; engine errors (`batch_not_divisible`, …).
 * @example
 * const r = measureLoadBalance({ vocabularySize: 1e6, globalBatchSize: 4096, skew: { zipf: 1.05 }, sharding: 'div' });
 * r.imbalance // ≫ 1: shard 0 holds the hot ids
 */
export function measureLoadBalance(options: MeasureLoadBalanceOptions): LoadBalanceResult {
  const V = options.vocabularySize;
  const B = options.globalBatchSize;
  const k = options.idsPerSample ?? 1;
  const steps = options.steps ?? 20;
  const headroom = options.headroom ?? 1.25;
  const at = where(ConfigError, 'invalid_option', 'measureLoadBalance');
  for (const [name, v] of [['vocabularySize', V], ['globalBatchSize', B], ['idsPerSample', k], ['steps', steps]] as const) positiveInteger(v, at(name));
  finiteNumber(headroom, at('headroom'), { min: 1 });
  const skew = options.skew ?? 'uniform';
  const emb = new TPUEmbedding({
    features: { items: featureConfig({ table: tableConfig({ vocabularySize: V, dim: 8, initializer: 0, name: 'items' }), name: 'items' }) },
    optimizer: new SGD({ learningRate: 0.1 }),
    topology: options.topology ?? 'v4-8',
    sharding: options.sharding,
    statsHistoryLimit: steps,
  });
  const N = emb.numShards;
  const rng = new Random(options.seed ?? 0);
  const rowSplits = new Int32Array(B + 1);
  for (let b = 0; b <= B; b++) rowSplits[b] = b * k;
  const ids = new Float64Array(N);
  const unique = new Float64Array(N);
  let imbalance = 0;
  let uniqueImbalance = 0;
  let maxIds = 0;
  let maxUnique = 0;
  for (let s = 0; s < steps; s++) {
    const values = sampleIds({ vocabularySize: V, count: B * k, skew, random: rng });
    emb.lookup({ items: { values, rowSplits } }).items.dispose();
    const t = emb.lastStats!.tables[0];
    t.idsPerShard.forEach((v, j) => (ids[j] += v / steps));
    t.uniqueIdsPerShard.forEach((v, j) => (unique[j] += v / steps));
    imbalance += t.imbalance / steps;
    const uMean = t.uniqueIdsPerShard.reduce((a, b) => a + b, 0) / N;
    uniqueImbalance += (uMean > 0 ? Math.max(...t.uniqueIdsPerShard) / uMean : 1) / steps;
    maxIds = Math.max(maxIds, t.maxIdsPerPartition);
    maxUnique = Math.max(maxUnique, t.maxUniqueIdsPerPartition);
  }
  return Object.freeze({
    vocabularySize: V,
    globalBatchSize: B,
    idsPerSample: k,
    skew: skew === 'uniform' ? 'uniform' : `zipf(${skew.zipf})`,
    sharding: emb.sharding,
    topology: emb.topology.name,
    numShards: N,
    numReplicas: emb.numReplicas,
    steps,
    idsPerShard: Object.freeze(Array.from(ids)),
    uniqueIdsPerShard: Object.freeze(Array.from(unique)),
    imbalance,
    uniqueImbalance,
    maxIdsPerPartition: maxIds,
    maxUniqueIdsPerPartition: maxUnique,
    suggestedMaxIdsPerPartition: roundUp8(headroom * maxIds),
    suggestedMaxUniqueIdsPerPartition: roundUp8(headroom * maxUnique),
  });
}

import { ConfigError } from '../errors';

/**
 * A simulated TPU slice: how many chips, replicas and embedding shards it has.
 *
 * Embedding shards: on v4, v5p and v6e the SparseCores of every chip hold the tables
 * (`numShards = numReplicas × shardsPerReplica`, one replica per chip with megacore). On v3, which has no
 * SparseCore, the tables are sharded over the TensorCores themselves (one shard per replica).
 */
export interface Topology {
  /** Preset name, e.g. `v4-8`, or `cpu`. */
  readonly name: string;
  /** TPU generation (`v3`, `v4`, `v5p`, `v6e`) or `cpu`. */
  readonly generation: 'v3' | 'v4' | 'v5p' | 'v6e' | 'cpu';
  readonly chips: number;
  readonly tensorCoresPerChip: number;
  /** SparseCores per chip (0 on v3 and on CPU). */
  readonly sparseCoresPerChip: number;
  /** Data-parallel replicas (`strategy.num_replicas_in_sync`). */
  readonly numReplicas: number;
  /** Embedding shards per replica (SparseCores per chip with megacore; 1 on v3 and CPU). */
  readonly shardsPerReplica: number;
  /** Total embedding shards N = numReplicas × shardsPerReplica. */
  readonly numShards: number;
  /** High-bandwidth memory per chip, bytes. */
  readonly hbmBytesPerChip: number;
}

const GiB = 2 ** 30;

function preset(
  name: string,
  generation: Topology['generation'],
  chips: number,
  tensorCoresPerChip: number,
  sparseCoresPerChip: number,
  replicasPerChip: number,
  hbmBytesPerChip: number,
): Topology {
  const numReplicas = chips * replicasPerChip;
  const shardsPerReplica = sparseCoresPerChip > 0 ? sparseCoresPerChip / replicasPerChip : 1;
  return Object.freeze({
    name,
    generation,
    chips,
    tensorCoresPerChip,
    sparseCoresPerChip,
    numReplicas,
    shardsPerReplica,
    numShards: numReplicas * shardsPerReplica,
    hbmBytesPerChip,
  });
}

/**
 * Preset slices. Sources: Cloud TPU system architecture pages (v3: 2 TensorCores and 32 GiB HBM per chip;
 * v4: 2 TensorCores as one megacore, 4 SparseCores, 32 GiB; v5p: 2 TensorCores as one megacore, 4 SparseCores,
 * 95 GiB; v6e: 1 TensorCore, 2 SparseCores, 32 GB).
 */
export const TOPOLOGIES = Object.freeze({
  cpu: preset('cpu', 'cpu', 1, 0, 0, 1, 0),
  'v3-8': preset('v3-8', 'v3', 4, 2, 0, 2, 32 * GiB),
  'v4-8': preset('v4-8', 'v4', 4, 2, 4, 1, 32 * GiB),
  'v4-32': preset('v4-32', 'v4', 16, 2, 4, 1, 32 * GiB),
  'v5p-8': preset('v5p-8', 'v5p', 4, 2, 4, 1, 95 * GiB),
  'v6e-8': preset('v6e-8', 'v6e', 8, 1, 2, 1, 32e9),
});

/** Name of a preset in {@link TOPOLOGIES}. */
export type TopologyName = keyof typeof TOPOLOGIES;

/**
 * Looks a preset up by name.
 * @throws ConfigError `unknown_topology` listing the valid names.
 * @example topology('v4-8').numShards // 16
 */
export function topology(name: string): Topology {
  // Own keys only: a plain-object lookup would return Object.prototype's members for 'constructor', 'toString', ….
  const t = typeof name === 'string' && Object.hasOwn(TOPOLOGIES, name) ? (TOPOLOGIES as Record<string, Topology>)[name] : undefined;
  if (!t) {
    throw new ConfigError(
      'unknown_topology',
      `topology: expected one of ${Object.keys(TOPOLOGIES).join(', ')}, but got '${name}'.`,
    );
  }
  return t;
}

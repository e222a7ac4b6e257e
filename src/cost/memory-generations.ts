import { TOPOLOGIES, type Topology } from '../strategy/topology';
import { HBM_BYTES_TPU_V5E } from './hardware-constants';

/** How one TPU generation holds embedding tables: HBM per chip and the shards and replicas each chip carries. */
export interface MemoryGeneration {
  /** `v3`, `v4`, `v5e`, `v5p`, `v6e`. */
  readonly generation: string;
  /** HBM capacity per chip, bytes. */
  readonly hbmBytesPerChip: number;
  /** Embedding shards per chip: its SparseCores (v4, v5p: 4; v6e: 2), or its TensorCores where it has none (v3: 2, v5e: 1). */
  readonly shardsPerChip: number;
  /** Data-parallel replicas per chip (1 with megacore or one TensorCore; 2 on v3). */
  readonly replicasPerChip: number;
  /** Where the figures come from. */
  readonly source: string;
}

function fromPreset(t: Topology, source: string): MemoryGeneration {
  return Object.freeze({
    generation: t.generation,
    hbmBytesPerChip: t.hbmBytesPerChip,
    shardsPerChip: t.numShards / t.chips,
    replicasPerChip: t.numReplicas / t.chips,
    source,
  });
}

/**
 * The generations the memory planner sizes a model for, in release order. v3, v4, v5p and v6e are read from the
 * strategy's presets (`TOPOLOGIES`, whose HBM figures match `hardware-constants.ts`); v5e, which has no preset (it has
 * no SparseCore, so the simulator does not train on it), from `HBM_BYTES_TPU_V5E` with one shard and one replica per
 * chip (one TensorCore). Capacities: v3 32 GiB, v4 32 GiB, v5e 16 GB, v5p 95 GiB, v6e 32 GB.
 */
export const MEMORY_GENERATIONS: readonly MemoryGeneration[] = Object.freeze([
  fromPreset(TOPOLOGIES['v3-8'], 'Cloud TPU v3 docs: 32 GiB HBM, 2 TensorCores per chip (tables on the TensorCores)'),
  fromPreset(TOPOLOGIES['v4-8'], 'Cloud TPU v4 docs: 32 GiB HBM; 4 SparseCores per chip (TPU v4 paper)'),
  Object.freeze({
    generation: 'v5e',
    hbmBytesPerChip: HBM_BYTES_TPU_V5E,
    shardsPerChip: 1,
    replicasPerChip: 1,
    source: 'Cloud TPU v5e docs: "HBM2 capacity and bandwidth 16 GB", one TensorCore per chip, no SparseCore',
  }),
  fromPreset(TOPOLOGIES['v5p-8'], 'Cloud TPU v5p docs: 95 GiB HBM, 4 SparseCores per chip'),
  fromPreset(TOPOLOGIES['v6e-8'], 'Cloud TPU v6e docs: 32 GB HBM, 2 SparseCores per chip'),
]);

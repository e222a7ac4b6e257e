import { totalmem } from 'node:os';
import type { EmbeddingOptimizerLike } from '../embedding/optimizer-like';
import { ConfigError } from '../errors';
import { resolveTopology } from '../strategy/resolve-topology';
import type { Topology } from '../strategy/topology';
import { MEMORY_GENERATIONS } from './memory-generations';
import { planTable, type PlanTable, type PlanTableInput } from './plan-table';
import { sumBytes, tableMemory, type MemoryBytes, type SliceShape, type TableMemory } from './table-memory';

/** Input of {@link planMemory}: a model's tables and its batch. */
export interface MemoryPlanInput {
  /** The tables (`tableConfig` results, `SyntheticTableSpec`s or plain {@link PlanTableInput}s), names unique. */
  readonly tables: readonly PlanTableInput[];
  /** Samples per step over all replicas. @default 16 per replica (the tutorial's) × the topology's replicas */
  readonly globalBatchSize?: number;
  /** The optimizer of tables that name none (TPUEmbedding's global optimizer). @default 'Adagrad' */
  readonly optimizer?: string | EmbeddingOptimizerLike;
}

/** Options of {@link planMemory}. */
export interface MemoryPlanOptions {
  /** This machine's memory, bytes. @default os.totalmem() */
  readonly hostMemoryBytes?: number;
}

/** How many chips of one generation the model needs (the smallest count whose per-chip bytes fit its HBM). */
export interface ChipsNeeded {
  readonly generation: string;
  readonly hbmBytesPerChip: number;
  /** Smallest chip count that fits; real slices come in fixed shapes (e.g. 4, 8, 16 …), so round up to one. */
  readonly chips: number;
  /** Per-chip bytes at that count. */
  readonly perChipBytes: number;
  readonly source: string;
}

/** What a model's tables take on a TPU slice and on this machine. Plain data, bytes. */
export interface MemoryPlan {
  /** The topology's name. */
  readonly topology: string;
  readonly generation: string;
  readonly slice: SliceShape;
  /** Embedding shards N (SparseCores, or TensorCores on v3). */
  readonly numShards: number;
  readonly globalBatchSize: number;
  /** The tables as planned (defaults filled in), in input order. */
  readonly tableInputs: readonly PlanTable[];
  /** Each table's bytes, in input order. */
  readonly tables: readonly TableMemory[];
  /** One shard's bytes over all tables (every table spans every shard). */
  readonly perShard: MemoryBytes;
  /** One chip's bytes over all tables. */
  readonly perChip: MemoryBytes;
  /** HBM per chip, bytes (0 for the `cpu` topology). */
  readonly hbmBytesPerChip: number;
  /** TPU topology: perChip.total ≤ hbmBytesPerChip; `cpu`: host.fits. */
  readonly fits: boolean;
  /** This process holding the whole model (as the simulator does, whatever the topology). */
  readonly host: { readonly bytes: MemoryBytes; readonly totalMemBytes: number; readonly fits: boolean };
  /** Chips needed on each generation (`MEMORY_GENERATIONS`), same global batch. */
  readonly chipsNeeded: readonly ChipsNeeded[];
}

/** A slice's shape from a topology (chips, shards and replicas per chip). */
function sliceOf(topo: Topology): SliceShape {
  return Object.freeze({ chips: topo.chips, shardsPerChip: topo.numShards / topo.chips, replicasPerChip: topo.numReplicas / topo.chips });
}

/** Per-chip bytes of all tables on a slice. */
function perChipTotal(tables: readonly PlanTable[], slice: SliceShape, globalBatchSize: number): number {
  return tables.reduce((a, t) => a + tableMemory(t, slice, globalBatchSize).perChip.total, 0);
}

/** Most chips the search tries beyond its lower bound before it reports Infinity. */
const MAX_EXTRA_CHIPS = 4096;

function chipsNeeded(tables: readonly PlanTable[], globalBatchSize: number, stateBytes: number): ChipsNeeded[] {
  return MEMORY_GENERATIONS.map((g) => {
    // Lower bound: every chip holds at least its share of the unpadded state.
    const first = Math.max(1, Math.ceil(stateBytes / g.hbmBytesPerChip));
    for (let chips = first; chips <= first + MAX_EXTRA_CHIPS; chips++) {
      const perChipBytes = perChipTotal(tables, { chips, shardsPerChip: g.shardsPerChip, replicasPerChip: g.replicasPerChip }, globalBatchSize);
      if (perChipBytes <= g.hbmBytesPerChip) {
        return Object.freeze({ generation: g.generation, hbmBytesPerChip: g.hbmBytesPerChip, chips, perChipBytes, source: g.source });
      }
    }
    return Object.freeze({ generation: g.generation, hbmBytesPerChip: g.hbmBytesPerChip, chips: Infinity, perChipBytes: NaN, source: g.source });
  });
}

/**
 * Plans the memory of a model's embedding tables on a TPU slice: bytes per shard (SparseCore) and per chip for
 * weights, optimizer slots, a dynamic table's id map, one step's id buffers and activations (formulas:
 * `tableMemory`), checked against the slice's HBM per chip; the same model held by this process (as the simulator
 * holds it) against this machine's memory; and the chips each generation needs (v3 32 GiB, v4 32 GiB, v5e 16 GB,
 * v5p 95 GiB, v6e 32 GB HBM per chip, sourced in `hardware-constants.ts`).
 * Each table's storage kind and weight precision set its bytes per row: dense holds V rows, lazy the rows it will
 * touch, dynamic its row budget; float16 / bfloat16 weights take 2 bytes per element, slots stay float32.
 * It does not throw when the model does not fit: `fits` says so, and `checkMemoryFit(plan)` turns it into an error
 * that names the table and what would fit.
 *
 * @param config - the tables, the global batch and the default optimizer (see {@link MemoryPlanInput}).
 * @param topology - a preset name (`'v4-8'`, `'v5p-8'`, …, or `'cpu'`) or a Topology.
 * @param options - see {@link MemoryPlanOptions}.
 * @returns a frozen {@link MemoryPlan}.
 * @throws ConfigError `invalid_plan` for a bad table, batch or option (naming it); `unknown_topology`, `invalid_topology`.
 * @example
 * const plan = planMemory({ tables: [{ name: 'items', vocabularySize: 1e8, dim: 64, optimizer: 'adam' }] }, 'v5p-8');
 * plan.perChip.total // bytes on each of the 4 chips
 */
export function planMemory(config: MemoryPlanInput, topology: Topology | string, options: MemoryPlanOptions = {}): MemoryPlan {
  const topo = resolveTopology(topology);
  if (config === null || typeof config !== 'object' || !Array.isArray(config.tables) || config.tables.length === 0) {
    throw new ConfigError('invalid_plan', 'planMemory: expected config.tables to be a non-empty array of tables ({ name, vocabularySize, dim, … } or tableConfig results).');
  }
  const globalBatchSize = config.globalBatchSize ?? 16 * topo.numReplicas;
  if (!Number.isSafeInteger(globalBatchSize) || globalBatchSize < 1) {
    throw new ConfigError('invalid_plan', `planMemory: expected config.globalBatchSize to be a positive integer, but got ${String(globalBatchSize)}.`);
  }
  const hostMemoryBytes = options.hostMemoryBytes ?? totalmem();
  if (!(Number.isFinite(hostMemoryBytes) && hostMemoryBytes > 0)) {
    throw new ConfigError('invalid_plan', `planMemory: expected options.hostMemoryBytes to be a positive number of bytes, but got ${String(hostMemoryBytes)}.`);
  }
  const tableInputs = config.tables.map((t, i) => planTable(t, i, config.optimizer ?? 'Adagrad'));
  const seen = new Set<string>();
  for (const t of tableInputs) {
    if (seen.has(t.name)) throw new ConfigError('invalid_plan', `planMemory: expected unique table names, but '${t.name}' appears twice. Rename one.`);
    seen.add(t.name);
  }
  const slice = sliceOf(topo);
  const tables = tableInputs.map((t) => tableMemory(t, slice, globalBatchSize));
  const perShard = sumBytes(tables.map((t) => t.perShard));
  const perChip = sumBytes(tables.map((t) => t.perChip));
  const hostBytes = sumBytes(tables.map((t) => t.host));
  const host = Object.freeze({ bytes: hostBytes, totalMemBytes: hostMemoryBytes, fits: hostBytes.total <= hostMemoryBytes });
  const isTpu = topo.generation !== 'cpu';
  const hbmBytesPerChip = isTpu ? topo.hbmBytesPerChip : 0;
  return Object.freeze({
    topology: topo.name,
    generation: topo.generation,
    slice,
    numShards: topo.numShards,
    globalBatchSize,
    tableInputs: Object.freeze(tableInputs),
    tables: Object.freeze(tables),
    perShard,
    perChip,
    hbmBytesPerChip,
    fits: isTpu ? perChip.total <= hbmBytesPerChip : host.fits,
    host,
    chipsNeeded: Object.freeze(chipsNeeded(tableInputs, globalBatchSize, hostBytes.weights + hostBytes.slots + hostBytes.idMap)),
  });
}

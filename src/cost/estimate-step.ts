import { ConfigError } from '../errors';
import type { LookupStats, TableLookupStats } from '../embedding/lookup-stats-types';
import { DEFAULT_DENSE_UTILIZATION } from './hardware-constants';
import type { HardwareProfile } from './hardware-profile';
import { rowBytes } from './row-bytes';
import { WEIGHT_PRECISIONS, type WeightPrecision } from './storage-kinds';
import { smallDimPenalty } from './small-dim-penalty';
import { stepCostBreakdown, type StepCostBreakdown } from './step-cost-breakdown';

/** Options of {@link estimateStep}. */
export interface EstimateStepOptions {
  /** Optimizer slot arrays per table row (SGD 0, Adagrad 1, Adam 2, FTRL 2). @default 1 (Adagrad, the tutorial's) */
  readonly slotsPerRow?: number;
  /** Dense model FLOPs per sample for forward + backward (≈ 3 × forward). @default 0 (embeddings only) */
  readonly denseFlopsPerSample?: number;
  /** Fraction of peak FLOP/s the dense part reaches, in (0, 1]. @default DEFAULT_DENSE_UTILIZATION (0.5, an assumption) */
  readonly denseUtilization?: number;
  /** Apply TorchRec's small-dim penalty (×1.75 below 64, ×1.15 for 64–127) to row-granular traffic. @default true */
  readonly smallDimPenalty?: boolean;
  /**
   * Per-table row state, by table name, overriding `slotsPerRow` (and float32 weights) for the optimizer's bytes:
   * e.g. an Adam table beside Adagrad ones, or bfloat16 weights. `planStep` fills it from the memory plan.
   * @default {} (every table: slotsPerRow slots, float32 weights)
   */
  readonly tables?: Readonly<Record<string, TableStateSpec>>;
}

/** One table's row state for the step-time model (see `rowBytes`). */
export interface TableStateSpec {
  /** Optimizer slot arrays per row (SGD 0, Adagrad 1, Adam / FTRL / AdagradMomentum 2). */
  readonly slotsPerRow: number;
  /** @default 'float32' */
  readonly weightPrecision?: WeightPrecision;
}

function fail(kind: string, message: string): never {
  throw new ConfigError(kind, `estimateStep: ${message}`);
}

function finiteNonNegative(where: string, v: number): void {
  if (!(Number.isFinite(v) && v >= 0)) fail('invalid_stats', `expected ${where} to be a finite number ≥ 0, but got ${v}.`);
}

/** max / mean of an array of shard loads (1 when empty or all zero). */
function maxOverMean(xs: readonly number[]): number {
  if (xs.length === 0) return 1;
  const sum = xs.reduce((a, b) => a + b, 0);
  return sum > 0 ? (Math.max(...xs) * xs.length) / sum : 1;
}

/**
 * Models the time of one training step from what its lookups moved, on a TPU slice and its hosts.
 * Bandwidth-bound ("roofline") model: every term is bytes ÷ bandwidth, the parts are added (no overlap), so
 * the result is a lower bound on each part and an upper bound on the overlap a real pipeline achieves.
 *
 * Notation, per table t: d = dim, p = smallDimPenalty(d) (1 when disabled), G = bytesGathered,
 * A = activationBytes, I / O = allToAllBytesIn / Out, Rg = gradientBytes, U = uniqueIds (global),
 * k = slotsPerRow (or `options.tables[t].slotsPerRow`), β = imbalance (max/mean ids per shard), βu = max/mean of
 * uniqueIdsPerShard. Slice: C = chips, B_hbm = HBM bytes/s per chip, B_ici = bidirectional ICI bytes/s per chip,
 * B_pcie = host↔chip bytes/s per chip, H = hosts, B_dram = host DRAM bytes/s, B_net = host network bytes/s.
 * Optimizer bytes per touched row: read + write the row and its k slots = 2·S, S = `rowBytes(d, k, w).total` =
 * d·w + k·d·4 (w = 4 for float32 weights, 2 for float16 / bfloat16; the memory planner uses the same formula).
 * The gather and all-to-all terms take the stats' bytes as given (the engine and `syntheticLookupStats` count float32 rows).
 *
 * Placement 'sparsecore' (tables sharded over the SparseCores — over the TensorCores' HBM on v3):
 * - gather_t = (βu·G·p + A) / (C·B_hbm). Each shard reads its unique rows from its chip's HBM; the C chips
 *   work in parallel and the busiest shard (βu × the mean) sets the pace; pooled activations are written once.
 * - comms_t = 2·(C−1)/C² · (β·I + βu·(O + Rg)) / B_ici. All-to-all: of T bytes exchanged, (C−1)/C leave their
 *   chip; each chip sends T(C−1)/C² and receives as much, both counted by the bidirectional figure. One chip: 0.
 *   (Lower bound: on big tori the bisection, not injection bandwidth, limits an all-to-all.)
 * - optimizerUpdate_t = (A + βu·p·(2·Rg + 2·U·S)) / (C·B_hbm): read the activation gradients, write
 *   and re-read the per-row gradients, read + write each touched row and its slots.
 * - hostTransfer_t = 0.
 *
 * Placement 'cpu' (one unsharded table per host DRAM; the TPU runs only the dense model):
 * - gather_t = (G·p + A) / (H·B_dram)                  (H hosts share the tables evenly)
 * - hostTransfer_t = 2·A / (C·B_pcie)                 (activations to the chips, activation gradients back)
 * - comms_t = 2·A·(H−1)/H / (H·B_net)                  (activations of other hosts' chips cross the network; 0 for H = 1)
 * - optimizerUpdate_t = (A + p·(2·Rg + 2·U·S)) / (H·B_dram)
 *
 * Both: denseCompute = denseFlopsPerSample · globalBatchSize / (C · peakFlopsPerS · denseUtilization).
 *
 * @param stats - one step's {@link LookupStats} (from the engine or `syntheticLookupStats`).
 * @param profile - the slice and its hosts (`hardwareProfile`).
 * @param options - see {@link EstimateStepOptions}.
 * @returns a frozen {@link StepCostBreakdown}, seconds.
 * @throws ConfigError `topology_mismatch` when a 'sparsecore' table's numShards differs from the profile's
 *   topology; `invalid_stats` for negative/non-finite figures, an unknown placement or a bad dim;
 *   `invalid_option` for bad options.
 * @example
 * const stats = syntheticLookupStats({ tables: productionLikeModel().tables, globalBatchSize: 8192,
 *   topology: 'v4-8', placement: 'sparsecore' });
 * estimateStep(stats, hardwareProfile('v4-8')).total() // seconds
 */
export function estimateStep(
  stats: LookupStats,
  profile: HardwareProfile,
  options: EstimateStepOptions = {},
): StepCostBreakdown {
  const k = options.slotsPerRow ?? 1;
  const denseFlops = options.denseFlopsPerSample ?? 0;
  const util = options.denseUtilization ?? DEFAULT_DENSE_UTILIZATION;
  const usePenalty = options.smallDimPenalty ?? true;
  if (!Number.isInteger(k) || k < 0) fail('invalid_option', `expected slotsPerRow to be an integer ≥ 0, but got ${k}.`);
  if (!(Number.isFinite(denseFlops) && denseFlops >= 0)) {
    fail('invalid_option', `expected denseFlopsPerSample to be a finite number ≥ 0, but got ${denseFlops}.`);
  }
  if (!(Number.isFinite(util) && util > 0 && util <= 1)) {
    fail('invalid_option', `expected denseUtilization to be in (0, 1], but got ${util}.`);
  }
  const tableStates = options.tables ?? {};
  for (const [name, spec] of Object.entries(tableStates)) {
    if (!Number.isInteger(spec?.slotsPerRow) || spec.slotsPerRow < 0) {
      fail('invalid_option', `expected tables['${name}'].slotsPerRow to be an integer ≥ 0, but got ${spec?.slotsPerRow}.`);
    }
    if (spec.weightPrecision !== undefined && !(WEIGHT_PRECISIONS as readonly string[]).includes(spec.weightPrecision)) {
      fail('invalid_option', `expected tables['${name}'].weightPrecision to be one of ${WEIGHT_PRECISIONS.join(', ')}, but got '${String(spec.weightPrecision)}'.`);
    }
  }
  if (!Number.isInteger(stats.globalBatchSize) || stats.globalBatchSize < 1) {
    fail('invalid_stats', `expected stats.globalBatchSize to be a positive integer, but got ${stats.globalBatchSize}.`);
  }
  const topo = profile.topology;
  const C = topo.chips;
  const H = profile.numHosts;
  const hbm = profile.tpu.hbmBytesPerS;
  const ici = profile.tpu.iciBytesPerS;
  const pcie = profile.pcieBytesPerS;
  const dram = profile.host.dramBytesPerS;
  const net = profile.host.networkBytesPerS;

  let gather = 0;
  let comms = 0;
  let optimizerUpdate = 0;
  let hostTransfer = 0;
  stats.tables.forEach((t: TableLookupStats, i: number) => {
    const where = `stats.tables[${i}] ('${t.table}')`;
    if (!Number.isInteger(t.dim) || t.dim < 1) fail('invalid_stats', `expected ${where}.dim to be a positive integer, but got ${t.dim}.`);
    for (const key of ['bytesGathered', 'activationBytes', 'allToAllBytesIn', 'allToAllBytesOut', 'gradientBytes', 'uniqueIds'] as const) {
      finiteNonNegative(`${where}.${key}`, t[key]);
    }
    if (!(Number.isFinite(t.imbalance) && t.imbalance >= 1 - 1e-9)) {
      fail('invalid_stats', `expected ${where}.imbalance to be a finite number ≥ 1 (max/mean), but got ${t.imbalance}.`);
    }
    const p = usePenalty ? smallDimPenalty(t.dim) : 1;
    const A = t.activationBytes;
    const state: TableStateSpec = Object.hasOwn(tableStates, t.table) ? tableStates[t.table] : { slotsPerRow: k };
    const rowUpdateBytes = 2 * t.gradientBytes + 2 * t.uniqueIds * rowBytes(t.dim, state.slotsPerRow, state.weightPrecision).total;
    if (t.placement === 'sparsecore') {
      if (t.numShards !== topo.numShards) {
        fail(
          'topology_mismatch',
          `${where} is sharded over ${t.numShards} shards but the profile's topology '${topo.name}' has ` +
            `numShards ${topo.numShards}; model the stats with the same topology as the profile.`,
        );
      }
      const betaU = maxOverMean(t.uniqueIdsPerShard);
      gather += (betaU * t.bytesGathered * p + A) / (C * hbm);
      comms += ((2 * (C - 1)) / (C * C)) * (t.imbalance * t.allToAllBytesIn + betaU * (t.allToAllBytesOut + t.gradientBytes)) / ici;
      optimizerUpdate += (A + betaU * p * rowUpdateBytes) / (C * hbm);
    } else if (t.placement === 'cpu') {
      gather += (t.bytesGathered * p + A) / (H * dram);
      hostTransfer += (2 * A) / (C * pcie);
      comms += H > 1 ? (2 * A * (H - 1)) / H / (H * net) : 0;
      optimizerUpdate += (A + p * rowUpdateBytes) / (H * dram);
    } else {
      fail('invalid_stats', `expected ${where}.placement to be 'sparsecore' or 'cpu', but got '${String(t.placement)}'.`);
    }
  });
  const denseCompute = (denseFlops * stats.globalBatchSize) / (C * profile.tpu.peakFlopsPerS * util);
  return stepCostBreakdown({ gather, comms, optimizerUpdate, hostTransfer, denseCompute });
}

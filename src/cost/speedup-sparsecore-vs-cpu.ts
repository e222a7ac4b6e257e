import { ConfigError } from '../errors';
import type { Topology } from '../strategy/topology';
import type { CpuHostProfile } from './cpu-host-profile';
import { estimateStep, type EstimateStepOptions } from './estimate-step';
import { hardwareProfile } from './hardware-profile';
import type { SyntheticModel } from './production-like-model';
import type { StepCostBreakdown } from './step-cost-breakdown';
import { syntheticLookupStats } from './synthetic-lookup-stats';

/** Input of {@link speedupSparseCoreVsCpu}. */
export interface SpeedupInput {
  /** The modelled model (e.g. `productionLikeModel()`); its denseFlopsPerSample feeds denseCompute. */
  readonly model: Pick<SyntheticModel, 'tables' | 'denseFlopsPerSample'>;
  /** A TPU preset name or Topology. */
  readonly topology: Topology | string;
  /** Global batch sizes to model, each divisible by the topology's replicas. */
  readonly batchSizes: readonly number[];
  /** Host profile for the CPU-hosted side. @default DATACENTER_HOST_PROFILE */
  readonly host?: CpuHostProfile;
  /** Passed to `estimateStep` (denseFlopsPerSample defaults to the model's). */
  readonly options?: EstimateStepOptions;
}

/** One batch size's comparison. */
export interface SpeedupPoint {
  readonly globalBatchSize: number;
  readonly sparseCore: StepCostBreakdown;
  readonly cpu: StepCostBreakdown;
  /** cpu.total() / sparseCore.total(): whole step, dense compute included. */
  readonly speedup: number;
  /** The same ratio without denseCompute: the embedding part alone. */
  readonly embeddingSpeedup: number;
}

/**
 * Models the step time with the tables on the SparseCores against the same tables on the CPU hosts feeding the
 * same TPU slice, for each batch size: `speedup = T_cpu / T_sparsecore` (see `estimateStep` for every formula).
 *
 * Where it lands, and why (figures for `productionLikeModel()` on v4-8 with the default datacenter host; run
 * the function to reproduce them). The embedding work is memory traffic, so the speedup is a ratio of bandwidths
 * weighted by the bytes each side moves:
 * - gather and optimizer update move about the same bytes on both sides (SparseCore dedups per replica, the host
 *   over the whole batch, so SparseCore reads a little more). SparseCore reads them at C·B_hbm
 *   (v4-8: 4 × 1.2e12 = 4.8e12 B/s), the host at B_dram (TorchRec's 51 GiB/s = 5.5e10 B/s): a ceiling of ×88,
 *   lowered by the busiest shard's share βu. Zipf(1.05) puts 2–2.25× the mean *ids* on the hottest shard, but
 *   dedup removes the repeats, so unique rows per shard stay even (βu ≈ 1.00–1.04; expected values, without
 *   the sampling noise of one real step).
 * - SparseCore also pays the all-to-all over ICI (v4: 5.4e11 B/s bidirectional per chip, 9× below the chip's
 *   HBM): unique rows out and gradients back. On v4-8 it is ≈ 40–45 % of the SparseCore embedding time.
 * - the host also pays PCIe (1.5e10 B/s per chip) for activations and their gradients: ≈ 16 % of its time,
 *   small because pooling turns L ids into one activation row per feature. Its largest term is the optimizer
 *   (read + write rows and accumulators, ≈ 65 %; 3.5× the gather, against TorchRec's empirical backward = 2× forward).
 * Result: embedding-only speedup ≈ 51–58× (B = 1,024 → 262,144) ≈ 88 × 1.19 (host time ÷ its DRAM time)
 * ÷ 1.75 (SparseCore time ÷ its HBM time) ≈ 60, a little less because per-replica dedup moves more rows than
 * the host's global dedup. The whole step adds the same dense compute to both sides (18.3 MFLOP/sample at 50 %
 * of 275 TFLOP/s per chip ≈ half of the SparseCore step), giving 27–33×: the top of the seed's 10–30× band.
 * The TPU v4 paper's 5–7× is for whole embedding-heavy models; this model reaches it only when the dense part
 * takes ≈ 8–10× the SparseCore embedding time (S = (55·T + D)/(T + D) = 6 ⇔ D ≈ 10·T). v3-8 (no SparseCore, 900 GB/s HBM, tables on the
 * TensorCores) models 17–22×; v5p-8 55–65× and v6e-8 88–96× because their HBM and ICI grow while the host's
 * DRAM figure does not. With this machine's measured copy bandwidth (≈ 1.1e10 B/s on a shared 2-core VM)
 * instead of 51 GiB/s, v4-8 models 124–150×: the answer is dominated by B_dram, the one figure a reader should
 * replace with their own host's. Nothing is fitted to the 10–30× (seed) or 5–7× (TPU v4 paper) bands.
 *
 * @param input - see {@link SpeedupInput}.
 * @returns one frozen {@link SpeedupPoint} per batch size, in order.
 * @throws ConfigError `invalid_option` for an empty batchSizes; errors of syntheticLookupStats / estimateStep.
 * @example speedupSparseCoreVsCpu({ model: productionLikeModel(), topology: 'v4-8', batchSizes: [4096] })[0].speedup
 */
export function speedupSparseCoreVsCpu(input: SpeedupInput): readonly SpeedupPoint[] {
  if (!Array.isArray(input.batchSizes) || input.batchSizes.length === 0) {
    throw new ConfigError('invalid_option', 'speedupSparseCoreVsCpu: expected batchSizes to be a non-empty array of global batch sizes.');
  }
  const profile = hardwareProfile(input.topology, { host: input.host });
  const options: EstimateStepOptions = { denseFlopsPerSample: input.model.denseFlopsPerSample, ...input.options };
  return Object.freeze(
    input.batchSizes.map((globalBatchSize) => {
      const common = { tables: input.model.tables, globalBatchSize, topology: profile.topology };
      const sparseCore = estimateStep(syntheticLookupStats({ ...common, placement: 'sparsecore' }), profile, options);
      const cpu = estimateStep(syntheticLookupStats({ ...common, placement: 'cpu' }), profile, options);
      const speedup = cpu.total() / sparseCore.total();
      const embeddingSpeedup = (cpu.total() - cpu.denseCompute) / (sparseCore.total() - sparseCore.denseCompute);
      return Object.freeze({ globalBatchSize, sparseCore, cpu, speedup, embeddingSpeedup });
    }),
  );
}

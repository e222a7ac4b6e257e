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
 * Where it lands, and why. The embedding work is memory traffic, so the speedup is, to first order, a ratio of
 * bandwidths weighted by the bytes each side moves:
 * - gather and optimizer: the same bytes on both sides; SparseCore reads them at C·B_hbm (v4-8: 4 × 1.2e12 =
 *   4.8e12 B/s), the host at B_dram (TorchRec: 51 GiB/s = 5.5e10 B/s): ×88 in favour of SparseCore, divided by
 *   the shard imbalance βu (Zipf ids concentrate on few shards).
 * - SparseCore pays the all-to-all over ICI (v4: 5.4e11 B/s bidirectional per chip, ~9× slower than the slice's
 *   HBM), which carries unique rows out and gradients back: for a v4-8 it is the largest SparseCore term.
 * - the CPU side pays PCIe (1.5e10 B/s per chip) for activations and their gradients, which is small next to
 *   its DRAM time because pooling shrinks L ids to one activation per feature.
 * So the embedding-only speedup sits between B_ici-bound and B_hbm-bound ratios — about (C·B_hbm)/B_dram ÷ the
 * share of ICI in the SparseCore time — and the whole-step speedup falls further towards 1 as the dense
 * compute (identical on both sides) grows. Nothing is fitted to the 10–30× (seed) or 5–7× (TPU v4 paper) bands.
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

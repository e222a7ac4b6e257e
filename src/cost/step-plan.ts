import type { EmbeddingOptimizerLike } from '../embedding/optimizer-like';
import type { Topology } from '../strategy/topology';
import type { CpuHostProfile } from './cpu-host-profile';
import { estimateStep, type EstimateStepOptions, type TableStateSpec } from './estimate-step';
import { hardwareProfile } from './hardware-profile';
import { planMemory, type MemoryPlan, type MemoryPlanOptions } from './memory-plan';
import type { PlanTableInput } from './plan-table';
import type { StepCostBreakdown } from './step-cost-breakdown';
import { syntheticLookupStats } from './synthetic-lookup-stats';

/** Input of {@link planStep}: a modelled model on a TPU slice. */
export interface StepPlanInput {
  /** The tables; `idsPerSample` and `skew` shape the lookups, storage / precision / optimizer the memory and the update. */
  readonly tables: readonly PlanTableInput[];
  /** A TPU preset name or Topology. */
  readonly topology: Topology | string;
  /** Samples per step over all replicas, divisible by the replicas. */
  readonly globalBatchSize: number;
  /** The optimizer of tables that name none. @default 'Adagrad' */
  readonly optimizer?: string | EmbeddingOptimizerLike;
  /** Dense model FLOPs per sample (forward + backward). @default 0 */
  readonly denseFlopsPerSample?: number;
  /** The CPU hosts feeding the slice. @default DATACENTER_HOST_PROFILE */
  readonly host?: CpuHostProfile;
  /** Other `estimateStep` options (its per-table row state comes from the plan). */
  readonly options?: Omit<EstimateStepOptions, 'tables' | 'denseFlopsPerSample'>;
  /** `planMemory` options (this machine's memory). */
  readonly memory?: MemoryPlanOptions;
}

/** Time and memory of one training step, side by side. */
export interface StepPlan {
  /** `estimateStep` on `syntheticLookupStats` with placement 'sparsecore', seconds. */
  readonly time: StepCostBreakdown;
  /** `planMemory` of the same tables, batch and slice, bytes. */
  readonly memory: MemoryPlan;
}

/**
 * One call for what a step costs in time and in memory: the memory plan (`planMemory`) and the step-time model
 * (`estimateStep` on `syntheticLookupStats`, tables on the SparseCores) of the same tables, batch and slice. The
 * optimizer update of each table reads and writes its rows' state with the bytes the memory plan holds per row
 * (`rowBytes`: its optimizer's slots, its weight precision), so both halves use one formula. A dynamic table's ids are
 * drawn over its `vocabularySize` (its id space) when given, else over its `rowBudget`; a lazy table's over its
 * vocabulary (storage changes what is held, not which ids arrive).
 *
 * @param input - see {@link StepPlanInput}.
 * @returns a frozen {@link StepPlan}.
 * @throws ConfigError from `planMemory` (`invalid_plan`), `syntheticLookupStats`, `estimateStep`, `hardwareProfile`.
 * @example
 * const { time, memory } = planStep({ tables: productionLikeModel().tables, topology: 'v4-8', globalBatchSize: 16384 });
 * [time.total(), memory.perChip.total, memory.fits]
 */
export function planStep(input: StepPlanInput): StepPlan {
  const profile = hardwareProfile(input.topology, { host: input.host });
  const memory = planMemory({ tables: input.tables, globalBatchSize: input.globalBatchSize, optimizer: input.optimizer }, profile.topology, input.memory);
  const tables: Record<string, TableStateSpec> = {};
  for (const t of memory.tableInputs) tables[t.name] = { slotsPerRow: t.slotsPerRow, weightPrecision: t.weightPrecision };
  const stats = syntheticLookupStats({
    tables: memory.tableInputs.map((t) => ({
      name: t.name,
      vocabularySize: t.vocabularySize ?? t.residentRows,
      dim: t.dim,
      idsPerSample: t.idsPerSample,
      skew: t.skew,
    })),
    globalBatchSize: input.globalBatchSize,
    topology: profile.topology,
    placement: 'sparsecore',
  });
  const time = estimateStep(stats, profile, { ...input.options, denseFlopsPerSample: input.denseFlopsPerSample, tables });
  return Object.freeze({ time, memory });
}

export {
  BYTES_PER_FLOAT32,
  BYTES_PER_ID,
  HBM_BYTES_PER_S_TPU_V3,
  HBM_BYTES_TPU_V3,
  HBM_BYTES_PER_S_TPU_V4,
  HBM_BYTES_TPU_V4,
  HBM_BYTES_PER_S_TPU_V5P,
  HBM_BYTES_TPU_V5P,
  HBM_BYTES_PER_S_TPU_V6E,
  HBM_BYTES_TPU_V6E,
  HBM_BYTES_TPU_V5E,
  ICI_BYTES_PER_S_TPU_V3,
  ICI_BYTES_PER_S_TPU_V4,
  ICI_BYTES_PER_S_TPU_V5P,
  ICI_BYTES_PER_S_TPU_V6E,
  PEAK_FLOPS_PER_S_TPU_V3,
  PEAK_FLOPS_PER_S_TPU_V4,
  PEAK_FLOPS_PER_S_TPU_V5P,
  PEAK_FLOPS_PER_S_TPU_V6E,
  PCIE_BYTES_PER_S_PER_CHIP,
  PCIE_BYTES_PER_S_PER_CHIP_TPU_V6E,
  DCN_BYTES_PER_S_PER_HOST,
  CHIPS_PER_HOST_TPU_V3,
  CHIPS_PER_HOST_TPU_V4,
  CHIPS_PER_HOST_TPU_V5P,
  CHIPS_PER_HOST_TPU_V6E,
  TORCHREC_HBM_BYTES_PER_S,
  TORCHREC_DDR_BYTES_PER_S,
  TORCHREC_HBM_TO_DDR_BYTES_PER_S,
  TORCHREC_CROSS_NODE_BYTES_PER_S,
  SMALL_DIM_PENALTY_BELOW_64,
  SMALL_DIM_PENALTY_64_TO_127,
  FULL_BLOCK_DIM,
  TORCHREC_BACKWARD_MULTIPLIER,
  DEFAULT_DENSE_UTILIZATION,
} from './hardware-constants';
export { smallDimPenalty } from './small-dim-penalty';
export { TPU_GENERATIONS, TPU_CHIP_PROFILES } from './tpu-chip-profile';
export type { TpuGeneration, TpuChipProfile } from './tpu-chip-profile';
export { cpuHostProfile, DATACENTER_HOST_PROFILE } from './cpu-host-profile';
export type { CpuHostProfile, CpuHostProfileOptions } from './cpu-host-profile';
export { measureCopyBandwidth } from './measure-copy-bandwidth';
export type { MeasureCopyBandwidthOptions } from './measure-copy-bandwidth';
export { hardwareProfile } from './hardware-profile';
export type { HardwareProfile, HardwareProfileOptions } from './hardware-profile';
export { STEP_COST_PARTS, stepCostBreakdown } from './step-cost-breakdown';
export type { StepCostParts, StepCostBreakdown } from './step-cost-breakdown';
export { idDistribution, expectedUniqueIds } from './id-distribution';
export type { IdSkew, IdDistribution } from './id-distribution';
export { syntheticLookupStats } from './synthetic-lookup-stats';
export type { SyntheticTableSpec, SyntheticLookupStatsInput } from './synthetic-lookup-stats';
export { estimateStep } from './estimate-step';
export type { EstimateStepOptions, TableStateSpec } from './estimate-step';
export { productionLikeModel } from './production-like-model';
export type { SyntheticModel } from './production-like-model';
export { speedupSparseCoreVsCpu } from './speedup-sparsecore-vs-cpu';
export type { SpeedupInput, SpeedupPoint } from './speedup-sparsecore-vs-cpu';
export { tutorialModel } from './tutorial-model';
export { speedupCeilings } from './speedup-ceilings';
export type { SpeedupCeiling } from './speedup-ceilings';
export { STORAGE_KINDS, WEIGHT_PRECISIONS, WEIGHT_PRECISION_BYTES, DYNAMIC_ID_MAP_BYTES_PER_ROW } from './storage-kinds';
export type { StorageKind, WeightPrecision } from './storage-kinds';
export { rowBytes } from './row-bytes';
export type { RowBytes } from './row-bytes';
export { MEMORY_GENERATIONS } from './memory-generations';
export type { MemoryGeneration } from './memory-generations';
export type { PlanTableInput, PlanTable } from './plan-table';
export type { MemoryBytes, SliceShape, TableMemory } from './table-memory';
export { planMemory } from './memory-plan';
export type { MemoryPlan, MemoryPlanInput, MemoryPlanOptions, ChipsNeeded } from './memory-plan';
export { checkMemoryFit } from './check-memory-fit';
export type { CheckMemoryFitOptions } from './check-memory-fit';
export { formatBytes } from './format-bytes';
export { planStep } from './step-plan';
export type { StepPlanInput, StepPlan } from './step-plan';
export { memoryPlanRows, memoryPlanSummary } from './memory-plan-report';
export type { MemoryPlanRow } from './memory-plan-report';
export { denseTimeForSpeedup } from './dense-time-for-speedup';

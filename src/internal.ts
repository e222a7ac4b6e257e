/**
 * The library's internals, re-exported for power users under one namespace (`import { internal } from
 * 'tpu-embeddings'`): building blocks of the engine, the checkpoint format and the models, and the cost model's
 * hardware constants. They are not part of the stable API. Grouped by module like src/index.ts.
 */
// backend
export { resetBackendChoice } from './backend';
// data
export { MOVIELENS_CHECKSUMS } from './data';
// optimizers
export { LEGACY_SLOT_NAMES, renameLegacySlots } from './optimizers';
// embedding
export {
  normalizeInitializer,
  initializerToJson,
  fillTable,
  isEmbeddingOptimizer,
  optimizerToJson,
  normalizeFeatureInput,
  TableLayout,
  ShardedTable,
  IdDedup,
  SHARD_LAYOUTS,
  shardOfRow,
  shardRowCount,
  shardRows,
  unshardRows,
} from './embedding';
export type { NormalizedInput, ShardLayout, RowArray } from './embedding';
// cost: the hardware constants (units in the names, sources beside them) and the small-dim penalty
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
  smallDimPenalty,
  STORAGE_KINDS,
  WEIGHT_PRECISIONS,
  WEIGHT_PRECISION_BYTES,
  DYNAMIC_ID_MAP_BYTES_PER_ROW,
} from './cost';
export type { StorageKind, WeightPrecision } from './cost';
// checkpoint: the safetensors layout and manifest checks
export {
  SAFETENSORS_DTYPES,
  shapeSize,
  layoutSafetensors,
  tensorBytes,
  parseSafetensors,
  CHECKPOINT_DIR_PREFIX,
  validateManifest,
} from './checkpoint';
export type { SafetensorsEntry, SafetensorsLayout, ParsedSafetensors } from './checkpoint';
// serving: the request parser behind the model server
export { REQUEST_FORMATS, parsePredictRequest } from './serving';
export type { RequestFormat, PredictRequest } from './serving';
// models: the ranking model's parts
export {
  createRankingEmbedding,
  rankingTableName,
  tablesToTensors,
  tensorsToTables,
  lookupPadded,
  progressModeFor,
  inNotebook,
  checkRatingBatch,
  DenseStack,
  denseLayer,
  buildServingModel,
} from './models';
export type { DenseWeight, ServingModelParts } from './models';
// viz: the template and HTML plumbing behind every figure
export { COLORWAY, applyTemplate, axisTitle, baseLayout, figureDivHtml, plotlyScriptTag } from './viz';
export type { BaseAxis, BaseLayout } from './viz';

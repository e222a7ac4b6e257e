export {
  SLOT_NAMES,
  EmbeddingOptimizer,
} from './embedding-optimizer';
export type {
  SlotName,
  SlotSpec,
  LearningRate,
  RowUpdateBatch,
  OptimizerConfig,
  OptimizerConfigValue,
  ClipValue,
  EmbeddingOptimizerOptions,
} from './embedding-optimizer';
export { SGD } from './sgd';
export type { SGDOptions } from './sgd';
export { Adagrad } from './adagrad';
export type { AdagradOptions } from './adagrad';
export { AdagradMomentum } from './adagrad-momentum';
export type { AdagradMomentumOptions } from './adagrad-momentum';
export { Adam } from './adam';
export type { AdamOptions } from './adam';
export { FTRL } from './ftrl';
export type { FTRLOptions } from './ftrl';
export { optimizerFromConfig, registerOptimizer, registeredOptimizers } from './optimizer-registry';
export type { OptimizerFactory, OptimizerFromConfigOptions, WrappedOptimizerConfig } from './optimizer-registry';
export { kerasAdagrad, KERAS_ADAGRAD_EPSILON } from './keras-adagrad';
export type { KerasAdagradOptions } from './keras-adagrad';
export { denseOptimizerFor } from './dense-optimizer-for';
export { LEGACY_SLOT_NAMES, renameLegacySlots } from './legacy-slot-names';

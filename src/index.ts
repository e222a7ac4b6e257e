/**
 * tpu-embeddings: TPU embeddings simulated on TensorFlow.js. The public API, listed by name
 * (guarded by test/public-api.test.ts against test/public-api.txt).
 */
export { BACKENDS, chooseBackend, resetBackendChoice } from './backend';
export type { BackendName, BackendChoice, ChooseBackendOptions } from './backend';
export { ConfigError, InputError, ShardingError, DataError, CheckpointError } from './errors';
export { Random } from './random';

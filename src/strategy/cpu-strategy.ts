import { TPUStrategy } from './tpu-strategy';

/**
 * The default (CPU) strategy: one replica that takes the whole global batch, on the `cpu` topology
 * (what TensorFlow runs under `tf.distribute.get_strategy()` without a TPU). Same API as {@link TPUStrategy}.
 *
 * @example
 * const s = new CPUStrategy();
 * s.numReplicasInSync;   // 1
 * s.replicaSlices(5);    // [{ replica: 0, start: 0, end: 5 }]
 */
export class CPUStrategy extends TPUStrategy {
  constructor() {
    super('cpu');
  }
}

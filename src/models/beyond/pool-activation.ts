import * as tf from '@tensorflow/tfjs';

/**
 * One vector per example from an activation: a pooled feature `[B, dim]` as it is, a sequence feature
 * `[B, L, dim]` (e.g. a rating history, zero-padded at L) averaged over its L positions.
 * @param act an activation from `TPUEmbedding.lookup`.
 * @returns `[B, dim]`.
 * @example poolActivation(acts.history) // [B, dim]
 */
export function poolActivation(act: tf.Tensor): tf.Tensor2D {
  if (act.rank === 2) return act as tf.Tensor2D;
  return tf.reshape(tf.mean(act, 1), [act.shape[0], act.shape[act.rank - 1] as number]) as tf.Tensor2D;
}

import * as tf from '@tensorflow/tfjs';

/** Batch sizes whose `1/B` scalar {@link MeanSquaredErrorSum} keeps (a fit uses one or two: the batch and a short last one). */
const CACHED_BATCH_SIZES = 8;

/**
 * The ranking model's loss, the tutorial's MSE with `Reduction.NONE` summed and scaled by 1/global batch, with its
 * gradient written out (the same ops autodiff would run, hence the same float32 values):
 *
 * ```
 * d = p − label                      p, label [B]
 * loss = Σ d² · (1/B)                scalar
 * ∂loss/∂p = (2·d) · (1/B)           [B]   (tfjs' gradients of mul, sum and square, in their order)
 * ```
 * The constants `1/B` and `2` are float32 scalars created once and reused (not one upload per step).
 *
 * @example
 * const mse = new MeanSquaredErrorSum();
 * const { value, dPredictions } = mse.loss(p, labels); // inside tf.tidy
 * mse.dispose();
 */
export class MeanSquaredErrorSum {
  private readonly inverseBatch = new Map<number, tf.Scalar>();
  private two: tf.Scalar | null = null;

  /**
   * The loss of predictions `p` against labels. Call it inside `tf.tidy` (or a gradient function): it allocates.
   * @param p predictions `[B]` float32.
   * @param labels `[B]` float32.
   * @returns the loss `value` and `dPredictions()`, its gradient with respect to `p` `[B]`.
   */
  loss(p: tf.Tensor1D, labels: Float32Array): { readonly value: tf.Scalar; dPredictions(): tf.Tensor1D } {
    const b = p.shape[0];
    const d = tf.sub(p, tf.tensor1d(labels, 'float32'));
    const invB = this.inverse(b);
    return {
      value: tf.mul(tf.sum(tf.square(d)), invB) as tf.Scalar,
      dPredictions: () => tf.mul(tf.mul(d, this.constantTwo()), invB),
    };
  }

  /** Frees the cached scalars. */
  dispose(): void {
    for (const t of this.inverseBatch.values()) t.dispose();
    this.inverseBatch.clear();
    this.two?.dispose();
    this.two = null;
  }

  private inverse(b: number): tf.Scalar {
    let t = this.inverseBatch.get(b);
    if (!t) {
      if (this.inverseBatch.size >= CACHED_BATCH_SIZES) this.dispose();
      t = tf.keep(tf.scalar(1 / b, 'float32'));
      this.inverseBatch.set(b, t);
    }
    return t;
  }

  private constantTwo(): tf.Scalar {
    if (!this.two) this.two = tf.keep(tf.scalar(2, 'float32'));
    return this.two;
  }
}

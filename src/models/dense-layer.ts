import * as tf from '@tensorflow/tfjs';
import { nativeMatMulActive } from '../kernels/native-matmul';

/** Activations a {@link denseLayer} supports (Keras names). */
export const DENSE_ACTIVATIONS = ['linear', 'relu'] as const;
/** One of {@link DENSE_ACTIVATIONS}. */
export type DenseActivation = (typeof DENSE_ACTIVATIONS)[number];

/**
 * One fully connected layer `y = act(x · W + b)` with a hand-written gradient.
 *
 * ```
 * x [B, in]   W [in, out]   b [out]   →   y [B, out]
 * backward: dz = dy ⊙ act'(y);  dx = dz · Wᵀ;  dW = xᵀ · dz;  db = Σ_rows dz
 * ```
 *
 * Why a custom gradient: on the wasm backend tfjs's `matMul` with `transposeA`/`transposeB` (which the stock
 * gradient of `matMul` uses) is about 12× slower than an explicit `transpose` followed by a plain `matMul`
 * (measured here: 1024×128×256, 37 ms vs 2.7 ms). The values are the same; only the kernels differ. Where the
 * native BLAS kernels replace tfjs's (`useNativeMatMul`), the transposes are flags of the product instead (free).
 *
 * @param x input `[B, in]`.
 * @param kernel `[in, out]`.
 * @param bias `[out]`.
 * @param activation 'relu' or 'linear'.
 * @returns `[B, out]`; differentiable with respect to `x`, `kernel` and `bias` (`tf.grads`, `tf.engine().gradients`).
 * @example
 * const y = denseLayer(x, W, b, 'relu');
 */
export function denseLayer(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, activation: DenseActivation): tf.Tensor2D {
  const op = tf.customGrad((...args: unknown[]) => {
    const [xi, w, bi] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const y = tf.fused.matMul({ a: xi, b: w, bias: bi, activation: activation === 'relu' ? 'relu' : 'linear' });
    save([xi, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sy] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dz = activation === 'relu' ? tf.mul(dy, tf.step(sy)) : dy;
        // With the BLAS kernels (useNativeMatMul) the transposes are flags of one product; without, explicit.
        if (nativeMatMulActive()) return [tf.matMul(dz as tf.Tensor2D, sw, false, true), tf.matMul(sx, dz as tf.Tensor2D, true, false), tf.sum(dz, 0)];
        return [tf.matMul(dz as tf.Tensor2D, tf.transpose(sw)), tf.matMul(tf.transpose(sx), dz as tf.Tensor2D), tf.sum(dz, 0)];
      },
    };
  });
  return op(x, kernel, bias) as tf.Tensor2D;
}

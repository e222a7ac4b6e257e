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
    const y = denseLayerForward(xi, w, bi, activation);
    save([xi, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sy] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const g = denseLayerBackward(dy as tf.Tensor2D, sx, sw, sy, activation);
        return [g.dx, g.dKernel, g.dBias];
      },
    };
  });
  return op(x, kernel, bias) as tf.Tensor2D;
}

/** The gradients of one {@link denseLayer} (see {@link denseLayerBackward}). */
export interface DenseLayerGrads {
  /** `[B, in]`. */
  readonly dx: tf.Tensor2D;
  /** `[in, out]`. */
  readonly dKernel: tf.Tensor2D;
  /** `[out]`. */
  readonly dBias: tf.Tensor1D;
}

/**
 * The backward pass of one {@link denseLayer}, the one formula both its autodiff gradient and
 * {@link DenseStack.forwardBackward} use:
 *
 * ```
 * dz = dy ⊙ step(y) (relu) or dy (linear);  dx = dz · Wᵀ;  dKernel = xᵀ · dz;  dBias = Σ_rows dz
 * ```
 * Explicit `transpose` + plain `matMul` (see {@link denseLayer} for why).
 *
 * @param dy gradient of the layer's output `[B, out]`.
 * @param x the layer's input `[B, in]`.
 * @param kernel `[in, out]`.
 * @param y the layer's output `[B, out]` (after the activation).
 * @param activation the layer's activation.
 * @returns {@link DenseLayerGrads}; intermediates are not freed (call it inside `tf.tidy` or a gradient function).
 * @example
 * const { dx, dKernel, dBias } = denseLayerBackward(dy, x, W, y, 'relu');
 */
export function denseLayerBackward(dy: tf.Tensor2D, x: tf.Tensor2D, kernel: tf.Tensor2D, y: tf.Tensor2D, activation: DenseActivation): DenseLayerGrads {
  const dz = (activation === 'relu' ? tf.mul(dy, tf.step(y)) : dy) as tf.Tensor2D;
  // With the BLAS kernels (useNativeMatMul) the transposes are flags of one product; tfjs-wasm's own transposed
  // products are slower than an explicit transpose, so without them the transposes stay explicit.
  if (nativeMatMulActive()) return { dx: tf.matMul(dz, kernel, false, true), dKernel: tf.matMul(x, dz, true, false), dBias: tf.sum(dz, 0) as tf.Tensor1D };
  return { dx: tf.matMul(dz, tf.transpose(kernel)), dKernel: tf.matMul(tf.transpose(x), dz), dBias: tf.sum(dz, 0) as tf.Tensor1D };
}

/**
 * The forward pass of one {@link denseLayer}: `act(x · W + b)` as one `tf.fused.matMul` (bias and ReLU fused into
 * the wasm backend's `_FusedMatMul`). Not differentiable by itself; {@link denseLayerBackward} is its gradient.
 * @param x `[B, in]`. @param kernel `[in, out]`. @param bias `[out]`. @param activation the activation.
 * @returns `[B, out]`.
 * @example const y = denseLayerForward(x, W, b, 'relu');
 */
export function denseLayerForward(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, activation: DenseActivation): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: kernel, bias, activation: activation === 'relu' ? 'relu' : 'linear' }) as tf.Tensor2D;
}

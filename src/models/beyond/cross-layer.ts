import type * as tf from '@tensorflow/tfjs';
import * as tfc from '@tensorflow/tfjs';
import { denseLayer } from '../dense-layer';

/**
 * One DCN-v2 cross layer (Wang et al. 2021, eq. 1; TFRS `Cross`): `x_{l+1} = x0 ⊙ (x_l W + b) + x_l`.
 *
 * ```
 * x0 [B, D]  x_l [B, D]  W [D, D]  b [D]  →  [B, D]
 * ```
 * @param x0 the cross network's input.
 * @param xl the previous layer's output (x0 for the first layer).
 * @param kernel W `[D, D]`.
 * @param bias b `[D]`.
 * @returns `[B, D]`; differentiable with respect to every argument.
 * @example const x1 = crossLayer(x0, x0, W, b);
 */
export function crossLayer(x0: tf.Tensor2D, xl: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return tfc.add(tfc.mul(x0, denseLayer(xl, kernel, bias, 'linear')), xl) as tf.Tensor2D;
}

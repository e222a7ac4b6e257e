import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../errors';

/**
 * DLRM's pairwise dot interaction: the dot product of every pair of distinct vectors, each pair once.
 *
 * ```
 * vectors v_0 … v_{n−1}, each [B, d]   (the entries of Z = T Tᵀ, T = stack(v) [B, n, d], below the diagonal)
 * out [B, n(n−1)/2] = v_i · v_j for i = 1…n−1, j = 0…i−1   (order (1,0), (2,0), (2,1), (3,0), …, as DLRM's reference)
 * ```
 * @param vectors n ≥ 2 tensors `[B, d]` of the same shape.
 * @returns `[B, n(n−1)/2]`; differentiable.
 * @throws InputError `bad_shape` for fewer than 2 vectors or mismatched shapes.
 * @example dotInteraction([user, movie, genres]) // [B, 3]: u·m, u·g, m·g
 */
export function dotInteraction(vectors: readonly tf.Tensor2D[]): tf.Tensor2D {
  const n = vectors.length;
  const shape = vectors[0]?.shape;
  if (n < 2 || vectors.some((v) => v.rank !== 2 || v.shape[0] !== shape[0] || v.shape[1] !== shape[1])) {
    throw new InputError('bad_shape', `dotInteraction: expected at least 2 vectors of one shape [B, d], but got ${n} of shapes ${vectors.map((v) => `[${v.shape.join(', ')}]`).join(', ')}. Give every feature the same width.`);
  }
  // One reduction per pair rather than T Tᵀ and a gather: the wasm backend has no gradient kernel for gather
  // (UnsortedSegmentSum), and n is small (features, not examples).
  const pairs: tf.Tensor1D[] = [];
  for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) pairs.push(tf.sum(tf.mul(vectors[i], vectors[j]), 1));
  return tf.stack(pairs, 1) as tf.Tensor2D;
}

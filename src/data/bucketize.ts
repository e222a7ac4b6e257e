/**
 * The bucket of a value among sorted edges, as Keras' `Discretization(bin_boundaries=edges)` and TensorFlow's
 * `tf.raw_ops.Bucketize` compute it: the number of edges ≤ value.
 *
 * ```
 * edges    [10, 20, 30]
 * buckets  0: (−∞, 10)   1: [10, 20)   2: [20, 30)   3: [30, ∞)
 * ```
 *
 * @param value the number to bucket (NaN falls in bucket 0).
 * @param edges strictly increasing finite edges (not checked here: callers validate them once, at their boundary).
 * @returns an integer in [0, edges.length].
 * @example
 * bucketize(19, [10, 20, 30]); // 1
 * bucketize(20, [10, 20, 30]); // 2
 */
export function bucketize(value: number, edges: readonly number[]): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

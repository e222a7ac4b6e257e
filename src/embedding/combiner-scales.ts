/**
 * The combiner's per-position scales of a pooled feature (mean, sum, sqrtn, with optional weights): what the
 * forward combine multiplies each row by and what the backward pass scales each gradient by.
 */
import type { NormalizedInput } from './feature-input';

/**
 * Per-position combiner scale: w (sum), w/Σw (mean), w/√Σw² (sqrtn); zeros when the denominator is 0 or dropped.
 * `noneDropped`: a pooled feature without dropped positions (every slot ≥ 0), whose unweighted scales need no slot reads.
 */
export function combinerScales(input: NormalizedInput, slot: Int32Array, combiner: 'mean' | 'sum' | 'sqrtn', scale: Float32Array, noneDropped: boolean): Float32Array {
  const { rowSplits, weights, batchSize } = input;
  if (!weights && noneDropped) {
    // Every position is kept: the scale of sample b is a function of its length only (no reads of slot). 'sum' and
    // one-id bags (every sample of length ≤ 1) are all ones: one fill, no per-sample work.
    const P = rowSplits[batchSize] - rowSplits[0];
    if (combiner === 'sum' || P === batchSize) {
      // Length-1 bags only (P = B with no empty bag, or the scale of every non-empty sample is 1 anyway).
      let ones = combiner === 'sum';
      if (!ones) {
        ones = true;
        for (let b = 0; b < batchSize; b++) {
          if (rowSplits[b + 1] - rowSplits[b] !== 1) {
            ones = false;
            break;
          }
        }
      }
      if (ones) {
        scale.fill(1, rowSplits[0], rowSplits[batchSize]);
        return scale;
      }
    }
    const sqrt = combiner === 'sqrtn';
    let pe = rowSplits[0];
    for (let b = 0; b < batchSize; b++) {
      const ps = pe;
      pe = rowSplits[b + 1];
      const n = pe - ps;
      if (n === 0) continue;
      const inv = n === 1 ? 1 : sqrt ? 1 / Math.sqrt(n) : 1 / n;
      for (let p = ps; p < pe; p++) scale[p] = inv;
    }
    return scale;
  }
  scale.fill(0);
  if (!weights) {
    for (let b = 0; b < batchSize; b++) {
      const ps = rowSplits[b];
      const pe = rowSplits[b + 1];
      let n = 0;
      for (let p = ps; p < pe; p++) if (slot[p] >= 0) n++;
      const inv = n === 0 ? 0 : combiner === 'sum' ? 1 : combiner === 'mean' ? 1 / n : 1 / Math.sqrt(n);
      for (let p = ps; p < pe; p++) if (slot[p] >= 0) scale[p] = inv;
    }
    return scale;
  }
  for (let b = 0; b < batchSize; b++) {
    const ps = rowSplits[b];
    const pe = rowSplits[b + 1];
    let den = 0;
    for (let p = ps; p < pe; p++) {
      if (slot[p] < 0) continue;
      const w = weights ? weights[p] : 1;
      den += combiner === 'sqrtn' ? w * w : w;
    }
    let inv: number;
    if (combiner === 'sum') inv = 1;
    else if (den === 0) inv = 0;
    else inv = combiner === 'mean' ? 1 / den : 1 / Math.sqrt(den);
    for (let p = ps; p < pe; p++) {
      if (slot[p] < 0) continue;
      scale[p] = (weights ? weights[p] : 1) * inv;
    }
  }
  return scale;
}

/**
 * The forward combine of one feature: its activations from the table rows of its ids, scaled by the combiner —
 * sequence features row by row, pooled features in the SIMD kernel (with the gather helper's part copied in) or in
 * the JavaScript loop.
 */
import type { ActivationOutput } from './activation-output';
import type { PendingFeature, TableState } from './engine-state';
import type { HelperPart } from './helper-hand-off';
import type { NativeKernels } from '../kernels/native-kernels';
import { SIMD_CHUNK_POSITIONS } from '../kernels/simd-combiner';
import { sequenceEnd, sequencePosition } from './sequence-positions';

/**
 * The activations of `pf` (`[B, L, dim]` for a sequence feature, `[B, dim]` pooled) from the rows of the last
 * routing of `ts` (`ts.uOffBuf`, `pf.slot`, `pf.scale`, `pf.state.posOffBuf`).
 * @param helperPart the part of this feature the gather helper combines, or null.
 * @param allKept no id of the table was dropped (else this thread redoes the helper's part).
 * @param useSimd use the SIMD kernel where the table has one (`TPUEmbedding.useSimd`).
 * @param outputs where the activation buffer comes from.
 * @param native the native kernels, used (on `nativeThreads` threads) instead of the SIMD kernel for tables that have
 *   one (same results); null: not used.
 * @returns the activation values, to wrap with `outputs.tensor`.
 */
export function combineFeature(ts: TableState, pf: PendingFeature, helperPart: HelperPart | null, allKept: boolean, useSimd: boolean, outputs: ActivationOutput, native: NativeKernels | null = null, nativeThreads = 1): Float32Array {
  const st = ts.table.storage;
  const off = ts.uOffBuf;
  const dim = ts.table.dim;
  const { rowSplits, batchSize } = pf.input;
  const slot = pf.slot;
  const scale = pf.scale;
  const L = pf.state.config.maxSequenceLength;
  if (L > 0) {
    const out = outputs.buffer(pf, batchSize * L * dim);
    for (let b = 0; b < batchSize; b++) {
      const ps = rowSplits[b];
      const pe = sequenceEnd(pf.input, b, L);
      for (let p = ps; p < pe; p++) {
        const i = slot[p];
        if (i < 0) continue;
        const a = off[i];
        const o = (b * L + sequencePosition(pf.input, p, ps)) * dim;
        for (let k = 0; k < dim; k++) out[o + k] = st[a + k];
      }
    }
    return out;
  }
  const simd = ts.table.simd;
  if (simd && native) {
    // The native twin of the SIMD kernel writes straight into `out` (on the wasm backend, the tensor's memory in
    // the tfjs heap) from several threads; bags longer than the SIMD kernel's chunk go to the same JavaScript loop.
    const out = outputs.buffer(pf, batchSize * dim, false);
    const left = native.combine(st, pf.state.posOffBuf, scale, rowSplits, batchSize, dim, out, SIMD_CHUNK_POSITIONS, nativeThreads);
    if (left > 0) combineLongBags(st, off, slot, scale, rowSplits, batchSize, dim, out);
    return out;
  }
  if (simd && useSimd) {
    // The kernel overwrites every row it combines; a fallback row is zeroed first.
    const out = outputs.buffer(pf, batchSize * dim, false);
    const fallback = (b: number): void => {
      out.fill(0, b * dim, (b + 1) * dim);
      combinePooledRange(st, off, slot, scale, rowSplits, b, b + 1, dim, out);
    };
    if (!helperPart) {
      simd.combine(pf.state.posOffBuf, scale, rowSplits, batchSize, out, fallback);
      return out;
    }
    // Samples [0, split) here while the helper does [split, B); its activations are then copied in, unless it
    // failed or ids were dropped (it combined every id): then this thread does its part too.
    const split = helperPart.split;
    simd.combine(pf.state.posOffBuf, scale, rowSplits, split, out, fallback);
    const helped = helperPart.helper.wait();
    if (helped && allKept) out.set(helperPart.area.out.subarray(0, (batchSize - split) * dim), split * dim);
    else simd.combine(pf.state.posOffBuf, scale, rowSplits.subarray(split), batchSize - split, out.subarray(split * dim), (b) => fallback(b + split));
    return out;
  }
  const out = outputs.buffer(pf, batchSize * dim);
  combinePooledRange(st, off, slot, scale, rowSplits, 0, batchSize, dim, out);
  return out;
}

/** The samples of more than {@link SIMD_CHUNK_POSITIONS} ids, combined by the JavaScript loop as the SIMD path does. */
export function combineLongBags(st: Float32Array, off: Int32Array, slot: Int32Array, scale: Float32Array, rowSplits: Int32Array, B: number, dim: number, out: Float32Array): void {
  for (let b = 0; b < B; b++) {
    if (rowSplits[b + 1] - rowSplits[b] <= SIMD_CHUNK_POSITIONS) continue;
    out.fill(0, b * dim, (b + 1) * dim);
    combinePooledRange(st, off, slot, scale, rowSplits, b, b + 1, dim, out);
  }
}

/**
 * out[b] = Σ_p scale[p] · row(slot[p]) over sample b's positions, four rows at a time (more independent memory
 * reads in flight, one write of the output row per group). Dropped positions (slot -1) have scale 0 and read row 0.
 */
function combinePooledRange(st: Float32Array, off: Int32Array, slot: Int32Array, scale: Float32Array, rowSplits: Int32Array, b0: number, b1: number, dim: number, out: Float32Array): void {
  for (let b = b0; b < b1; b++) {
    let p = rowSplits[b];
    const pe = rowSplits[b + 1];
    const o = b * dim;
    for (; p + 3 < pe; p += 4) {
      const i0 = slot[p], i1 = slot[p + 1], i2 = slot[p + 2], i3 = slot[p + 3];
      const a0 = i0 < 0 ? 0 : off[i0], a1 = i1 < 0 ? 0 : off[i1], a2 = i2 < 0 ? 0 : off[i2], a3 = i3 < 0 ? 0 : off[i3];
      const s0 = scale[p], s1 = scale[p + 1], s2 = scale[p + 2], s3 = scale[p + 3];
      for (let k = 0; k < dim; k++) {
        out[o + k] += s0 * st[a0 + k] + s1 * st[a1 + k] + s2 * st[a2 + k] + s3 * st[a3 + k];
      }
    }
    for (; p < pe; p++) {
      const i = slot[p];
      if (i < 0) continue;
      const a = off[i];
      const s = scale[p];
      for (let k = 0; k < dim; k++) out[o + k] += s * st[a + k];
    }
  }
}

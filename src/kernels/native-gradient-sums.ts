import { nativeKernels, type NativeKernels } from './native-kernels';

/**
 * The backward pass's gradient sums run by the native kernel (`src/kernels/native/gradient-sum.cc`), the twin of
 * `WasmGradientSums` (same interface, bit-identical sums: per unique row, the first entry's scale × gradient, each
 * further one added in order, in float32). It copies nothing in: {@link load} keeps references to the step's
 * entries and gradients, and {@link sum} reads them where they are (rows in chunks on the native thread pool).
 * Only its sums buffer is its own (`chunkFloats`, grown, never shrunk).
 *
 * @example
 * const s = NativeGradientSums.create(); // null without the native kernels
 */
export class NativeGradientSums {
  /** Threads a {@link sum} call uses (the caller plus pool workers). */
  threads = 1;
  private ends: Int32Array = new Int32Array(0);
  private goff: Int32Array = new Int32Array(0);
  private scale: Float32Array = new Float32Array(0);
  private feature: Int32Array | null = null;
  private grads: readonly Float32Array[] = [];
  private sums = new Float32Array(0);

  private constructor(private readonly k: NativeKernels) {}

  /**
   * A new summer, or null without the native kernels (then use `WasmGradientSums` or the JavaScript loop).
   * @param kernels the kernels to run. @default the process's {@link nativeKernels}
   */
  static create(kernels: NativeKernels | null = nativeKernels()): NativeGradientSums | null {
    return kernels ? new NativeGradientSums(kernels) : null;
  }

  /**
   * Takes one step's entries: `ends[0 .. U)` (the end of row i's entries), for each of the `n` entries its gradient
   * offset `goff` in feature `feature`'s gradient and its scale, and the gradients (kept by reference until the
   * next load: they must not change in between); reserves `chunkFloats` floats of sums.
   */
  load(U: number, ends: Int32Array, n: number, goff: Int32Array, scale: Float32Array, feature: Int32Array, grads: readonly Float32Array[], chunkFloats: number): void {
    this.ends = ends.subarray(0, U);
    this.goff = goff.subarray(0, n);
    this.scale = scale.subarray(0, n);
    this.feature = grads.length === 1 ? null : feature.subarray(0, n);
    this.grads = grads;
    if (this.sums.length < chunkFloats) this.sums = new Float32Array(chunkFloats);
  }

  /** Sums rows `[i0, i1)`; @returns the sums, `[(i1 − i0), dim]` at the start of a reused array. */
  sum(i0: number, i1: number, dim: number): Float32Array {
    this.k.sumRows(i0, i1, this.ends, this.goff, this.scale, this.feature, this.grads, dim, this.sums, this.threads);
    return this.sums;
  }
}

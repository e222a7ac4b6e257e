import { compileKernel } from './compile-kernel';
import { WASM_BASE64 } from './gradient-sum.wasm';

interface SumExports {
  sumRows(i0: number, i1: number, ends: number, offsets: number, scales: number, grads: number, dim: number, sums: number): void;
}

const PAGE = 65536;

/**
 * The backward pass's gradient sums (`sumRows` of `apply-table-gradients.ts`) run by a WebAssembly SIMD kernel
 * (`src/kernels/gradient-sum.as.ts`): per unique row, Σ scale × activation gradient over its positions, in f32x4
 * arithmetic (the JavaScript loop adds in float64 and rounds once per add, so sums of several entries may differ in
 * the last bit). Its own memory holds one step's entries and gradients, sized by the batch (never by the
 * vocabulary) and grown, never shrunk, by {@link load}.
 *
 * Memory: `| row ends [U] | gradient offsets [n] | scales [n] | gradients of every feature | sums [chunk] |`.
 *
 * @example
 * const s = WasmGradientSums.create(); // null without WebAssembly SIMD
 */
export class WasmGradientSums {
  private readonly memory = new WebAssembly.Memory({ initial: 1 });
  private readonly k: SumExports;
  private endsAt = 0;
  private offsetsAt = 0;
  private scalesAt = 0;
  private gradsAt = 0;
  private sumsAt = 0;
  private sumsView = new Float32Array(0);

  private constructor(module: WebAssembly.Module) {
    this.k = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports as unknown as SumExports;
  }

  /** A new summer, or null when this runtime cannot run the kernel (then sum in JavaScript). */
  static create(): WasmGradientSums | null {
    const sumModule = compileKernel(WASM_BASE64);
    if (!sumModule) return null;
    try {
      return new WasmGradientSums(sumModule);
    } catch {
      return null;
    }
  }

  /**
   * Copies one step's entries in: `ends[0 .. U)` (the end of row i's entries), for each of the `n` entries its
   * gradient offset `goff` in feature `feature`'s gradient and its scale, and the gradients; reserves `chunkFloats`
   * floats of sums.
   */
  load(U: number, ends: Int32Array, n: number, goff: Int32Array, scale: Float32Array, feature: Int32Array, grads: readonly Float32Array[], chunkFloats: number): void {
    const align = (bytes: number): number => Math.ceil(bytes / 16) * 16;
    let gradFloats = 0;
    for (const g of grads) gradFloats += g.length;
    this.endsAt = 0;
    this.offsetsAt = align(U * 4);
    this.scalesAt = this.offsetsAt + align(n * 4);
    this.gradsAt = this.scalesAt + align(n * 4);
    this.sumsAt = this.gradsAt + align(gradFloats * 4);
    const end = this.sumsAt + chunkFloats * 4;
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    const buf = this.memory.buffer;
    new Int32Array(buf, this.endsAt, U).set(ends.subarray(0, U));
    new Float32Array(buf, this.scalesAt, n).set(scale.subarray(0, n));
    const offsets = new Int32Array(buf, this.offsetsAt, n);
    const base = new Int32Array(grads.length);
    let at = 0;
    for (let f = 0; f < grads.length; f++) {
      new Float32Array(buf, this.gradsAt + at * 4, grads[f].length).set(grads[f]);
      base[f] = at;
      at += grads[f].length;
    }
    if (grads.length === 1) offsets.set(goff.subarray(0, n));
    else for (let e = 0; e < n; e++) offsets[e] = base[feature[e]] + goff[e];
    if (this.sumsView.buffer !== buf || this.sumsView.byteOffset !== this.sumsAt || this.sumsView.length !== chunkFloats) {
      this.sumsView = new Float32Array(buf, this.sumsAt, chunkFloats);
    }
  }

  /** Sums rows `[i0, i1)` (see the class doc); @returns the sums, `[(i1 − i0), dim]` at the start of a reused view. */
  sum(i0: number, i1: number, dim: number): Float32Array {
    this.k.sumRows(i0, i1, this.endsAt, this.offsetsAt, this.scalesAt, this.gradsAt, dim, this.sumsAt);
    return this.sumsView;
  }
}

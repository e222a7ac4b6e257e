import { ConfigError } from '../errors';
import { SimdCombiner } from '../kernels/simd-combiner';
import { Random } from '../random';

/** Options of {@link measureGatherBandwidth}. */
export interface MeasureGatherBandwidthOptions {
  /** Rows of the source table. */
  readonly vocabularySize: number;
  /** Row width, float32 elements. */
  readonly dim: number;
  /** Rows gathered per pass (uniformly random, with repeats). */
  readonly rows: number;
  /** Timed passes after one warm-up; the fastest counts. @default 3 */
  readonly repeats?: number;
  /** @default 0 */
  readonly seed?: number;
  /**
   * How the rows are copied: `'wasm'` the engine's WebAssembly SIMD gather (touch a chunk's rows, then copy them
   * with 16-byte loads and stores; one thread), `'js'` a plain element loop. @default 'wasm' where available
   * (`dim % 4 = 0` and WebAssembly SIMD), else 'js'
   */
  readonly kernel?: 'wasm' | 'js';
}

/**
 * Measures how fast this machine copies **random rows** of a `[vocabularySize, dim]` float32 table into a dense
 * `[rows, dim]` buffer on one thread, with the engine's WebAssembly SIMD gather (or a plain element loop): the
 * memory system's cost of an embedding gather without any of the engine's bookkeeping (dedup, routing, combining).
 * Comparing it with `measureCopyBandwidth` (streaming) shows what random row access costs; comparing the engine with
 * it shows the engine's own overhead. (A plain JavaScript loop is 2–5× slower than the kernel on small rows: its
 * per-element overhead, not the memory system, then sets the figure; `kernel: 'js'` measures it.)
 *
 * Bandwidth = (bytes read + bytes written) / seconds = 2 · rows · dim · 4 / t_min.
 *
 * @param options - see {@link MeasureGatherBandwidthOptions}.
 * @returns bytes/s (read + written).
 * @throws ConfigError `invalid_option` when a size is not a positive integer.
 * @example measureGatherBandwidth({ vocabularySize: 1e6, dim: 64, rows: 65536 }) / measureCopyBandwidth()
 */
export function measureGatherBandwidth(options: MeasureGatherBandwidthOptions): number {
  const { vocabularySize: V, dim, rows } = options;
  const repeats = options.repeats ?? 3;
  for (const [name, v] of [['vocabularySize', V], ['dim', dim], ['rows', rows], ['repeats', repeats]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new ConfigError('invalid_option', `measureGatherBandwidth: expected ${name} to be a positive integer, but got ${v}.`);
    }
  }
  if (options.kernel !== undefined && options.kernel !== 'wasm' && options.kernel !== 'js') {
    throw new ConfigError('invalid_option', `measureGatherBandwidth: expected kernel to be 'wasm' or 'js', but got ${String(options.kernel)}.`);
  }
  const simd = options.kernel === 'js' ? null : SimdCombiner.create(V * dim, dim, false);
  if (options.kernel === 'wasm' && !simd) {
    throw new ConfigError('invalid_option', `measureGatherBandwidth: kernel 'wasm' needs WebAssembly SIMD and dim % 4 = 0 (dim is ${dim}); use kernel 'js'.`);
  }
  const table = simd ? simd.storage : new Float32Array(V * dim);
  table.fill(0.01); // writes every page
  const out = new Float32Array(rows * dim);
  const rng = new Random(options.seed ?? 0);
  const offsets = new Int32Array(rows);
  let best = Infinity;
  for (let r = 0; r <= repeats; r++) {
    const idx = new Int32Array(rows);
    for (let i = 0; i < rows; i++) idx[i] = Math.floor(rng.float() * V);
    for (let i = 0; i < rows; i++) offsets[i] = Math.imul(idx[i], dim * 4);
    const t0 = performance.now();
    if (simd) simd.gather(offsets, out);
    else {
      for (let i = 0; i < rows; i++) {
        const o = idx[i] * dim;
        const w = i * dim;
        for (let j = 0; j < dim; j++) out[w + j] = table[o + j];
      }
    }
    const ms = performance.now() - t0;
    if (r > 0 && ms > 0) best = Math.min(best, ms);
  }
  if (!Number.isFinite(best)) best = 1e-6;
  return (2 * rows * dim * 4) / (best / 1000);
}

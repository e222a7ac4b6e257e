import { ConfigError } from '../errors';
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
}

/**
 * Measures how fast this machine copies **random rows** of a `[vocabularySize, dim]` float32 table into a dense
 * `[rows, dim]` buffer with a plain element loop (no allocation per row): the memory system's cost of an
 * embedding gather without any of the engine's bookkeeping (dedup, routing, combining). Comparing it with
 * `measureCopyBandwidth` (streaming) shows what random row access costs; comparing the engine with it shows the
 * engine's own overhead.
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
  const table = new Float32Array(V * dim).fill(0.01); // writes every page
  const out = new Float32Array(rows * dim);
  const rng = new Random(options.seed ?? 0);
  let best = Infinity;
  for (let r = 0; r <= repeats; r++) {
    const idx = new Int32Array(rows);
    for (let i = 0; i < rows; i++) idx[i] = Math.floor(rng.float() * V);
    const t0 = performance.now();
    for (let i = 0; i < rows; i++) {
      const o = idx[i] * dim;
      const w = i * dim;
      for (let j = 0; j < dim; j++) out[w + j] = table[o + j];
    }
    const ms = performance.now() - t0;
    if (r > 0 && ms > 0) best = Math.min(best, ms);
  }
  if (!Number.isFinite(best)) best = 1e-6;
  return (2 * rows * dim * 4) / (best / 1000);
}

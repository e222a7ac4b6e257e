import { ConfigError } from '../errors';
import { positiveInteger, where } from '../validation';

/** Options of {@link measureCopyBandwidth}. */
export interface MeasureCopyBandwidthOptions {
  /** Size of the source (and of the destination) buffer, bytes. @default 268435456 (256 MiB) */
  readonly bytes?: number;
  /** Timed copies after one warm-up copy; the fastest is kept. @default 3 */
  readonly repeats?: number;
}

/**
 * Measures this machine's memory copy bandwidth with `TypedArray.prototype.set` (a memcpy): one warm-up copy
 * (page faults), then `repeats` timed copies of `bytes` bytes; the fastest counts.
 *
 * Bandwidth = (bytes read + bytes written) / seconds = 2 · bytes / t_min.
 * Buffers that fit in the CPU caches (a few MiB) measure cache bandwidth, not DRAM: use ≥ 64 MiB for DRAM.
 *
 * @param options - see {@link MeasureCopyBandwidthOptions}.
 * @returns bytes/s (read + written).
 * @throws ConfigError `invalid_option` when bytes or repeats is not a positive integer.
 * @example cpuHostProfile({ measured: measureCopyBandwidth() })
 */
export function measureCopyBandwidth(options: MeasureCopyBandwidthOptions = {}): number {
  const bytes = options.bytes ?? 256 * 2 ** 20;
  const repeats = options.repeats ?? 3;
  const at = where(ConfigError, 'invalid_option', 'measureCopyBandwidth');
  positiveInteger(bytes, at('bytes'));
  positiveInteger(repeats, at('repeats'));
  const src = new Uint8Array(bytes);
  const dst = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 4096) src[i] = i & 255; // touch every page of the source
  dst.set(src); // warm-up: faults the destination's pages in
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    dst.set(src);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (seconds > 0 && seconds < best) best = seconds;
  }
  if (!Number.isFinite(best)) best = 1e-9; // a copy too small for the clock: report an upper bound
  return (2 * bytes) / best;
}

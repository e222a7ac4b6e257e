import { ConfigError } from '../errors';
import { DCN_BYTES_PER_S_PER_HOST, TORCHREC_DDR_BYTES_PER_S } from './hardware-constants';

/** A CPU host that holds embedding tables in DRAM and feeds TPU chips over PCIe. Plain data. */
export interface CpuHostProfile {
  readonly name: string;
  /** Host DRAM bandwidth, bytes/s, counted as bytes read + bytes written (as `measureCopyBandwidth` counts). */
  readonly dramBytesPerS: number;
  /** Host ↔ TPU PCIe bandwidth per chip link, bytes/s; `undefined` = use the chip's own figure. */
  readonly pcieBytesPerS: number | undefined;
  /** Datacenter network bandwidth per host, bytes/s (between hosts when there are several). */
  readonly networkBytesPerS: number;
  /** True when `dramBytesPerS` was measured on this machine rather than taken from a published figure. */
  readonly measured: boolean;
  /** Where the figures come from. */
  readonly source: string;
}

/** Options of {@link cpuHostProfile}. */
export interface CpuHostProfileOptions {
  /** DRAM bandwidth measured on this machine (e.g. `measureCopyBandwidth()`), bytes/s. @default TorchRec's 51 GiB/s */
  readonly measured?: number;
  /**
   * A stated (not measured) DRAM bandwidth, bytes/s: another host to compare with, e.g. a two-socket server's
   * channels. Not with `measured`. @default TorchRec's 51 GiB/s
   */
  readonly dramBytesPerS?: number;
  /** Host ↔ TPU bandwidth per chip, bytes/s. @default undefined (the chip profile's PCIe figure) */
  readonly pcieBytesPerS?: number;
  /** Network bandwidth per host, bytes/s. @default DCN_BYTES_PER_S_PER_HOST (2.5e10) */
  readonly networkBytesPerS?: number;
  /** @default 'measured host' when measured, else 'datacenter host' */
  readonly name?: string;
}

function positive(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v > 0)) {
    throw new ConfigError('invalid_profile', `cpuHostProfile: expected ${name} to be a positive finite number of bytes/s, but got ${v}.`);
  }
}

/**
 * Builds a CPU-host profile. Without `measured`, the host is TorchRec's planner default (DDR 51 GiB/s); with it,
 * the DRAM bandwidth is this machine's, and `measured: true` says so; with `dramBytesPerS`, it is the caller's figure.
 *
 * @param options - see {@link CpuHostProfileOptions}.
 * @returns a frozen {@link CpuHostProfile}.
 * @throws ConfigError `invalid_profile` when a bandwidth is not a positive finite number, or both `measured` and
 *   `dramBytesPerS` are given.
 * @example
 * const host = cpuHostProfile({ measured: measureCopyBandwidth() });
 */
export function cpuHostProfile(options: CpuHostProfileOptions = {}): CpuHostProfile {
  positive('measured', options.measured);
  positive('dramBytesPerS', options.dramBytesPerS);
  if (options.measured !== undefined && options.dramBytesPerS !== undefined) {
    throw new ConfigError('invalid_profile', `cpuHostProfile: expected measured or dramBytesPerS, but got both (${options.measured} and ${options.dramBytesPerS}). Pass measured for this machine's figure, dramBytesPerS for a stated one.`);
  }
  const stated = options.dramBytesPerS !== undefined;
  positive('pcieBytesPerS', options.pcieBytesPerS);
  positive('networkBytesPerS', options.networkBytesPerS);
  const measured = options.measured !== undefined;
  return Object.freeze({
    name: options.name ?? (measured ? 'measured host' : stated ? `host ${(options.dramBytesPerS as number) / 1e9} GB/s` : 'datacenter host'),
    dramBytesPerS: options.measured ?? options.dramBytesPerS ?? TORCHREC_DDR_BYTES_PER_S,
    pcieBytesPerS: options.pcieBytesPerS,
    networkBytesPerS: options.networkBytesPerS ?? DCN_BYTES_PER_S_PER_HOST,
    measured,
    source: measured
      ? 'DRAM bandwidth measured on this machine (TypedArray.prototype.set copy, bytes read + written)'
      : stated
        ? `DRAM: ${options.dramBytesPerS} B/s as stated by the caller; network: scaling book DCN 2.5e10 B/s per host`
        : 'DRAM: TorchRec planner DDR_MEM_BW 51 GiB/s; network: scaling book DCN 2.5e10 B/s per host',
  });
}

/** The default datacenter host: TorchRec's DDR 51 GiB/s, the chip's PCIe link, 2.5e10 B/s network. */
export const DATACENTER_HOST_PROFILE: CpuHostProfile = cpuHostProfile();

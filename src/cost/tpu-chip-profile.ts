import { ConfigError } from '../errors';
import * as C from './hardware-constants';

/** TPU generations with a chip profile. */
export const TPU_GENERATIONS = ['v3', 'v4', 'v5p', 'v6e'] as const;
/** One of {@link TPU_GENERATIONS}. */
export type TpuGeneration = (typeof TPU_GENERATIONS)[number];

/** One TPU chip, as plain data (units in the names; sources in `hardware-constants.ts`). */
export interface TpuChipProfile {
  readonly generation: TpuGeneration;
  /** HBM bandwidth per chip, bytes/s. */
  readonly hbmBytesPerS: number;
  /** HBM capacity per chip, bytes. */
  readonly hbmBytes: number;
  /** Inter-chip interconnect bandwidth per chip, bidirectional (in + out), bytes/s. */
  readonly iciBytesPerS: number;
  /** Peak dense bf16 compute per chip, FLOP/s. */
  readonly peakFlopsPerS: number;
  /** SparseCores per chip (0 on v3: its embeddings live on the TensorCores' HBM). */
  readonly sparseCoresPerChip: number;
  /** Host ↔ chip PCIe bandwidth (one chip's link), bytes/s. */
  readonly pcieBytesPerS: number;
  /** Chips attached to one host VM. */
  readonly chipsPerHost: number;
  /** Where the figures come from. */
  readonly source: string;
}

/** Chip profiles per generation. Sources: see each constant in `hardware-constants.ts`. */
export const TPU_CHIP_PROFILES: Readonly<Record<TpuGeneration, TpuChipProfile>> = Object.freeze({
  v3: Object.freeze({
    generation: 'v3',
    hbmBytesPerS: C.HBM_BYTES_PER_S_TPU_V3,
    hbmBytes: C.HBM_BYTES_TPU_V3,
    iciBytesPerS: C.ICI_BYTES_PER_S_TPU_V3,
    peakFlopsPerS: C.PEAK_FLOPS_PER_S_TPU_V3,
    sparseCoresPerChip: 0,
    pcieBytesPerS: C.PCIE_BYTES_PER_S_PER_CHIP,
    chipsPerHost: C.CHIPS_PER_HOST_TPU_V3,
    source: 'Cloud TPU v3 docs (HBM, FLOP/s); ICI from the scaling book (1e11 B/s one-way per link × 2 × 4 links)',
  }),
  v4: Object.freeze({
    generation: 'v4',
    hbmBytesPerS: C.HBM_BYTES_PER_S_TPU_V4,
    hbmBytes: C.HBM_BYTES_TPU_V4,
    iciBytesPerS: C.ICI_BYTES_PER_S_TPU_V4,
    peakFlopsPerS: C.PEAK_FLOPS_PER_S_TPU_V4,
    sparseCoresPerChip: 4,
    pcieBytesPerS: C.PCIE_BYTES_PER_S_PER_CHIP,
    chipsPerHost: C.CHIPS_PER_HOST_TPU_V4,
    source: 'Cloud TPU v4 docs (HBM, FLOP/s); ICI from the scaling book (4.5e10 B/s one-way per link × 2 × 6 links); 4 SparseCores (TPU v4 paper)',
  }),
  v5p: Object.freeze({
    generation: 'v5p',
    hbmBytesPerS: C.HBM_BYTES_PER_S_TPU_V5P,
    hbmBytes: C.HBM_BYTES_TPU_V5P,
    iciBytesPerS: C.ICI_BYTES_PER_S_TPU_V5P,
    peakFlopsPerS: C.PEAK_FLOPS_PER_S_TPU_V5P,
    sparseCoresPerChip: 4,
    pcieBytesPerS: C.PCIE_BYTES_PER_S_PER_CHIP,
    chipsPerHost: C.CHIPS_PER_HOST_TPU_V5P,
    source: 'Cloud TPU v5p docs (HBM, ICI 1200 GBps bidirectional, FLOP/s, 4 SparseCores)',
  }),
  v6e: Object.freeze({
    generation: 'v6e',
    hbmBytesPerS: C.HBM_BYTES_PER_S_TPU_V6E,
    hbmBytes: C.HBM_BYTES_TPU_V6E,
    iciBytesPerS: C.ICI_BYTES_PER_S_TPU_V6E,
    peakFlopsPerS: C.PEAK_FLOPS_PER_S_TPU_V6E,
    sparseCoresPerChip: 2,
    pcieBytesPerS: C.PCIE_BYTES_PER_S_PER_CHIP_TPU_V6E,
    chipsPerHost: C.CHIPS_PER_HOST_TPU_V6E,
    source: 'Cloud TPU v6e docs (HBM, ICI 800 GBps bidirectional, FLOP/s, 8 chips per host); PCIe 32 GB/s from the scaling book',
  }),
});

/**
 * The chip profile of a TPU generation, looked up among {@link TPU_CHIP_PROFILES}' own keys only (a custom
 * Topology's `generation` may be any string, e.g. `'constructor'`).
 * @param generation the topology's generation; @param api the calling API, for the message.
 * @returns the profile.
 * @throws ConfigError `unknown_generation` listing {@link TPU_GENERATIONS}.
 * @example tpuChipProfile('v4', 'hardwareProfile').sparseCoresPerChip // 4
 */
export function tpuChipProfile(generation: string, api: string): TpuChipProfile {
  if (typeof generation !== 'string' || !Object.hasOwn(TPU_CHIP_PROFILES, generation)) {
    throw new ConfigError('unknown_generation', `${api}: expected the topology's generation to be one of ${TPU_GENERATIONS.join(', ')}, but got ${JSON.stringify(generation)}. Build custom topologies from a known generation.`);
  }
  return TPU_CHIP_PROFILES[generation as TpuGeneration];
}

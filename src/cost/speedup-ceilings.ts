import { ConfigError } from '../errors';
import { resolveTopology } from '../strategy/resolve-topology';
import { DATACENTER_HOST_PROFILE, type CpuHostProfile } from './cpu-host-profile';
import { tpuChipProfile } from './tpu-chip-profile';

/** One TPU slice's bandwidths and the speedup ceilings they imply (see {@link speedupCeilings}). */
export interface SpeedupCeiling {
  readonly topology: string;
  /** Chips C of the slice. */
  readonly chips: number;
  /** Hosts H feeding it. */
  readonly hosts: number;
  /** HBM bytes/s per chip. */
  readonly hbmBytesPerS: number;
  /** C · HBM: the slice's aggregate HBM bandwidth, bytes/s (what SparseCore gathers and updates read). */
  readonly sliceHbmBytesPerS: number;
  /** ICI bytes/s per chip, bidirectional (what the all-to-all crosses). */
  readonly iciBytesPerS: number;
  /** Host ↔ chip PCIe bytes/s per chip (what CPU-hosted activations cross). */
  readonly pcieBytesPerS: number;
  /** H · host DRAM bytes/s: what CPU-hosted gathers and updates read. */
  readonly hostDramBytesPerS: number;
  /** C·HBM ÷ (H·DRAM): the speedup if both sides only moved the same bytes through memory. */
  readonly memoryCeiling: number;
  /** HBM ÷ ICI per chip: how much slower a byte crosses the all-to-all than it is read from HBM. */
  readonly hbmOverIci: number;
  /** Where the chip's figures come from (the constants' sources are in hardware-constants.ts). */
  readonly source: string;
}

/**
 * The first-principles bound behind the modelled SparseCore-vs-CPU speedup, per TPU slice: embedding work is
 * memory traffic, so with equal bytes on both sides the speedup is the ratio of the bandwidths that carry them,
 * C·B_hbm ÷ (H·B_dram). SparseCore then loses part of that to the all-to-all over ICI and the CPU side to PCIe;
 * `estimateStep` counts both.
 *
 * @param host - the CPU host. @default DATACENTER_HOST_PROFILE (TorchRec's 51 GiB/s)
 * @param topologies - TPU presets. @default ['v3-8', 'v4-8', 'v5p-8', 'v6e-8']
 * @returns one frozen row per topology.
 * @throws ConfigError `unknown_topology`, `invalid_profile` for the `cpu` topology.
 * @example speedupCeilings()[1].memoryCeiling // v4-8: 4 × 1.2e12 / 5.48e10 ≈ 87.7
 */
export function speedupCeilings(
  host: CpuHostProfile = DATACENTER_HOST_PROFILE,
  topologies: readonly string[] = ['v3-8', 'v4-8', 'v5p-8', 'v6e-8'],
): readonly SpeedupCeiling[] {
  return Object.freeze(
    topologies.map((name) => {
      const topo = resolveTopology(name);
      if (topo.generation === 'cpu') {
        throw new ConfigError('invalid_profile', `speedupCeilings: expected TPU topologies (v3-8, v4-8, v4-32, v5p-8, v6e-8), but got '${topo.name}'.`);
      }
      const tpu = tpuChipProfile(topo.generation, 'speedupCeilings');
      const hosts = Math.ceil(topo.chips / tpu.chipsPerHost);
      const slice = topo.chips * tpu.hbmBytesPerS;
      const dram = hosts * host.dramBytesPerS;
      return Object.freeze({
        topology: topo.name,
        chips: topo.chips,
        hosts,
        hbmBytesPerS: tpu.hbmBytesPerS,
        sliceHbmBytesPerS: slice,
        iciBytesPerS: tpu.iciBytesPerS,
        pcieBytesPerS: host.pcieBytesPerS ?? tpu.pcieBytesPerS,
        hostDramBytesPerS: dram,
        memoryCeiling: slice / dram,
        hbmOverIci: tpu.hbmBytesPerS / tpu.iciBytesPerS,
        source: `${tpu.source}; host: ${host.source}`,
      });
    }),
  );
}

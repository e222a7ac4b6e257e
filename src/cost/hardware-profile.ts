import { ConfigError } from '../errors';
import type { Topology } from '../strategy/topology';
import { resolveTopology } from '../strategy/resolve-topology';
import { DATACENTER_HOST_PROFILE, type CpuHostProfile } from './cpu-host-profile';
import { tpuChipProfile, type TpuChipProfile } from './tpu-chip-profile';

/**
 * A whole system for the cost model: a TPU slice (topology + chip figures) and the CPU hosts that feed it.
 * Plain data; `estimateStep` reads it.
 */
export interface HardwareProfile {
  /** e.g. `v4-8 + datacenter host`. */
  readonly name: string;
  readonly topology: Topology;
  readonly tpu: TpuChipProfile;
  readonly host: CpuHostProfile;
  /** Hosts of the slice: ⌈chips / chipsPerHost⌉. */
  readonly numHosts: number;
  /** Host ↔ chip bandwidth actually used, bytes/s per chip: the host's override, else the chip's PCIe figure. */
  readonly pcieBytesPerS: number;
}

/** Options of {@link hardwareProfile}. */
export interface HardwareProfileOptions {
  /** The hosts' profile. @default DATACENTER_HOST_PROFILE (TorchRec's DDR 51 GiB/s) */
  readonly host?: CpuHostProfile;
}

/**
 * Builds the profile of a TPU slice and its hosts.
 *
 * @param topology - a TPU preset name (`'v3-8'`, `'v4-8'`, `'v4-32'`, `'v5p-8'`, `'v6e-8'`) or a Topology.
 * @param options - see {@link HardwareProfileOptions}.
 * @returns a frozen {@link HardwareProfile}.
 * @throws ConfigError `invalid_profile` for the `cpu` topology (there is no TPU to model), `unknown_topology`.
 * @example hardwareProfile('v4-8', { host: cpuHostProfile({ measured: 2e10 }) }).numHosts // 1
 */
export function hardwareProfile(topology: Topology | string, options: HardwareProfileOptions = {}): HardwareProfile {
  const topo = resolveTopology(topology);
  if (topo.generation === 'cpu') {
    throw new ConfigError(
      'invalid_profile',
      `hardwareProfile: expected a TPU topology (one of v3-8, v4-8, v4-32, v5p-8, v6e-8), but got '${topo.name}'; ` +
        `CPU-hosted embeddings are modelled as a TPU slice whose tables live on its hosts (placement 'cpu').`,
    );
  }
  const tpu = tpuChipProfile(topo.generation, 'hardwareProfile');
  const host = options.host ?? DATACENTER_HOST_PROFILE;
  return Object.freeze({
    name: `${topo.name} + ${host.name}`,
    topology: topo,
    tpu,
    host,
    numHosts: Math.ceil(topo.chips / tpu.chipsPerHost),
    pcieBytesPerS: host.pcieBytesPerS ?? tpu.pcieBytesPerS,
  });
}

export { TOPOLOGIES, topology } from './topology';
export type { Topology, TopologyName } from './topology';
export { resolveTopology } from './resolve-topology';
export { TPUStrategy } from './tpu-strategy';
export type { ReplicaSlice, DistributedBatch } from './tpu-strategy';
export { CPUStrategy } from './cpu-strategy';

import { ConfigError } from '../errors';
import { positiveInteger, where } from '../validation';
import { topology, type Topology } from './topology';

/**
 * Accepts a preset name (`'v4-8'`) or a {@link Topology} object and returns the Topology, checked.
 *
 * @param t - a name in `TOPOLOGIES` or a Topology (e.g. a custom slice built by hand).
 * @returns the frozen Topology.
 * @throws ConfigError `unknown_topology` for an unknown name; `invalid_topology` when an object's
 *   `numReplicas`, `numShards`, `shardsPerReplica` or `chips` is not a positive integer, or
 *   `numShards ≠ numReplicas × shardsPerReplica`.
 * @example resolveTopology('v4-8').numReplicas // 4
 */
export function resolveTopology(t: Topology | string): Topology {
  if (typeof t === 'string') return topology(t);
  if (t === null || typeof t !== 'object') {
    throw new ConfigError(
      'invalid_topology',
      `resolveTopology: expected a topology name or a Topology object, but got ${String(t)}.`,
    );
  }
  const at = where(ConfigError, 'invalid_topology', 'resolveTopology');
  for (const key of ['chips', 'numReplicas', 'shardsPerReplica', 'numShards'] as const) positiveInteger(t[key], at(`topology.${key}`));
  if (t.numShards !== t.numReplicas * t.shardsPerReplica) {
    throw new ConfigError(
      'invalid_topology',
      `resolveTopology: expected topology.numShards (${t.numShards}) to equal numReplicas × shardsPerReplica ` +
        `(${t.numReplicas} × ${t.shardsPerReplica} = ${t.numReplicas * t.shardsPerReplica}).`,
    );
  }
  return Object.isFrozen(t) ? t : Object.freeze({ ...t });
}

import { PLACEMENTS, type Placement } from '../embedding/table-layout';
import { ConfigError } from '../errors';
import { finiteNumber, oneOf, positiveInteger, where } from '../validation';
import type { LookupStats, TableLookupStats } from '../embedding/lookup-stats-types';
import type { Topology } from '../strategy/topology';
import { resolveTopology } from '../strategy/resolve-topology';
import { TPUStrategy } from '../strategy/tpu-strategy';
import { BYTES_PER_FLOAT32, BYTES_PER_ID } from './hardware-constants';
import { checkSkew, idDistribution, type IdSkew } from './id-distribution';

/** Embedding placements the cost model knows. */

/** One table of a modelled (not run) model. */
export interface SyntheticTableSpec {
  /** @default `table_<i>` */
  readonly name?: string;
  /** Rows V, a positive integer. */
  readonly vocabularySize: number;
  /** Row width, a positive integer. */
  readonly dim: number;
  /** Ids per sample (multivalent features > 1; a mean, so it may be fractional), > 0. */
  readonly idsPerSample: number;
  /** Id popularity. @default 'uniform' */
  readonly skew?: IdSkew;
}

/** Input of {@link syntheticLookupStats}. */
export interface SyntheticLookupStatsInput {
  readonly tables: readonly SyntheticTableSpec[];
  /** Rows per step over all replicas; divisible by the topology's replicas. */
  readonly globalBatchSize: number;
  /** A TPU preset name or Topology (the slice whose replicas send the lookups). */
  readonly topology: Topology | string;
  /** Where the tables live. */
  readonly placement: Placement;
}

function fail(message: string): never {
  throw new ConfigError('invalid_model', `syntheticLookupStats: ${message}`);
}

/**
 * Expected {@link LookupStats} of one step, computed analytically — no ids are drawn and no table is built, so a
 * production-sized model (26 tables of 1e8 rows) costs milliseconds. Every count is an expectation (a real number).
 *
 * With B = globalBatchSize, L = idsPerSample, R = replicas, N = shards, p = the table's id distribution
 * (`idDistribution`), E[U(n)] = expected unique ids among n draws:
 *
 * placement 'sparsecore' (mod sharding over N shards, rotation = sparseCoresPerChip × table index, dedup per replica):
 * - ids = B·L; idsPerShard[j] = B·L·P_j, P_j = probability mass of shard j
 * - uniqueIdsPerShard[j] = R · E_j[U(B·L/R)] (expected unique ids of shard j among one replica's B·L/R draws)
 * - uniqueIds = E[U(B·L)] (over the global batch, as the optimizer sees them)
 * - maxIdsPerPartition = (B·L/R)·max_j P_j; maxUniqueIdsPerPartition = max_j uniqueIdsPerShard[j] / R
 * - bytesGathered = Σ_j uniqueIdsPerShard[j]·dim·4 = allToAllBytesOut = gradientBytes
 * - allToAllBytesIn = Σ_j uniqueIdsPerShard[j]·4 (unique ids sent to their shards)
 * - activationBytes = B·dim·4 (pooled features)
 * - imbalance = max_j idsPerShard[j] / mean_j idsPerShard[j] = N·max_j P_j
 *
 * placement 'cpu' (one unsharded table on the host, which looks up the whole global batch at once):
 * N = 1, uniqueIdsPerShard = [E[U(B·L)]], bytesGathered = gradientBytes = E[U(B·L)]·dim·4, no all-to-all,
 * imbalance 1.
 *
 * @param input - see {@link SyntheticLookupStatsInput}.
 * @returns frozen LookupStats with `step` 0.
 * @throws ConfigError `invalid_model` (bad table spec or empty table list), `invalid_skew`,
 *   `batch_not_divisible`, `unknown_topology`.
 * @example
 * syntheticLookupStats({ tables: [{ vocabularySize: 1e6, dim: 64, idsPerSample: 1 }], globalBatchSize: 4096,
 *   topology: 'v4-8', placement: 'sparsecore' }).tables[0].numShards // 16
 */
export function syntheticLookupStats(input: SyntheticLookupStatsInput): LookupStats {
  const topo = resolveTopology(input.topology);
  const at = where(ConfigError, 'invalid_model', 'syntheticLookupStats');
  oneOf(input.placement, at('placement'), PLACEMENTS);
  if (!Array.isArray(input.tables) || input.tables.length === 0) fail('expected tables to be a non-empty array of table specs.');
  const B = input.globalBatchSize;
  const R = topo.numReplicas;
  new TPUStrategy(topo).perReplicaBatchSize(B); // validates B (positive integer, divisible by R)
  const tables = input.tables.map((spec, index): TableLookupStats => {
    const name = spec.name ?? `table_${index}`;
    positiveInteger(spec.vocabularySize, at(`tables[${index}].vocabularySize`));
    positiveInteger(spec.dim, at(`tables[${index}].dim`));
    finiteNumber(spec.idsPerSample, at(`tables[${index}].idsPerSample`), { min: 0, exclusive: true });
    const dist = idDistribution(spec.vocabularySize, checkSkew(`syntheticLookupStats: tables[${index}]`, spec.skew ?? 'uniform'));
    const ids = B * spec.idsPerSample;
    const rowBytes = spec.dim * BYTES_PER_FLOAT32;
    const uniqueIds = dist.expectedUnique(ids);
    const activationBytes = B * rowBytes;
    if (input.placement === 'cpu') {
      return Object.freeze({
        table: name,
        dim: spec.dim,
        numShards: 1,
        placement: 'cpu',
        idsPerShard: Object.freeze([ids]),
        uniqueIdsPerShard: Object.freeze([uniqueIds]),
        maxIdsPerPartition: ids,
        maxUniqueIdsPerPartition: uniqueIds,
        droppedIds: 0,
        ids,
        uniqueIds,
        bytesGathered: uniqueIds * rowBytes,
        activationBytes,
        allToAllBytesIn: 0,
        allToAllBytesOut: 0,
        gradientBytes: uniqueIds * rowBytes,
        imbalance: 1,
      });
    }
    const N = topo.numShards;
    const rotation = (topo.sparseCoresPerChip * index) % N;
    const mass = dist.shardMass(N, rotation);
    const idsPerReplica = ids / R;
    const uniquePerShard = dist.shardExpectedUnique(idsPerReplica, N, rotation).map((u) => u * R);
    const totalUniquePerReplicaSum = uniquePerShard.reduce((a, b) => a + b, 0);
    const maxMass = Math.max(...mass);
    const gathered = totalUniquePerReplicaSum * rowBytes;
    return Object.freeze({
      table: name,
      dim: spec.dim,
      numShards: N,
      placement: 'sparsecore',
      idsPerShard: Object.freeze(mass.map((m) => ids * m)),
      uniqueIdsPerShard: Object.freeze(uniquePerShard),
      maxIdsPerPartition: idsPerReplica * maxMass,
      maxUniqueIdsPerPartition: Math.max(...uniquePerShard) / R,
      droppedIds: 0,
      ids,
      uniqueIds,
      bytesGathered: gathered,
      activationBytes,
      allToAllBytesIn: totalUniquePerReplicaSum * BYTES_PER_ID,
      allToAllBytesOut: gathered,
      gradientBytes: gathered,
      imbalance: N * maxMass,
    });
  });
  return Object.freeze({ step: 0, numReplicas: R, globalBatchSize: B, tables: Object.freeze(tables) });
}

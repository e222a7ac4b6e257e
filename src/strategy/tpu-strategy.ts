import { InputError } from '../errors';
import { positiveInteger, where } from '../validation';
import type { Topology } from './topology';
import { resolveTopology } from './resolve-topology';

/** The rows `[start, end)` of a global batch that one replica processes. */
export interface ReplicaSlice {
  /** Replica index, 0-based (`replica_id_in_sync_group`). */
  readonly replica: number;
  /** First row of the global batch (inclusive). */
  readonly start: number;
  /** One past the last row (exclusive); `end - start` is the per-replica batch size. */
  readonly end: number;
}

/** A global batch split over the replicas of a strategy: see {@link TPUStrategy.distribute}. */
export interface DistributedBatch {
  readonly globalBatchSize: number;
  readonly perReplicaBatchSize: number;
  readonly numReplicasInSync: number;
  /** One contiguous slice per replica, in replica order, covering `[0, globalBatchSize)` exactly once. */
  readonly slices: readonly ReplicaSlice[];
}

// A batch size passed to one call is a per-call value: InputError, like TPUEmbedding.lookup's `batch_not_divisible`.
function checkPositiveInteger(api: string, name: string, value: number): void {
  positiveInteger(value, where(InputError, 'bad_batch', api)(name));
}

/**
 * A simulated `tf.distribute.TPUStrategy`: data parallelism over the replicas of a {@link Topology}.
 *
 * A global batch of B rows is split into `numReplicasInSync` contiguous, equal slices, replica r taking rows
 * `[r·B/R, (r+1)·B/R)` — the order in which `strategy.experimental_distribute_dataset` hands out a batched
 * dataset. B must be divisible by R (TensorFlow requires it for TPU input with static shapes).
 *
 * ```
 * global batch  rows 0 ............................... B-1
 *               | replica 0 | replica 1 | ... | replica R-1 |     each B/R rows
 * ```
 *
 * @example
 * const strategy = new TPUStrategy('v4-8');
 * strategy.numReplicasInSync;       // 4
 * strategy.globalBatchSize(32);     // 128
 * strategy.replicaSlices(8);        // [{replica:0,start:0,end:2}, {replica:1,start:2,end:4}, …]
 */
export class TPUStrategy {
  /** The simulated slice. */
  readonly topology: Topology;

  /**
   * @param topology - a preset name (`'v3-8'`, `'v4-8'`, `'v4-32'`, `'v5p-8'`, `'v6e-8'`, `'cpu'`) or a Topology.
   * @throws ConfigError `unknown_topology` / `invalid_topology` (see `resolveTopology`).
   */
  constructor(topology: Topology | string) {
    this.topology = resolveTopology(topology);
  }

  /** Replicas that run each step in lock-step (`strategy.num_replicas_in_sync`). */
  get numReplicasInSync(): number {
    return this.topology.numReplicas;
  }

  /**
   * The per-replica batch size for a global batch: `globalBatchSize / numReplicasInSync`.
   * @param globalBatchSize - rows per step over all replicas, a positive integer divisible by numReplicasInSync.
   * @returns rows per replica.
   * @throws InputError `bad_batch` (not a positive integer) or `batch_not_divisible`.
   * @example new TPUStrategy('v4-8').perReplicaBatchSize(128) // 32
   */
  perReplicaBatchSize(globalBatchSize: number): number {
    const api = 'TPUStrategy.perReplicaBatchSize';
    checkPositiveInteger(api, 'globalBatchSize', globalBatchSize);
    const r = this.numReplicasInSync;
    if (globalBatchSize % r !== 0) {
      const lower = Math.floor(globalBatchSize / r) * r;
      const upper = lower + r;
      throw new InputError(
        'batch_not_divisible',
        `${api}: expected globalBatchSize (${globalBatchSize}) to be divisible by numReplicasInSync (${r}) ` +
          `of topology '${this.topology.name}'; use a multiple of ${r}, e.g. ${lower > 0 ? `${lower} or ` : ''}${upper}.`,
      );
    }
    return globalBatchSize / r;
  }

  /**
   * The global batch size for a per-replica batch size: `perReplica × numReplicasInSync`.
   * @param perReplicaBatchSize - rows per replica, a positive integer.
   * @returns rows per step over all replicas.
   * @throws InputError `bad_batch` when perReplicaBatchSize is not a positive integer.
   * @example new TPUStrategy('v4-8').globalBatchSize(32) // 128
   */
  globalBatchSize(perReplicaBatchSize: number): number {
    checkPositiveInteger('TPUStrategy.globalBatchSize', 'perReplicaBatchSize', perReplicaBatchSize);
    return perReplicaBatchSize * this.numReplicasInSync;
  }

  /**
   * Each replica's rows `[start, end)` of a global batch: contiguous, equal, in replica order.
   * @param globalBatchSize - a positive integer divisible by numReplicasInSync.
   * @returns `numReplicasInSync` frozen slices.
   * @throws InputError `bad_batch` or `batch_not_divisible` (the message names both numbers).
   * @example new TPUStrategy('v4-8').replicaSlices(8)[3] // { replica: 3, start: 6, end: 8 }
   */
  replicaSlices(globalBatchSize: number): readonly ReplicaSlice[] {
    const per = this.perReplicaBatchSize(globalBatchSize);
    const slices: ReplicaSlice[] = [];
    for (let replica = 0; replica < this.numReplicasInSync; replica++) {
      slices.push(Object.freeze({ replica, start: replica * per, end: (replica + 1) * per }));
    }
    return Object.freeze(slices);
  }

  /**
   * Splits a global batch over the replicas (the simulated `experimental_distribute_dataset` for one batch).
   * @param globalBatchSize - a positive integer divisible by numReplicasInSync.
   * @returns a frozen {@link DistributedBatch}: sizes and the per-replica slices.
   * @throws InputError `bad_batch` or `batch_not_divisible`.
   * @example new TPUStrategy('v4-8').distribute(128).perReplicaBatchSize // 32
   */
  distribute(globalBatchSize: number): DistributedBatch {
    const slices = this.replicaSlices(globalBatchSize);
    return Object.freeze({
      globalBatchSize,
      perReplicaBatchSize: globalBatchSize / this.numReplicasInSync,
      numReplicasInSync: this.numReplicasInSync,
      slices,
    });
  }
}

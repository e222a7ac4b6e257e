import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, InputError } from '../../src/errors';
import { CPUStrategy, TOPOLOGIES, TPUStrategy, resolveTopology, topology } from '../../src/strategy';

describe('TPUStrategy', () => {
  it('takes its replicas from the topology (name or object)', () => {
    // v3-8: 4 chips × 2 TensorCores, one replica per core → 8; v4-8: 4 chips, one megacore replica each → 4;
    // v4-32: 16 chips → 16; v6e-8: 8 chips × 1 core → 8.
    assert.equal(new TPUStrategy('v3-8').numReplicasInSync, 8);
    assert.equal(new TPUStrategy('v4-8').numReplicasInSync, 4);
    assert.equal(new TPUStrategy('v4-32').numReplicasInSync, 16);
    assert.equal(new TPUStrategy('v6e-8').numReplicasInSync, 8);
    assert.equal(new TPUStrategy(TOPOLOGIES['v5p-8']).numReplicasInSync, 4);
    assert.equal(new TPUStrategy(topology('v4-8')).topology, TOPOLOGIES['v4-8']);
  });

  it('converts per-replica ↔ global batch sizes', () => {
    const s = new TPUStrategy('v3-8');
    assert.equal(s.globalBatchSize(32), 256); // 32 × 8
    assert.equal(s.perReplicaBatchSize(256), 32); // 256 / 8
    assert.equal(s.perReplicaBatchSize(s.globalBatchSize(7)), 7);
  });

  it('splits a global batch into contiguous, equal slices in replica order', () => {
    // v4-8, B = 12 → 4 replicas × 3 rows: [0,3) [3,6) [6,9) [9,12).
    const slices = new TPUStrategy('v4-8').replicaSlices(12);
    assert.deepEqual(
      slices.map((s) => [s.replica, s.start, s.end]),
      [
        [0, 0, 3],
        [1, 3, 6],
        [2, 6, 9],
        [3, 9, 12],
      ],
    );
    assert.ok(Object.isFrozen(slices) && Object.isFrozen(slices[0]));
  });

  it('distribute() describes the split', () => {
    const d = new TPUStrategy('v6e-8').distribute(64);
    assert.equal(d.globalBatchSize, 64);
    assert.equal(d.perReplicaBatchSize, 8); // 64 / 8
    assert.equal(d.numReplicasInSync, 8);
    assert.equal(d.slices.length, 8);
    assert.deepEqual([d.slices[7].start, d.slices[7].end], [56, 64]);
  });

  it('rejects a global batch that is not divisible, naming both numbers (InputError, as TPUEmbedding.lookup does)', () => {
    const s = new TPUStrategy('v4-8');
    assert.throws(
      () => s.replicaSlices(10),
      (e: unknown) =>
        e instanceof InputError &&
        e.kind === 'batch_not_divisible' &&
        /globalBatchSize \(10\) to be divisible by numReplicasInSync \(4\).*e\.g\. 8 or 12/.test(e.message),
    );
    assert.throws(() => s.distribute(3), /globalBatchSize \(3\).*numReplicasInSync \(4\).*e\.g\. 4\./);
  });

  it('rejects non-positive or fractional batch sizes (InputError bad_batch: a per-call value)', () => {
    const s = new TPUStrategy('v4-8');
    assert.throws(() => s.perReplicaBatchSize(0), (e: unknown) => e instanceof InputError && e.kind === 'bad_batch' && /TPUStrategy\.perReplicaBatchSize: expected globalBatchSize to be a positive integer, but got 0/.test(e.message));
    assert.throws(() => s.replicaSlices(12.5), /expected globalBatchSize to be a positive integer, but got 12\.5/);
    assert.throws(() => s.globalBatchSize(-2), /expected perReplicaBatchSize to be a positive integer, but got -2/);
  });

  it('rejects unknown or inconsistent topologies', () => {
    assert.throws(() => new TPUStrategy('v9-8'), /topology: expected one of cpu, v3-8.*but got 'v9-8'/);
    const bad = { ...TOPOLOGIES['v4-8'], numShards: 15 };
    assert.throws(() => resolveTopology(bad), /numShards \(15\) to equal numReplicas × shardsPerReplica \(4 × 4 = 16\)/);
    assert.throws(() => resolveTopology({ ...TOPOLOGIES['v4-8'], chips: 0 }), /topology\.chips to be a positive integer, but got 0/);
  });
});

describe('CPUStrategy', () => {
  it('has one replica that takes the whole batch', () => {
    const s = new CPUStrategy();
    assert.equal(s.numReplicasInSync, 1);
    assert.equal(s.topology.name, 'cpu');
    assert.deepEqual(
      s.replicaSlices(5).map((x) => [x.replica, x.start, x.end]),
      [[0, 0, 5]],
    );
    assert.equal(s.perReplicaBatchSize(5), 5);
    assert.ok(s instanceof TPUStrategy);
  });

  it("names of Object.prototype's members are unknown topologies, not presets (own keys only)", async () => {
    const { TPUEmbedding, featureConfig, tableConfig } = await import('../../src/embedding');
    const { SGD } = await import('../../src/optimizers');
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const unknown = (e: unknown) => e instanceof ConfigError && e.kind === 'unknown_topology' && new RegExp(`expected one of cpu, v3-8, .*but got '${name}'`).test(e.message);
      assert.throws(() => topology(name), unknown, name);
      assert.throws(() => resolveTopology(name), unknown, name);
      assert.throws(() => new TPUEmbedding({ features: { f: featureConfig({ table: tableConfig({ vocabularySize: 4, dim: 2 }) }) }, optimizer: new SGD(), topology: name }), unknown, name);
    }
  });
});

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { SIMD_CHUNK_POSITIONS, simdCombinerModule } from '../../src/kernels/simd-combiner';
import { SGD } from '../../src/optimizers';
import { Random } from '../../src/random';

before(async () => {
  await chooseBackend();
});

describe('WebAssembly SIMD gather kernel', () => {
  it('is available on this runtime and used for tables with dim % 4 = 0 only', () => {
    assert.ok(simdCombinerModule(), 'WebAssembly SIMD module compiles');
    const make = (dim: number) => new TPUEmbedding({ features: { f: featureConfig({ table: tableConfig({ vocabularySize: 10, dim }) }) }, optimizer: new SGD(), topology: 'cpu' });
    assert.ok(make(8).tables[0].simd);
    assert.equal(make(6).tables[0].simd, null);
  });

  it('gives the JavaScript loop’s activations for every combiner, weights, drops and a bag longer than one chunk', () => {
    const rng = new Random(3);
    for (const combiner of ['mean', 'sum', 'sqrtn'] as const) {
      const emb = new TPUEmbedding({
        features: { f: featureConfig({ table: tableConfig({ vocabularySize: 500, dim: 12, combiner }) }) },
        optimizer: new SGD(),
        topology: 'v4-8',
        maxIdsPerPartition: 400, // replica 2 sends ~8,200 ids over 16 shards (~513 each): some are dropped
        allowIdDropping: true,
      });
      // 8 samples; sample 5 holds SIMD_CHUNK_POSITIONS + 10 ids (combined by the JavaScript fallback), sample 2 is empty.
      const lengths = [3, 40, 0, 17, 1, SIMD_CHUNK_POSITIONS + 10, 600, 5];
      const rowSplits = [0];
      for (const l of lengths) rowSplits.push(rowSplits[rowSplits.length - 1] + l);
      const values = Array.from({ length: rowSplits[8] }, () => rng.int(500));
      const weights = values.map(() => rng.float() + 0.1);
      const input = { f: { values, rowSplits, weights } };
      emb.useSimd = true;
      const a = emb.lookup(input);
      assert.ok(emb.lastStats!.tables[0].droppedIds > 0, 'some ids dropped');
      emb.useSimd = false;
      const b = emb.lookup(input);
      const x = a.f.dataSync();
      const y = b.f.dataSync();
      for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i] - y[i]) <= 1e-5 * Math.max(1, Math.abs(y[i])), `${combiner}[${i}]: ${x[i]} vs ${y[i]}`);
      assert.ok(x.slice(24, 36).every((v) => v === 0), 'empty bag gives zeros');
      tf.dispose([a.f, b.f]);
    }
  });
});

describe('WebAssembly SIMD gather (one id per sample)', () => {
  it('copies each sample’s row exactly, over several chunks, and matches the JavaScript loop', () => {
    const rng = new Random(5);
    const emb = new TPUEmbedding({ features: { f: featureConfig({ table: tableConfig({ vocabularySize: 3000, dim: 12 }) }) }, optimizer: new SGD(), topology: 'v4-8' });
    const table = emb.tables[0];
    assert.ok(table.simd, 'the SIMD path is used');
    // 2,504 samples (divisible by the 4 replicas of v4-8): 4 full chunks of SIMD_GATHER_ROWS = 512 and one of 456.
    const ids = Array.from({ length: 2504 }, () => rng.int(3000));
    emb.useSimd = true;
    const a = emb.lookup({ f: ids });
    emb.useSimd = false;
    const b = emb.lookup({ f: ids });
    const x = a.f.dataSync();
    const y = b.f.dataSync();
    assert.deepEqual(a.f.shape, [2504, 12]);
    for (const i of [0, 1023, 1024, 2047, 2048, 2503]) assert.deepEqual(Array.from(x.subarray(i * 12, (i + 1) * 12)), Array.from(table.readRow(ids[i])), `sample ${i}`);
    assert.deepEqual(Array.from(x), Array.from(y));
    tf.dispose([a.f, b.f]);
  });
});

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { SGD } from '../../src/optimizers';

before(async () => {
  await chooseBackend();
});

/** Row r = [r, 10r], so activations are easy to derive by hand. */
const rowInit = (rows: number, dim: number) => Float32Array.from({ length: rows * dim }, (_, i) => (i % 2 === 0 ? 1 : 10) * Math.floor(i / dim));
const rowTable = (vocabularySize: number) => tableConfig({ vocabularySize, dim: 2, initializer: rowInit });

describe('TPUEmbedding lookup and applyGradients (hand-derived)', () => {
  it('combines ragged bags with mean, sum and sqrtn; empty bag gives zeros', () => {
    for (const [combiner, expected] of [
      // bags: [1, 3] · [] · [2, 2, 4] with weights [1, 3] · [] · [1, 1, 2]
      // sum:   1·r1 + 3·r3 = 10;           r2 + r2 + 2·r4 = 12
      // mean:  10 / 4 = 2.5;               12 / 4 = 3
      // sqrtn: 10 / √10 = 3.1623;          12 / √6 = 4.8990
      ['sum', [10, 0, 12]],
      ['mean', [2.5, 0, 3]],
      ['sqrtn', [10 / Math.sqrt(10), 0, 12 / Math.sqrt(6)]],
    ] as const) {
      const t = tableConfig({ vocabularySize: 8, dim: 2, combiner, initializer: rowInit });
      const emb = new TPUEmbedding({ features: { f: featureConfig({ table: t }) }, optimizer: new SGD(), topology: 'cpu' });
      const acts = emb.lookup({ f: { values: [1, 3, 2, 2, 4], rowSplits: [0, 2, 2, 5], weights: [1, 3, 1, 1, 2] } });
      const got = Array.from(acts.f.dataSync());
      const want = expected.flatMap((x) => [x, 10 * x]);
      got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-4, `${combiner}[${i}]: ${g} vs ${want[i]}`));
      acts.f.dispose();
    }
  });

  it('SGD updates only the touched rows by lr × summed gradient, on v4-8', () => {
    const t = rowTable(40);
    const emb = new TPUEmbedding({ features: { f: featureConfig({ table: t }) }, optimizer: new SGD({ learningRate: 0.5 }), topology: 'v4-8' });
    const n0 = tf.memory().numTensors;
    const acts = emb.lookup({ f: [5, 5, 7, 5] }); // 4 samples = 4 replicas × 1; row 5 three times
    const grad = tf.ones([4, 2]);
    emb.applyGradients({ f: grad });
    tf.dispose([acts.f, grad]);
    assert.equal(tf.memory().numTensors, n0);
    const w = emb.exportTables().table_0.weights;
    // row 5: [5, 50] - 0.5 × 3 = [3.5, 48.5]; row 7: [7, 70] - 0.5 = [6.5, 69.5]; row 6 unchanged
    assert.deepEqual(Array.from(w.subarray(10, 16)), [3.5, 48.5, 6, 60, 6.5, 69.5]);
    assert.equal(emb.step, 1);
  });
});

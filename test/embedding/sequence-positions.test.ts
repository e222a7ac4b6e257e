import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { SGD } from '../../src/optimizers';

before(async () => {
  await chooseBackend();
});

/** Row r = [r, 10r]. */
const rowInit = (rows: number, dim: number) => Float32Array.from({ length: rows * dim }, (_, i) => (i % 2 === 0 ? 1 : 10) * Math.floor(i / dim));

describe('sparse input to a sequence feature: each id at its column (TF scatter_nd semantics)', () => {
  // denseShape [3, 4], L = 3:  sample 0 → {1: 5}; sample 1 → {0: 2, 2: 7, 3: 4 (≥ L, dropped)}; sample 2 → {} (zeros)
  const sparse = { indices: [[0, 1], [1, 0], [1, 2], [1, 3]], values: [5, 2, 7, 4], denseShape: [3, 4] };

  for (const topology of ['cpu', 'v4-8'] as const) {
    it(`places ids at their column and sends each position's gradient to its row (${topology})`, () => {
      const t = tableConfig({ vocabularySize: 8, dim: 2, initializer: rowInit });
      const emb = new TPUEmbedding({ features: { s: featureConfig({ table: t, maxSequenceLength: 3 }) }, optimizer: new SGD({ learningRate: 1 }), topology });
      const b = topology === 'cpu' ? 3 : 4; // v4-8 has 4 replicas: add an empty sample
      const acts = emb.lookup({ s: { ...sparse, denseShape: [b, 4] } });
      assert.deepEqual(acts.s.shape, [b, 3, 2]);
      const got = Array.from(acts.s.dataSync()).slice(0, 18);
      // sample 0: [0, r5, 0]; sample 1: [r2, 0, r7]; sample 2: zeros
      assert.deepEqual(got, [0, 0, 5, 50, 0, 0, 2, 20, 0, 0, 7, 70, 0, 0, 0, 0, 0, 0]);
      // Gradient 1 at every position: only rows 5, 2 and 7 change (W −= 1·1); row 4 (dropped) and the rest do not.
      emb.applyGradients({ s: tf.onesLike(acts.s) });
      const w = emb.exportTables()[emb.tableNames[0]].weights;
      for (let r = 0; r < 8; r++) {
        const d = [2, 5, 7].includes(r) ? 1 : 0;
        assert.deepEqual([w[2 * r], w[2 * r + 1]], [r - d, 10 * r - d], `row ${r}`);
      }
      tf.dispose(Object.values(acts));
    });
  }
});

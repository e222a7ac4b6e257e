import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { Adagrad, Adam, SGD } from '../../src/optimizers';

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

  it('one Adagrad and one Adam step through the engine match hand-derived values (duplicates summed across replicas)', () => {
    // ids [1, 2, 1, 3] on v4-8 (4 replicas × 1 sample); gradients [[1, 2], 0, [3, 4], 0] → row 1 gets g = [4, 6].
    const grads = () => tf.tensor2d([[1, 2], [0, 0], [3, 4], [0, 0]]);
    const run = (optimizer: Adagrad | Adam) => {
      const emb = new TPUEmbedding({ features: { f: featureConfig({ table: rowTable(8) }) }, optimizer, topology: 'v4-8' });
      const a = emb.lookup({ f: [1, 2, 1, 3] });
      const g = grads();
      emb.applyGradients({ f: g });
      tf.dispose([a.f, g]);
      return emb.exportTables().table_0;
    };
    // Adagrad lr 0.1, accumulator 0.1: acc = 0.1 + [16, 36] = [16.1, 36.1];
    // W = [1, 10] − 0.1·[4, 6]/√acc = [1 − 0.4/4.012481, 10 − 0.6/6.008328] = [0.900311, 9.900139]
    const ada = run(new Adagrad({ learningRate: 0.1 }));
    assert.ok(Math.abs(ada.slots.accumulators![2] - 16.1) < 1e-5 && Math.abs(ada.slots.accumulators![3] - 36.1) < 1e-5);
    assert.ok(Math.abs(ada.weights[2] - 0.900311) < 1e-6, String(ada.weights[2]));
    assert.ok(Math.abs(ada.weights[3] - 9.900139) < 1e-5, String(ada.weights[3]));
    // rows 2 and 3 were touched with g = 0: unchanged
    assert.deepEqual(Array.from(ada.weights.slice(4, 8)), [2, 20, 3, 30]);
    // Adam lr 0.1, β1 0.9, β2 0.999, no bias correction, hyper-parameters in float32 as TF (1 − f32(0.9) =
    // 0.10000002384, 1 − f32(0.999) = 0.00099998713): m = [0.40000010, 0.60000014]; v = [0.01599979, 0.03599954];
    // W −= 0.1·m/√(v + ε²) = [0.3162299, 0.3162299] (0.316228 with float64 1 − β: the old, non-TF value)
    const adam = run(new Adam({ learningRate: 0.1 }));
    assert.ok(Math.abs(adam.slots.momenta![2] - 0.4000001) < 1e-7 && Math.abs(adam.slots.velocities![3] - 0.03599954) < 1e-8);
    assert.ok(Math.abs(adam.weights[2] - 0.6837701) < 1e-6, String(adam.weights[2]));
    assert.ok(Math.abs(adam.weights[3] - 9.6837701) < 1e-6, String(adam.weights[3]));
  });
});

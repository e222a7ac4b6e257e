import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { WasmGradientSums } from '../../src/kernels/wasm-gradient-sums';
import { Adagrad } from '../../src/optimizers';
import { Random } from '../../src/random';

before(async () => {
  await chooseBackend();
});

describe('WasmGradientSums (the gradient-sum kernel)', () => {
  it('sums scale × gradient rows per unique row, from two features, zeros for a row without entries', () => {
    const s = WasmGradientSums.create();
    assert.ok(s, 'the kernel compiles on this runtime');
    const dim = 4;
    // Feature 0's gradient: 2 rows; feature 1's: 1 row.
    const g0 = Float32Array.of(1, 2, 3, 4, 10, 20, 30, 40);
    const g1 = Float32Array.of(-1, -1, -1, -1);
    // Rows: 0 ← 0.5·g0[0] + 2·g1[0]; 1 ← nothing; 2 ← 1·g0[1].
    const ends = Int32Array.of(2, 2, 3);
    const goff = Int32Array.of(0, 0, 4);
    const scale = Float32Array.of(0.5, 2, 1);
    const feature = Int32Array.of(0, 1, 0);
    s.load(3, ends, 3, goff, scale, feature, [g0, g1], 3 * dim);
    const sums = s.sum(0, 3, dim).slice(0, 3 * dim);
    // Row 0: 0.5·[1,2,3,4] + 2·[-1,-1,-1,-1] = [-1.5, -1, -0.5, 0]; row 1: zeros; row 2: [10, 20, 30, 40].
    assert.deepEqual([...sums], [-1.5, -1, -0.5, 0, 0, 0, 0, 0, 10, 20, 30, 40]);
    // A chunk that starts at row 2 begins at that row's first entry.
    assert.deepEqual([...s.sum(2, 3, dim).slice(0, dim)], [10, 20, 30, 40]);
  });

  it('trains two features sharing a table like the JavaScript sums (within float rounding)', () => {
    const rng = new Random(8);
    const make = (): TPUEmbedding => {
      const table = tableConfig({ vocabularySize: 300, dim: 8, combiner: 'mean', name: 't' });
      return new TPUEmbedding({ features: { a: featureConfig({ table }), b: featureConfig({ table }) }, optimizer: new Adagrad({ learningRate: 0.5 }), topology: 'v4-8', seed: 3 });
    };
    const kernel = make();
    const js = make();
    js.useSimd = false;
    for (let step = 0; step < 3; step++) {
      const B = 64;
      const bag = () => {
        const rowSplits = new Int32Array(B + 1);
        for (let b = 0; b < B; b++) rowSplits[b + 1] = rowSplits[b] + 1 + rng.int(4);
        const values = Int32Array.from({ length: rowSplits[B] }, () => rng.int(40)); // many repeats
        const weights = Float32Array.from({ length: rowSplits[B] }, () => 0.5 + rng.float());
        return { values, rowSplits, weights };
      };
      const input = { a: bag(), b: bag() };
      const grads = { a: tf.randomNormal([B, 8], 0, 1, 'float32', step), b: tf.randomNormal([B, 8], 0, 1, 'float32', 10 + step) };
      for (const e of [kernel, js]) {
        const out = e.lookup(input);
        e.applyGradients(grads);
        tf.dispose(Object.values(out));
      }
      tf.dispose(Object.values(grads));
    }
    const a = kernel.exportTables().t;
    const b = js.exportTables().t;
    let maxDiff = 0;
    for (let i = 0; i < a.weights.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.weights[i] - b.weights[i]));
    for (let i = 0; i < a.slots.accumulators!.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.slots.accumulators![i] - b.slots.accumulators![i]));
    assert.ok(maxDiff < 1e-5, `max |Δ| ${maxDiff}`);
    const initial = make().exportTables().t.weights;
    assert.ok(a.weights.some((w, i) => Math.abs(w - initial[i]) > 1e-3), 'the steps changed the table');
  });
});

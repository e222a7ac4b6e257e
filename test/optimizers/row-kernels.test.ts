import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { Adagrad } from '../../src/optimizers';
import { adagradRowsKernel, hasRowKernels, rowKernelArray } from '../../src/optimizers/row-kernels';
import { Random } from '../../src/random';

/** `n` floats in a shared memory registered with the kernels. */
function kernelArray(n: number, fill: number): Float32Array {
  const a = rowKernelArray(n).fill(fill);
  assert.ok(hasRowKernels(a), 'the kernel module instantiates on a shared memory');
  return a;
}

describe('row-update kernels', () => {
  it('Adagrad by the kernel matches the JavaScript loop within float32 rounding, over more rows than one chunk', () => {
    const rng = new Random(2);
    const dim = 16;
    const rows = 1500; // 1,500 × 16 = 24,000 floats > one 16,384-float chunk
    const V = 4000;
    const w = kernelArray(V * dim, 0);
    const acc = kernelArray(V * dim, 0.1);
    for (let i = 0; i < w.length; i++) w[i] = rng.normal();
    const wJs = Float32Array.from(w);
    const accJs = Float32Array.from(acc);
    const picked = rng.permutation(V).slice(0, rows).sort((a, b) => a - b);
    const rowOffsets = Int32Array.from(picked, (r) => r * dim);
    const grads = Float32Array.from({ length: rows * dim }, () => rng.normal());
    const opt = new Adagrad({ learningRate: 0.05 });
    for (let step = 1; step <= 3; step++) {
      opt.applyRows({ weights: w, slots: [acc], rowOffsets, count: rows, grads, dim, step }); // kernel
      opt.applyRows({ weights: wJs, slots: [accJs], rowOffsets, count: rows, grads, dim, step }); // plain arrays: JS
    }
    let maxW = 0;
    let maxA = 0;
    for (let i = 0; i < w.length; i++) {
      maxW = Math.max(maxW, Math.abs(w[i] - wJs[i]));
      maxA = Math.max(maxA, Math.abs(acc[i] - accJs[i]) / accJs[i]);
    }
    assert.ok(maxW < 1e-6, `max |ΔW| ${maxW}`);
    assert.ok(maxA < 1e-6, `max relative |Δacc| ${maxA}`);
    // Rows not in the batch are untouched: row 0 is picked or not, compare one that is not.
    const untouched = [...Array(V).keys()].find((r) => !picked.includes(r))!;
    assert.equal(acc[untouched * dim], Math.fround(0.1));
  });

  it('declines plain arrays and dims not divisible by 4 (the optimizer then runs its JavaScript loop)', () => {
    const plain = new Float32Array(64);
    assert.equal(hasRowKernels(plain), false);
    assert.equal(adagradRowsKernel(plain, new Float32Array(64), Int32Array.of(0), 1, new Float32Array(16), 16, 0.1), false);
    const w = kernelArray(60, 0);
    const acc = kernelArray(60, 0.1);
    assert.equal(adagradRowsKernel(w, acc, Int32Array.of(0), 1, new Float32Array(6), 6, 0.1), false);
    assert.deepEqual([...acc.slice(0, 6)], new Array(6).fill(Math.fround(0.1)), 'nothing changed');
  });

  it('is what the engine’s Adagrad tables use, unless clipping or weight decay needs the general loop', () => {
    const make = (opt: Adagrad) => new TPUEmbedding({ features: { f: featureConfig({ table: tableConfig({ vocabularySize: 100, dim: 8 }) }) }, optimizer: opt, topology: 'v4-8' });
    const plain = make(new Adagrad());
    const t = plain.tables[0];
    assert.ok(hasRowKernels(t.shard(0), t.slotShard(0, 0)));
    assert.equal(new Adagrad().prefetchesRows(t.shard(0), t.slotShards(0), 8), true);
    assert.equal(new Adagrad({ clipValue: [-1, 1] }).prefetchesRows(t.shard(0), t.slotShards(0), 8), false);
    assert.equal(new Adagrad({ weightDecayFactor: 0.01 }).prefetchesRows(t.shard(0), t.slotShards(0), 8), false);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { Adagrad, Adam, SGD } from '../../src/optimizers';
import { adagradRowsKernel, hasRowKernels, rowKernelArray } from '../../src/kernels/row-kernels';
import { Random } from '../../src/random';

/** `n` floats in a shared memory registered with the kernels. */
function kernelArray(n: number, fill: number): Float32Array {
  const a = rowKernelArray(n).fill(fill);
  assert.ok(hasRowKernels(a), 'the kernel module instantiates on a shared memory');
  return a;
}

describe('row-update kernels', () => {
  for (const [name, make] of [
    ['SGD', () => new SGD({ learningRate: 0.05 })],
    ['Adagrad', () => new Adagrad({ learningRate: 0.05 })],
    ['Adam (ε² inside √, as on TPU)', () => new Adam({ learningRate: 0.01 })],
    ['Adam (ε outside √)', () => new Adam({ learningRate: 0.01, sumInsideSqrt: false })],
  ] as [string, () => SGD | Adagrad | Adam][]) {
    it(`${name} by the kernels matches the JavaScript loop within float32 rounding, over more rows than one chunk`, () => {
      const rng = new Random(2);
      const dim = 16;
      const rows = 1500; // 1,500 × 16 = 24,000 floats > one 16,384-float chunk
      const V = 4000;
      const opt = make();
      const specs = opt.slotSpecs();
      const w = kernelArray(V * dim, 0);
      for (let i = 0; i < w.length; i++) w[i] = rng.normal();
      const slots = specs.map((sp) => kernelArray(V * dim, sp.initialValue));
      const wJs = Float32Array.from(w);
      const w0 = Float32Array.from(w);
      const slotsJs = slots.map((a) => Float32Array.from(a));
      const picked = rng.permutation(V).slice(0, rows).sort((a, b) => a - b);
      const rowOffsets = Int32Array.from(picked, (r) => r * dim);
      for (let step = 1; step <= 3; step++) {
        const grads = Float32Array.from({ length: rows * dim }, () => rng.normal());
        opt.applyRows({ weights: w, slots, rowOffsets, count: rows, grads, dim, step }); // kernel memories
        opt.applyRows({ weights: wJs, slots: slotsJs, rowOffsets, count: rows, grads, dim, step }); // plain arrays: JS
      }
      const maxRel = (a: Float32Array, b: Float32Array): number => {
        let m = 0;
        for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
        return m;
      };
      assert.ok(maxRel(w, wJs) < 1e-5, `weights: max relative |Δ| ${maxRel(w, wJs)}`);
      slots.forEach((a, k) => assert.ok(maxRel(a, slotsJs[k]) < 1e-5, `${specs[k].name}: max relative |Δ| ${maxRel(a, slotsJs[k])}`));
      // The kernels changed the picked rows and nothing else.
      const untouched = [...Array(V).keys()].find((r) => !picked.includes(r))!;
      assert.equal(w[untouched * dim], wJs[untouched * dim]);
      assert.notEqual(w[picked[0] * dim], w0[picked[0] * dim], 'a picked row changed');
      assert.equal(opt.prefetchesRows(w, slots, dim), true, 'the engine would leave the read-ahead to the kernel');
    });
  }

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

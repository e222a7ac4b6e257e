// The wasm backend's matrix products through the machine's BLAS (src/kernels/native-matmul.ts): the same products
// as tfjs's own kernels to float32 rounding (plain, transposed, fused bias + relu, batched; the other cases left to
// tfjs's kernels), the dense layer's gradients unchanged, and nothing replaced on the WebAssembly path.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { nativeMatMulActive, useNativeMatMul } from '../../src/kernels/native-matmul';
import { denseLayer } from '../../src/models/dense-layer';
import { ADDON, NATIVE_SKIP, withKernels } from './fixtures/native-addon';

const BLAS_SKIP: string | false = NATIVE_SKIP || (ADDON.kernels!.blas() ? false : 'no BLAS with cblas_sgemm on this machine (apt-get install libopenblas0-pthread)');

before(async () => {
  await chooseBackend({ log: () => {} });
});

/** max |x − y| / (1 + |y|) over two arrays of the same length. */
function maxRelDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  assert.equal(x.length, y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]) / (1 + Math.abs(y[i])));
  return m;
}

describe('BLAS matrix products on the wasm backend', { skip: BLAS_SKIP }, () => {
  it('agree with tfjs’s kernels (plain, transposed, fused bias + relu, batched, left-to-tfjs cases), and the dense layer’s gradients too', () => {
    assert.equal(tf.getBackend(), 'wasm');
    const rnd = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
    const a = rnd([37, 20], 1), w = rnd([20, 33], 2), b = rnd([33], 3), aT = rnd([20, 37], 4), wT = rnd([33, 20], 5);
    const a3 = rnd([3, 6, 5], 6), b3 = rnd([3, 5, 4], 7), b1 = rnd([1, 5, 4], 8), alpha = rnd([33], 9);
    const products = (): tf.Tensor[] => [
      tf.matMul(a, w),
      tf.matMul(aT, w, true, false),
      tf.matMul(a, wT, false, true),
      tf.matMul(aT, wT, true, true),
      tf.fused.matMul({ a, b: w, bias: b, activation: 'relu' }),
      tf.fused.matMul({ a, b: w, bias: b }),
      tf.matMul(a3, b3),
      tf.matMul(a3, b1), // broadcast batch: tfjs's kernel
      tf.fused.matMul({ a, b: w, bias: b, activation: 'prelu', preluActivationWeights: alpha }), // tfjs's kernel
    ];
    const grads = (): tf.Tensor[] => tf.grads((x: tf.Tensor, k: tf.Tensor, c: tf.Tensor) => tf.sum(tf.square(denseLayer(x as tf.Tensor2D, k as tf.Tensor2D, c as tf.Tensor1D, 'relu'))))([a, w, b]);
    // tfjs's kernels first (the WebAssembly path keeps them), then the BLAS ones.
    const want = withKernels(false, () => {
      assert.equal(useNativeMatMul(), null, 'nothing replaced on the WebAssembly path');
      assert.equal(nativeMatMulActive(), false);
      return [...products(), ...grads()].map((t) => t.dataSync().slice());
    });
    const got = withKernels(true, () => {
      assert.match(useNativeMatMul() ?? '', /blas|Accelerate/);
      assert.equal(nativeMatMulActive(), true);
      return [...products(), ...grads()].map((t) => t.dataSync().slice());
    });
    want.forEach((x, i) => assert.ok(maxRelDiff(got[i], x) < 1e-5, `product ${i}: max relative difference ${maxRelDiff(got[i], x)}`));
    assert.ok(want[4].some((v) => v === 0) && want[4].some((v) => v > 0), 'relu clips some values');
  });

  it('reports a mismatched inner dimension as tfjs does, and leaks no tensor', () => {
    withKernels(true, () => useNativeMatMul());
    const before = tf.memory().numTensors;
    const x = tf.ones([4, 3]);
    const y = tf.ones([4, 3]);
    assert.throws(() => tf.matMul(x, y), /inner shapes|must match/i);
    const z = tf.matMul(x, y, false, true);
    assert.deepEqual(Array.from(z.dataSync()), new Array(16).fill(3));
    tf.dispose([x, y, z]);
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('the BLAS products are opt-in for the models (TPU_EMBEDDINGS_BLAS=1)', { skip: BLAS_SKIP }, () => {
  /** Builds a DenseStack in a fresh process and prints whether the BLAS kernels are active. */
  const activeAfterDenseStack = (env: Record<string, string>): string => {
    const script = [
      "const { chooseBackend } = require('./src/backend');",
      "const { DenseStack } = require('./src/models/dense-stack');",
      "const { nativeMatMulActive } = require('./src/kernels/native-matmul');",
      "chooseBackend({ log: () => {} }).then(() => { new DenseStack({ inputDim: 4, units: [3, 1], seed: 1 }); console.log('ACTIVE ' + nativeMatMulActive()); });",
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(r.status, 0, r.stderr.slice(-1500));
    return /ACTIVE (\w+)/.exec(r.stdout)?.[1] ?? `no answer: ${r.stdout}`;
  };

  it('a model keeps tfjs’s own (reproducible) products by default and uses the BLAS only when asked', () => {
    const { TPU_EMBEDDINGS_BLAS: _unset, ...rest } = process.env;
    void _unset;
    assert.equal(activeAfterDenseStack({ ...(rest as Record<string, string>), TPU_EMBEDDINGS_BLAS: '' }), 'false');
    assert.equal(activeAfterDenseStack({ TPU_EMBEDDINGS_BLAS: '1' }), 'true');
  });
});

// The optimizers against TensorFlow as the oracle: one python3 process (TF 2.21 on CPU) runs TF's SparseCore update
// math in float32 (test/optimizers/tf-optimizer-oracle.py says which kernels and why) for every case below, and each
// case's tables after several steps must match ours within TOLERANCE, through the JavaScript loops (plain arrays),
// the WebAssembly kernels (arrays in kernel memories) and the native kernels' twins of both (the addon must be built:
// `node scripts/build-native.mjs`). TF must be installed (it is a dev dependency of
// the interop tests): without it this test fails with the pip command to run; it is never skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { optimizerFromConfig } from '../../src/optimizers/optimizer-registry';
import type { EmbeddingOptimizer } from '../../src/optimizers/embedding-optimizer';
import { rowKernelArray } from '../../src/kernels/row-kernels';
import { loadNativeKernels, type NativeKernels } from '../../src/kernels/native-kernels';

/**
 * |ours − TF| ≤ 2^-23 × max(|ours|, |TF|) + 2^-23 × 1e-30: one float32 ulp, relative (1.2e-7). Measured on this machine:
 * 0 (every value bit-identical to TF), JS loops and kernels alike; the code before float32 semantics was up to 1.9e-4
 * off for Adam (1 − β2 in float64), 1e-5 for FTRL, 1.6e-6 for SGD and Adagrad.
 */
const REL_TOLERANCE = 2 ** -23;
const ORACLE = path.join(__dirname, 'tf-optimizer-oracle.py');
const VOCAB = 6;
const DIM = 8;
const STEPS = 5;

interface Case {
  optimizer: string;
  params: Record<string, unknown>;
  weights: number[][];
  slots: number[][][];
  steps: { ids: number[]; grads: number[][] }[];
}

/** A deterministic pseudo-random value in [-1, 1) (xorshift), so every case has the same inputs on both sides. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return Math.fround((s / 2 ** 32) * 2 - 1);
  };
}

function makeCase(optimizer: string, params: Record<string, unknown>, seed: number, gradScale = 1): Case {
  const r = rng(seed);
  const opt = optimizerFromConfig({ className: optimizer, ...params } as never) as EmbeddingOptimizer;
  const weights = Array.from({ length: VOCAB }, () => Array.from({ length: DIM }, () => r() * 0.5));
  const slots = opt.slotSpecs().map((s) => Array.from({ length: VOCAB }, () => Array.from({ length: DIM }, () => Math.fround(s.initialValue))));
  const steps = Array.from({ length: STEPS }, (_, t) => {
    const ids = [0, 2, 3, 5].filter((id) => (id + t) % 3 !== 0); // a changing subset of rows: some rows skip steps
    return { ids, grads: ids.map(() => Array.from({ length: DIM }, () => Math.fround(r() * gradScale))) };
  });
  return { optimizer, params, weights, slots, steps };
}

const CASES: Case[] = [
  makeCase('SGD', { learningRate: 0.1 }, 1),
  makeCase('SGD', { learningRate: 0.3, clipValue: 0.5, weightDecayFactor: 0.01, clipWeightMin: -0.4, clipWeightMax: 0.45 }, 2),
  makeCase('Adagrad', { learningRate: 0.1, initialAccumulatorValue: 0.1 }, 3),
  makeCase('Adagrad', { learningRate: 0.2, clipValue: [-0.3, 0.6], weightDecayFactor: 0.1, multiplyWeightDecayFactorByLearningRate: true }, 4),
  makeCase('AdagradMomentum', { learningRate: 0.05, momentum: 0.9 }, 5),
  makeCase('AdagradMomentum', { learningRate: 0.05, momentum: 0.7, useNesterov: true, beta2: 0.99, epsilon: 1e-6 }, 6),
  makeCase('Adam', { learningRate: 0.01 }, 7),
  makeCase('Adam', { learningRate: 0.01, beta1: 0.8, beta2: 0.95, epsilon: 1e-3, sumInsideSqrt: false }, 8),
  makeCase('Adam', { learningRate: 0.01, clipValue: 0.4, weightDecayFactor: 0.02 }, 9),
  makeCase('Adam', { learningRate: 0.01, lazyAdam: false }, 10),
  makeCase('FTRL', { learningRate: 0.1, l1RegularizationStrength: 0.01, l2RegularizationStrength: 0.02, beta: 0.1 }, 11),
  makeCase('FTRL', { learningRate: 0.1, multiplyLinearByLearningRate: true, l2RegularizationStrength: 0.05, l1RegularizationStrength: 0.01 }, 12),
];

function runOracle(cases: Case[]): { weights: number[][]; slots: number[][][] }[] {
  const run = spawnSync('python3', [ORACLE], { input: JSON.stringify({ cases }), encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
  if (run.status !== 0) {
    assert.fail(`the TensorFlow oracle failed (status ${run.status}); install TF with 'pip install tensorflow-cpu==2.21.*'.\n${run.stderr}`);
  }
  return JSON.parse(run.stdout).results;
}

/**
 * How a case runs: `JavaScript` the loops on plain arrays; `kernels` the WebAssembly kernels (arrays in kernel
 * memories); `native` plain arrays with the native kernels (their twins of the loops); `native kernels` kernel-memory
 * arrays with the native kernels (their twins of the WebAssembly kernels where those would run, else of the loops).
 */
type Path = 'JavaScript' | 'kernels' | 'native' | 'native kernels';
const PATHS: readonly Path[] = ['JavaScript', 'kernels', 'native', 'native kernels'];

/**
 * The native kernels on 2 threads for the native paths, loaded whatever TPU_EMBEDDINGS_NATIVE says; fails (never
 * skips) where the addon is not built, with the loader's reason.
 */
function nativeContext(path: Path): { kernels: NativeKernels; threads: number } | null {
  if (path !== 'native' && path !== 'native kernels') return null;
  const { kernels, status } = loadNativeKernels({ env: {} });
  assert.ok(kernels, status.line);
  return { kernels, threads: 2 };
}

/** Runs a case through our optimizer on `path`: every row of a non-lazy Adam, else the step's rows. */
function runOurs(c: Case, path: Path): { weights: Float32Array; slots: Float32Array[] } {
  const kernels = path !== 'JavaScript';
  const native = nativeContext(path);
  const opt = optimizerFromConfig({ className: c.optimizer, ...c.params } as never) as EmbeddingOptimizer;
  const alloc = (rows: number[][]): Float32Array => {
    const a = path === 'kernels' || path === 'native kernels' ? rowKernelArray(VOCAB * DIM) : new Float32Array(VOCAB * DIM);
    a.set(rows.flat());
    return a;
  };
  const weights = alloc(c.weights);
  const slots = c.slots.map(alloc);
  c.steps.forEach((s, t) => {
    const dense = c.optimizer === 'Adam' && c.params.lazyAdam === false;
    const ids = dense ? Array.from({ length: VOCAB }, (_, i) => i) : s.ids;
    const grads = new Float32Array(ids.length * DIM);
    ids.forEach((id, r) => {
      const k = s.ids.indexOf(id);
      if (k >= 0) grads.set(s.grads[k], r * DIM);
    });
    opt.applyRows({ weights, slots, rowOffsets: Int32Array.from(ids, (id) => id * DIM), count: ids.length, grads, dim: DIM, step: t + 1, kernels, native });
  });
  return { weights, slots };
}

function worstError(ours: Float32Array, tf: number[][]): { rel: number; at: number; a: number; b: number } {
  const flat = tf.flat();
  let worst = { rel: 0, at: -1, a: 0, b: 0 };
  for (let i = 0; i < flat.length; i++) {
    const a = ours[i];
    const b = flat[i];
    const rel = Math.abs(a - b) / (Math.max(Math.abs(a), Math.abs(b)) + 1e-30 / REL_TOLERANCE);
    if (!(rel <= worst.rel)) worst = { rel, at: i, a, b };
  }
  return worst;
}

test(`every optimizer matches TensorFlow's float32 update within one ulp (2^-23 relative) after ${STEPS} steps (JavaScript loops, WebAssembly and native kernels)`, () => {
  const results = runOracle(CASES);
  CASES.forEach((c, n) => {
    for (const path of PATHS) {
      const ours = runOurs(c, path);
      const arrays = [ours.weights, ...ours.slots];
      const expected = [results[n].weights, ...results[n].slots];
      arrays.forEach((a, k) => {
        const e = worstError(a, expected[k]);
        assert.ok(
          e.rel <= REL_TOLERANCE,
          `${c.optimizer} ${JSON.stringify(c.params)} (${path}): array ${k} element ${e.at} is ${e.a}, TF has ${e.b} (relative error ${e.rel.toExponential(2)})`,
        );
      });
    }
  });
});

test('the JavaScript loops and the WebAssembly kernels give the same bits (SGD, Adagrad, Adam: float32 in the same order)', () => {
  for (const c of CASES.filter((x) => ['SGD', 'Adagrad', 'Adam'].includes(x.optimizer) && x.params.clipValue === undefined)) {
    const js = runOurs(c, 'JavaScript');
    const wasm = runOurs(c, 'kernels');
    assert.deepEqual(Array.from(wasm.weights), Array.from(js.weights), `${c.optimizer} ${JSON.stringify(c.params)} weights`);
    wasm.slots.forEach((a, k) => assert.deepEqual(Array.from(a), Array.from(js.slots[k]), `${c.optimizer} slot ${k}`));
  }
});

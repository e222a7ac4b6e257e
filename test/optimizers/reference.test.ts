import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../../src/random';
import {
  Adagrad,
  AdagradMomentum,
  Adam,
  EmbeddingOptimizer,
  FTRL,
  SGD,
  type LearningRate,
} from '../../src/optimizers';

// Each optimizer's applyRows is compared, over several steps, with a straightforward float64 re-statement of
// the formula (written here independently of src/, element by element), including gradient clipping,
// decoupled weight decay (W ← W − λW, λ = wd or wd·lr), and weight clipping, in that order.

const ROWS = 7;
const DIM = 3;
const STEPS = 6;

interface Shared {
  lr: LearningRate;
  clip?: [number, number];
  wd?: number;
  wdTimesLr?: boolean;
  wClip?: [number, number];
}

/** One element's update in the reference: returns the new weight; mutates slots s[k][i]. */
type RefUpdate = (w: number, g: number, s: Float64Array[], i: number, lr: number) => number;

function refStep(w: Float64Array, s: Float64Array[], rows: number[], grads: number[], lr: number, sh: Shared, upd: RefUpdate): void {
  rows.forEach((row, r) => {
    for (let j = 0; j < DIM; j++) {
      const i = row * DIM + j;
      let g = grads[r * DIM + j];
      if (sh.clip) g = Math.min(Math.max(g, sh.clip[0]), sh.clip[1]);
      const lambda = (sh.wd ?? 0) * (sh.wdTimesLr ? lr : 1);
      let x = w[i] - lambda * w[i];
      x = upd(x, g, s, i, lr);
      if (sh.wClip) x = Math.min(Math.max(x, sh.wClip[0]), sh.wClip[1]);
      w[i] = x;
    }
  });
}

function runCase(name: string, opt: EmbeddingOptimizer, sh: Shared, upd: RefUpdate, seed: number): void {
  const rnd = new Random(seed);
  const w32 = new Float32Array(ROWS * DIM);
  for (let i = 0; i < w32.length; i++) w32[i] = rnd.normal(0, 0.5);
  const specs = opt.slotSpecs();
  const s32 = specs.map((sp) => new Float32Array(ROWS * DIM).fill(sp.initialValue));
  const w64 = Float64Array.from(w32);
  const s64 = s32.map((a) => Float64Array.from(a));
  const untouchedRow = ROWS - 1; // never in a batch
  for (let step = 1; step <= STEPS; step++) {
    const perm = rnd.permutation(ROWS - 1);
    const rows = Array.from(perm.subarray(0, 1 + rnd.int(ROWS - 1)));
    const grads = Array.from({ length: rows.length * DIM }, () => rnd.normal(0, 1));
    opt.applyRows({
      weights: w32,
      slots: s32,
      rowOffsets: Int32Array.from(rows, (r) => r * DIM),
      count: rows.length,
      grads: Float32Array.from(grads),
      dim: DIM,
      step,
    });
    const lr = typeof sh.lr === 'number' ? sh.lr : sh.lr(step);
    refStep(w64, s64, rows, Array.from(Float32Array.from(grads)), lr, sh, upd);
  }
  const check = (a: ArrayLike<number>, e: ArrayLike<number>, what: string): void => {
    for (let i = 0; i < e.length; i++) {
      assert.ok(Number.isFinite(a[i]), `${name} ${what}[${i}] is ${a[i]}`);
      assert.ok(Math.abs(a[i] - e[i]) <= 1e-5 * (1 + Math.abs(e[i])), `${name} ${what}[${i}]: ${a[i]} vs reference ${e[i]}`);
    }
  };
  check(w32, w64, 'weights');
  s32.forEach((a, k) => check(a, s64[k], specs[k].name));
  // the row never looked up keeps its initial weights and slot values exactly (lazy updates)
  const o = untouchedRow * DIM;
  for (let j = 0; j < DIM; j++) {
    assert.equal(w32[o + j], Math.fround(w64[o + j]));
    s32.forEach((a, k) => assert.equal(a[o + j], Math.fround(specs[k].initialValue)));
  }
}

const schedule = (step: number): number => 0.2 / Math.sqrt(step);
const CLIPPED: Shared = { lr: schedule, clip: [-0.5, 0.5], wd: 0.01, wdTimesLr: true, wClip: [-0.8, 0.9] };
const ONE_SIDED: Shared = { lr: 0.05, clip: [-0.2, Infinity], wd: 0.05 };
function opts(sh: Shared) {
  return {
    learningRate: sh.lr,
    clipValue: sh.clip ? ([sh.clip[0], sh.clip[1] === Infinity ? null : sh.clip[1]] as [number, number | null]) : undefined,
    weightDecayFactor: sh.wd,
    multiplyWeightDecayFactorByLearningRate: sh.wdTimesLr,
    clipWeightMin: sh.wClip?.[0],
    clipWeightMax: sh.wClip?.[1],
  };
}

test('SGD matches W −= lr·g with clipping and decay', () => {
  const upd: RefUpdate = (w, g, _s, _i, lr) => w - lr * g;
  runCase('SGD plain', new SGD({ learningRate: 0.1 }), { lr: 0.1 }, upd, 1);
  runCase('SGD clipped', new SGD(opts(CLIPPED)), CLIPPED, upd, 2);
  runCase('SGD one-sided', new SGD(opts(ONE_SIDED)), ONE_SIDED, upd, 3);
});

test('Adagrad matches acc += g²; W −= lr·g/√acc', () => {
  const upd =
    (): RefUpdate =>
    (w, g, s, i, lr) => {
      s[0][i] += g * g;
      return w - (lr * g) / Math.sqrt(s[0][i]);
    };
  runCase('Adagrad plain', new Adagrad({ learningRate: 0.1 }), { lr: 0.1 }, upd(), 4);
  runCase('Adagrad clipped', new Adagrad({ ...opts(CLIPPED), initialAccumulatorValue: 0.5 }), CLIPPED, upd(), 5);
  runCase('Adagrad one-sided', new Adagrad(opts(ONE_SIDED)), ONE_SIDED, upd(), 6);
});

test('AdagradMomentum matches the SparseCore reference (beta2, exponent, Nesterov variants)', () => {
  const upd =
    (mu: number, nesterov: boolean, k: number, b2: number, eps: number): RefUpdate =>
    (w, g, s, i, lr) => {
      s[0][i] = b2 === 1 ? s[0][i] + g * g : b2 * s[0][i] + (1 - b2) * g * g;
      const gHat = Math.pow(s[0][i] + eps, -1 / k) * g;
      s[1][i] = mu * s[1][i] + gHat;
      return w - lr * (nesterov ? mu * s[1][i] + gHat : s[1][i]);
    };
  runCase('AdagradMomentum defaults', new AdagradMomentum({ learningRate: 0.1 }), { lr: 0.1 }, upd(0, false, 2, 1, 1e-10), 7);
  runCase(
    'AdagradMomentum momentum',
    new AdagradMomentum({ ...opts(CLIPPED), momentum: 0.9 }),
    CLIPPED,
    upd(0.9, false, 2, 1, 1e-10),
    8,
  );
  runCase(
    'AdagradMomentum nesterov',
    new AdagradMomentum({ ...opts(ONE_SIDED), momentum: 0.8, useNesterov: true, exponent: 3, beta2: 0.9, epsilon: 1e-3 }),
    ONE_SIDED,
    upd(0.8, true, 3, 0.9, 1e-3),
    9,
  );
});

test('Adam matches the TPU formula without bias correction (both sumInsideSqrt settings)', () => {
  const upd =
    (b1: number, b2: number, eps: number, inside: boolean): RefUpdate =>
    (w, g, s, i, lr) => {
      s[0][i] = b1 * s[0][i] + (1 - b1) * g;
      s[1][i] = b2 * s[1][i] + (1 - b2) * g * g;
      return w - (inside ? (lr * s[0][i]) / Math.sqrt(s[1][i] + eps * eps) : (lr * s[0][i]) / (Math.sqrt(s[1][i]) + eps));
    };
  runCase('Adam defaults', new Adam({ learningRate: 0.01 }), { lr: 0.01 }, upd(0.9, 0.999, 1e-7, true), 10);
  runCase('Adam clipped', new Adam({ ...opts(CLIPPED), sumInsideSqrt: false }), CLIPPED, upd(0.9, 0.999, 1e-7, false), 11);
  runCase('Adam one-sided', new Adam({ ...opts(ONE_SIDED), beta1: 0.5, beta2: 0.9, epsilon: 0.01 }), ONE_SIDED, upd(0.5, 0.9, 0.01, true), 12);
});

test('FTRL matches TF FtrlCompute with beta, l1, l2, learningRatePower and multiplyLinearByLearningRate', () => {
  const upd =
    (p: number, l1: number, l2: number, beta: number, mlr: boolean): RefUpdate =>
    (w, g, s, i, lr) => {
      const a = s[0][i];
      const aNew = a + g * g;
      const dp = Math.pow(aNew, -p) - Math.pow(a, -p);
      s[1][i] += mlr ? lr * g - dp * w : g - (dp / lr) * w;
      s[0][i] = aNew;
      const lin = s[1][i];
      const t = mlr ? lr * l1 : l1;
      const q = mlr ? Math.pow(aNew, -p) + beta + 2 * lr * l2 : (Math.pow(aNew, -p) + beta) / lr + 2 * l2;
      return Math.abs(lin) > t ? (Math.sign(lin) * t - lin) / q : 0;
    };
  runCase('FTRL defaults', new FTRL({ learningRate: 0.1 }), { lr: 0.1 }, upd(-0.5, 0, 0, 0, false), 13);
  runCase(
    'FTRL regularised',
    new FTRL({ ...opts(CLIPPED), l1RegularizationStrength: 0.05, l2RegularizationStrength: 0.1, beta: 0.3 }),
    CLIPPED,
    upd(-0.5, 0.05, 0.1, 0.3, false),
    14,
  );
  runCase(
    'FTRL multiplyLinearByLearningRate',
    new FTRL({ ...opts(ONE_SIDED), learningRatePower: -0.3, l1RegularizationStrength: 0.01, beta: 0.1, multiplyLinearByLearningRate: true, initialAccumulatorValue: 0.5 }),
    ONE_SIDED,
    upd(-0.3, 0.01, 0, 0.1, true),
    15,
  );
});

test('FTRL: a zero learning rate is an error unless multiplyLinearByLearningRate; allowZeroAccumulator avoids NaN', () => {
  const weights = new Float32Array([0.5, -0.5]);
  const acc = new Float32Array([0.1, 0.1]);
  const lin = new Float32Array([0, 0]);
  const batch = { weights, slots: [acc, lin], rowOffsets: Int32Array.of(0), count: 1, grads: new Float32Array([1, 1]), dim: 2, step: 3 };
  assert.throws(() => new FTRL({ learningRate: (s) => (s < 5 ? 0 : 0.1) }).applyRows(batch), /FTRL\.applyRows: expected the learning rate at step 3 to be > 0, but got 0\..*multiplyLinearByLearningRate/);
  assert.deepEqual([...weights, ...acc, ...lin], [0.5, -0.5, Math.fround(0.1), Math.fround(0.1), 0, 0]); // unchanged
  new FTRL({ learningRate: 0, multiplyLinearByLearningRate: true }).applyRows(batch);
  // lr 0: a' = 1.1, lin = 0 + 0·g − (√1.1 − √0.1)·W = −0.7325·W; q = √1.1; W = −lin/q = 0.7325/1.0488·W = 0.6985·W
  const f = (Math.sqrt(1.1) - Math.sqrt(0.1)) / Math.sqrt(1.1);
  assert.ok(Math.abs(weights[0] - 0.5 * f) < 1e-6 && Math.abs(weights[1] + 0.5 * f) < 1e-6, `${weights}`);

  // a zero accumulator with a zero gradient: q = 0 → W = 0 (not NaN) with allowZeroAccumulator
  const z = new FTRL({ learningRate: 0.1, initialAccumulatorValue: 0, allowZeroAccumulator: true });
  const w2 = new Float32Array([0.5, 0.5]);
  z.applyRows({ weights: w2, slots: [new Float32Array(2), new Float32Array(2)], rowOffsets: Int32Array.of(0), count: 1, grads: new Float32Array([0, 2]), dim: 2, step: 1 });
  // element 1: a' = 4, lin = 2 − (2 − 0)/0.1·0.5 = −8, q = 2/0.1 = 20 → W = 8/20 = 0.4
  assert.deepEqual([...w2], [0, 0.4].map(Math.fround));
});

test('slot specs: names, order and initial values as in TensorFlow', () => {
  assert.deepEqual(new SGD().slotSpecs(), []);
  assert.deepEqual(new Adagrad().slotSpecs(), [{ name: 'accumulators', initialValue: 0.1 }]);
  assert.deepEqual(new Adagrad({ initialAccumulatorValue: 0.25 }).slotSpecs(), [{ name: 'accumulators', initialValue: 0.25 }]);
  assert.deepEqual(new AdagradMomentum().slotSpecs(), [
    { name: 'accumulators', initialValue: 0 },
    { name: 'momenta', initialValue: 0 },
  ]);
  assert.deepEqual(new Adam().slotSpecs(), [
    { name: 'momenta', initialValue: 0 },
    { name: 'velocities', initialValue: 0 },
  ]);
  assert.deepEqual(new FTRL().slotSpecs(), [
    { name: 'accumulators', initialValue: 0.1 },
    { name: 'linears', initialValue: 0 },
  ]);
  const opt = new Adam();
  assert.equal(opt.slotSpecs(), opt.slotSpecs(), 'the same frozen array every call (no allocation)');
  assert.ok(Object.isFrozen(opt.slotSpecs()));
});

test('TensorFlow defaults', () => {
  assert.equal(new SGD().learningRateAt(1), 0.01);
  assert.equal(new Adagrad().learningRateAt(1), 0.001);
  const am = new AdagradMomentum();
  assert.deepEqual([am.learningRateAt(1), am.momentum, am.useNesterov, am.exponent, am.beta2, am.epsilon], [0.001, 0, false, 2, 1, 1e-10]);
  const a = new Adam();
  assert.deepEqual([a.learningRateAt(1), a.beta1, a.beta2, a.epsilon, a.lazyAdam, a.sumInsideSqrt], [0.001, 0.9, 0.999, 1e-7, true, true]);
  const f = new FTRL();
  assert.deepEqual(
    [f.learningRateAt(1), f.learningRatePower, f.l1RegularizationStrength, f.l2RegularizationStrength, f.beta, f.initialAccumulatorValue, f.multiplyLinearByLearningRate, f.allowZeroAccumulator],
    [0.001, -0.5, 0, 0, 0, 0.1, false, false],
  );
  const s = new SGD();
  assert.deepEqual([s.clipGradientMin, s.clipGradientMax, s.clipWeightMin, s.clipWeightMax, s.weightDecayFactor], [-Infinity, Infinity, -Infinity, Infinity, 0]);
});

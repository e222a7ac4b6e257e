import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, InputError } from '../../src/errors';
import {
  Adagrad,
  AdagradMomentum,
  Adam,
  EmbeddingOptimizer,
  FTRL,
  SGD,
  kerasAdagrad,
  optimizerFromConfig,
  registerOptimizer,
  registeredOptimizers,
  type OptimizerConfig,
  type RowUpdateBatch,
} from '../../src/optimizers';

test('constructor validation: ConfigError naming the optimizer, parameter, rule and value', () => {
  const cases: [() => unknown, RegExp][] = [
    [() => new Adagrad({ initialAccumulatorValue: 0 }), /^Adagrad: expected initialAccumulatorValue to be a finite number > 0, but got 0\. /],
    [() => new Adagrad({ initialAccumulatorValue: -1 }), /Adagrad: expected initialAccumulatorValue .* > 0, but got -1/],
    [() => new SGD({ learningRate: -0.1 }), /^SGD: expected learningRate to be a finite number ≥ 0 or a function of the step, but got -0\.1/],
    [() => new SGD({ learningRate: NaN }), /SGD: expected learningRate .* but got NaN/],
    [() => new SGD({ clipValue: 0 }), /^SGD: expected clipValue to be a positive number or a \[min, max\] pair, but got 0\. Pass e\.g\. clipValue: 1/],
    [() => new SGD({ clipValue: [1, -1] }), /SGD: expected clipValue to be a pair with min ≤ max, but got \[1, -1\]/],
    [() => new SGD({ clipWeightMin: 2, clipWeightMax: 1 }), /SGD: expected clipWeightMin to be ≤ clipWeightMax \(1\), but got 2/],
    [() => new SGD({ weightDecayFactor: 1.5 }), /SGD: expected weightDecayFactor to be a finite number ≥ 0 and < 1, but got 1\.5/],
    [() => new SGD({ multiplyWeightDecayFactorByLearningRate: 1 as unknown as boolean }), /SGD: expected multiplyWeightDecayFactorByLearningRate to be a boolean, but got 1/],
    [() => new Adam({ beta1: 1 }), /^Adam: expected beta1 to be a finite number in \[0, 1\), but got 1\./],
    [() => new Adam({ beta2: -0.1 }), /Adam: expected beta2 to be a finite number in \[0, 1\), but got -0\.1/],
    [() => new Adam({ epsilon: 0 }), /Adam: expected epsilon to be a finite number > 0, but got 0/],
    [() => new Adam({ lazyAdam: 'no' as never }), /Adam: expected lazyAdam to be a boolean, but got 'no'/],
    [() => new AdagradMomentum({ epsilon: 0 }), /AdagradMomentum: expected epsilon to be a finite number > 0, but got 0/],
    [() => new AdagradMomentum({ exponent: -2 }), /AdagradMomentum: expected exponent to be a finite number > 0, but got -2/],
    [() => new AdagradMomentum({ momentum: 1 }), /AdagradMomentum: expected momentum to be a finite number in \[0, 1\), but got 1/],
    [() => new AdagradMomentum({ beta2: 1.5 }), /AdagradMomentum: expected beta2 to be a finite number in \[0, 1\], but got 1\.5/],
    [() => new FTRL({ learningRatePower: 0.5 }), /FTRL: expected learningRatePower to be a finite number ≤ 0, but got 0\.5/],
    [() => new FTRL({ l1RegularizationStrength: -1 }), /FTRL: expected l1RegularizationStrength to be a finite number ≥ 0, but got -1/],
    [() => new FTRL({ l2RegularizationStrength: -1 }), /FTRL: expected l2RegularizationStrength .* but got -1/],
    [() => new FTRL({ beta: -1 }), /FTRL: expected beta .* but got -1/],
    [() => new FTRL({ initialAccumulatorValue: 0 }), /FTRL: expected initialAccumulatorValue to be a finite number > 0 \(or ≥ 0 with allowZeroAccumulator: true\), but got 0/],
  ];
  for (const [make, re] of cases) {
    assert.throws(make, (e: unknown) => e instanceof ConfigError && e.kind === 'invalid_optimizer_config' && re.test(e.message), String(re));
  }
  // accepted edge values
  assert.equal(new FTRL({ initialAccumulatorValue: 0, allowZeroAccumulator: true }).initialAccumulatorValue, 0);
  assert.equal(new AdagradMomentum({ beta2: 0 }).beta2, 0);
  assert.equal(new SGD({ learningRate: 0 }).learningRateAt(1), 0);
});

test('clipValue: c → [−c, c]; a pair with null sides', () => {
  const a = new SGD({ clipValue: 2 });
  assert.deepEqual([a.clipGradientMin, a.clipGradientMax], [-2, 2]);
  const b = new SGD({ clipValue: [null, 0.5] });
  assert.deepEqual([b.clipGradientMin, b.clipGradientMax], [-Infinity, 0.5]);
  assert.deepEqual(b.getConfig().clipValue, [null, 0.5]);
  assert.equal(new SGD().getConfig().clipValue, null);
});

test('getConfig is plain JSON with className and every hyper-parameter; fromConfig round-trips', () => {
  const optimizers: EmbeddingOptimizer[] = [
    new SGD({ learningRate: 0.2, clipValue: 1, clipWeightMin: -3, weightDecayFactor: 0.01, multiplyWeightDecayFactorByLearningRate: true }),
    new Adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.3, clipValue: [null, 2] }),
    new AdagradMomentum({ momentum: 0.9, useNesterov: true, exponent: 4, beta2: 0.99, epsilon: 1e-6, clipWeightMax: 5 }),
    new Adam({ learningRate: 0.003, beta1: 0.8, beta2: 0.99, epsilon: 1e-8, sumInsideSqrt: false }),
    new FTRL({ learningRatePower: -0.25, l1RegularizationStrength: 0.1, l2RegularizationStrength: 0.2, beta: 0.5, initialAccumulatorValue: 0, allowZeroAccumulator: true, multiplyLinearByLearningRate: true }),
  ];
  for (const opt of optimizers) {
    const config = opt.getConfig();
    assert.ok(Object.isFrozen(config));
    const json = JSON.parse(JSON.stringify(config)) as OptimizerConfig;
    assert.deepEqual(json, { ...config }, `${opt.className} config survives JSON`);
    const copy = optimizerFromConfig(json);
    assert.equal(copy.constructor, opt.constructor);
    assert.deepEqual(copy.getConfig(), config);
    assert.deepEqual(copy.slotSpecs(), opt.slotSpecs());
  }
  assert.deepEqual(new Adagrad({ learningRate: 0.1 }).getConfig(), {
    className: 'Adagrad',
    learningRate: 0.1,
    initialAccumulatorValue: 0.1,
    clipValue: null,
    clipWeightMin: null,
    clipWeightMax: null,
    weightDecayFactor: null,
    multiplyWeightDecayFactorByLearningRate: false,
  });
});

test('a learning-rate schedule: called with the step, reported as "schedule", re-supplied on fromConfig', () => {
  const calls: number[] = [];
  const schedule = (step: number): number => {
    calls.push(step);
    return 0.5 / step;
  };
  const opt = new SGD({ learningRate: schedule });
  assert.equal(opt.learningRateAt(4), 0.125);
  const weights = new Float32Array([1, 1]);
  opt.applyRows({ weights, slots: [], rowOffsets: Int32Array.of(0), count: 1, grads: new Float32Array([1, 2]), dim: 2, step: 5 });
  assert.deepEqual(calls, [4, 5]);
  // step 5: lr = 0.1 → W = [1 − 0.1·1, 1 − 0.1·2] = [0.9, 0.8]
  assert.deepEqual([...weights], [0.9, 0.8].map(Math.fround));
  const config = opt.getConfig();
  assert.equal(config.learningRate, 'schedule');
  assert.throws(() => optimizerFromConfig(config), (e: unknown) => e instanceof ConfigError && e.kind === 'schedule_not_serializable' && /learningRate.*"schedule".*optimizerFromConfig\(config, \{ learningRate: mySchedule \}\)/.test(e.message));
  const copy = optimizerFromConfig(config, { learningRate: schedule });
  assert.equal(copy.learningRateAt(2), 0.25);
  // a schedule returning a bad value is reported with the step
  const bad = new Adagrad({ learningRate: (s) => (s > 2 ? -1 : 0.1) });
  assert.throws(() => bad.learningRateAt(3), /Adagrad\.learningRateAt: expected learningRate\(3\) to be a finite number ≥ 0, but got -1/);
  assert.throws(() => bad.learningRateAt(1.5), (e: unknown) => e instanceof InputError && /expected step to be an integer ≥ 0, but got 1\.5/.test(e.message));
});

test('registry: unknown className, unknown parameter, custom registration', () => {
  assert.deepEqual(registeredOptimizers(), ['Adagrad', 'AdagradMomentum', 'Adam', 'FTRL', 'SGD']);
  assert.throws(() => optimizerFromConfig({ className: 'RMSProp' }), (e: unknown) => e instanceof ConfigError && e.kind === 'unknown_optimizer' && /expected className to be one of Adagrad, AdagradMomentum, Adam, FTRL, SGD, but got 'RMSProp'/.test(e.message));
  assert.throws(() => optimizerFromConfig({ className: 'Adam', learningrate: 0.1 }), /optimizerFromConfig: Adam: expected only the options learningRate, .*but got learningrate = 0\.1/);
  assert.throws(() => optimizerFromConfig({ className: 'Adagrad', initialAccumulatorValue: 0 }), /Adagrad: expected initialAccumulatorValue/);
  assert.equal(optimizerFromConfig({ className: 'Adagrad' }).getConfig().initialAccumulatorValue, 0.1, 'missing parameters take the defaults');
  // the { className, config } form stored in table configs
  const wrapped = { className: 'Adam', config: new Adam({ beta1: 0.7 }).getConfig() };
  assert.equal((optimizerFromConfig(wrapped) as Adam).beta1, 0.7);
  assert.equal((optimizerFromConfig({ className: 'FTRL', config: { beta: 0.2 } }) as FTRL).beta, 0.2);

  class HalfSGD extends SGD {
    override readonly className = 'HalfSGD';
    override learningRateAt(step: number): number {
      return super.learningRateAt(step) / 2;
    }
  }
  registerOptimizer('HalfSGD', (o) => new HalfSGD(o));
  const h = optimizerFromConfig({ className: 'HalfSGD', learningRate: 0.4 });
  assert.ok(h instanceof HalfSGD);
  assert.equal(h.learningRateAt(1), 0.2);
  assert.throws(() => registerOptimizer('', (o) => new SGD(o)), /registerOptimizer: expected className to be a non-empty string/);
});

test('kerasAdagrad: TFRS translation (lr and initial accumulator carry over; epsilon must stay 1e-7 and is dropped)', () => {
  const opt = kerasAdagrad({ learningRate: 0.1 });
  assert.ok(opt instanceof Adagrad);
  assert.deepEqual(opt.getConfig(), new Adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.1 }).getConfig());
  assert.equal(kerasAdagrad().learningRateAt(1), 0.001, 'Keras default learning rate');
  assert.equal(kerasAdagrad({ epsilon: 1e-7 }).className, 'Adagrad');
  assert.throws(() => kerasAdagrad({ epsilon: 1e-3 }), (e: unknown) => e instanceof ConfigError && e.kind === 'unsupported_keras_parameter' && /kerasAdagrad: expected epsilon to be left at its default 1e-7, but got 0\.001/.test(e.message));
  assert.throws(() => kerasAdagrad({ clipnorm: 1 }), /kerasAdagrad: expected clipnorm to be unset, but got 1/);
  assert.throws(() => kerasAdagrad({ clipvalue: 1 }), /kerasAdagrad: expected clipvalue to be unset/);
  assert.throws(() => kerasAdagrad({ initialAccumulatorValue: 0 }), /Adagrad: expected initialAccumulatorValue to be a finite number > 0/);
  // the update has no epsilon: one step from acc 0.1 with g = 1: W = 1 − 0.1/√1.1 = 0.9046537
  const w = new Float32Array([1]);
  opt.applyRows({ weights: w, slots: [new Float32Array([0.1])], rowOffsets: Int32Array.of(0), count: 1, grads: new Float32Array([1]), dim: 1, step: 1 });
  assert.equal(w[0], Math.fround(1 - 0.1 / Math.sqrt(Math.fround(1.1))));
});

test('applyRows rejects a malformed batch before changing anything', () => {
  const opt = new Adam();
  const base = (): RowUpdateBatch => ({
    weights: new Float32Array([1, 2, 3, 4]),
    slots: [new Float32Array(4), new Float32Array(4)],
    rowOffsets: Int32Array.of(0, 2),
    count: 2,
    grads: new Float32Array([1, 1, 1, 1]),
    dim: 2,
    step: 1,
  });
  const cases: [Partial<RowUpdateBatch>, RegExp][] = [
    [{ slots: [new Float32Array(4)] }, /Adam\.applyRows: expected 2 slot arrays \(momenta, velocities\), but got 1/],
    [{ slots: [new Float32Array(4), new Float32Array(2)] }, /expected slot velocities to have weights\.length = 4 elements, but got 2/],
    [{ rowOffsets: Int32Array.of(0, 3) }, /expected rowOffsets\[1\] in \[0, 2\], but got 3/],
    [{ rowOffsets: Int32Array.of(-2, 0) }, /expected rowOffsets\[0\] in \[0, 2\], but got -2/],
    [{ grads: new Float32Array(3) }, /expected grads\.length ≥ count × dim = 4, but got 3/],
    [{ count: 3 }, /expected count to be an integer in \[0, rowOffsets\.length = 2\], but got 3/],
    [{ dim: 0 }, /expected dim to be a positive integer, but got 0/],
  ];
  for (const [patch, re] of cases) {
    const b = { ...base(), ...patch };
    const before = [Array.from(b.weights), ...b.slots.map((s) => Array.from(s))];
    assert.throws(() => opt.applyRows(b), (e: unknown) => e instanceof InputError && e.kind === 'invalid_row_batch' && re.test(e.message), String(re));
    assert.deepEqual([Array.from(b.weights), ...b.slots.map((s) => Array.from(s))], before);
  }
  // count 0 is a no-op
  const b = { ...base(), count: 0 };
  opt.applyRows(b);
  assert.deepEqual(Array.from(b.weights), [1, 2, 3, 4]);
});

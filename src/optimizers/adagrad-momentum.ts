import {
  EmbeddingOptimizer,
  booleanOption,
  numberOption,
  type EmbeddingOptimizerOptions,
  type OptimizerConfigValue,
  type RowUpdateBatch,
  type SlotSpec,
} from './embedding-optimizer';
import { nativeRowsExact } from './native-row-update';

/** Options of {@link AdagradMomentum} (TF `tf.tpu.experimental.embedding.AdagradMomentum`). */
export interface AdagradMomentumOptions extends EmbeddingOptimizerOptions {
  /** Moving-average parameter of the momentum slot, in [0, 1). @default 0 */
  readonly momentum?: number;
  /** Use the Nesterov variant (Sutskever et al., 2013). @default false */
  readonly useNesterov?: boolean;
  /** Exponent k of the accumulator (the preconditioner is (acc + ε)^(−1/k)); must be > 0. @default 2 */
  readonly exponent?: number;
  /** Moving-average parameter of the accumulator, in [0, 1]; 1 means a plain sum (Adagrad). @default 1 */
  readonly beta2?: number;
  /** Offset added to the accumulator before the power; must be > 0. @default 1e-10 */
  readonly epsilon?: number;
}

/**
 * Adagrad with momentum for embedding tables (TF `tf.tpu.experimental.embedding.AdagradMomentum`, defaults
 * lr 0.001, momentum 0, useNesterov false, exponent 2, beta2 1, epsilon 1e-10; algorithm of
 * arXiv:2002.11803). Slots `accumulators` and `momenta`, both starting at 0 (TF's `Constant()` initializers).
 * Per touched row and element, with g the row's gradient summed over the global batch:
 * ```
 * acc ← beta2 == 1 ? acc + g² : beta2·acc + (1 − beta2)·g²
 * ĝ   ← (acc + ε)^(−1/exponent) · g
 * m   ← momentum·m + ĝ
 * W   ← W − lr · (useNesterov ? momentum·m + ĝ : m)
 * ```
 * This is the formula of the SparseCore reference implementation (jax-tpu-embedding
 * `sparse_dense_matmul_grad_with_adagrad_momentum_test.py`). The comment in TF's
 * `optimization_parameters.proto` writes the momentum over the preconditioner and multiplies by g at the end;
 * both agree when momentum = 0, and we follow the tested reference.
 *
 * @example
 * const opt = new AdagradMomentum({ learningRate: 0.1, momentum: 0.9, useNesterov: true });
 * opt.slotSpecs().map((s) => s.name); // ['accumulators', 'momenta']
 */
export class AdagradMomentum extends EmbeddingOptimizer {
  readonly className: string = 'AdagradMomentum';
  /** Momentum parameter. */
  readonly momentum: number;
  /** Nesterov variant. */
  readonly useNesterov: boolean;
  /** Accumulator exponent k. */
  readonly exponent: number;
  /** Accumulator moving-average parameter. */
  readonly beta2: number;
  /** Accumulator offset ε. */
  readonly epsilon: number;
  private readonly slots: readonly SlotSpec[];

  /**
   * @param options see {@link AdagradMomentumOptions}; `learningRate` @default 0.001
   * @throws ConfigError naming `AdagradMomentum`, the parameter, the rule and the value (e.g. epsilon ≤ 0).
   */
  constructor(options: AdagradMomentumOptions = {}) {
    const api = 'AdagradMomentum';
    super(api, options, 0.001);
    this.momentum = numberOption(api, 'momentum', options.momentum, 0, 'a finite number in [0, 1)', (x) => x >= 0 && x < 1);
    this.useNesterov = booleanOption(api, 'useNesterov', options.useNesterov, false);
    this.exponent = numberOption(api, 'exponent', options.exponent, 2, 'a finite number > 0', (x) => x > 0);
    this.beta2 = numberOption(api, 'beta2', options.beta2, 1, 'a finite number in [0, 1]', (x) => x >= 0 && x <= 1);
    this.epsilon = numberOption(api, 'epsilon', options.epsilon, 1e-10, 'a finite number > 0', (x) => x > 0);
    this.slots = Object.freeze([
      Object.freeze({ name: 'accumulators', initialValue: 0 }),
      Object.freeze({ name: 'momenta', initialValue: 0 }),
    ]);
  }

  /** @returns `[accumulators, momenta]`, both starting at 0. */
  slotSpecs(): readonly SlotSpec[] {
    return this.slots;
  }

  protected hyperParameters(): Record<string, OptimizerConfigValue> {
    return {
      momentum: this.momentum,
      useNesterov: this.useNesterov,
      exponent: this.exponent,
      beta2: this.beta2,
      epsilon: this.epsilon,
    };
  }

  protected updateRows(batch: RowUpdateBatch, lr: number, decay: number): void {
    if (batch.kernels !== false && batch.native && nativeRowsExact(batch.native, this, batch, lr, decay)) return;
    const { weights: w, rowOffsets, count, grads, dim } = batch;
    const acc = batch.slots[0];
    const mom = batch.slots[1];
    const gMin = this.clipGradientMin;
    const gMax = this.clipGradientMax;
    const wMin = this.clipWeightMin;
    const wMax = this.clipWeightMax;
    const mu = this.momentum;
    const nesterov = this.useNesterov;
    const b2 = this.beta2;
    const plainSum = b2 === 1;
    const eps = this.epsilon;
    const negInvK = -1 / this.exponent;
    const sqrtCase = this.exponent === 2;
    for (let r = 0; r < count; r++) {
      const o = rowOffsets[r];
      const go = r * dim;
      for (let j = 0; j < dim; j++) {
        let g = grads[go + j];
        if (g < gMin) g = gMin;
        else if (g > gMax) g = gMax;
        const i = o + j;
        const a = Math.fround(plainSum ? acc[i] + g * g : b2 * acc[i] + (1 - b2) * g * g);
        acc[i] = a;
        const scale = sqrtCase ? 1 / Math.sqrt(a + eps) : Math.pow(a + eps, negInvK);
        const gHat = scale * g;
        const m = Math.fround(mu * mom[i] + gHat);
        mom[i] = m;
        let x = w[i];
        x -= decay * x;
        x -= lr * (nesterov ? mu * m + gHat : m);
        if (x < wMin) x = wMin;
        else if (x > wMax) x = wMax;
        w[i] = x;
      }
    }
  }
}

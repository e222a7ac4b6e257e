import { rejectUnknownOptions } from '../option-keys';
import {
  EmbeddingOptimizer,
  BOUND_ROUNDING,
  FINITE_STEP_LIMIT,
  booleanOption,
  numberOption,
  type EmbeddingOptimizerOptions,
  type OptimizerConfigValue,
  type RowUpdateBatch,
  type SlotSpec,
} from './embedding-optimizer';
import { nativeRowsExact } from './native-row-update';

/** Accumulators stay ≥ 0 (they start at 0 and add g² or average it in); momenta have no floor. */
const ADAGRAD_MOMENTUM_FLOORS: readonly number[] = Object.freeze([0, -Infinity]);
/** Below this |g| (2^-63), g² may round to a subnormal or 0 in float32. */
const NORMAL_SQUARE_MIN = 2 ** -63;

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
    rejectUnknownOptions('AdagradMomentum', options, Object.keys(this.getConfig()).filter((k) => k !== 'className'));
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

  /** Accumulators ≥ 0 (then acc + ε ≥ ε > 0 and the preconditioner is finite), momenta unbounded. */
  override slotFloors(): readonly number[] {
    return ADAGRAD_MOMENTUM_FLOORS;
  }

  /**
   * With c = 1 − beta2 (1 when beta2 = 1) and s = ε^(−1/exponent), the preconditioner's largest value (acc' ≥ 0):
   * acc' ≤ acc + g²; |ĝ| ≤ s·|g|, and for exponent 2 also |ĝ| = |g|/√(acc' + ε) ≤ 1/√c (acc' ≥ c·g², while c·g² is
   * a normal float32; below that |g| < 2^-63/√c and |ĝ| ≤ s·2^-63/√c); |m'| ≤ momentum·|m| + |ĝ|;
   * |W'| ≤ |W − λW| + lr·(useNesterov ? momentum·|m'| + |ĝ| : |m'|). Vouched for while ε is a positive float32,
   * |g| ≤ 1e18 (g² in float32), and s, acc' + ε, lr × the step and the new bounds stay ≤ FINITE_STEP_LIMIT.
   */
  override boundsAfter(bounds: readonly number[], gradBound: number, lr: number): number[] | null {
    const eps = Math.fround(this.epsilon);
    const mu = Math.fround(this.momentum);
    const b2 = Math.fround(this.beta2);
    const c = b2 === 1 ? 1 : Math.fround(1 - b2);
    const s = Math.pow(eps, -Math.fround(1 / Math.fround(this.exponent))) * BOUND_ROUNDING;
    const acc = (bounds[1] + gradBound * gradBound) * BOUND_ROUNDING;
    let gHat = s * gradBound * BOUND_ROUNDING;
    if (this.exponent === 2) gHat = Math.min(gHat, Math.max(BOUND_ROUNDING / Math.sqrt(c), (s * NORMAL_SQUARE_MIN) / Math.sqrt(c)));
    const m = (mu * bounds[2] * BOUND_ROUNDING + gHat) * BOUND_ROUNDING;
    const u = this.useNesterov ? (mu * m * BOUND_ROUNDING + gHat) * BOUND_ROUNDING : m;
    const w = this.clippedBound((this.decayedBound(bounds[0], lr) + lr * u * BOUND_ROUNDING) * BOUND_ROUNDING);
    const ok =
      eps > 0 && gradBound <= 1e18 && s <= FINITE_STEP_LIMIT && (acc + eps) * BOUND_ROUNDING <= FINITE_STEP_LIMIT &&
      lr * u <= FINITE_STEP_LIMIT && m <= FINITE_STEP_LIMIT && w <= FINITE_STEP_LIMIT;
    return ok ? [w, acc, m] : null;
  }

  protected updateRows(batch: RowUpdateBatch, lr: number, decay: number): void {
    if (batch.kernels !== false && batch.native && nativeRowsExact(batch.native, this, batch, lr, decay)) return;
    const { weights: w, rowOffsets, count, grads, dim } = batch;
    const acc = batch.slots[0];
    const mom = batch.slots[1];
    const gMin = Math.fround(this.clipGradientMin); // float32, as TF
    const gMax = Math.fround(this.clipGradientMax); // float32, as TF
    const wMin = Math.fround(this.clipWeightMin); // float32, as TF
    const wMax = Math.fround(this.clipWeightMax); // float32, as TF
    // float32 hyper-parameters and derived constants, as TF's SparseCore AdagradMomentum computes them.
    const mu = Math.fround(this.momentum);
    const nesterov = this.useNesterov;
    const b2 = Math.fround(this.beta2);
    const c2 = Math.fround(1 - b2);
    const plainSum = b2 === 1;
    const eps = Math.fround(this.epsilon);
    const negInvK = -Math.fround(1 / Math.fround(this.exponent));
    const sqrtCase = negInvK === -0.5;
    for (let r = 0; r < count; r++) {
      const o = rowOffsets[r];
      const go = r * dim;
      for (let j = 0; j < dim; j++) {
        let g = grads[go + j];
        if (g < gMin) g = gMin;
        else if (g > gMax) g = gMax;
        const i = o + j;
        // float32 after every operation, in TF's order (sparse_core_xla_ops.cc).
        const a = Math.fround(plainSum ? acc[i] + Math.fround(g * g) : Math.fround(b2 * acc[i]) + Math.fround(Math.fround(c2 * g) * g));
        acc[i] = a;
        const ae = Math.fround(a + eps);
        // k = 2: XLA rewrites (acc + ε)^(−1/2) as rsqrt; computed here as 1/√ in float32 (each correctly rounded).
        const scale = sqrtCase ? Math.fround(1 / Math.fround(Math.sqrt(ae))) : Math.fround(Math.pow(ae, negInvK));
        const gHat = Math.fround(scale * g);
        const m = Math.fround(Math.fround(mu * mom[i]) + gHat);
        mom[i] = m;
        let x = w[i];
        x = Math.fround(x - Math.fround(decay * x));
        x = Math.fround(x - Math.fround(lr * (nesterov ? Math.fround(Math.fround(mu * m) + gHat) : m)));
        if (x < wMin) x = wMin;
        else if (x > wMax) x = wMax;
        w[i] = x;
      }
    }
  }
}

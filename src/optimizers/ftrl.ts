import { rejectUnknownOptions } from '../option-keys';
import { InputError } from '../errors';
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

/** Options of {@link FTRL} (TF `tf.tpu.experimental.embedding.FTRL`). */
export interface FTRLOptions extends EmbeddingOptimizerOptions {
  /** Power p ≤ 0 of the per-coordinate learning rate (−0.5 is √; 0 a fixed rate). @default -0.5 */
  readonly learningRatePower?: number;
  /** L1 regularization strength, ≥ 0. @default 0 */
  readonly l1RegularizationStrength?: number;
  /** L2 regularization strength, ≥ 0. @default 0 */
  readonly l2RegularizationStrength?: number;
  /** β of the FTRL paper (adds β/lr to the quadratic term), ≥ 0. @default 0 */
  readonly beta?: number;
  /** Initial `accumulators` value: > 0, or ≥ 0 when `allowZeroAccumulator`. @default 0.1 */
  readonly initialAccumulatorValue?: number;
  /**
   * The `linears` slot stores linear × lr; handles zero and near-zero learning rates without NaN. Equivalent
   * for a constant learning rate apart from the checkpointed values. @default false
   */
  readonly multiplyLinearByLearningRate?: boolean;
  /**
   * Allow a zero accumulator: permits `initialAccumulatorValue` 0 and sets a weight to 0 where the quadratic
   * term is 0 instead of producing NaN. @default false
   */
  readonly allowZeroAccumulator?: boolean;
}

/**
 * FTRL-Proximal for embedding tables (TF `tf.tpu.experimental.embedding.FTRL`: lr 0.001, learningRatePower
 * −0.5, l1 0, l2 0, beta 0, initial accumulator 0.1; McMahan et al. 2013, Algorithm 1). Slots `accumulators`
 * (initialAccumulatorValue) and `linears` (0). Per touched row and element, with g the summed gradient,
 * k = −learningRatePower, W the current weight (after weight decay):
 * ```
 * a'  = a + g²;   Δp = a'^k − a^k
 * multiplyLinearByLearningRate = false:            = true:
 *   lin ← lin + g − (Δp/lr)·W                        lin ← lin + lr·g − Δp·W
 *   t = l1,  q = (a'^k + β)/lr + 2·l2                t = lr·l1,  q = a'^k + β + 2·lr·l2
 * W ← |lin| > t ? (sign(lin)·t − lin)/q : 0;   a ← a'
 * ```
 * This is TF's `FtrlCompute` (training_ops.cc) with β as in `optimization_parameters.proto`, and matches
 * the SparseCore reference in jax-tpu-embedding.
 *
 * @example
 * const opt = new FTRL({ learningRate: 0.1, l1RegularizationStrength: 0.001 });
 * opt.slotSpecs(); // [{ name: 'accumulators', initialValue: 0.1 }, { name: 'linears', initialValue: 0 }]
 */
export class FTRL extends EmbeddingOptimizer {
  readonly className: string = 'FTRL';
  /** p ≤ 0. */
  readonly learningRatePower: number;
  /** L1 strength. */
  readonly l1RegularizationStrength: number;
  /** L2 strength. */
  readonly l2RegularizationStrength: number;
  /** β. */
  readonly beta: number;
  /** Initial accumulator value. */
  readonly initialAccumulatorValue: number;
  /** `linears` stores linear × lr. */
  readonly multiplyLinearByLearningRate: boolean;
  /** Zero accumulators allowed. */
  readonly allowZeroAccumulator: boolean;
  private readonly slots: readonly SlotSpec[];

  /**
   * @param options see {@link FTRLOptions}; `learningRate` @default 0.001
   * @throws ConfigError naming `FTRL`, the parameter, the rule and the value (e.g. learningRatePower > 0,
   *   initialAccumulatorValue ≤ 0 without allowZeroAccumulator).
   */
  constructor(options: FTRLOptions = {}) {
    const api = 'FTRL';
    super(api, options, 0.001);
    this.learningRatePower = numberOption(api, 'learningRatePower', options.learningRatePower, -0.5, 'a finite number ≤ 0', (x) => x <= 0);
    this.l1RegularizationStrength = numberOption(api, 'l1RegularizationStrength', options.l1RegularizationStrength, 0, 'a finite number ≥ 0', (x) => x >= 0);
    this.l2RegularizationStrength = numberOption(api, 'l2RegularizationStrength', options.l2RegularizationStrength, 0, 'a finite number ≥ 0', (x) => x >= 0);
    this.beta = numberOption(api, 'beta', options.beta, 0, 'a finite number ≥ 0', (x) => x >= 0);
    this.multiplyLinearByLearningRate = booleanOption(api, 'multiplyLinearByLearningRate', options.multiplyLinearByLearningRate, false);
    this.allowZeroAccumulator = booleanOption(api, 'allowZeroAccumulator', options.allowZeroAccumulator, false);
    this.initialAccumulatorValue = this.allowZeroAccumulator
      ? numberOption(api, 'initialAccumulatorValue', options.initialAccumulatorValue, 0.1, 'a finite number ≥ 0', (x) => x >= 0)
      : numberOption(api, 'initialAccumulatorValue', options.initialAccumulatorValue, 0.1, 'a finite number > 0 (or ≥ 0 with allowZeroAccumulator: true)', (x) => x > 0);
    this.slots = Object.freeze([
      Object.freeze({ name: 'accumulators', initialValue: this.initialAccumulatorValue }),
      Object.freeze({ name: 'linears', initialValue: 0 }),
    ]);
    rejectUnknownOptions('FTRL', options, Object.keys(this.getConfig()).filter((k) => k !== 'className'));
  }

  /** @returns `[accumulators, linears]`. */
  slotSpecs(): readonly SlotSpec[] {
    return this.slots;
  }

  protected hyperParameters(): Record<string, OptimizerConfigValue> {
    return {
      learningRatePower: this.learningRatePower,
      l1RegularizationStrength: this.l1RegularizationStrength,
      l2RegularizationStrength: this.l2RegularizationStrength,
      beta: this.beta,
      initialAccumulatorValue: this.initialAccumulatorValue,
      multiplyLinearByLearningRate: this.multiplyLinearByLearningRate,
      allowZeroAccumulator: this.allowZeroAccumulator,
    };
  }

  protected updateRows(batch: RowUpdateBatch, lr: number, decay: number): void {
    const mlr = this.multiplyLinearByLearningRate;
    if (!mlr && !(lr > 0)) {
      throw new InputError(
        'invalid_learning_rate',
        `FTRL.applyRows: expected the learning rate at step ${batch.step} to be > 0, but got ${lr}. ` +
          'FTRL divides by the learning rate; set multiplyLinearByLearningRate: true to allow a zero learning rate.',
      );
    }
    if (batch.kernels !== false && batch.native && nativeRowsExact(batch.native, this, batch, lr, decay)) return;
    const { weights: w, rowOffsets, count, grads, dim } = batch;
    const acc = batch.slots[0];
    const lin = batch.slots[1];
    const gMin = Math.fround(this.clipGradientMin); // float32, as TF
    const gMax = Math.fround(this.clipGradientMax); // float32, as TF
    const wMin = Math.fround(this.clipWeightMin); // float32, as TF
    const wMax = Math.fround(this.clipWeightMax); // float32, as TF
    // float32 hyper-parameters, as TF's SparseCore FTRL receives them.
    const k = -Math.fround(this.learningRatePower);
    const sqrtCase = k === 0.5;
    const l1 = Math.fround(this.l1RegularizationStrength);
    const l2 = Math.fround(this.l2RegularizationStrength);
    const beta = Math.fround(this.beta);
    const t = mlr ? Math.fround(lr * l1) : l1;
    const zeroOk = this.allowZeroAccumulator;
    for (let r = 0; r < count; r++) {
      const o = rowOffsets[r];
      const go = r * dim;
      for (let j = 0; j < dim; j++) {
        let g = grads[go + j];
        if (g < gMin) g = gMin;
        else if (g > gMax) g = gMax;
        const i = o + j;
        const a = acc[i];
        // float32 after every operation, in TF's order (sparse_core_xla_ops.cc).
        const aNew = Math.fround(a + Math.fround(g * g));
        const pOld = Math.fround(sqrtCase ? Math.sqrt(a) : Math.pow(a, k));
        const pNew = Math.fround(sqrtCase ? Math.sqrt(aNew) : Math.pow(aNew, k));
        const dp = Math.fround(pNew - pOld);
        let x = w[i];
        x = Math.fround(x - Math.fround(decay * x));
        const l = mlr
          ? Math.fround(Math.fround(lin[i] + Math.fround(lr * g)) - Math.fround(dp * x))
          : Math.fround(Math.fround(lin[i] + g) - Math.fround(Math.fround(dp * x) / lr));
        const q = mlr ? Math.fround(Math.fround(pNew + Math.fround(Math.fround(2 * lr) * l2)) + beta) : Math.fround(Math.fround(Math.fround(pNew + beta) / lr) + Math.fround(2 * l2));
        acc[i] = aNew;
        lin[i] = l;
        if (l > t) x = Math.fround(Math.fround(t - l) / q);
        else if (l < -t) x = Math.fround(Math.fround(-t - l) / q);
        else x = 0;
        if (zeroOk && !(q > 0)) x = 0;
        if (x < wMin) x = wMin;
        else if (x > wMax) x = wMax;
        w[i] = x;
      }
    }
  }
}

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
import { adamRowsKernel, hasRowKernels } from '../kernels/row-kernels';
import { nativeRowsExact, nativeRowsFast } from './native-row-update';

const ADAM_FLOORS: readonly number[] = Object.freeze([-Infinity, 0]);

/** Options of {@link Adam} (TF `tf.tpu.experimental.embedding.Adam`). */
export interface AdamOptions extends EmbeddingOptimizerOptions {
  /** Decay rate of the first moment, in [0, 1). @default 0.9 */
  readonly beta1?: number;
  /** Decay rate of the second moment, in [0, 1). @default 0.999 */
  readonly beta2?: number;
  /** Numerical-stability constant, > 0. @default 1e-7 */
  readonly epsilon?: number;
  /**
   * Lazy Adam: only rows looked up in the step are updated (TPU default). `false` is TF's `use_non_lazy_adam`:
   * every row of the table is updated each step, rows without a gradient with g = 0 (their moments decay and their
   * weights move by lr·m/√(v + ε²)); the engine then hands the optimizer every row ({@link Adam.updatesEveryRow}).
   * @default true
   */
  readonly lazyAdam?: boolean;
  /**
   * TPU's `use_sum_inside_sqrt`: the update divides by √(v + ε²) instead of (√v + ε). @default true
   */
  readonly sumInsideSqrt?: boolean;
}

/**
 * Adam for embedding tables as on TPU (TF `tf.tpu.experimental.embedding.Adam`: lr 0.001, β1 0.9, β2 0.999,
 * ε 1e-7, lazy (or every row each step with `lazyAdam: false`), sumInsideSqrt). Slots `momenta` and `velocities`, both starting at 0. **No bias correction**
 * (the TPU optimizer has none; TF's proto suggests a dynamic learning rate lr·√(1−β2ᵗ)/(1−β1ᵗ) to get it —
 * pass such a schedule as `learningRate`). Per touched row and element, with g the row's summed gradient:
 * ```
 * m ← β1·m + (1 − β1)·g
 * v ← β2·v + (1 − β2)·g²
 * W ← W − lr·m/√(v + ε²)        sumInsideSqrt = true (default)
 * W ← W − lr·m/(√v + ε)         sumInsideSqrt = false
 * ```
 *
 * @example
 * const opt = new Adam({ learningRate: 0.01, sumInsideSqrt: false });
 * opt.slotSpecs().map((s) => s.name); // ['momenta', 'velocities']
 */
export class Adam extends EmbeddingOptimizer {
  readonly className: string = 'Adam';
  /** First-moment decay. */
  readonly beta1: number;
  /** Second-moment decay. */
  readonly beta2: number;
  /** Stability constant. */
  readonly epsilon: number;
  /** Lazy updates (only the rows looked up in a step). */
  readonly lazyAdam: boolean;
  /** `!lazyAdam`: the engine must update every row of the table each step (zero gradient where none). */
  readonly updatesEveryRow: boolean;
  /** √(v + ε²) instead of √v + ε. */
  readonly sumInsideSqrt: boolean;
  private readonly slots: readonly SlotSpec[];

  /**
   * @param options see {@link AdamOptions}; `learningRate` @default 0.001
   * @throws ConfigError naming `Adam`, the parameter, the rule and the value (β out of [0, 1), ε ≤ 0).
   */
  constructor(options: AdamOptions = {}) {
    const api = 'Adam';
    super(api, options, 0.001);
    this.beta1 = numberOption(api, 'beta1', options.beta1, 0.9, 'a finite number in [0, 1)', (x) => x >= 0 && x < 1);
    this.beta2 = numberOption(api, 'beta2', options.beta2, 0.999, 'a finite number in [0, 1)', (x) => x >= 0 && x < 1);
    this.epsilon = numberOption(api, 'epsilon', options.epsilon, 1e-7, 'a finite number > 0', (x) => x > 0);
    this.lazyAdam = booleanOption(api, 'lazyAdam', options.lazyAdam, true);
    this.updatesEveryRow = !this.lazyAdam;
    this.sumInsideSqrt = booleanOption(api, 'sumInsideSqrt', options.sumInsideSqrt, true);
    this.slots = Object.freeze([
      Object.freeze({ name: 'momenta', initialValue: 0 }),
      Object.freeze({ name: 'velocities', initialValue: 0 }),
    ]);
    rejectUnknownOptions('Adam', options, Object.keys(this.getConfig()).filter((k) => k !== 'className'));
  }

  /** @returns `[momenta, velocities]`, both starting at 0. */
  slotSpecs(): readonly SlotSpec[] {
    return this.slots;
  }

  protected hyperParameters(): Record<string, OptimizerConfigValue> {
    return {
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      lazyAdam: this.lazyAdam,
      sumInsideSqrt: this.sumInsideSqrt,
    };
  }

  /**
   * True when {@link applyRows} on these arrays runs the WebAssembly kernels, which read their rows into cache
   * themselves: no clipping, no weight decay, `dim % 4 = 0`, weights and both slots in kernel memories.
   */
  prefetchesRows(weights: Float32Array, slots: readonly Float32Array[], dim: number): boolean {
    return this.unclipped() && this.weightDecayFactor === 0 && dim % 4 === 0 && slots.length === 2 && hasRowKernels(weights, slots[0], slots[1]);
  }

  /** Momenta: no floor; velocities stay ≥ 0 (then √(v + ε²) and √v + ε are ≥ ε). */
  override slotFloors(): readonly number[] {
    return ADAM_FLOORS;
  }

  /**
   * |m'| ≤ max(|m|, |g|), v' ≤ v + g² (β1, β2 in [0, 1)) and the step is ≤ lr·|m'|/ε: |W'| ≤ |1 − λ|·|W| + lr·|m'|/ε.
   * Vouched for while ε ≥ 1e-18 (ε² a normal float32), |g| ≤ 1e18 (g² in float32), lr·|m'| (the kernel's first
   * product) and the new bounds stay ≤ FINITE_STEP_LIMIT.
   */
  override boundsAfter(bounds: readonly number[], gradBound: number, lr: number): number[] | null {
    const m = Math.max(bounds[1], gradBound) * BOUND_ROUNDING;
    const v = (bounds[2] + gradBound * gradBound) * BOUND_ROUNDING;
    const w = this.clippedBound((Math.abs(1 - this.decayAt(lr)) * bounds[0] + ((lr * m) / this.epsilon) * BOUND_ROUNDING) * BOUND_ROUNDING);
    const ok = this.epsilon >= 1e-18 && gradBound <= 1e18 && lr * m <= FINITE_STEP_LIMIT && v <= FINITE_STEP_LIMIT && w <= FINITE_STEP_LIMIT;
    return ok ? [w, m, v] : null;
  }

  protected updateRows(batch: RowUpdateBatch, lr: number, decay: number): void {
    const { weights: w, rowOffsets, count, grads, dim } = batch;
    const ms = batch.slots[0];
    const vs = batch.slots[1];
    const native = batch.kernels !== false ? batch.native : null;
    if (decay === 0 && this.unclipped() && batch.kernels !== false) {
      if (native && nativeRowsFast(native, 2, batch, lr, { b1: this.beta1, b2: this.beta2, eps: this.epsilon, inside: this.sumInsideSqrt })) return;
      if (adamRowsKernel(w, ms, vs, rowOffsets, count, grads, dim, lr, this.beta1, this.beta2, this.epsilon, this.sumInsideSqrt)) return;
    }
    if (native && nativeRowsExact(native, this, batch, lr, decay)) return;
    const gMin = Math.fround(this.clipGradientMin); // float32, as TF
    const gMax = Math.fround(this.clipGradientMax); // float32, as TF
    const wMin = Math.fround(this.clipWeightMin); // float32, as TF
    const wMax = Math.fround(this.clipWeightMax); // float32, as TF
    // float32 hyper-parameters and derived constants, as TF's SparseCore Adam (sparse_core_xla_ops.cc) computes them.
    const b1 = Math.fround(this.beta1);
    const b2 = Math.fround(this.beta2);
    const c1 = Math.fround(1 - b1);
    const c2 = Math.fround(1 - b2);
    const eps = Math.fround(this.epsilon);
    const eps2 = Math.fround(eps * eps);
    const inside = this.sumInsideSqrt;
    for (let r = 0; r < count; r++) {
      const o = rowOffsets[r];
      const go = r * dim;
      for (let j = 0; j < dim; j++) {
        let g = grads[go + j];
        if (g < gMin) g = gMin;
        else if (g > gMax) g = gMax;
        const i = o + j;
        // float32 after every operation, in TF's order: m = β1·m + (1−β1)·g; v = β2·v + ((1−β2)·g)·g.
        const m = Math.fround(Math.fround(b1 * ms[i]) + Math.fround(c1 * g));
        const v = Math.fround(Math.fround(b2 * vs[i]) + Math.fround(Math.fround(c2 * g) * g));
        ms[i] = m;
        vs[i] = v;
        const den = inside ? Math.fround(Math.sqrt(Math.fround(v + eps2))) : Math.fround(Math.fround(Math.sqrt(v)) + eps);
        let x = w[i];
        x = Math.fround(x - Math.fround(decay * x));
        x = Math.fround(x - Math.fround(Math.fround(lr * m) / den));
        if (x < wMin) x = wMin;
        else if (x > wMax) x = wMax;
        w[i] = x;
      }
    }
  }
}

import { rejectUnknownOptions } from '../option-keys';
import {
  EmbeddingOptimizer,
  BOUND_ROUNDING,
  FINITE_STEP_LIMIT,
  type EmbeddingOptimizerOptions,
  type OptimizerConfigValue,
  type RowUpdateBatch,
  type SlotSpec,
} from './embedding-optimizer';
import { hasRowKernels, sgdRowsKernel } from '../kernels/row-kernels';
import { nativeRowsExact, nativeRowsFast } from './native-row-update';

/** Options of {@link SGD}: only the shared ones. */
export type SGDOptions = EmbeddingOptimizerOptions;

const NO_SLOTS: readonly SlotSpec[] = Object.freeze([]);

/**
 * Stochastic gradient descent for embedding tables (TF `tf.tpu.experimental.embedding.SGD`, default learning
 * rate 0.01). No slots. Per touched row, with g the row's gradient summed over the global batch:
 * ```
 * W ← W − lr·g
 * ```
 * (after gradient clipping and weight decay, before weight clipping; see {@link EmbeddingOptimizer}).
 *
 * @example
 * const opt = new SGD({ learningRate: 0.1 });
 * opt.slotSpecs(); // []
 */
export class SGD extends EmbeddingOptimizer {
  readonly className: string = 'SGD';

  /**
   * @param options shared options; `learningRate` @default 0.01
   * @throws ConfigError naming `SGD`, the parameter, the rule and the value.
   */
  constructor(options: SGDOptions = {}) {
    super('SGD', options, 0.01);
    rejectUnknownOptions('SGD', options, Object.keys(this.getConfig()).filter((k) => k !== 'className'));
  }

  /** @returns `[]`: SGD keeps no slots. */
  slotSpecs(): readonly SlotSpec[] {
    return NO_SLOTS;
  }

  protected hyperParameters(): Record<string, OptimizerConfigValue> {
    return {};
  }

  /**
   * True when {@link applyRows} on these arrays runs the WebAssembly kernel, which reads its rows into cache itself:
   * no clipping, no weight decay, `dim % 4 = 0`, weights in a kernel memory.
   */
  prefetchesRows(weights: Float32Array, _slots: readonly Float32Array[], dim: number): boolean {
    return this.unclipped() && this.weightDecayFactor === 0 && dim % 4 === 0 && hasRowKernels(weights);
  }

  /**
   * `W ← (1 − λ)·W − lr·g`: |W'| ≤ |1 − λ|·|W| + lr·|g| (then clipping); vouched for while that and lr·|g| stay
   * ≤ FINITE_STEP_LIMIT.
   */
  override boundsAfter(bounds: readonly number[], gradBound: number, lr: number): number[] | null {
    const step = lr * gradBound * BOUND_ROUNDING;
    const w = this.clippedBound((Math.abs(1 - this.decayAt(lr)) * bounds[0] + step) * BOUND_ROUNDING);
    return step <= FINITE_STEP_LIMIT && w <= FINITE_STEP_LIMIT ? [w] : null;
  }

  protected updateRows(batch: RowUpdateBatch, lr: number, decay: number): void {
    const { weights: w, rowOffsets, count, grads, dim } = batch;
    const native = batch.kernels !== false ? batch.native : null;
    if (decay === 0 && this.unclipped() && batch.kernels !== false) {
      if (native && nativeRowsFast(native, 0, batch, lr)) return;
      if (sgdRowsKernel(w, rowOffsets, count, grads, dim, lr)) return;
    }
    if (native && nativeRowsExact(native, this, batch, lr, decay)) return;
    const gMin = Math.fround(this.clipGradientMin); // float32, as TF
    const gMax = Math.fround(this.clipGradientMax); // float32, as TF
    const wMin = Math.fround(this.clipWeightMin); // float32, as TF
    const wMax = Math.fround(this.clipWeightMax); // float32, as TF
    for (let r = 0; r < count; r++) {
      const o = rowOffsets[r];
      const go = r * dim;
      for (let j = 0; j < dim; j++) {
        let g = grads[go + j];
        if (g < gMin) g = gMin;
        else if (g > gMax) g = gMax;
        // float32 after every operation, in TF's order (tensorflow/core/tpu/kernels/sparse_core_xla_ops.cc).
        let x = w[o + j];
        x = Math.fround(x - Math.fround(decay * x));
        x = Math.fround(x - Math.fround(lr * g));
        if (x < wMin) x = wMin;
        else if (x > wMax) x = wMax;
        w[o + j] = x;
      }
    }
  }
}

import {
  EmbeddingOptimizer,
  numberOption,
  type EmbeddingOptimizerOptions,
  type OptimizerConfigValue,
  type RowUpdateBatch,
  type SlotSpec,
} from './embedding-optimizer';

/** Options of {@link Adagrad}. */
export interface AdagradOptions extends EmbeddingOptimizerOptions {
  /** Initial value of the `accumulator` slot; must be > 0 (TF raises otherwise). @default 0.1 */
  readonly initialAccumulatorValue?: number;
}

/**
 * Adagrad for embedding tables (TF `tf.tpu.experimental.embedding.Adagrad`: learning rate 0.001, initial
 * accumulator 0.1). Slot `accumulator` (same shape as the table). Per touched row and element, with g the
 * row's gradient summed over the global batch:
 * ```
 * acc ← acc + g²
 * W   ← W − lr·g/√acc
 * ```
 * No epsilon (the accumulator starts > 0). Untouched rows keep their weights and accumulators.
 *
 * @example
 * const opt = new Adagrad({ learningRate: 0.1 });
 * opt.slotSpecs(); // [{ name: 'accumulator', initialValue: 0.1 }]
 */
export class Adagrad extends EmbeddingOptimizer {
  readonly className: string = 'Adagrad';
  /** Initial value of the accumulator slot (> 0). */
  readonly initialAccumulatorValue: number;
  private readonly slots: readonly SlotSpec[];

  /**
   * @param options `learningRate` @default 0.001; `initialAccumulatorValue` @default 0.1
   * @throws ConfigError e.g. ``Adagrad: expected initialAccumulatorValue to be a finite number > 0, but got 0. …``
   */
  constructor(options: AdagradOptions = {}) {
    super('Adagrad', options, 0.001);
    this.initialAccumulatorValue = numberOption(
      'Adagrad',
      'initialAccumulatorValue',
      options.initialAccumulatorValue,
      0.1,
      'a finite number > 0',
      (x) => x > 0,
    );
    this.slots = Object.freeze([Object.freeze({ name: 'accumulator', initialValue: this.initialAccumulatorValue })]);
  }

  /** @returns `[accumulator]` filled with `initialAccumulatorValue`. */
  slotSpecs(): readonly SlotSpec[] {
    return this.slots;
  }

  protected hyperParameters(): Record<string, OptimizerConfigValue> {
    return { initialAccumulatorValue: this.initialAccumulatorValue };
  }

  protected updateRows(batch: RowUpdateBatch, lr: number, decay: number): void {
    const { weights: w, rowOffsets, count, grads, dim } = batch;
    const acc = batch.slots[0];
    const gMin = this.clipGradientMin;
    const gMax = this.clipGradientMax;
    const wMin = this.clipWeightMin;
    const wMax = this.clipWeightMax;
    for (let r = 0; r < count; r++) {
      const o = rowOffsets[r];
      const go = r * dim;
      for (let j = 0; j < dim; j++) {
        let g = grads[go + j];
        if (g < gMin) g = gMin;
        else if (g > gMax) g = gMax;
        const i = o + j;
        const a = Math.fround(acc[i] + g * g); // float32, as stored
        acc[i] = a;
        let x = w[i];
        x -= decay * x;
        x -= (lr * g) / Math.sqrt(a);
        if (x < wMin) x = wMin;
        else if (x > wMax) x = wMax;
        w[i] = x;
      }
    }
  }
}

/**
 * CONTRACT (shared by the optimizers and the embedding engine). Owned by the optimizers folder;
 * the engine only calls `slotSpecs()`, `applyRows()`, `learningRateAt()` and `getConfig()`.
 */

import { ConfigError, InputError } from '../errors';
import { describeValue, ruleError, where } from '../validation';
import type { NativeRowContext } from './native-row-update';

/** Slot variable names, as TensorFlow names them in checkpoints (`<table>/<slot>`). */
export const SLOT_NAMES = ['accumulators', 'momenta', 'velocities', 'linears'] as const;
/** One of {@link SLOT_NAMES}. */
export type SlotName = (typeof SLOT_NAMES)[number];

/** A slot variable an optimizer keeps per table row: same shape as the table, filled with `initialValue`. */
export interface SlotSpec {
  readonly name: SlotName;
  readonly initialValue: number;
}

/**
 * The largest bound on |x| (a weight or slot value, or an intermediate such as lr·g or g²)
 * {@link EmbeddingOptimizer.boundsAfter} vouches for: 1e37, a margin of 30× below float32's 3.4e38.
 */
export const FINITE_STEP_LIMIT = 1e37;
/** Relative slack on every bound for float32 rounding (a few roundings of 2^-24 each). */
export const BOUND_ROUNDING = 1 + 2 ** -20;

/** A learning rate: a number, or a function of the 1-based global step. */
export type LearningRate = number | ((step: number) => number);

/**
 * The rows one shard must update in one step. Row-major layout: row r occupies
 * `weights[rowOffsets[r] .. rowOffsets[r] + dim)`, and so does each slot array.
 *
 * ```
 * weights  [localRows, dim]   slots[k] [localRows, dim] in slotSpecs() order
 * grads    [count, dim]       grads row r = Σ of row rowOffsets[r]'s gradient contributions in the global batch
 * ```
 */
export interface RowUpdateBatch {
  readonly weights: Float32Array;
  readonly slots: readonly Float32Array[];
  readonly rowOffsets: Int32Array;
  readonly count: number;
  readonly grads: Float32Array;
  readonly dim: number;
  /** 1-based global step (for learning-rate schedules). */
  readonly step: number;
  /**
   * Let an optimizer with a WebAssembly kernel use it when the arrays live in kernel memories (see `row-kernels.ts`;
   * the same float32 operations as the JavaScript loop, so the same bits). @default true
   */
  readonly kernels?: boolean;
  /**
   * The native kernels and threads to update the rows with (same bits as the WebAssembly kernel or JavaScript loop
   * they replace; see `native-row-update.ts`), or null/absent: not used. Set by the engine (`TPUEmbedding.useNative`).
   */
  readonly native?: NativeRowContext | null;
}

// ---------------------------------------------------------------------------------------------------------------------
// Base class (added by the optimizers folder; the contract above is unchanged).
// ---------------------------------------------------------------------------------------------------------------------

/** A value in an {@link OptimizerConfig}: JSON-able. */
export type OptimizerConfigValue = number | boolean | string | null | readonly (number | null)[];

/**
 * A plain, JSON-able description of an optimizer: its `className` and every hyper-parameter.
 * A learning-rate function is reported as the string `'schedule'`: functions cannot be serialised, so such a
 * config does not round-trip unless the schedule is passed again to `optimizerFromConfig(config, { learningRate })`.
 */
export interface OptimizerConfig {
  readonly className: string;
  readonly [parameter: string]: OptimizerConfigValue;
}

/**
 * Gradient clipping: a positive number c clips to [-c, c]; a pair [min, max] clips to it, `null` meaning no limit
 * on that side (TensorFlow's `clipvalue`).
 */
export type ClipValue = number | readonly [number | null, number | null];

/** Options every embedding optimizer accepts (TensorFlow's `_Optimizer` arguments, camel-cased). */
export interface EmbeddingOptimizerOptions {
  /** A number ≥ 0, or a function of the 1-based global step. @default the optimizer's TensorFlow default */
  readonly learningRate?: LearningRate;
  /**
   * Clip the per-row summed gradient before the update (TF `clipvalue`): c > 0 means [-c, c], or [min, max]
   * with `null` for no limit on one side. @default null (no clipping)
   */
  readonly clipValue?: ClipValue | null;
  /** Clip weights to at least this value after the update. @default null (-∞) */
  readonly clipWeightMin?: number | null;
  /** Clip weights to at most this value after the update. @default null (+∞) */
  readonly clipWeightMax?: number | null;
  /**
   * Decoupled weight decay λ applied to each touched row before the update: W ← W − λ·W. `null` or 0 means none
   * (TF sets the proto field only when the factor is truthy). @default null
   */
  readonly weightDecayFactor?: number | null;
  /** Use λ = weightDecayFactor × learning rate (TF's `multiply_weight_decay_factor_by_learning_rate`). @default false */
  readonly multiplyWeightDecayFactorByLearningRate?: boolean;
}

/** @internal A value as error messages show it: the shared validators' {@link describeValue}. */
export const formatValue = describeValue;

/** @internal A ConfigError `invalid_optimizer_config`: `<api>: expected <param> to be <rule>, but got <value>. <fix>` (the shared {@link ruleError}). */
export function configError(api: string, param: string, rule: string, value: unknown, fix: string): ConfigError {
  return ruleError(where(ConfigError, 'invalid_optimizer_config', api)(param, fix), rule, value);
}

/** @internal Validates a number option with a predicate; returns it or the default. */
export function numberOption(
  api: string,
  param: string,
  value: unknown,
  fallback: number,
  rule: string,
  ok: (x: number) => boolean,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw configError(api, param, rule, value, `Pass ${param} as ${rule}, or leave it out for the default ${fallback}.`);
  }
  return value;
}

/** @internal Validates a boolean option. */
export function booleanOption(api: string, param: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw configError(api, param, 'a boolean', value, `Pass true or false, or leave it out for the default ${fallback}.`);
  }
  return value;
}

function nullableNumber(api: string, param: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw configError(api, param, 'a number or null', value, `Pass a number, or null for no limit.`);
  }
  return value;
}

/**
 * The base of every sparse row optimizer. Subclasses (one per file: {@link SGD}, {@link Adagrad},
 * {@link AdagradMomentum}, {@link Adam}, {@link FTRL}) declare their slots and implement the per-row update;
 * this class holds the shared options (learning rate, gradient clipping, weight decay, weight clipping) and
 * validates a {@link RowUpdateBatch} before anything is changed.
 *
 * Per touched row and element, {@link applyRows} applies, in TensorFlow's order:
 * ```
 * g ← clip(g, clipGradientMin, clipGradientMax)          gradient clipping (TF clipvalue)
 * W ← W − λ·W,  λ = weightDecayFactor (× lr if multiply…)  decoupled weight decay (weight_decay_optimizers.py)
 * W, slots ← the optimizer's update with g               (see each subclass)
 * W ← clip(W, clipWeightMin, clipWeightMax)              weight clipping (TF clipping_limits)
 * ```
 * Rows not in the batch are untouched (lazy updates, as on TPU); an optimizer with `updatesEveryRow` (Adam with
 * `lazyAdam: false`) is handed every row by the engine, with zero gradients where none. Hyper-parameters and every
 * intermediate are float32, in TensorFlow's order of operations (test/optimizers/tf-oracle.test.ts checks against TF).
 *
 * @example
 * const opt = new Adagrad({ learningRate: 0.1 });
 * const weights = new Float32Array([1, 2]);                 // one row, dim 2
 * const acc = new Float32Array(2).fill(opt.slotSpecs()[0].initialValue);
 * opt.applyRows({ weights, slots: [acc], rowOffsets: Int32Array.of(0), count: 1,
 *                 grads: new Float32Array([0.5, -0.5]), dim: 2, step: 1 });
 */
export abstract class EmbeddingOptimizer {
  /** The registry name, e.g. `'Adagrad'`. */
  abstract readonly className: string;
  /** The learning rate as given: a number, or a function of the 1-based step. */
  readonly learningRate: LearningRate;
  /** Lower gradient clip (−∞ when none). */
  readonly clipGradientMin: number;
  /** Upper gradient clip (+∞ when none). */
  readonly clipGradientMax: number;
  /** Lower weight clip (−∞ when none). */
  readonly clipWeightMin: number;
  /** Upper weight clip (+∞ when none). */
  readonly clipWeightMax: number;
  /** Decoupled weight decay factor (0 when none). */
  readonly weightDecayFactor: number;
  /** Whether the weight decay factor is multiplied by the current learning rate. */
  readonly multiplyWeightDecayFactorByLearningRate: boolean;
  private readonly clipValueGiven: boolean;

  /**
   * @param api the class name used in error messages.
   * @param options the shared options.
   * @param defaultLearningRate TensorFlow's default for this optimizer.
   * @throws ConfigError naming the optimizer, parameter, rule and value.
   */
  protected constructor(api: string, options: EmbeddingOptimizerOptions, defaultLearningRate: number) {
    if (options === null || typeof options !== 'object') {
      throw configError(api, 'options', 'an object', options, `Pass e.g. new ${api}({ learningRate: 0.1 }).`);
    }
    const lr = options.learningRate;
    if (typeof lr === 'function') {
      this.learningRate = lr;
    } else {
      this.learningRate = numberOption(api, 'learningRate', lr, defaultLearningRate, 'a finite number ≥ 0 or a function of the step', (x) => x >= 0);
    }

    const cv = options.clipValue;
    let gMin = -Infinity;
    let gMax = Infinity;
    this.clipValueGiven = cv !== undefined && cv !== null;
    if (typeof cv === 'number') {
      if (!Number.isFinite(cv) || cv <= 0) {
        throw configError(api, 'clipValue', 'a positive number or a [min, max] pair', cv, 'Pass e.g. clipValue: 1 (clips to [-1, 1]) or [-0.5, 2].');
      }
      gMin = -cv;
      gMax = cv;
    } else if (Array.isArray(cv)) {
      if (cv.length !== 2) {
        throw configError(api, 'clipValue', 'a [min, max] pair', cv, 'Pass exactly two entries, null meaning no limit on that side.');
      }
      const lo = nullableNumber(api, 'clipValue[0]', cv[0]);
      const hi = nullableNumber(api, 'clipValue[1]', cv[1]);
      if (lo !== null) gMin = lo;
      if (hi !== null) gMax = hi;
      if (gMin > gMax) {
        throw configError(api, 'clipValue', 'a pair with min ≤ max', cv, 'Swap the two entries.');
      }
    } else if (cv !== undefined && cv !== null) {
      throw configError(api, 'clipValue', 'a positive number or a [min, max] pair', cv, 'Pass e.g. clipValue: 1 or [-0.5, 2].');
    }
    this.clipGradientMin = gMin;
    this.clipGradientMax = gMax;

    const wMin = nullableNumber(api, 'clipWeightMin', options.clipWeightMin);
    const wMax = nullableNumber(api, 'clipWeightMax', options.clipWeightMax);
    this.clipWeightMin = wMin ?? -Infinity;
    this.clipWeightMax = wMax ?? Infinity;
    if (this.clipWeightMin > this.clipWeightMax) {
      throw configError(api, 'clipWeightMin', `≤ clipWeightMax (${this.clipWeightMax})`, wMin, 'Swap clipWeightMin and clipWeightMax.');
    }

    const wd = options.weightDecayFactor;
    this.weightDecayFactor =
      wd === null ? 0 : numberOption(api, 'weightDecayFactor', wd, 0, 'a finite number ≥ 0 and < 1', (x) => x >= 0 && x < 1);
    this.multiplyWeightDecayFactorByLearningRate = booleanOption(
      api,
      'multiplyWeightDecayFactorByLearningRate',
      options.multiplyWeightDecayFactorByLearningRate,
      false,
    );
  }

  /** The slot variables this optimizer keeps per table row, in a fixed order (the order of `batch.slots`). */
  abstract slotSpecs(): readonly SlotSpec[];

  /**
   * The learning rate at a step.
   * @param step 1-based global step (0 is accepted for plotting schedules).
   * @returns the learning rate (a finite number ≥ 0).
   * @throws ConfigError when a schedule returns a negative or non-finite value; InputError for a bad step.
   * @example new SGD({ learningRate: (s) => 0.1 / s }).learningRateAt(4) // 0.025
   */
  learningRateAt(step: number): number {
    const lr = this.learningRate;
    if (typeof lr === 'number') return lr;
    if (!Number.isSafeInteger(step) || step < 0) {
      throw ruleError(where(InputError, 'invalid_step', `${this.className}.learningRateAt`)('step', 'Pass the 1-based global step.'), 'an integer ≥ 0', step);
    }
    const value = lr(step);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw configError(`${this.className}.learningRateAt`, `learningRate(${step})`, 'a finite number ≥ 0', value, 'Fix the learning-rate schedule function.');
    }
    return value;
  }

  /**
   * Updates the touched rows of `batch.weights` and `batch.slots` in place (see the class summary for the order
   * of operations). Checks the batch's shapes first (O(count)); on error nothing is changed.
   * No allocation per row; plain loops over Float32Array.
   * @param batch the rows one shard must update in one step.
   * @throws InputError when the batch does not match {@link slotSpecs} or an offset is out of range.
   */
  applyRows(batch: RowUpdateBatch): void {
    this.checkBatch(batch);
    // float32 hyper-parameters, as TensorFlow feeds them to the TPU (the learning rate is a float32 tensor).
    const lr = Math.fround(this.learningRateAt(batch.step));
    this.updateRows(batch, lr, this.decayAt(lr));
  }

  /**
   * The lower bound of each slot (in `slotSpecs()` order) that the update keeps (an invariant: the engine checks it
   * when a table is built or imported, and {@link boundsAfter} may rely on it). @returns −∞ for each slot unless the
   * optimizer needs more (Adagrad's accumulator stays > 0, Adam's velocities ≥ 0).
   */
  slotFloors(): readonly number[] {
    return this.slotSpecs().map(() => -Infinity);
  }

  /**
   * Bounds after one update, for the engine's fast path (an all-or-nothing step without the rollback copy): given
   * bounds on |x| of the weights and each slot (`[weights, ...slots]`, slots at or above {@link slotFloors}), a bound
   * on every summed gradient |g| and the learning rate, bounds on |x| afterwards — or null when the optimizer cannot
   * vouch that every value and intermediate stays ≤ {@link FINITE_STEP_LIMIT}, in the float32 kernels and the
   * JavaScript loops alike. Null (the default) sends the step through the checked path (rows saved, then checked).
   * @param bounds current bounds; @param gradBound a bound on |g|; @param lr the step's learning rate.
   * @returns the bounds after the update, or null.
   */
  boundsAfter(bounds: readonly number[], gradBound: number, lr: number): number[] | null {
    void bounds;
    void gradBound;
    void lr;
    return null;
  }

  /** max(bound, |finite weight-clip limits|): clipping moves a weight to its limits, never beyond. */
  protected clippedBound(bound: number): number {
    let b = bound;
    if (Number.isFinite(this.clipWeightMin)) b = Math.max(b, Math.abs(this.clipWeightMin));
    if (Number.isFinite(this.clipWeightMax)) b = Math.max(b, Math.abs(this.clipWeightMax));
    return b;
  }

  /**
   * A bound on |W − λ·W| in float32 (`fround(W − fround(λ·W))`) for |W| ≤ `bound`, λ at learning rate `lr`: the
   * rounding of λ·W is relative to W, not to (1 − λ)·W, so it is added as λ·2^-24·|W| (matters for λ near 1).
   */
  protected decayedBound(bound: number, lr: number): number {
    const decay = this.decayAt(lr);
    return (Math.abs(1 - decay) + decay * 2 ** -24) * bound * BOUND_ROUNDING;
  }

  /** λ of the decoupled weight decay at learning rate `lr` (0 for none), in float32 as TF computes it. */
  protected decayAt(lr: number): number {
    const f = Math.fround(this.weightDecayFactor);
    return this.multiplyWeightDecayFactorByLearningRate ? Math.fround(f * Math.fround(lr)) : f;
  }

  /** True when no gradient or weight clipping applies (then the WebAssembly kernels may run the update). */
  protected unclipped(): boolean {
    return this.clipGradientMin === -Infinity && this.clipGradientMax === Infinity && this.clipWeightMin === -Infinity && this.clipWeightMax === Infinity;
  }

  /**
   * The optimizer's fused per-row loop: clip g, decay W by `decay`, update W and slots, clip W.
   * @param batch a validated batch.
   * @param lr the learning rate at `batch.step`.
   * @param decay λ of the decoupled weight decay (0 for none).
   */
  protected abstract updateRows(batch: RowUpdateBatch, lr: number, decay: number): void;

  /** The optimizer-specific part of {@link getConfig}. */
  protected abstract hyperParameters(): Record<string, OptimizerConfigValue>;

  /**
   * A plain JSON-able config: `className`, the learning rate (`'schedule'` for a function, which cannot
   * round-trip), the shared options and the optimizer's hyper-parameters.
   * @returns a frozen config that `optimizerFromConfig` turns back into an equal optimizer.
   * @example new Adagrad({ learningRate: 0.1 }).getConfig().initialAccumulatorValue // 0.1
   */
  getConfig(): OptimizerConfig {
    const clipValue: readonly (number | null)[] | null = this.clipValueGiven
      ? [
          this.clipGradientMin === -Infinity ? null : this.clipGradientMin,
          this.clipGradientMax === Infinity ? null : this.clipGradientMax,
        ]
      : null;
    return Object.freeze({
      className: this.className,
      learningRate: typeof this.learningRate === 'number' ? this.learningRate : 'schedule',
      ...this.hyperParameters(),
      clipValue,
      clipWeightMin: this.clipWeightMin === -Infinity ? null : this.clipWeightMin,
      clipWeightMax: this.clipWeightMax === Infinity ? null : this.clipWeightMax,
      weightDecayFactor: this.weightDecayFactor === 0 ? null : this.weightDecayFactor,
      multiplyWeightDecayFactorByLearningRate: this.multiplyWeightDecayFactorByLearningRate,
    });
  }

  private checkBatch(batch: RowUpdateBatch): void {
    const { weights, slots, rowOffsets, count, grads, dim } = batch;
    const specs = this.slotSpecs();
    // The error message (and its API name) is built only on failure: the happy path allocates nothing.
    if (!Number.isSafeInteger(dim) || dim < 1) throw ruleError(where(InputError, 'invalid_row_batch', `${this.className}.applyRows`)('dim', 'Pass the table dimension.'), 'a positive integer', dim);
    if (!Number.isInteger(count) || count < 0 || count > rowOffsets.length) {
      throw this.badBatch(`count to be an integer in [0, rowOffsets.length = ${rowOffsets.length}]`, count, 'Pass the number of rows to update.');
    }
    if (grads.length < count * dim) {
      throw this.badBatch(`grads.length ≥ count × dim = ${count * dim}`, grads.length, 'Pass one gradient row per updated row.');
    }
    if (slots.length !== specs.length) {
      throw this.badBatch(`${specs.length} slot arrays (${specs.map((s) => s.name).join(', ') || 'none'})`, slots.length, 'Pass the slots in slotSpecs() order.');
    }
    for (let k = 0; k < slots.length; k++) {
      if (slots[k].length !== weights.length) {
        throw this.badBatch(`slot ${specs[k].name} to have weights.length = ${weights.length} elements`, slots[k].length, 'Allocate each slot with the table\'s shape.');
      }
    }
    const limit = weights.length - dim;
    for (let r = 0; r < count; r++) {
      const o = rowOffsets[r];
      if (o < 0 || o > limit) {
        throw this.badBatch(`rowOffsets[${r}] in [0, ${limit}]`, o, 'Pass element offsets (local row × dim) of rows inside this shard.');
      }
    }
  }

  private badBatch(what: string, value: unknown, fix: string): InputError {
    return new InputError('invalid_row_batch', `${this.className}.applyRows: expected ${what}, but got ${formatValue(value)}. ${fix}`);
  }
}

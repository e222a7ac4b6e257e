import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../errors';
import { Random } from '../random';
import { denseLayer, type DenseActivation } from './dense-layer';
import { useNativeMatMul } from '../kernels/native-matmul';

/** One dense weight of a {@link DenseStack}, with its checkpoint name (Keras' `layer_with_weights-<i>/kernel`). */
export interface DenseWeight {
  /** Checkpoint name, e.g. `ratings/layer_with_weights-0/kernel`. */
  readonly name: string;
  /** The tfjs variable (its registered name is unique per process, see {@link DenseStack}). */
  readonly variable: tf.Variable;
}

let stackCounter = 0;

/**
 * The tutorial's rating tower: a stack of Dense layers (`Dense(256, relu) → Dense(64, relu) → Dense(1)` by default)
 * with Keras' initialisation (Glorot uniform kernels, zero biases) drawn from one seedable {@link Random}.
 *
 * Weights are tfjs variables whose registered names carry a per-instance prefix (tfjs requires unique variable
 * names per process); {@link DenseWeight.name} is the stable checkpoint name without it.
 *
 * ```
 * x [B, inputDim] → Dense(units[0], relu) → … → Dense(units[last], linear) → [B, units[last]]
 * ```
 *
 * @example
 * const tower = new DenseStack({ inputDim: 128, units: [256, 64, 1], seed: 7 });
 * const y = tower.apply(x); // [B, 1]
 */
export class DenseStack {
  /** `[kernel0, bias0, kernel1, bias1, …]` in layer order. */
  readonly weights: readonly DenseWeight[];
  readonly inputDim: number;
  readonly units: readonly number[];
  /** Prefix of the registered tfjs variable names (unique per instance). */
  readonly variablePrefix: string;

  /**
   * @param config.inputDim width of the input.
   * @param config.units widths of the layers; every layer but the last is ReLU, the last is linear.
   * @param config.seed seed of the Glorot uniform initialiser.
   * @param config.scope checkpoint-name prefix. @default 'ratings'
   * @throws ConfigError `invalid_dense_units` when a width is not a positive integer.
   */
  constructor(config: { inputDim: number; units: readonly number[]; seed: number; scope?: string }) {
    const { inputDim, units, seed } = config;
    const scope = config.scope ?? 'ratings';
    for (const u of [inputDim, ...units]) {
      if (!Number.isInteger(u) || u < 1) {
        throw new ConfigError(
          'invalid_dense_units',
          `DenseStack: expected inputDim and every units entry to be positive integers, but got inputDim ${inputDim}, units [${units.join(', ')}].`,
        );
      }
    }
    if (units.length === 0) {
      throw new ConfigError('invalid_dense_units', 'DenseStack: expected at least one layer in units, but got []. Pass e.g. [256, 64, 1].');
    }
    // The wasm backend's matrix products through the machine's BLAS where the native kernels found one (once per
    // process; see useNativeMatMul): the dense layers' forward and backward products.
    useNativeMatMul();
    this.inputDim = inputDim;
    this.units = Object.freeze([...units]);
    this.variablePrefix = `dense_stack_${stackCounter++}`;
    const rng = new Random(seed);
    const weights: DenseWeight[] = [];
    let fanIn = inputDim;
    units.forEach((fanOut, i) => {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      const k = new Float32Array(fanIn * fanOut);
      for (let j = 0; j < k.length; j++) k[j] = (2 * rng.float() - 1) * limit;
      const base = `${scope}/layer_with_weights-${i}`;
      const kernel = tf.tensor2d(k, [fanIn, fanOut]);
      const bias = tf.zeros([fanOut]);
      weights.push({ name: `${base}/kernel`, variable: tf.variable(kernel, true, `${this.variablePrefix}/${base}/kernel`) });
      weights.push({ name: `${base}/bias`, variable: tf.variable(bias, true, `${this.variablePrefix}/${base}/bias`) });
      tf.dispose([kernel, bias]);
      fanIn = fanOut;
    });
    this.weights = Object.freeze(weights);
  }

  /** The trainable variables in layer order (kernel, bias, kernel, bias, …). */
  get variables(): tf.Variable[] {
    return this.weights.map((w) => w.variable);
  }

  /**
   * Forward pass. Call it inside `tf.tidy` or a gradient function: it allocates intermediates.
   * @param x `[B, inputDim]` float32.
   * @returns `[B, units[last]]`.
   * @throws InputError `bad_shape` when `x` is not `[B, inputDim]`.
   */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.inputDim) {
      throw new InputError('bad_shape', `DenseStack.apply: expected x of shape [B, ${this.inputDim}], but got [${x.shape.join(', ')}].`);
    }
    let h = x;
    const n = this.units.length;
    for (let i = 0; i < n; i++) {
      const activation: DenseActivation = i < n - 1 ? 'relu' : 'linear';
      h = denseLayer(h, this.weights[2 * i].variable as unknown as tf.Tensor2D, this.weights[2 * i + 1].variable as unknown as tf.Tensor1D, activation);
    }
    return h;
  }

  /** Checkpoint name → registered tfjs variable name. */
  variableName(checkpointName: string): string {
    return `${this.variablePrefix}/${checkpointName}`;
  }

  /** Frees the variables. */
  dispose(): void {
    for (const w of this.weights) w.variable.dispose();
  }
}

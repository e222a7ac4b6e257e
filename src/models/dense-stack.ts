import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../errors';
import { positiveInteger, where } from '../validation';
import { Random } from '../random';
import { denseLayer, denseLayerBackward, denseLayerForward, type DenseActivation } from './dense-layer';
import { useNativeMatMulIfRequested } from '../kernels/native-matmul';

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
    const at = where(ConfigError, 'invalid_dense_units', 'DenseStack');
    positiveInteger(inputDim, at('inputDim'));
    units.forEach((u, i) => positiveInteger(u, at(`units[${i}]`, `units are [${units.join(', ')}].`)));
    if (units.length === 0) {
      throw new ConfigError('invalid_dense_units', 'DenseStack: expected at least one layer in units, but got []. Pass e.g. [256, 64, 1].');
    }
    // Opt-in (TPU_EMBEDDINGS_BLAS=1): the wasm backend's matrix products through the machine's BLAS where the native
    // kernels found one (once per process; see useNativeMatMul) — faster, but not bit-reproducible across loads.
    useNativeMatMulIfRequested();
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
    this.checkInput('DenseStack.apply', x);
    let h = x;
    for (let i = 0; i < this.units.length; i++) h = denseLayer(h, this.kernel(i), this.bias(i), this.activation(i));
    return h;
  }

  /**
   * Forward pass that keeps what the backward pass needs, without autodiff (no tape, no `customGrad`): the lean
   * training step's path. The same math as {@link apply} under `tf.grads`; the values differ by float32 rounding
   * only, because tfjs does not fuse bias + ReLU into the matMul under the tape and this path does.
   *
   * ```
   * x [B, inputDim] → h₁ … → y [B, units[last]]
   * backward(dy [B, units[last]]) → dx [B, inputDim], grads [dKernel0, dBias0, dKernel1, …] (the order of variables)
   * ```
   * Call it inside `tf.tidy` (or dispose what it returns): it allocates intermediates and does not free them.
   * @param x `[B, inputDim]` float32.
   * @returns the output and its `backward`.
   * @throws InputError `bad_shape` when `x` is not `[B, inputDim]`.
   * @example
   * const { output, backward } = tower.forwardBackward(x);
   * const { dx, grads } = backward(dLoss_dOutput);
   */
  forwardBackward(x: tf.Tensor2D): { readonly output: tf.Tensor2D; backward(dy: tf.Tensor2D): { readonly dx: tf.Tensor2D; readonly grads: tf.Tensor[] } } {
    this.checkInput('DenseStack.forwardBackward', x);
    const n = this.units.length;
    const inputs: tf.Tensor2D[] = [];
    const outputs: tf.Tensor2D[] = [];
    let h = x;
    for (let i = 0; i < n; i++) {
      inputs.push(h);
      h = denseLayerForward(h, this.kernel(i), this.bias(i), this.activation(i));
      outputs.push(h);
    }
    return {
      output: h,
      backward: (dy: tf.Tensor2D) => {
        const grads: tf.Tensor[] = new Array(2 * n);
        let d = dy;
        for (let i = n - 1; i >= 0; i--) {
          const g = denseLayerBackward(d, inputs[i], this.kernel(i), outputs[i], this.activation(i));
          grads[2 * i] = g.dKernel;
          grads[2 * i + 1] = g.dBias;
          d = g.dx;
        }
        return { dx: d, grads };
      },
    };
  }

  private kernel(i: number): tf.Tensor2D {
    return this.weights[2 * i].variable as unknown as tf.Tensor2D;
  }

  private bias(i: number): tf.Tensor1D {
    return this.weights[2 * i + 1].variable as unknown as tf.Tensor1D;
  }

  private activation(i: number): DenseActivation {
    return i < this.units.length - 1 ? 'relu' : 'linear';
  }

  private checkInput(api: string, x: tf.Tensor2D): void {
    if (x.rank !== 2 || x.shape[1] !== this.inputDim) {
      throw new InputError('bad_shape', `${api}: expected x of shape [B, ${this.inputDim}], but got [${x.shape.join(', ')}].`);
    }
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

import * as tf from '@tensorflow/tfjs';

/** tfjs' private accumulator list of an `AdagradOptimizer` (what `getWeights`/`setWeights` read and write). */
type AccumulatorList = { originalName: string; variable: tf.Variable }[];

/**
 * tfjs' dense Adagrad (`tf.train.adagrad`) with its update done in one JavaScript pass per variable instead of seven
 * tfjs kernels (Square, Add, Add, Sqrt, RealDiv, Multiply, Add): the same float32 operations in the same order,
 * hence bit for bit the same weights and accumulators, and the same state (`getWeights`/`setWeights`, slot names
 * `<variable>/accumulator`, iterations), since only `applyGradients` is replaced.
 *
 * ```
 * acc ← acc + g·g;   w ← w + (g / √(acc + ε)) · (−lr)        every op rounded to float32, ε = the backend's epsilon
 * ```
 * Why: the ranking model's dense step spends ~7% of its time in those 42 small kernels on tfjs-wasm (bench/dense-step.ts).
 *
 * @example
 * const opt = new FusedAdagradOptimizer(0.1, 0.1);
 * opt.applyGradients({ [w.name]: grad }); // same result as tf.train.adagrad(0.1, 0.1)
 */
export class FusedAdagradOptimizer extends tf.AdagradOptimizer {
  /**
   * Applies one Adagrad step to each named variable (tfjs' `applyGradients`); a `null` gradient skips its variable.
   * @param variableGradients gradients by registered variable name, or as a list of `{ name, tensor }`.
   */
  override applyGradients(variableGradients: tf.NamedTensorMap | tf.NamedTensor[]): void {
    const names = Array.isArray(variableGradients) ? variableGradients.map((item) => item.name) : Object.keys(variableGradients);
    const accumulators = (this as unknown as { accumulatedGrads: AccumulatorList }).accumulatedGrads;
    const epsilon = Math.fround(tf.backend().epsilon());
    const minusLr = Math.fround(-this.learningRate);
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      if (accumulators[i] == null) {
        accumulators[i] = { originalName: `${name}/accumulator`, variable: tf.tidy(() => tf.fill(value.shape, this.initialAccumulatorValue).variable(false)) };
      }
      const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (gradient == null) return;
      const accumulator = accumulators[i].variable;
      const g = gradient.dataSync() as Float32Array;
      const acc = Float32Array.from(accumulator.dataSync() as Float32Array);
      const w = Float32Array.from(value.dataSync() as Float32Array);
      const f = Math.fround;
      for (let j = 0; j < w.length; j++) {
        const gj = g[j];
        const a = f(acc[j] + f(gj * gj));
        acc[j] = a;
        w[j] = f(f(f(gj / f(Math.sqrt(f(a + epsilon)))) * minusLr) + w[j]);
      }
      assignFrom(accumulator, acc);
      assignFrom(value, w);
    });
    this.incrementIterations();
  }
}

/** `v.assign` of a new tensor holding `data` (the variable never shares its memory with another tensor). */
function assignFrom(v: tf.Variable, data: Float32Array): void {
  const t = tf.tensor(data, v.shape, 'float32');
  v.assign(t);
  t.dispose();
}

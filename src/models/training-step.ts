import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors';
import { firstNonFinite } from '../embedding/first-non-finite';
import type { FeatureInput, TPUEmbedding } from '../embedding';

/** One embedding engine of a model and the features it looks up in this step. */
export interface StepLookup {
  readonly embedding: TPUEmbedding;
  readonly features: Readonly<Record<string, FeatureInput>>;
}

/**
 * What a model supplies for one training step; the step itself ({@link runTrainingStep}) is shared by every model.
 */
export interface TrainingStepParts {
  /** The calling API, for messages (e.g. `'TwoTowerModel.trainStep'`). */
  readonly api: string;
  /** Every embedding engine of the model with its features, looked up in this order. */
  readonly lookups: readonly StepLookup[];
  /** The model's trainable dense variables (may be empty). */
  readonly variables: readonly tf.Variable[];
  /** The dense optimizer; `null` (or no variables) skips the dense update. */
  readonly denseOptimizer: tf.Optimizer | null;
  /**
   * The forward pass and the loss: gets one activation record per lookup (same order, `[B, dim]` per feature) and
   * returns the scalar loss. Runs under `tf.engine().gradients` (intermediates are freed by the engine).
   */
  readonly loss: (activations: readonly Readonly<Record<string, tf.Tensor>>[]) => tf.Scalar;
  /**
   * The lean path (optional): the same loss with its gradients written out, without the autodiff tape. When given,
   * the step uses it instead of differentiating `loss`; it must be the same math as `loss` (the model's tests
   * compare both paths). Intermediates must be freed by it (e.g. `tf.tidy`); the returned tensors are disposed by
   * the step. @default undefined (autodiff of `loss`)
   */
  readonly lossAndGrads?: (activations: readonly Readonly<Record<string, tf.Tensor>>[]) => StepGradients;
}

/** What {@link TrainingStepParts.lossAndGrads} returns. */
export interface StepGradients {
  /** The scalar loss. */
  readonly value: tf.Scalar;
  /** One gradient per dense variable, in the order of {@link TrainingStepParts.variables}. */
  readonly variableGrads: readonly tf.Tensor[];
  /** One record per lookup (same order), one gradient per feature, shaped like its activation. */
  readonly activationGrads: readonly Readonly<Record<string, tf.Tensor>>[];
}

/**
 * One training step, the same for every model:
 *
 * ```
 * lookup (every embedding) → activations
 * tf.engine().gradients(loss) → dense gradients + activation gradients (one backward pass)
 *   (or the model's lossAndGrads: the same gradients written out, no tape)
 * check: every activation gradient finite (before anything changes, when the model has several embeddings)
 * apply: every TPUEmbedding.applyGradients (each validates all of its tables first) → dense optimizer
 * dispose activations, gradients and the loss
 * ```
 * The embeddings go first because they check their gradients before writing any row: a rejected step
 * (`non_finite_gradient`, a bad shape) leaves every table and every dense weight as it was. With several embeddings
 * the finiteness of every activation gradient is checked before the first one is applied.
 *
 * @param parts see {@link TrainingStepParts}.
 * @returns the step's loss.
 * @throws InputError from the lookups (ids out of range, batch not divisible by the replicas), `non_finite_gradient`
 *   (nothing updated), or from `applyGradients`.
 * @example
 * const loss = runTrainingStep({ api: 'MyModel.trainStep', lookups: [{ embedding, features }], variables, denseOptimizer,
 *   loss: ([acts]) => tf.mean(tf.square(tf.sub(tf.sum(acts.user_id, 1), labels))) });
 */
export function runTrainingStep(parts: TrainingStepParts): number {
  const acts: Record<string, tf.Tensor>[] = [];
  try {
    for (const l of parts.lookups) acts.push(l.embedding.lookup(l.features));
    const names = acts.map((a) => Object.keys(a));
    const vars = parts.variables;
    const leaves: tf.Tensor[] = [...vars];
    acts.forEach((a, i) => names[i].forEach((k) => leaves.push(a[k])));
    const { value, grads } = parts.lossAndGrads ? flatGradients(parts.lossAndGrads(acts), names) : tf.engine().gradients(() => parts.loss(acts), leaves, undefined, false);
    try {
      let at = vars.length;
      const actGrads = names.map((ns) => Object.fromEntries(ns.map((k) => [k, grads[at++]])));
      if (parts.lookups.length > 1) checkFiniteGradients(parts.api, actGrads);
      parts.lookups.forEach((l, i) => l.embedding.applyGradients(actGrads[i]));
      if (parts.denseOptimizer && vars.length > 0) {
        const named: tf.NamedTensorMap = {};
        vars.forEach((v, i) => (named[v.name] = grads[i]));
        parts.denseOptimizer.applyGradients(named);
      }
      return value.dataSync()[0];
    } finally {
      tf.dispose([value, ...grads]);
    }
  } finally {
    for (const a of acts) tf.dispose(Object.values(a));
  }
}

/** Refuses a step whose activation gradients hold a non-finite value, before any embedding is written. */
function checkFiniteGradients(api: string, grads: readonly Record<string, tf.Tensor>[]): void {
  for (const g of grads) {
    for (const [name, t] of Object.entries(g)) {
      const data = t.dataSync() as Float32Array;
      const bad = firstNonFinite(data);
      if (bad >= 0) {
        throw new InputError(
          'non_finite_gradient',
          `${api}: expected finite gradients, but the gradient of '${name}' holds ${data[bad]} at flat index ${bad}; no table or dense weight was changed. ` +
            'Lower the learning rate or check the inputs and the loss (e.g. a tiny temperature overflows float32).',
        );
      }
    }
  }
}

/** A {@link StepGradients} in `tf.engine().gradients`' layout: variables first, then every lookup's features in order. */
function flatGradients(g: StepGradients, names: readonly string[][]): { value: tf.Scalar; grads: tf.Tensor[] } {
  const grads = [...g.variableGrads];
  names.forEach((ns, i) => ns.forEach((k) => grads.push(g.activationGrads[i][k])));
  return { value: g.value, grads };
}

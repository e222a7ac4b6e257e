/**
 * The checks at the boundary of a training step: the ids a lookup takes (normalized, one batch size, in range) and
 * the gradients `applyGradients` takes (the pending features, their shapes, finite values), read without a copy
 * where the backend allows.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors';
import { firstNonFinite } from './first-non-finite';
import { maxAbs } from './max-abs';
import type { WasmHeapBackend } from './activation-output';
import type { FeatureState, Pending } from './engine-state';
import { normalizeFeatureInput, type FeatureInput, type NormalizedInput } from './feature-input';
import { firstIdOutside } from '../kernels/native-kernels';

/** A lookup's validated ids: normalized per feature name, and the global batch size. */
export interface LookupInputs {
  readonly inputs: Map<string, NormalizedInput>;
  readonly batch: number;
}

/**
 * Validates and normalizes the ids of a lookup (every check before any state changes, in this order: the object,
 * unknown features, then per feature in `featureNames` order missing ids, batch size, weights of sequence features and
 * id range, then the batch's divisibility by the replicas, then each feature's `outputShape`).
 * @param features the argument of `TPUEmbedding.lookup`.
 * @param states the features by name; @param featureNames their names in order.
 * @param numReplicas replicas R; @param topologyName for the message of `batch_not_divisible`.
 * @returns the normalized ids per feature name and the global batch size B.
 * @throws InputError `invalid_input`, `unknown_feature`, `missing_feature`, `batch_size_mismatch`, `invalid_weights`,
 *   `id_out_of_range`, `batch_not_divisible`, `output_shape_mismatch` (and `normalizeFeatureInput`'s errors).
 */
export function lookupInputs(features: Readonly<Record<string, FeatureInput>>, states: ReadonlyMap<string, FeatureState>, featureNames: readonly string[], numReplicas: number, topologyName: string): LookupInputs {
  const api = 'TPUEmbedding.lookup';
  if (features === null || typeof features !== 'object') {
    throw new InputError('invalid_input', `${api}: expected an object of ids per feature, but got ${String(features)}.`);
  }
  for (const name of Object.keys(features)) {
    if (!states.has(name)) {
      throw new InputError('unknown_feature', `${api}: unknown feature '${name}'; expected one of ${featureNames.join(', ')}.`);
    }
  }
  const inputs = new Map<string, NormalizedInput>();
  let batch = -1;
  let batchFrom = '';
  for (const name of featureNames) {
    if (!(name in features)) {
      throw new InputError('missing_feature', `${api}: expected ids for every feature, but '${name}' is missing (features: ${featureNames.join(', ')}).`);
    }
    const f = states.get(name)!;
    const input = normalizeFeatureInput(name, features[name]);
    if (batch < 0) {
      batch = input.batchSize;
      batchFrom = name;
    } else if (input.batchSize !== batch) {
      throw new InputError('batch_size_mismatch', `${api}: expected every feature to have the batch size of '${batchFrom}' (${batch}), but '${name}' has ${input.batchSize}.`);
    }
    if (input.weights && f.config.maxSequenceLength > 0) {
      throw new InputError('invalid_weights', `${api}: feature '${name}' is a sequence feature (maxSequenceLength ${f.config.maxSequenceLength}); sequence features take no weights.`);
    }
    checkIdRange(name, input, f.table.table.vocabularySize);
    inputs.set(name, input);
  }
  const R = numReplicas;
  if (batch % R !== 0) {
    throw new InputError('batch_not_divisible', `${api}: expected the global batch size (${batch}) to be divisible by the number of replicas (${R} on ${topologyName}); use a global batch of ${Math.max(R, Math.ceil(batch / R) * R)} or drop the remainder.`);
  }
  for (const name of featureNames) {
    const f = states.get(name)!;
    const os = f.config.outputShape;
    if (os) {
      const want = batch * Math.max(1, f.config.maxSequenceLength);
      const got = os.reduce((a, b) => a * b, 1);
      if (got !== want) {
        throw new InputError('output_shape_mismatch', `${api}: feature '${name}' has outputShape [${os}] (${got} vectors), but the batch gives ${want}.`);
      }
    }
  }
  return { inputs, batch };
}

/**
 * Validates the gradients of the pending lookup and reads their values (every check before any table changes, in
 * this order: the object, unknown features, then per pending feature the tensor, its shape and finiteness).
 * @param grads the argument of `TPUEmbedding.applyGradients`; @param pending the last lookup.
 * @param maxAbsOut when given, receives max |g| per feature name.
 * @returns the gradient values per feature name (see {@link gradientValues}: views valid until the next tfjs call).
 * @throws InputError `invalid_gradient`, `unknown_feature`, `missing_gradient`, `gradient_shape_mismatch`,
 *   `non_finite_gradient`.
 */
export function gradientData(grads: Readonly<Record<string, tf.Tensor>>, pending: Pending, maxAbsOut?: Map<string, number>): Map<string, Float32Array> {
  const api = 'TPUEmbedding.applyGradients';
  if (grads === null || typeof grads !== 'object') throw new InputError('invalid_gradient', `${api}: expected an object of gradients per feature, but got ${String(grads)}.`);
  for (const name of Object.keys(grads)) {
    if (!pending.features.has(name)) {
      throw new InputError('unknown_feature', `${api}: unknown feature '${name}'; expected gradients for ${[...pending.features.keys()].join(', ')}.`);
    }
  }
  const data = new Map<string, Float32Array>();
  for (const [name, pf] of pending.features) {
    const g = grads[name];
    if (!(g instanceof tf.Tensor)) {
      throw new InputError('missing_gradient', `${api}: expected a gradient tensor for every looked-up feature, but '${name}' is ${g === undefined ? 'missing' : String(g)}.`);
    }
    if (g.shape.length !== pf.shape.length || g.shape.some((d, i) => d !== pf.shape[i])) {
      throw new InputError('gradient_shape_mismatch', `${api}: expected the gradient of '${name}' to have the activation's shape [${pf.shape}], but got [${g.shape}].`);
    }
    const arr = gradientValues(g);
    const m = maxAbs(arr); // NaN or ∞ when a value is not finite
    if (!(m < Infinity)) {
      const bad = firstNonFinite(arr);
      throw new InputError('non_finite_gradient', `${api}: expected finite gradients, but the gradient of '${name}' holds ${arr[bad]} at flat index ${bad}; the tables are unchanged.`);
    }
    maxAbsOut?.set(name, m);
    data.set(name, arr);
  }
  return data;
}

/**
 * The values of a gradient tensor. On the wasm backend, a float32 tensor is read in place: a view of the backend's
 * heap (no 1 MB-per-step copy and its garbage), valid while no tfjs call runs, which is the case for the rest of
 * `applyGradients`; otherwise `dataSync` (converted to float32).
 */
function gradientValues(g: tf.Tensor): Float32Array {
  if (g.dtype === 'float32' && tf.getBackend() === 'wasm') {
    const backend = tf.backend() as unknown as Partial<WasmHeapBackend>;
    if (typeof backend.typedArrayFromHeap === 'function') {
      let view: ArrayLike<number> | null = null;
      try {
        view = backend.typedArrayFromHeap(g);
      } catch {
        view = null; // not this backend's tensor (e.g. made before a backend switch)
      }
      if (view instanceof Float32Array && view.length === g.size) return view;
    }
  }
  const v = g.dataSync();
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}

/**
 * Throws for the first id of `input` outside `[0, vocab)`, naming its position, sample and index in the sample.
 * @throws InputError `id_out_of_range`.
 */
function checkIdRange(feature: string, input: NormalizedInput, vocab: number): void {
  const v = input.values;
  const p = firstIdOutside(v, vocab);
  if (p < 0) return;
  let lo = 0;
  let hi = input.batchSize - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (input.rowSplits[mid] <= p) lo = mid;
    else hi = mid - 1;
  }
  throw new InputError(
    'id_out_of_range',
    `TPUEmbedding.lookup: feature '${feature}' has id ${v[p]} at position ${p} (sample ${lo}, index ${p - input.rowSplits[lo]}), outside [0, ${vocab}) of its table; map unknown ids to a valid row (e.g. an OOV bucket) before the lookup.`,
  );
}

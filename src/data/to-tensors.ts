import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors';
import type { Batch } from './batched-dataset';
import type { FeatureName } from './features';

/**
 * Converts a batch's features to tfjs tensors of shape `[size]`: ids and other integer features as int32,
 * `user_rating` and ages as float32, `timestamp` as float32 (seconds; float32 keeps ~7 significant digits, so
 * timestamps lose their last ~2 digits — keep `batch.features.timestamp` for exact values), text as string
 * tensors. The caller owns the tensors (dispose them, or call inside `tf.tidy`).
 *
 * @param batch a batch from `Dataset.batch`.
 * @param features which features to convert. @default every feature of the batch except `movie_genres`
 * @returns one tensor per feature.
 * @throws InputError `ragged_feature` for `movie_genres` (ragged: use `batch.features.movie_genres`),
 *   `missing_feature` when the batch lacks a requested feature.
 * @example
 * const t = toTensors(batch, ['user_id', 'movie_id', 'user_rating']);
 * t.user_id.dtype; // 'int32'
 */
export function toTensors<F extends FeatureName, G extends F = F>(
  batch: Batch<F>,
  features?: readonly G[],
): Record<G, tf.Tensor1D> {
  const all = batch.features as unknown as Record<string, unknown>;
  const names = (features ?? (Object.keys(all).filter((k) => k !== 'movie_genres') as G[])) as readonly G[];
  const out = {} as Record<G, tf.Tensor1D>;
  try {
    convert(all, names, out);
  } catch (e) {
    for (const t of Object.values(out) as tf.Tensor[]) t.dispose();
    throw e;
  }
  return out;
}

function convert<G extends string>(all: Record<string, unknown>, names: readonly G[], out: Record<G, tf.Tensor1D>): void {
  for (const name of names) {
    const v = all[name];
    if (v === undefined) {
      throw new InputError(
        'missing_feature',
        `toTensors: expected the batch to carry ${name}, but it has ${Object.keys(all).join(', ')}. Add it to the Dataset's features.`,
      );
    }
    if (Array.isArray(v)) out[name] = tf.tensor1d(v as string[], 'string');
    else if (v instanceof Int32Array) out[name] = tf.tensor1d(v, 'int32');
    else if (v instanceof Uint8Array) out[name] = tf.tensor1d(Int32Array.from(v), 'int32');
    else if (v instanceof Float32Array) out[name] = tf.tensor1d(v, 'float32');
    else if (v instanceof Float64Array) out[name] = tf.tensor1d(Float32Array.from(v), 'float32');
    else {
      throw new InputError(
        'ragged_feature',
        `toTensors: expected ${name} to be a fixed-size feature, but it is ragged. Read batch.features.${name} (values + rowSplits) instead.`,
      );
    }
  }
}

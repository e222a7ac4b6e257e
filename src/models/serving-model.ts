import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors';
import type { NamedTensor } from '../checkpoint/safetensors';

/** What {@link buildServingModel} folds into a LayersModel. */
export interface ServingModelParts {
  /** Full user table `[vocab, dim]`. */
  readonly userTable: NamedTensor;
  /** Full movie table `[vocab, dim]`. */
  readonly movieTable: NamedTensor;
  /** Dense weights in layer order (kernel, bias, kernel, bias, …). */
  readonly dense: readonly { readonly name: string; readonly variable: tf.Tensor }[];
  /** Widths of the dense layers (the last is linear). */
  readonly units: readonly number[];
}

/**
 * Builds the serving model: a plain tfjs functional `LayersModel` that `tf.loadLayersModel` can load with no project code.
 *
 * ```
 * user_id  int32 [batch, 1] → Embedding(userVocab, dim) "user_embedding"   → Flatten ─┐
 *                                                                                   Concatenate "concat" → Dense(256, relu) "dense_0"
 * movie_id int32 [batch, 1] → Embedding(movieVocab, dim) "movie_embedding" → Flatten ─┘   → Dense(64, relu) "dense_1" → Dense(1) "rating"
 * output [batch, 1]
 * ```
 * Input names are `user_id` and `movie_id` (the tutorial's serving signature, `TensorSpec(shape=(1,), int32)` per
 * example). `model.predict([tf.tensor1d(userIds, 'int32'), tf.tensor1d(movieIds, 'int32')])` takes ids of shape
 * `[batch]` (tfjs expands them to `[batch, 1]`). Weights are copied.
 *
 * @param parts tables and dense weights.
 * @returns a new LayersModel.
 * @throws InputError `bad_state` when a table is not 2-D.
 * @example
 * const served = buildServingModel({ userTable, movieTable, dense, units: [256, 64, 1] });
 * served.predict([tf.tensor1d([30], 'int32'), tf.tensor1d([100], 'int32')]);
 */
export function buildServingModel(parts: ServingModelParts): tf.LayersModel {
  for (const t of [parts.userTable, parts.movieTable]) {
    if (!t || t.shape.length !== 2) {
      throw new InputError('bad_state', `buildServingModel: expected a [vocab, dim] table, but got ${t ? `[${t.shape.join(', ')}] for '${t.name}'` : 'none'}.`);
    }
  }
  // Inputs of shape [batch, 1]: tfjs's predict() expands a [batch] tensor to [batch, 1] itself, so callers pass
  // tf.tensor1d(ids, 'int32'); an input declared as [batch] would be rejected by predict() after that expansion.
  const userIn = tf.input({ shape: [1], dtype: 'int32', name: 'user_id' });
  const movieIn = tf.input({ shape: [1], dtype: 'int32', name: 'movie_id' });
  const initial: tf.Tensor[] = [];
  const embed = (table: NamedTensor, name: string) => {
    const w = tf.tensor2d(table.data as Float32Array, [table.shape[0], table.shape[1]]);
    initial.push(w);
    return tf.layers.embedding({ inputDim: table.shape[0], outputDim: table.shape[1], name, weights: [w] });
  };
  const userEmbedding = embed(parts.userTable, 'user_embedding');
  const movieEmbedding = embed(parts.movieTable, 'movie_embedding');
  let h = tf.layers
    .concatenate({ axis: -1, name: 'concat' })
    .apply([
      tf.layers.flatten({ name: 'user_flatten' }).apply(userEmbedding.apply(userIn)) as tf.SymbolicTensor,
      tf.layers.flatten({ name: 'movie_flatten' }).apply(movieEmbedding.apply(movieIn)) as tf.SymbolicTensor,
    ]) as tf.SymbolicTensor;
  parts.units.forEach((units, i) => {
    const last = i === parts.units.length - 1;
    const layer = tf.layers.dense({ units, activation: last ? 'linear' : 'relu', name: last ? 'rating' : `dense_${i}` });
    h = layer.apply(h) as tf.SymbolicTensor;
    layer.setWeights([parts.dense[2 * i].variable, parts.dense[2 * i + 1].variable]);
  });
  const model = tf.model({ inputs: [userIn, movieIn], outputs: h, name: 'ranking_serving' });
  tf.dispose(initial); // the layers' variables hold their own references
  return model;
}

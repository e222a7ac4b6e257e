import * as tf from '@tensorflow/tfjs';
import { denseOptimizerFor } from '../optimizers';
import type { NamedTensor } from '../checkpoint/safetensors';
import { checkRankingState, DENSE_ITERATIONS_NAME, type RankingStateTarget } from './check-ranking-state';
import type { DenseWeight } from './dense-stack';
import { tablesToTensors } from './ranking-embedding';

/**
 * A model's whole training state as named tensors (checkpoint names, full unsharded tables), the same shape for
 * every model on the training core:
 *
 * | group | names |
 * |---|---|
 * | `tables` | `<table>`, `<table>/accumulators` (or the table optimizer's slots) — `[vocab, dim]` each, every embedding's tables |
 * | `dense` | `<scope>/layer_with_weights-<i>/kernel` `[in, out]`, `…/bias` `[out]` (scope `ratings`, `query`, `candidate`) |
 * | `optimizer` | `optimizer/iter` (int64 scalar, as Keras keeps it) and the dense optimizer's slots, e.g. `ratings/layer_with_weights-0/kernel/accumulator` |
 */
export interface ModelState {
  /** Training steps taken (the global step). */
  readonly step: number;
  readonly tables: readonly NamedTensor[];
  readonly dense: readonly NamedTensor[];
  readonly optimizer: readonly NamedTensor[];
}

/**
 * The parts of a model its state is read from and written to: every embedding (distinct table names), every dense
 * weight in the order the dense optimizer sees them, and the embedding optimizer the dense optimizer is built from
 * (`denseOptimizerFor`) — the same parts {@link checkRankingState} checks a state against.
 */
export type ModelStateParts = RankingStateTarget;

/**
 * Reads a model's state (copies): every embedding's full tables and slots, the dense weights, the dense optimizer's
 * iteration count (int64, as Keras keeps it) and slots named after the weights' checkpoint names.
 * @param step the global step; @param parts the model's parts; @param denseOptimizer its dense optimizer.
 * @returns {@link ModelState}.
 * @example const state = await readModelState(model.step, { embeddings: [emb], dense: tower.weights, optimizer }, denseOpt);
 */
export async function readModelState(step: number, parts: ModelStateParts, denseOptimizer: tf.Optimizer): Promise<ModelState> {
  const tables = parts.embeddings.flatMap((e) => tablesToTensors(e));
  const dense: NamedTensor[] = parts.dense.map((w) => ({
    name: w.name,
    dtype: 'float32',
    shape: [...w.variable.shape],
    data: Float32Array.from(w.variable.dataSync() as Float32Array),
  }));
  const optimizer: NamedTensor[] = [];
  for (const { name, tensor } of await denseOptimizer.getWeights()) {
    const stateName = stateNameOfOptimizerWeight(parts.dense, name);
    if (stateName === DENSE_ITERATIONS_NAME) {
      // Keras keeps the iteration count as int64; tfjs as int32.
      optimizer.push({ name: stateName, dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt((tensor.dataSync() as Int32Array)[0])) });
    } else {
      const data = tensor.dtype === 'int32' ? Int32Array.from(tensor.dataSync() as Int32Array) : Float32Array.from(tensor.dataSync() as Float32Array);
      optimizer.push({ name: stateName, dtype: tensor.dtype === 'int32' ? 'int32' : 'float32', shape: [...tensor.shape], data });
    }
    // tfjs makes a new scalar for the iteration count; the other weights are the optimizer's own variables.
    if (!(tensor instanceof tf.Variable)) tensor.dispose();
  }
  return { step, tables, dense, optimizer };
}

/**
 * Restores a state all or nothing: checks the whole state first ({@link checkRankingState}), builds the new dense
 * optimizer aside, then writes every embedding's tables and the dense weights. The caller swaps in the returned
 * optimizer and the step; a rejected state leaves the model as it was.
 * @param api the calling API, for messages; @param state the state; @param parts the model's parts.
 * @param stillValid called after the last await: false (e.g. the model was disposed meanwhile) discards the new
 *   optimizer and writes nothing, and the caller reports it.
 * @returns the new dense optimizer and the step, or `null` when `stillValid()` was false.
 * @throws InputError `bad_state` naming the tensor (missing, unexpected, wrong dtype or shape, non-finite).
 * @example const r = await restoreModelState('MyModel.setState', state, parts, () => !disposed);
 */
export async function restoreModelState(
  api: string,
  state: ModelState,
  parts: ModelStateParts,
  stillValid: () => boolean,
): Promise<{ readonly denseOptimizer: tf.Optimizer; readonly step: number } | null> {
  const checked = checkRankingState(api, state, parts);
  // Rebuild the dense optimizer aside (its slots in the order applyGradients uses: the dense weights' order).
  const fresh = denseOptimizerFor(parts.optimizer);
  const weights: { name: string; tensor: tf.Tensor }[] = checked.optimizer.map((t) => ({
    name: optimizerWeightNameOfState(parts.dense, t.name),
    // int64 (the iteration count, as Keras keeps it; older checkpoints have int32) becomes tfjs's int32.
    tensor: t.data instanceof BigInt64Array
      ? tf.tensor(Int32Array.from(t.data, Number), [...t.shape], 'int32')
      : tf.tensor(t.data as Float32Array | Int32Array, [...t.shape], t.dtype === 'int32' ? 'int32' : 'float32'),
  }));
  try {
    await fresh.setWeights(weights);
  } catch (e) {
    fresh.dispose();
    throw e;
  } finally {
    tf.dispose(weights.map((w) => w.tensor));
  }
  if (!stillValid()) {
    fresh.dispose();
    return null;
  }
  // Commit: nothing below can fail on a checked state.
  for (const e of parts.embeddings) {
    const own = new Set(e.tableNames);
    e.importTables(Object.fromEntries(Object.entries(checked.tables).filter(([name]) => own.has(name))));
  }
  parts.dense.forEach((w, i) => {
    const value = tf.tensor(checked.dense[i], [...w.variable.shape], 'float32');
    w.variable.assign(value);
    value.dispose();
  });
  return { denseOptimizer: fresh, step: checked.step };
}

/** tfjs names an optimizer slot `<variable name>/<suffix>`; the state names it `<checkpoint name>/<suffix>`. */
function stateNameOfOptimizerWeight(dense: readonly DenseWeight[], name: string): string {
  if (name === 'iter') return DENSE_ITERATIONS_NAME;
  const w = dense.find((d) => name.startsWith(`${d.variable.name}/`));
  return w ? `${w.name}${name.slice(w.variable.name.length)}` : name;
}

function optimizerWeightNameOfState(dense: readonly DenseWeight[], name: string): string {
  if (name === DENSE_ITERATIONS_NAME) return 'iter';
  const w = dense.find((d) => name.startsWith(`${d.name}/`));
  return w ? `${w.variable.name}${name.slice(w.name.length)}` : name;
}

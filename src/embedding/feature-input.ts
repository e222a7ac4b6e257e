import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors';
import { firstDecrease } from '../kernels/native-kernels';

/** Ragged ids: sample b's ids are `values[rowSplits[b] .. rowSplits[b+1])`, with optional per-id weights.
 *
 * ```
 * values    [5, 9, 9, 2]      (3 samples: [5, 9] · [] · [9, 2])
 * rowSplits [0, 2, 2, 4]      length B + 1
 * weights   [1, .5, 1, 1]     same length as values
 * ```
 */
export interface RaggedInput {
  readonly values: ArrayLike<number> | tf.Tensor;
  readonly rowSplits: ArrayLike<number> | tf.Tensor;
  readonly weights?: ArrayLike<number> | tf.Tensor;
}

/** Sparse ids (`tf.SparseTensor` style): `indices[i] = [sample, position]` sorted row-major, `denseShape = [B, maxLen]`. */
export interface SparseInput {
  readonly indices: ArrayLike<number> | readonly (readonly number[])[] | tf.Tensor;
  readonly values: ArrayLike<number> | tf.Tensor;
  readonly denseShape: readonly [number, number] | readonly number[];
  readonly weights?: ArrayLike<number> | tf.Tensor;
}

/**
 * Ids of one feature for the global batch: dense `[B]` / `[B, 1]` (also `[B, k]`: k ids per sample, and `number[][]`
 * rows of equal length), {@link RaggedInput} or {@link SparseInput}. Weights only with ragged or sparse input.
 */
export type FeatureInput = number[] | number[][] | Int32Array | tf.Tensor | RaggedInput | SparseInput;

/** The one internal form: CSR ids with optional weights. */
export interface NormalizedInput {
  readonly batchSize: number;
  readonly values: Int32Array;
  /** length batchSize + 1 */
  readonly rowSplits: Int32Array;
  readonly weights: Float32Array | null;
  /**
   * Sparse input only: the column (`indices[i][1]`) of each value, row-major like `values`. A sequence feature puts a
   * value at its column, as TF's `scatter_nd` does (a row `[[5, 1]]` fills position 1, not 0). Absent for dense and
   * ragged input, where a value's position is its index within its row.
   */
  readonly positions?: Int32Array;
}

function toArray(x: ArrayLike<number> | tf.Tensor): ArrayLike<number> {
  return x instanceof tf.Tensor ? (x.dataSync() as ArrayLike<number>) : x;
}

function toInt32(x: ArrayLike<number> | tf.Tensor, feature: string, what: string): Int32Array {
  if (x instanceof Int32Array) return x;
  const a = toArray(x);
  const out = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
      throw new InputError('invalid_ids', `TPUEmbedding.lookup: expected ${what} of feature '${feature}' to be integers, but got ${v} at position ${i}.`);
    }
    out[i] = v;
  }
  return out;
}

function toWeights(x: ArrayLike<number> | tf.Tensor, n: number, feature: string): Float32Array {
  const a = toArray(x);
  if (a.length !== n) {
    throw new InputError('invalid_weights', `TPUEmbedding.lookup: expected ${n} weights for feature '${feature}' (one per id), but got ${a.length}.`);
  }
  const out = a instanceof Float32Array ? a : Float32Array.from(a);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(out[i])) {
      throw new InputError('invalid_weights', `TPUEmbedding.lookup: expected finite weights for feature '${feature}', but got ${out[i]} at position ${i}.`);
    }
  }
  return out;
}

function isRagged(x: object): x is RaggedInput {
  return 'rowSplits' in x;
}
function isSparse(x: object): x is SparseInput {
  return 'indices' in x && 'denseShape' in x;
}

/**
 * Converts any {@link FeatureInput} to CSR form, checking structure (not id ranges: the engine checks those against
 * the table).
 * @throws InputError `invalid_input` / `invalid_ids` / `invalid_weights` naming the feature and the position.
 * @example normalizeFeatureInput('user', [3, 1, 3]) // { batchSize: 3, values: [3,1,3], rowSplits: [0,1,2,3] }
 */
export function normalizeFeatureInput(feature: string, input: FeatureInput): NormalizedInput {
  const api = 'TPUEmbedding.lookup';
  if (input instanceof tf.Tensor) {
    if (input.rank !== 1 && input.rank !== 2) {
      throw new InputError('invalid_input', `${api}: expected dense ids of feature '${feature}' to have shape [B] or [B, k], but got [${input.shape}].`);
    }
    const values = toInt32(input, feature, 'ids');
    const B = input.shape[0];
    const k = input.rank === 2 ? input.shape[1]! : 1;
    return { batchSize: B, values, rowSplits: uniformSplits(B, k), weights: null };
  }
  if (input instanceof Int32Array || Array.isArray(input)) {
    const arr = input as ArrayLike<number> | number[][];
    if (arr.length > 0 && Array.isArray((arr as unknown[])[0])) {
      const rows = arr as number[][];
      const k = rows[0].length;
      // Copied element by element: spreading a row into push() puts every id on the stack (a row of 1e6 ids overflows it).
      const flat: number[] = new Array<number>(rows.length * k);
      rows.forEach((r, b) => {
        if (!Array.isArray(r) || r.length !== k) {
          throw new InputError('invalid_input', `${api}: expected every row of dense ids of feature '${feature}' to have ${k} ids, but row ${b} has ${Array.isArray(r) ? r.length : String(r)}.`);
        }
        for (let j = 0; j < k; j++) flat[b * k + j] = r[j];
      });
      return { batchSize: rows.length, values: toInt32(flat, feature, 'ids'), rowSplits: uniformSplits(rows.length, k), weights: null };
    }
    const values = toInt32(arr as ArrayLike<number>, feature, 'ids');
    return { batchSize: values.length, values, rowSplits: uniformSplits(values.length, 1), weights: null };
  }
  if (input === null || typeof input !== 'object') {
    throw new InputError('invalid_input', `${api}: expected feature '${feature}' to be dense ids, ragged {values, rowSplits} or sparse {indices, values, denseShape}, but got ${String(input)}.`);
  }
  if (isRagged(input)) {
    const values = toInt32(input.values, feature, 'ids');
    const rowSplits = toInt32(input.rowSplits, feature, 'rowSplits');
    if (rowSplits.length < 1 || rowSplits[0] !== 0 || rowSplits[rowSplits.length - 1] !== values.length) {
      throw new InputError('invalid_input', `${api}: expected rowSplits of feature '${feature}' to start at 0 and end at values.length = ${values.length}, but got [${rowSplits[0]} … ${rowSplits[rowSplits.length - 1]}].`);
    }
    const d = firstDecrease(rowSplits);
    if (d > 0) {
      throw new InputError('invalid_input', `${api}: expected rowSplits of feature '${feature}' to be non-decreasing, but rowSplits[${d}] = ${rowSplits[d]} < rowSplits[${d - 1}] = ${rowSplits[d - 1]}.`);
    }
    const weights = input.weights === undefined ? null : toWeights(input.weights, values.length, feature);
    return { batchSize: rowSplits.length - 1, values, rowSplits, weights };
  }
  if (isSparse(input)) return normalizeSparse(feature, input);
  if ('values' in input && 'weights' in input) {
    throw new InputError('invalid_input', `${api}: weights of feature '${feature}' need ragged {values, rowSplits, weights} or sparse input; dense ids take no weights.`);
  }
  throw new InputError('invalid_input', `${api}: expected feature '${feature}' to be dense ids, ragged {values, rowSplits} or sparse {indices, values, denseShape}, but got an object with keys ${Object.keys(input).join(', ')}.`);
}

function uniformSplits(B: number, k: number): Int32Array {
  const s = new Int32Array(B + 1);
  for (let b = 0; b <= B; b++) s[b] = b * k;
  return s;
}

function normalizeSparse(feature: string, input: SparseInput): NormalizedInput {
  const api = 'TPUEmbedding.lookup';
  const [B, maxLen] = input.denseShape;
  if (input.denseShape.length !== 2 || !Number.isInteger(B) || B < 0 || !Number.isInteger(maxLen) || maxLen < 0) {
    throw new InputError('invalid_input', `${api}: expected denseShape of feature '${feature}' to be [B, maxLen], but got ${JSON.stringify(input.denseShape)}.`);
  }
  const values = toInt32(input.values, feature, 'ids');
  const n = values.length;
  let idx: ArrayLike<number>;
  if (Array.isArray(input.indices) && (n === 0 || Array.isArray(input.indices[0]))) {
    idx = (input.indices as number[][]).flat();
  } else idx = toArray(input.indices as ArrayLike<number> | tf.Tensor);
  if (idx.length !== 2 * n) {
    throw new InputError('invalid_input', `${api}: expected indices of feature '${feature}' to have shape [${n}, 2], but got ${idx.length} numbers.`);
  }
  const weights = input.weights === undefined ? null : toWeights(input.weights, n, feature);
  const counts = new Int32Array(B + 1);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const b = idx[2 * i];
    const j = idx[2 * i + 1];
    if (!Number.isInteger(b) || b < 0 || b >= B || !Number.isInteger(j) || j < 0 || j >= maxLen) {
      throw new InputError('invalid_input', `${api}: expected indices of feature '${feature}' inside denseShape [${B}, ${maxLen}], but indices[${i}] = [${b}, ${j}].`);
    }
    if (i > 0 && (b < idx[2 * i - 2] || (b === idx[2 * i - 2] && j <= idx[2 * i - 1]))) sorted = false;
    counts[b + 1]++;
  }
  const rowSplits = new Int32Array(B + 1);
  for (let b = 0; b < B; b++) rowSplits[b + 1] = rowSplits[b] + counts[b + 1];
  if (sorted) return { batchSize: B, values, rowSplits, weights, positions: Int32Array.from({ length: n }, (_, i) => idx[2 * i + 1]) };
  // Reorder row-major (by sample, then position).
  const order = Array.from({ length: n }, (_, i) => i).sort((a, c) => idx[2 * a] - idx[2 * c] || idx[2 * a + 1] - idx[2 * c + 1]);
  for (let i = 1; i < n; i++) {
    if (idx[2 * order[i]] === idx[2 * order[i - 1]] && idx[2 * order[i] + 1] === idx[2 * order[i - 1] + 1]) {
      throw new InputError('invalid_input', `${api}: expected indices of feature '${feature}' to be unique, but [${idx[2 * order[i]]}, ${idx[2 * order[i] + 1]}] repeats.`);
    }
  }
  const v2 = new Int32Array(n);
  const w2 = weights ? new Float32Array(n) : null;
  const positions = new Int32Array(n);
  order.forEach((src, i) => {
    v2[i] = values[src];
    positions[i] = idx[2 * src + 1];
    if (w2 && weights) w2[i] = weights[src];
  });
  return { batchSize: B, values: v2, rowSplits, weights: w2, positions };
}

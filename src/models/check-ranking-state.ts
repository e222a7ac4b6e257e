import { InputError } from '../errors';
import { nonNegativeInteger, where } from '../validation';
import { firstNonFinite } from '../embedding/first-non-finite';
import type { FullTable, TPUEmbedding } from '../embedding';
import { Adagrad, Adam, type EmbeddingOptimizer, type SlotName } from '../optimizers';
import type { NamedTensor } from '../checkpoint/safetensors';
import type { DenseWeight } from './dense-stack';

/** The name of the dense optimizer's iteration count in a ranking state (an int64 scalar as Keras keeps it; int32 in older checkpoints). */
export const DENSE_ITERATIONS_NAME = 'optimizer/iter';

/** A ranking state that passed {@link checkRankingState}: the values to commit, nothing written yet. */
export interface CheckedRankingState {
  readonly step: number;
  /** Full tables by name, for `TPUEmbedding.importTables`. */
  readonly tables: Record<string, Pick<FullTable, 'weights' | 'slots'>>;
  /** One value per dense weight, in the tower's order. */
  readonly dense: readonly Float32Array[];
  /**
   * The dense optimizer's weights in the order its `setWeights` takes (iterations first, then its slots in
   * tfjs order); only the iterations when the state was saved before the first step.
   */
  readonly optimizer: readonly NamedTensor[];
}

/**
 * What one model needs to check a state against: its embeddings (tables and their optimizers' slots; the ranking
 * model has one, the two-tower model one per tower), its dense weights and the embedding optimizer its dense
 * optimizer is built from.
 */
export interface RankingStateTarget {
  readonly embeddings: readonly TPUEmbedding[];
  readonly dense: readonly DenseWeight[];
  readonly optimizer: EmbeddingOptimizer;
}

/**
 * The slot suffixes tfjs gives the dense optimizer `denseOptimizerFor(optimizer)` builds, in its `getWeights`
 * order: per group, one tensor per dense weight (`<weight>/<suffix>`). SGD keeps none; Adagrad `accumulator`;
 * Adam `m` then `v` (all first moments, then all second moments).
 */
function denseSlotSuffixes(optimizer: EmbeddingOptimizer): readonly string[] {
  if (optimizer instanceof Adagrad) return ['accumulator'];
  if (optimizer instanceof Adam) return ['m', 'v'];
  return [];
}

/**
 * Checks a whole model state (ranking, two-tower, any model on the training core) against a model before anything is written (the validate half of
 * validate-then-commit): every tensor present (and none unexpected), its dtype, typed array, shape and element count, and
 * finite values for tables, slots, dense weights and dense optimizer slots; the step a non-negative integer.
 *
 * | group | expected |
 * |---|---|
 * | `tables` | `<table>` and `<table>/<slot>` for the slots its optimizer keeps, float32 `[vocab, dim]` |
 * | `dense` | each dense weight by name, float32 of its shape |
 * | `optimizer` | `optimizer/iter` int64 (or int32, older checkpoints) `[]`, then none or all of the dense optimizer's slots, float32 of the weight's shape |
 *
 * @param api the calling API, for messages; @param state the state; @param target the model's parts.
 * @returns the values to commit.
 * @throws InputError `bad_state` naming the group, the tensor, the rule and the value.
 * @example const checked = checkRankingState('RankingModel.setState', state, { embeddings: [embedding], dense: tower.weights, optimizer });
 */
export function checkRankingState(api: string, state: unknown, target: RankingStateTarget): CheckedRankingState {
  const fail = (msg: string): never => {
    throw new InputError('bad_state', `${api}: ${msg}`);
  };
  if (state === null || typeof state !== 'object') fail(`expected a state { step, tables, dense, optimizer } (from getState or rankingStateFromCheckpoint), but got ${String(state)}.`);
  const s = state as Record<string, unknown>;
  const step = s.step;
  nonNegativeInteger(step, where(InputError, 'bad_state', api)('step'));
  const group = (key: 'tables' | 'dense' | 'optimizer'): Map<string, NamedTensor> => {
    const list = s[key];
    if (!Array.isArray(list)) fail(`expected ${key} to be an array of named tensors, but got ${String(list)}.`);
    const byName = new Map<string, NamedTensor>();
    for (const t of list as NamedTensor[]) {
      if (t === null || typeof t !== 'object' || typeof t.name !== 'string') fail(`expected every entry of ${key} to be a named tensor { name, dtype, shape, data }, but got ${String(t)}.`);
      if (byName.has(t.name)) fail(`expected unique names in ${key}, but '${t.name}' appears twice.`);
      byName.set(t.name, t);
    }
    return byName;
  };
  const holds = (byName: Map<string, NamedTensor>): string => [...byName.keys()].join(', ') || 'nothing';
  const take = (key: string, byName: Map<string, NamedTensor>, name: string, dtype: 'float32' | 'int32', shape: readonly number[], finite: boolean): NamedTensor => {
    const t = byName.get(name);
    if (!t) return fail(`expected ${key} tensor '${name}', but the state has none (its ${key} hold ${holds(byName)}). Restore a state saved from a model with the same configuration and optimizer.`);
    const sameShape = Array.isArray(t.shape) && t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
    if (t.dtype !== dtype) fail(`expected '${name}' to be ${dtype}, but got ${String(t.dtype)}. A tensor relabelled to another dtype cannot be restored; restore an older checkpoint.`);
    if (!sameShape) fail(`expected '${name}' of shape [${shape.join(', ')}], but got [${Array.isArray(t.shape) ? t.shape.join(', ') : String(t.shape)}]. The state comes from a model with other sizes.`);
    const n = shape.reduce((a, b) => a * b, 1);
    const arrayType = dtype === 'float32' ? Float32Array : Int32Array;
    if (!(t.data instanceof arrayType) || t.data.length !== n) {
      const got = ArrayBuffer.isView(t.data) ? `${t.data.constructor.name} of ${(t.data as Float32Array).length} values` : String(t.data);
      fail(`expected the data of '${name}' to be a ${arrayType.name} of ${n} values, but got ${got}.`);
    }
    if (finite) {
      const bad = firstNonFinite(t.data as Float32Array);
      if (bad >= 0) fail(`expected finite values in '${name}', but it holds ${(t.data as Float32Array)[bad]} at flat index ${bad}. The state is corrupted; restore an older checkpoint.`);
    }
    byName.delete(name);
    return t;
  };
  const noneLeft = (key: string, byName: Map<string, NamedTensor>, why: string): void => {
    if (byName.size > 0) fail(`the state's ${key} hold ${[...byName.keys()].map((n) => `'${n}'`).join(', ')}, which this model does not have (${why}). Restore into a model built with the same configuration and optimizer.`);
  };

  const tablesIn = group('tables');
  const denseIn = group('dense');
  const optimizerIn = group('optimizer');

  const tables: Record<string, Pick<FullTable, 'weights' | 'slots'>> = {};
  const allTables = target.embeddings.flatMap((e) => e.tables);
  for (const table of allTables) {
    const shape = [table.vocabularySize, table.dim];
    const weights = take('table', tablesIn, table.name, 'float32', shape, true).data as Float32Array;
    const slots: Partial<Record<SlotName, Float32Array>> = {};
    for (const spec of table.slotSpecs) slots[spec.name] = take('table', tablesIn, `${table.name}/${spec.name}`, 'float32', shape, true).data as Float32Array;
    tables[table.name] = { weights, slots };
  }
  noneLeft('tables', tablesIn, `its tables are ${allTables.map((t) => `${t.name} with ${t.optimizer.className} slots ${t.slotSpecs.map((x) => x.name).join(', ') || 'none'}`).join('; ')}`);

  const dense = target.dense.map((w) => take('dense', denseIn, w.name, 'float32', w.variable.shape, true).data as Float32Array);
  noneLeft('dense', denseIn, `its dense weights are ${target.dense.map((w) => w.name).join(', ')}`);

  const iterations = optimizerIn.get(DENSE_ITERATIONS_NAME);
  const optimizer: NamedTensor[] = [
    iterations?.dtype === 'int64' ? takeInt64Iterations(optimizerIn, iterations, fail) : take('optimizer', optimizerIn, DENSE_ITERATIONS_NAME, 'int32', [], false),
  ];
  const suffixes = denseSlotSuffixes(target.optimizer);
  if (optimizerIn.size > 0 || suffixes.length === 0) {
    for (const suffix of suffixes) for (const w of target.dense) optimizer.push(take('optimizer', optimizerIn, `${w.name}/${suffix}`, 'float32', w.variable.shape, true));
  }
  noneLeft('optimizer', optimizerIn, `its dense optimizer (for ${target.optimizer.className}) keeps ${suffixes.length > 0 ? suffixes.map((x) => `<weight>/${x}`).join(', ') : 'only optimizer/iter'}`);
  return { step: step as number, tables, dense, optimizer };
}

/** Checks an int64 `optimizer/iter` (Keras's dtype): a BigInt64Array scalar in [0, 2^31 - 1], tfjs's int32 range. */
function takeInt64Iterations(byName: Map<string, NamedTensor>, t: NamedTensor, fail: (msg: string) => never): NamedTensor {
  const isScalar = Array.isArray(t.shape) && t.shape.length === 0;
  if (!isScalar || !(t.data instanceof BigInt64Array) || t.data.length !== 1) {
    const got = ArrayBuffer.isView(t.data) ? `${t.data.constructor.name} of ${(t.data as BigInt64Array).length} values` : String(t.data);
    fail(`expected '${DENSE_ITERATIONS_NAME}' to be an int64 scalar (shape [], a BigInt64Array of 1 value), but got shape [${String(t.shape)}] and ${got}.`);
  }
  const n = (t.data as BigInt64Array)[0];
  if (n < 0n || n > 2147483647n) fail(`expected '${DENSE_ITERATIONS_NAME}' in [0, 2147483647], but got ${n}. The state is corrupted; restore an older checkpoint.`);
  byName.delete(DENSE_ITERATIONS_NAME);
  return t;
}

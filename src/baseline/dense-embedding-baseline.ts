import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../errors';
import { Random } from '../random';
import { EmbeddingOptimizer, denseOptimizerFor, type SlotName } from '../optimizers';
import type { FeatureConfig } from '../embedding/feature-config';
import { normalizeFeatureInput, type FeatureInput, type NormalizedInput } from '../embedding/feature-input';
import { fillTable } from '../embedding/initializer';
import type { EmbeddingOptimizerLike } from '../embedding/optimizer-like';
import type { FullTable } from '../embedding/sharded-table';
import type { TableConfig } from '../embedding/table-config';
import type { TPUEmbedding } from '../embedding/tpu-embedding';
import { sequenceEnd, sequencePosition } from '../embedding/sequence-positions';

/** Options of {@link DenseEmbeddingBaseline}. */
export interface DenseEmbeddingBaselineOptions {
  /** Features by name, as for `TPUEmbedding`. */
  readonly features: Readonly<Record<string, FeatureConfig>>;
  /** Global optimizer (a table's own overrides it). Its hyper-parameters drive the tf-ops update. */
  readonly optimizer?: EmbeddingOptimizerLike;
  /** Initializer seed (table i uses seed + i, row-major: the same initial tables as `TPUEmbedding`). @default 0 */
  readonly seed?: number;
  /** Start from these full tables (and slots) instead of the initializers, keyed by table name. */
  readonly tables?: Readonly<Record<string, Pick<FullTable, 'weights' | 'slots'>>>;
}

interface DenseTable {
  readonly name: string;
  readonly config: TableConfig;
  readonly optimizer: EmbeddingOptimizerLike;
  readonly weights: tf.Variable;
  /** Slot variables (custom tf-ops path) by slot name. */
  readonly slots: Map<SlotName, tf.Variable>;
  /** The tfjs optimizer (SGD / Adagrad without clipping, decay or schedules), else null. */
  readonly tfOptimizer: tf.Optimizer | null;
}

interface DenseLookupInput {
  readonly ids: tf.Tensor1D;
  readonly segments: tf.Tensor1D;
  readonly weights: tf.Tensor1D;
  readonly numSegments: number;
  readonly shape: number[];
  readonly sequence: boolean;
}

/**
 * The same lookups and updates done the way a TensorFlow.js user would without this library: one `tf.variable`
 * `[vocabularySize, dim]` per table, `tf.gather` + `tf.scatterND` (a segment sum) to combine, the gradient `tf.gather`'s autodiff gives for the
 * table — a **dense** `[vocabularySize, dim]` tensor every step — and a tfjs optimizer
 * (`tf.train.sgd` / `tf.train.adagrad`) or, for the others, the same update written with tf ops over the full table
 * (restricted to the rows looked up, which is what TPU's lazy updates do). Used by the equivalence tests and the
 * benchmarks; not meant for training.
 *
 * @example
 * const dense = DenseEmbeddingBaseline.fromEmbedding(emb);     // same tables and optimizer state
 * const a = dense.lookup({ movie_id: [3, 7] });
 * dense.applyGradients({ movie_id: tf.onesLike(a.movie_id) });
 */
export class DenseEmbeddingBaseline {
  /** Steps applied. */
  step = 0;
  private readonly tables: DenseTable[] = [];
  private readonly featureTable = new Map<string, DenseTable>();
  private readonly features: Readonly<Record<string, FeatureConfig>>;
  private pending: Map<string, DenseLookupInput> | null = null;

  /** @throws ConfigError when a table has no optimizer. */
  constructor(options: DenseEmbeddingBaselineOptions) {
    this.features = options.features;
    const seed = options.seed ?? 0;
    const byConfig = new Map<TableConfig, DenseTable>();
    for (const [name, f] of Object.entries(options.features)) {
      let t = byConfig.get(f.table);
      if (!t) {
        const i = this.tables.length;
        const tname = f.table.name ?? `table_${i}`;
        const optimizer = f.table.optimizer ?? options.optimizer;
        if (!optimizer) throw new ConfigError('invalid_embedding_config', `DenseEmbeddingBaseline: table '${tname}' has no optimizer.`);
        const { vocabularySize: V, dim } = f.table;
        const given = options.tables?.[tname];
        let w: Float32Array;
        if (given) w = Float32Array.from(given.weights);
        else {
          w = new Float32Array(V * dim);
          fillTable(f.table.initializer, V, dim, new Random(seed + i), w, (r) => r * dim, tname);
        }
        const init = tf.tensor2d(w, [V, dim]);
        const weights = tf.variable(init, true);
        init.dispose();
        const tfOptimizer = tfjsOptimizerFor(optimizer);
        const slots = new Map<SlotName, tf.Variable>();
        if (!tfOptimizer) {
          for (const s of optimizer.slotSpecs()) {
            const init = given?.slots[s.name];
            const value = init ? tf.tensor2d(init, [V, dim]) : tf.fill([V, dim], s.initialValue);
            slots.set(s.name, tf.variable(value, false));
            value.dispose();
          }
        } else if (given?.slots.accumulators) {
          // Seed tfjs Adagrad's accumulator by running a zero step, then overwrite it.
          throw new ConfigError('invalid_embedding_config', 'DenseEmbeddingBaseline: starting tf.train.adagrad from a given accumulator is not supported; start from fresh slots.');
        }
        t = { name: tname, config: f.table, optimizer, weights, slots, tfOptimizer };
        byConfig.set(f.table, t);
        this.tables.push(t);
      }
      this.featureTable.set(name, t);
    }
  }

  /**
   * A baseline holding a copy of `emb`'s current tables (fresh optimizer slots), same features and optimizers.
   * Create it before the first training step so both start from the same state.
   */
  static fromEmbedding(emb: TPUEmbedding): DenseEmbeddingBaseline {
    const full = emb.exportTables();
    const tables: Record<string, Pick<FullTable, 'weights' | 'slots'>> = {};
    for (const [name, t] of Object.entries(full)) tables[name] = { weights: t.weights, slots: {} };
    return new DenseEmbeddingBaseline({ features: emb.featureConfigs, tables, optimizer: emb.optimizer });
  }

  /**
   * Looks features up with tf ops. Same inputs and output shapes as `TPUEmbedding.lookup`.
   * @returns one tensor per feature (caller disposes).
   */
  lookup(features: Readonly<Record<string, FeatureInput>>): Record<string, tf.Tensor> {
    this.disposePending();
    const pending = new Map<string, DenseLookupInput>();
    for (const [name, input] of Object.entries(features)) {
      const f = this.features[name];
      if (!f) throw new InputError('unknown_feature', `DenseEmbeddingBaseline.lookup: unknown feature '${name}'.`);
      pending.set(name, denseInput(normalizeFeatureInput(name, input), f));
    }
    this.pending = pending;
    const out: Record<string, tf.Tensor> = {};
    for (const [name, inp] of pending) {
      const t = this.featureTable.get(name)!;
      out[name] = tf.tidy(() => this.activation(t, inp));
    }
    return out;
  }

  /**
   * Backpropagates `grads` (one per feature of the last lookup) to a dense `[vocabularySize, dim]` gradient per
   * table and applies the table's optimizer.
   */
  applyGradients(grads: Readonly<Record<string, tf.Tensor>>): void {
    const pending = this.pending;
    if (!pending) throw new InputError('no_lookup', 'DenseEmbeddingBaseline.applyGradients: call lookup first.');
    const step = this.step + 1;
    for (const t of this.tables) {
      const names = [...pending.keys()].filter((n) => this.featureTable.get(n) === t);
      if (names.length === 0) continue;
      tf.tidy(() => {
        const { vocabularySize: V, dim } = t.config;
        // The gradient tf.gather's autodiff would produce: a dense [V, dim] tensor, duplicates summed.
        // (Written out with tf.scatterND because the wasm backend has no UnsortedSegmentSum kernel.)
        const parts = names.map((n) => {
          const inp = pending.get(n)!;
          const g = tf.reshape(grads[n], [inp.numSegments, dim]);
          const rows = tf.mul(tf.gather(g, inp.segments), this.positionScale(t, inp).reshape([-1, 1]));
          return tf.scatterND(inp.ids.reshape([-1, 1]), rows, [V, dim]);
        });
        const dense = parts.length === 1 ? parts[0] : tf.addN(parts);
        if (t.tfOptimizer) {
          t.tfOptimizer.applyGradients({ [t.weights.name]: dense });
        } else {
          const allIds = tf.concat(names.map((n) => pending.get(n)!.ids));
          const counts = tf.scatterND(allIds.reshape([-1, 1]), tf.onesLike(allIds).toFloat(), [V]);
          // a non-lazy optimizer (Adam lazyAdam: false) updates every row, g = 0 where no id was looked up
          const every = t.optimizer.updatesEveryRow === true;
          this.customUpdate(t, dense, every ? tf.onesLike(counts).cast('bool').reshape([-1, 1]) : tf.greater(counts, 0).reshape([-1, 1]), step);
        }
      });
    }
    this.step = step;
  }

  /**
   * The full tables and slots, as `TPUEmbedding.exportTables` gives them. Asynchronous because the slots of a tfjs
   * optimizer (tf.train.adagrad's accumulator) are read through its public `getWeights()`, which is.
   * @returns one {@link FullTable} per table, keyed by table name (copies).
   */
  async exportTables(): Promise<Record<string, FullTable>> {
    const out: Record<string, FullTable> = {};
    for (const t of this.tables) {
      const slots: Partial<Record<SlotName, Float32Array>> = {};
      for (const [n, v] of t.slots) slots[n] = v.dataSync() as Float32Array;
      if (t.tfOptimizer) {
        // tf.train.adagrad keeps the accumulator as an optimizer weight named `<variable>/accumulator`; the first
        // weight is the iteration count, a new scalar tensor.
        const [iterations, ...weights] = await t.tfOptimizer.getWeights();
        iterations.tensor.dispose();
        const acc = weights.find((w) => w.name === `${t.weights.name}/accumulator`);
        if (acc) slots.accumulators = acc.tensor.dataSync() as Float32Array;
      }
      out[t.name] = { name: t.name, vocabularySize: t.config.vocabularySize, dim: t.config.dim, weights: t.weights.dataSync() as Float32Array, slots };
    }
    return out;
  }

  /** Frees every variable and pending tensor. */
  dispose(): void {
    this.disposePending();
    for (const t of this.tables) {
      t.weights.dispose();
      for (const v of t.slots.values()) v.dispose();
      t.tfOptimizer?.dispose();
    }
  }

  private disposePending(): void {
    if (!this.pending) return;
    for (const p of this.pending.values()) tf.dispose([p.ids, p.segments, p.weights]);
    this.pending = null;
  }

  private activation(t: DenseTable, inp: DenseLookupInput): tf.Tensor {
    const dim = t.config.dim;
    if (inp.ids.size === 0) return tf.zeros(inp.shape);
    const rows = tf.gather(t.weights, inp.ids); // [n, dim]
    const scaled = tf.mul(rows, this.positionScale(t, inp).reshape([-1, 1]));
    return tf.scatterND(inp.segments.reshape([-1, 1]), scaled, [inp.numSegments, dim]).reshape(inp.shape);
  }

  /** Per-position combiner scale with tf ops: w, w / Σw or w / √Σw² of the position's sample (0 if Σ = 0). */
  private positionScale(t: DenseTable, inp: DenseLookupInput): tf.Tensor1D {
    if (inp.sequence || t.config.combiner === 'sum') return inp.weights;
    const w = t.config.combiner === 'mean' ? inp.weights : tf.square(inp.weights);
    let den = tf.scatterND(inp.segments.reshape([-1, 1]), w, [inp.numSegments]) as tf.Tensor1D;
    if (t.config.combiner === 'sqrtn') den = tf.sqrt(den);
    const d = tf.gather(den, inp.segments);
    const zero = tf.equal(d, 0);
    return tf.where(zero, tf.zerosLike(d), tf.div(inp.weights, tf.where(zero, tf.onesLike(d), d))) as tf.Tensor1D;
  }

  /** The row optimizer's formula with tf ops over the full table, applied where `touched`. */
  private customUpdate(t: DenseTable, gRaw: tf.Tensor, touched: tf.Tensor, step: number): void {
    const o = t.optimizer as unknown as EmbeddingOptimizer & Record<string, number | boolean>;
    const lr = o.learningRateAt(step);
    const g = tf.clipByValue(gRaw, Math.max(o.clipGradientMin, -3e38), Math.min(o.clipGradientMax, 3e38));
    const decay = o.multiplyWeightDecayFactorByLearningRate ? o.weightDecayFactor * lr : o.weightDecayFactor;
    let w: tf.Tensor = t.weights;
    if (decay !== 0) w = tf.sub(w, tf.mul(w, decay));
    const slot = (n: SlotName): tf.Variable => t.slots.get(n)!;
    const setSlot = (n: SlotName, v: tf.Tensor): void => slot(n).assign(tf.where(tf.broadcastTo(touched, v.shape), v, slot(n)));
    switch (o.className) {
      case 'SGD':
        w = tf.sub(w, tf.mul(g, lr));
        break;
      case 'Adagrad': {
        const acc = tf.add(slot('accumulators'), tf.square(g));
        setSlot('accumulators', acc);
        w = tf.sub(w, tf.div(tf.mul(g, lr), tf.sqrt(acc)));
        break;
      }
      case 'AdagradMomentum': {
        const b2 = o.beta2 as number;
        const acc = b2 === 1 ? tf.add(slot('accumulators'), tf.square(g)) : tf.add(tf.mul(slot('accumulators'), b2), tf.mul(tf.square(g), 1 - b2));
        const scale = tf.pow(tf.add(acc, o.epsilon as number), -1 / (o.exponent as number));
        const gHat = tf.mul(scale, g);
        const m = tf.add(tf.mul(slot('momenta'), o.momentum as number), gHat);
        setSlot('accumulators', acc);
        setSlot('momenta', m);
        const upd = o.useNesterov ? tf.add(tf.mul(m, o.momentum as number), gHat) : m;
        w = tf.sub(w, tf.mul(upd, lr));
        break;
      }
      case 'Adam': {
        const b1 = o.beta1 as number;
        const b2 = o.beta2 as number;
        const eps = o.epsilon as number;
        // float32 1 − β as TF: 1 − f32(β); v's term in TF's order ((1 − β2)·g)·g
        const m = tf.add(tf.mul(slot('momenta'), b1), tf.mul(g, Math.fround(1 - Math.fround(b1))));
        const v = tf.add(tf.mul(slot('velocities'), b2), tf.mul(tf.mul(g, Math.fround(1 - Math.fround(b2))), g));
        setSlot('momenta', m);
        setSlot('velocities', v);
        const den = o.sumInsideSqrt ? tf.sqrt(tf.add(v, Math.fround(Math.fround(eps) * Math.fround(eps)))) : tf.add(tf.sqrt(v), eps);
        w = tf.sub(w, tf.div(tf.mul(m, lr), den));
        break;
      }
      case 'FTRL': {
        const k = -(o.learningRatePower as number);
        const l1 = o.l1RegularizationStrength as number;
        const l2 = o.l2RegularizationStrength as number;
        const beta = o.beta as number;
        const mlr = o.multiplyLinearByLearningRate as boolean;
        const a = slot('accumulators');
        const aNew = tf.add(a, tf.square(g));
        const pOld = tf.pow(a, k);
        const pNew = tf.pow(aNew, k);
        const dp = tf.mul(tf.sub(pNew, pOld), w);
        const lin = mlr ? tf.sub(tf.add(slot('linears'), tf.mul(g, lr)), dp) : tf.sub(tf.add(slot('linears'), g), tf.div(dp, lr));
        const q = mlr ? tf.add(pNew, beta + 2 * lr * l2) : tf.add(tf.div(tf.add(pNew, beta), lr), 2 * l2);
        const th = mlr ? lr * l1 : l1;
        setSlot('accumulators', aNew);
        setSlot('linears', lin);
        // x = (sign(l)·t − l)/q when |l| > t, else 0  ⇔  (t − l)/q for l > t and (−t − l)/q for l < −t
        const shrunk = tf.div(tf.sub(tf.mul(tf.sign(lin), th), lin), q);
        w = tf.where(tf.greater(tf.abs(lin), th), shrunk, tf.zerosLike(lin));
        break;
      }
      default:
        throw new ConfigError('no_dense_equivalent', `DenseEmbeddingBaseline: no tf-ops update for optimizer '${o.className}'.`);
    }
    w = tf.clipByValue(w, Math.max(o.clipWeightMin, -3e38), Math.min(o.clipWeightMax, 3e38));
    t.weights.assign(tf.where(tf.broadcastTo(touched, w.shape), w, t.weights));
  }
}

/** tf.train.sgd / tf.train.adagrad when they compute exactly the row optimizer's update, else null. */
function tfjsOptimizerFor(o: EmbeddingOptimizerLike): tf.Optimizer | null {
  if (!(o instanceof EmbeddingOptimizer) || (o.className !== 'SGD' && o.className !== 'Adagrad')) return null;
  try {
    return denseOptimizerFor(o);
  } catch {
    return null;
  }
}

function denseInput(input: NormalizedInput, f: FeatureConfig): DenseLookupInput {
  const { rowSplits, values, batchSize: B } = input;
  const L = f.maxSequenceLength;
  const ids: number[] = [];
  const seg: number[] = [];
  const w: number[] = [];
  for (let b = 0; b < B; b++) {
    const ps = rowSplits[b];
    const pe = L > 0 ? sequenceEnd(input, b, L) : rowSplits[b + 1];
    for (let p = ps; p < pe; p++) {
      ids.push(values[p]);
      seg.push(L > 0 ? b * L + sequencePosition(input, p, ps) : b);
      w.push(input.weights ? input.weights[p] : 1);
    }
  }
  const dim = f.table.dim;
  const shape = f.outputShape ? [...f.outputShape, dim] : L > 0 ? [B, L, dim] : [B, dim];
  return {
    ids: tf.tensor1d(ids, 'int32'),
    segments: tf.tensor1d(seg, 'int32'),
    weights: tf.tensor1d(w, 'float32'),
    numSegments: L > 0 ? B * L : B,
    shape,
    sequence: L > 0,
  };
}

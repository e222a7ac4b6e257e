import { ConfigError, InputError } from '../errors';
import { inRange, nonNegativeInteger, where } from '../validation';
import { Random } from '../random';
import { BatchedDataset, type BatchOptions } from './batched-dataset';
import { NUMERIC_FEATURES, type FeatureName } from './features';
import type { MovieLensData } from './movielens-data';

// Hot path (one call per example or batch): built once, not per call.
const ROW_AT = where(InputError, 'index_out_of_range', 'Dataset.rowAt')('k');

/** The numeric features (the default set a Dataset batches). */
export type NumericFeatureName = (typeof NUMERIC_FEATURES)[number];

/** Options of {@link Dataset.from}. */
export interface DatasetOptions<F extends FeatureName> {
  /**
   * Which features batches carry. Text features cost a string array per batch and genres a ragged copy; numeric
   * ones a typed-array gather (or a zero-copy view when rows are contiguous).
   * @default the config's numeric features (ids, rating, timestamp, and the numeric demographics)
   */
  readonly features?: readonly F[];
}

/**
 * A small, `tf.data`-like view over the examples of a {@link MovieLensData}: an ordered sequence of example rows
 * (`Int32Array` of row indices, or the identity), with `shuffle`, `take`, `skip`, `repeat` and `batch`. Every
 * operation returns a new Dataset and copies at most one index array; the examples are never copied, so
 * batches are cheap gathers (or subarray views when the order is the identity).
 *
 * Differences from `tf.data`: `shuffle(seed)` is a full uniform permutation (a buffer at least as large as
 * the data) drawn with this library's xoshiro128** `Random`, so the order is NOT TensorFlow's Philox order bit for
 * bit — same distribution, different sequence; and the shuffle is fixed (`reshuffle_each_iteration=False`, as in
 * the tutorial).
 *
 * @example
 * const ds = Dataset.from(data).shuffle(42).take(80_000);
 * for (const batch of ds.batch(4096)) { batch.features.user_id; batch.features.user_rating; }
 */
export class Dataset<F extends FeatureName = NumericFeatureName> {
  private constructor(
    /** The examples this dataset reads. */
    readonly data: MovieLensData,
    /** The features its batches carry. */
    readonly features: readonly F[],
    private readonly order: Int32Array | null,
    private readonly baseLength: number,
    private readonly start: number,
    /** Number of examples (Infinity after `repeat()`). */
    readonly length: number,
  ) {}

  /**
   * All examples of `data`, in file order.
   * @param data the loaded config.
   * @param options which features batches carry.
   * @throws ConfigError `unknown_dataset_feature` when a feature is not in the config.
   * @example
   * const ds = Dataset.from(data, { features: ['user_id', 'movie_id', 'user_rating'] });
   */
  static from<G extends FeatureName = NumericFeatureName>(data: MovieLensData, options: DatasetOptions<G> = {}): Dataset<G> {
    const features = (options.features ?? NUMERIC_FEATURES.filter((f) => data.has(f))) as readonly G[];
    for (const f of features) data.accessor(f, 'Dataset.from');
    return new Dataset<G>(data, Object.freeze([...features]), null, data.length, 0, data.length);
  }

  /**
   * A uniformly shuffled copy of the sequence (seeded; fixed across iterations).
   * @param seed any integer; the same seed gives the same order.
   * @throws ConfigError `infinite_dataset` after `repeat()` without a count.
   */
  shuffle(seed: number): Dataset<F> {
    const rows = this.rows();
    new Random(seed).shuffle(rows);
    return new Dataset(this.data, this.features, rows, rows.length, 0, rows.length);
  }

  /** The first `n` examples (all if fewer). @throws ConfigError when n is not a non-negative integer. */
  take(n: number): Dataset<F> {
    nonNegativeInteger(n, where(ConfigError, 'invalid_count', 'Dataset.take')('n'));
    return new Dataset(this.data, this.features, this.order, this.baseLength, this.start, Math.min(this.length, n));
  }

  /** All but the first `n` examples. @throws ConfigError when n is not a non-negative integer. */
  skip(n: number): Dataset<F> {
    nonNegativeInteger(n, where(ConfigError, 'invalid_count', 'Dataset.skip')('n'));
    const len = this.length === Infinity ? Infinity : Math.max(0, this.length - n);
    return new Dataset(this.data, this.features, this.order, this.baseLength, this.start + Math.min(n, this.length), len);
  }

  /**
   * The sequence repeated `count` times (forever by default); batches may then span the end of one pass and the
   * start of the next, as in `tf.data` when `repeat` comes before `batch`.
   * @param count number of passes. @default Infinity
   */
  repeat(count: number = Infinity): Dataset<F> {
    if (count !== Infinity) nonNegativeInteger(count, where(ConfigError, 'invalid_count', 'Dataset.repeat')('n'));
    if (this.length === Infinity || this.length === 0) return this;
    if (this.start === 0 && this.length === this.baseLength) {
      return new Dataset(this.data, this.features, this.order, this.baseLength, 0, this.length * count);
    }
    const rows = this.rows();
    return new Dataset(this.data, this.features, rows, rows.length, 0, rows.length * count);
  }

  /**
   * Groups consecutive examples into batches.
   * @param batchSize examples per batch (a positive integer).
   * @param options `dropRemainder` drops a last, smaller batch.
   * @returns a {@link BatchedDataset}.
   * @throws ConfigError `invalid_batch_size`.
   * @example
   * ds.batch(4096, { dropRemainder: true }).length; // floor(length / 4096)
   */
  batch(batchSize: number, options: BatchOptions = {}): BatchedDataset<F> {
    return new BatchedDataset(this, batchSize, options);
  }

  /** The example row (index into the data) at position `k` of the sequence. @throws InputError `index_out_of_range`. */
  rowAt(k: number): number {
    inRange(k, ROW_AT, 0, this.length);
    const p = (this.start + k) % this.baseLength;
    return this.order ? this.order[p] : p;
  }

  /**
   * Internal: the rows at positions [from, to) — a view when they are contiguous in the stored order.
   * @returns `{ order, start, end }` to pass to `gatherFeature`, with `order` null for the identity.
   */
  window(from: number, to: number): { order: Int32Array | null; start: number; end: number } {
    const p0 = this.start + from;
    const p1 = this.start + to;
    const pass = Math.floor(p0 / this.baseLength);
    if (p1 <= (pass + 1) * this.baseLength) {
      const off = pass * this.baseLength;
      return { order: this.order, start: p0 - off, end: p1 - off };
    }
    const rows = new Int32Array(to - from);
    for (let k = 0; k < rows.length; k++) {
      const p = (p0 + k) % this.baseLength;
      rows[k] = this.order ? this.order[p] : p;
    }
    return { order: rows, start: 0, end: rows.length };
  }

  /**
   * The example rows in sequence order, as a new Int32Array.
   * @throws ConfigError `infinite_dataset` after `repeat()` without a count.
   */
  rows(): Int32Array {
    if (this.length === Infinity) {
      throw new ConfigError('infinite_dataset', 'Dataset: expected a finite dataset, but it repeats forever. Call take(n) or repeat(count) first.');
    }
    const w = this.window(0, this.length);
    if (w.order) return w.order.slice(w.start, w.end);
    const rows = new Int32Array(this.length);
    for (let k = 0; k < rows.length; k++) rows[k] = w.start + k;
    return rows;
  }
}

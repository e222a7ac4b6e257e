import { ConfigError, InputError } from '../errors';
import { inRange, nonNegativeInteger, positiveInteger, where } from '../validation';
import { gatherFeature } from './feature-accessor';
import type { Dataset } from './dataset';
import type { BatchColumns, FeatureName } from './features';

// Hot path (one call per example or batch): built once, not per call.
const BATCH_AT = where(InputError, 'index_out_of_range', 'BatchedDataset.at')('i');

/** Options of {@link Dataset.batch}. */
export interface BatchOptions {
  /** Drop the last batch when it has fewer than `batchSize` examples. @default false */
  readonly dropRemainder?: boolean;
}

/**
 * One batch: `size` examples, their rows in the data, and the requested features (numbers as typed arrays of
 * length `size`, text as string arrays, genres as a ragged column). Numeric arrays may be views into the data
 * when rows are contiguous: do not modify them.
 */
export interface Batch<F extends FeatureName> {
  readonly size: number;
  /** Example rows (indices into the MovieLensData) of this batch. */
  readonly rows: Int32Array;
  readonly features: Pick<BatchColumns, F>;
}

/**
 * A {@link Dataset} cut into batches; iterable, with random access (`at(i)`), `take`/`skip` (in batches) and
 * `repeat`. Each batch is gathered when asked for (one typed-array gather per feature).
 *
 * @example
 * const batches = Dataset.from(data).shuffle(42).take(80_000).batch(8192);
 * batches.length; // ceil(80000 / 8192) = 10
 * for (const b of batches) toTensors(b);
 */
export class BatchedDataset<F extends FeatureName> {
  /** Number of batches (Infinity when repeated forever). */
  readonly length: number;
  private readonly baseBatches: number;

  /**
   * @param dataset the examples.
   * @param batchSize a positive integer.
   * @param options `dropRemainder`.
   * @param first index of the first base batch (after `skip`).
   * @param count number of batches (after `take`/`repeat`).
   * @throws ConfigError `invalid_batch_size`.
   */
  constructor(
    readonly dataset: Dataset<F>,
    readonly batchSize: number,
    readonly options: BatchOptions = {},
    private readonly first = 0,
    count?: number,
  ) {
    positiveInteger(batchSize, where(ConfigError, 'invalid_batch_size', 'Dataset.batch')('batchSize'));
    const n = dataset.length;
    this.baseBatches = n === Infinity ? Infinity : options.dropRemainder ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
    this.length = count ?? Math.max(0, this.baseBatches - first);
  }

  /**
   * The `i`-th batch.
   * @throws InputError `index_out_of_range` when `i` is not an integer in [0, length).
   */
  at(i: number): Batch<F> {
    inRange(i, BATCH_AT, 0, this.length);
    const b = this.baseBatches === Infinity ? this.first + i : (this.first + i) % this.baseBatches;
    const from = b * this.batchSize;
    const to = Math.min(from + this.batchSize, this.dataset.length);
    const w = this.dataset.window(from, to);
    const features: Record<string, unknown> = {};
    for (const f of this.dataset.features) features[f] = gatherFeature(this.dataset.data.accessor(f), w.order, w.start, w.end);
    let rows: Int32Array;
    if (w.order) rows = w.order.subarray(w.start, w.end);
    else {
      rows = new Int32Array(to - from);
      for (let k = 0; k < rows.length; k++) rows[k] = w.start + k;
    }
    return { size: to - from, rows, features: features as unknown as Pick<BatchColumns, F> };
  }

  /** The first `n` batches. */
  take(n: number): BatchedDataset<F> {
    nonNegativeInteger(n, where(ConfigError, 'invalid_count', 'BatchedDataset.take')('n'));
    return new BatchedDataset(this.dataset, this.batchSize, this.options, this.first, Math.min(n, this.length));
  }

  /** All but the first `n` batches. */
  skip(n: number): BatchedDataset<F> {
    nonNegativeInteger(n, where(ConfigError, 'invalid_count', 'BatchedDataset.skip')('n'));
    const skipped = Math.min(n, this.length);
    return new BatchedDataset(this.dataset, this.batchSize, this.options, this.first + skipped, this.length - skipped);
  }

  /**
   * The batches repeated `count` times (forever by default): the same batches each pass (`batch` then `repeat`,
   * as in the tutorial's `shuffle → batch → repeat`).
   * @param count passes. @default Infinity
   * @throws ConfigError `invalid_count` when count is not a non-negative integer.
   */
  repeat(count: number = Infinity): BatchedDataset<F> {
    if (count !== Infinity) nonNegativeInteger(count, where(ConfigError, 'invalid_count', 'BatchedDataset.repeat')('n'));
    if (this.length === Infinity) return this;
    if (this.first !== 0 || this.length !== this.baseBatches) {
      // Rebase on the selected window so that repetition replays exactly these batches.
      const from = this.first * this.batchSize;
      const to = Math.min((this.first + this.length) * this.batchSize, this.dataset.length);
      const window = this.dataset.skip(from).take(to - from);
      return new BatchedDataset(window, this.batchSize, this.options, 0, this.length * count);
    }
    return new BatchedDataset(this.dataset, this.batchSize, this.options, 0, this.length * count);
  }

  /** Iterates the batches in order. */
  *[Symbol.iterator](): IterableIterator<Batch<F>> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
}

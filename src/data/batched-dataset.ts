import { ConfigError } from '../errors';
import { gatherFeature } from './feature-accessor';
import type { Dataset } from './dataset';
import type { BatchColumns, FeatureName } from './features';

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
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new ConfigError('invalid_batch_size', `Dataset.batch: expected batchSize to be a positive integer, but got ${batchSize}.`);
    }
    const n = dataset.length;
    this.baseBatches = n === Infinity ? Infinity : options.dropRemainder ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
    this.length = count ?? Math.max(0, this.baseBatches - first);
  }

  /**
   * The `i`-th batch.
   * @throws RangeError when `i` is out of range.
   */
  at(i: number): Batch<F> {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new RangeError(`BatchedDataset.at: expected i to be an integer in [0, ${this.length}), but got ${i}.`);
    }
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
    checkCount('BatchedDataset.take', n);
    return new BatchedDataset(this.dataset, this.batchSize, this.options, this.first, Math.min(n, this.length));
  }

  /** All but the first `n` batches. */
  skip(n: number): BatchedDataset<F> {
    checkCount('BatchedDataset.skip', n);
    const skipped = Math.min(n, this.length);
    return new BatchedDataset(this.dataset, this.batchSize, this.options, this.first + skipped, this.length - skipped);
  }

  /**
   * The batches repeated `count` times (forever by default): the same batches each pass (`batch` then `repeat`,
   * as in the tutorial's `shuffle → batch → repeat`).
   * @param count passes. @default Infinity
   * @throws ConfigError `invalid_repeat` when the batches skip into a later pass (repeat before skip instead).
   */
  repeat(count: number = Infinity): BatchedDataset<F> {
    if (count !== Infinity) checkCount('BatchedDataset.repeat', count);
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

function checkCount(api: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new ConfigError('invalid_count', `${api}: expected n to be a non-negative integer, but got ${n}.`);
  }
}

import { InputError } from '../errors';

/**
 * One global batch of ratings, as the data folder's batching yields it (feature names as in TFDS
 * `movielens/100k-ratings`).
 *
 * ```
 * user_id      Int32Array [B]   ids (row indices of the user table)
 * movie_id     Int32Array [B]   ids (row indices of the movie table)
 * user_rating  Float32Array [B] labels, 1..5 stars
 * ```
 */
export interface RatingBatch {
  readonly user_id: Int32Array;
  readonly movie_id: Int32Array;
  readonly user_rating: Float32Array;
}

/** A batch as the data folder's `Dataset.batch()` yields it: the features nested under `features`. */
export interface FeatureBatch {
  readonly features: RatingBatch;
}

/**
 * What `fit`/`evaluate` accept: an iterable (or async iterable) of {@link RatingBatch}es, or of the data folder's
 * batches (`{ size, rows, features: { user_id, movie_id, user_rating, … } }`, e.g.
 * `tutorialSplit(data).train.batch(64, { dropRemainder: true })`). An epoch without `stepsPerEpoch` iterates it
 * once from the start, so it must be re-iterable (an array, a `BatchedDataset`, or an object whose
 * `[Symbol.iterator]()` starts over, e.g. reshuffling).
 */
export type RatingDataset = Iterable<RatingBatch | FeatureBatch> | AsyncIterable<RatingBatch | FeatureBatch>;

function unwrap<B>(x: B | { readonly features: B }): B {
  const f = (x as { features?: unknown } | undefined)?.features;
  return f && typeof f === 'object' && 'user_id' in f ? (f as B) : (x as B);
}

/**
 * Checks one batch's shape: three arrays of the same length B ≥ 1, integer ids.
 * @param api the calling API, for the message.
 * @param batch the batch.
 * @returns B.
 * @throws InputError `bad_batch` naming the field and the fix.
 * @example checkRatingBatch('fit', batch) // 64
 */
export function checkRatingBatch(api: string, batch: RatingBatch): number {
  const fields = ['user_id', 'movie_id', 'user_rating'] as const;
  for (const f of fields) {
    const a = (batch as unknown as Record<string, unknown>)?.[f];
    if (!(a instanceof Int32Array || a instanceof Float32Array || Array.isArray(a))) {
      throw new InputError('bad_batch', `${api}: expected every batch to have ${f} as a typed array, but got ${a === undefined ? 'no ' + f : typeof a}. Batches look like { user_id: Int32Array, movie_id: Int32Array, user_rating: Float32Array }.`);
    }
  }
  const b = batch.user_id.length;
  if (b < 1 || batch.movie_id.length !== b || batch.user_rating.length !== b) {
    throw new InputError(
      'bad_batch',
      `${api}: expected user_id, movie_id and user_rating of the same length ≥ 1, but got ${batch.user_id.length}, ${batch.movie_id.length}, ${batch.user_rating.length}.`,
    );
  }
  return b;
}

/** A pull-based reader over a dataset of batches (sync or async); `B` is the model's batch. */
export interface BatchReader<B = RatingBatch> {
  next(): Promise<B | null>;
}

/** A dataset of batches `B` for any model's `fit`: an (async) iterable of `B`s or of `{ features: B }` batches. */
export type BatchDataset<B> = Iterable<B | { readonly features: B }> | AsyncIterable<B | { readonly features: B }>;

/**
 * Opens a reader on a dataset (a fresh iteration from its start); a data-folder batch `{ features: {…} }` is
 * unwrapped to its features.
 * @throws InputError `bad_dataset` when the value is not iterable.
 */
export function openBatches<B = RatingBatch>(api: string, dataset: BatchDataset<B>): BatchReader<B> {
  const d = dataset as unknown as Record<symbol, unknown>;
  if (d && typeof d[Symbol.asyncIterator] === 'function') {
    const it = (dataset as AsyncIterable<B | { readonly features: B }>)[Symbol.asyncIterator]();
    return { next: async () => { const r = await it.next(); return r.done ? null : unwrap<B>(r.value); } };
  }
  if (d && typeof d[Symbol.iterator] === 'function') {
    const it = (dataset as Iterable<B | { readonly features: B }>)[Symbol.iterator]();
    return { next: async () => { const r = it.next(); return r.done ? null : unwrap<B>(r.value); } };
  }
  throw new InputError('bad_dataset', `${api}: expected the dataset to be an iterable of rating batches (e.g. an array, or the data folder's batches), but got ${dataset === null ? 'null' : typeof dataset}.`);
}

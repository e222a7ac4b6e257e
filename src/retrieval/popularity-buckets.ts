import { InputError } from '../errors';
import type { CandidateBucketFeature } from './candidate-bucket-feature';
import { batchOf } from './retrieval-batch';
import type { RetrievalDataset } from './two-tower-model';

/**
 * Popularity buckets of movies from their training counts, on a log scale (popularity as a candidate-tower
 * feature, so that movies seen rarely in training share what popular and unpopular movies have in common):
 *
 * ```
 * count[m]  = #{ training pairs with movie m }
 * bucket[m] = min(⌊log₂(count[m] + 1)⌋, vocabulary − 1)      0 never rated, 1 once, 2 two–three times, 3 4–7, …
 * ```
 * @param train training pairs (plain or `Dataset.batch(...)` batches); only the training split, never the test.
 * @param movieVocabularySize rows of the movie table (ids at or above it are ignored).
 * @param vocabulary number of buckets. @default 12 (up to 2,047+ ratings)
 * @returns a {@link CandidateBucketFeature} of `movieVocabularySize` values.
 * @throws InputError `bad_option` when a size is not a positive integer.
 * @example
 * const pop = popularityBuckets(split.train.batch(4096), 1683);
 */
export function popularityBuckets(train: RetrievalDataset, movieVocabularySize: number, vocabulary = 12): CandidateBucketFeature {
  for (const [name, v] of [['movieVocabularySize', movieVocabularySize], ['vocabulary', vocabulary]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InputError('bad_option', `popularityBuckets: expected ${name} to be a positive integer, but got ${String(v)}.`);
  }
  const counts = new Float64Array(movieVocabularySize);
  for (const b of train) {
    const m = batchOf(b).movie_id;
    for (let i = 0; i < m.length; i++) if (m[i] >= 0 && m[i] < movieVocabularySize) counts[m[i]]++;
  }
  const values = Int32Array.from(counts, (c) => Math.min(Math.floor(Math.log2(c + 1)), vocabulary - 1));
  return Object.freeze({ values, vocabulary });
}

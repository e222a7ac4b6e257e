import type { RetrievalBatch } from './two-tower-model';

/** The (user, movie) pairs of a batch that is either plain or the library's `Dataset.batch(...)` `{ features }`. */
export function batchOf(b: RetrievalBatch | { readonly features: RetrievalBatch }): RetrievalBatch {
  return 'features' in b ? b.features : b;
}

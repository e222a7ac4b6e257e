/**
 * A categorical feature of movies indexed **by movie id**, for the candidate tower (`candidateBuckets` of
 * {@link TwoTowerOptions}): `values[movieId]` is the bucket of that movie, in [0, vocabulary). Movies beyond
 * `values` get bucket 0. Built by {@link releaseYearBuckets} and {@link popularityBuckets}.
 */
export interface CandidateBucketFeature {
  /** Bucket per movie id. */
  readonly values: Int32Array;
  /** Number of buckets (the table's rows). */
  readonly vocabulary: number;
}

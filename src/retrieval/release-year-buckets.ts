import { InputError } from '../errors';
import type { CandidateBucketFeature } from './candidate-bucket-feature';

/** Options of {@link releaseYearBuckets}. */
export interface ReleaseYearBucketOptions {
  /** First year of bucket 1 (earlier years share bucket 1 too). @default 1920 */
  readonly from?: number;
  /** Years per bucket. @default 5 */
  readonly width?: number;
  /** Last year covered (later years share the last bucket). @default 2020 */
  readonly to?: number;
}

/**
 * Release-year buckets of movies from their MovieLens titles (`"Toy Story (1995)"`): the last `(yyyy)` of a title
 * is its year.
 *
 * ```
 * bucket 0                  no year in the title (or an id never listed)
 * bucket 1 + ⌊(clamp(year, from, to) − from) / width⌋     e.g. from 1920, width 5: 1995 → 16, 1919 → 1
 * vocabulary = 2 + ⌊(to − from) / width⌋
 * ```
 * @param movieIds `[n]` movie ids (non-negative integers).
 * @param titles `[n]` their titles, in the same order.
 * @param options from, width, to.
 * @returns a {@link CandidateBucketFeature} sized max id + 1.
 * @throws InputError `bad_option` (lengths, ids, or from/width/to not integers with from ≤ to, width ≥ 1).
 * @example
 * const year = releaseYearBuckets(ratings.movies.movie_id, ratings.movies.movie_title);
 * new TwoTowerModel({ ..., candidateBuckets: { movie_year: year } });
 */
export function releaseYearBuckets(movieIds: ArrayLike<number>, titles: readonly string[], options: ReleaseYearBucketOptions = {}): CandidateBucketFeature {
  const { from = 1920, width = 5, to = 2020 } = options;
  if (![from, width, to].every(Number.isInteger) || width < 1 || to < from) {
    throw new InputError('bad_option', `releaseYearBuckets: expected integers from ≤ to and width ≥ 1, but got from ${from}, to ${to}, width ${width}.`);
  }
  if (movieIds.length !== titles.length) {
    throw new InputError('bad_option', `releaseYearBuckets: expected one title per movie id, but got ${movieIds.length} ids and ${titles.length} titles.`);
  }
  let max = -1;
  for (let i = 0; i < movieIds.length; i++) {
    if (!Number.isInteger(movieIds[i]) || movieIds[i] < 0) throw new InputError('bad_option', `releaseYearBuckets: expected non-negative integer movie ids, but got ${movieIds[i]} at ${i}.`);
    max = Math.max(max, movieIds[i]);
  }
  const values = new Int32Array(max + 1);
  for (let i = 0; i < movieIds.length; i++) {
    const years = [...String(titles[i] ?? '').matchAll(/\((\d{4})\)/g)].pop();
    if (!years) continue;
    const year = Math.min(Math.max(Number(years[1]), from), to);
    values[movieIds[i]] = 1 + Math.floor((year - from) / width);
  }
  return Object.freeze({ values, vocabulary: 2 + Math.floor((to - from) / width) });
}

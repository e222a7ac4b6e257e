import { ConfigError } from '../errors';
import type { NumericFeatureName } from './dataset';
import type { FeatureName } from './features';
import type { MovieLensData } from './movielens-data';
import { tutorialSplit, type Split } from './tutorial-split';

/** Options of {@link randomSplits}. */
export interface RandomSplitsOptions<F extends FeatureName> {
  /** One split per seed. @default [1, 2, 3, 4, 5] */
  readonly seeds?: readonly number[];
  /** Share of the examples in train (the rest is test), rounded to a whole example. @default 0.8 */
  readonly trainFraction?: number;
  /** Features batches carry. @default the config's numeric features */
  readonly features?: readonly F[];
}

/** A split and the seed that drew it. */
export interface SeededSplit<F extends FeatureName> extends Split<F> {
  readonly seed: number;
}

/**
 * Independent random train/test splits of all examples, one per seed — the protocol behind "mean ± sd over 5 random
 * 80/20 splits", which compares like for like with Surprise's published MovieLens 100K figures (Surprise reports
 * the mean over 5 folds of 80/20). Each split is {@link tutorialSplit}'s procedure (a full seeded shuffle, then the
 * first `round(trainFraction × n)` examples for training and all the others for testing), so split k holds exactly
 * the examples `tutorialSplit(data, { seed: seeds[k], trainSize, testSize })` holds. Unlike k-fold cross-validation
 * the test sets may overlap; the splits are independent draws.
 *
 * @param data a `*-ratings` config.
 * @param options seeds, train fraction, features.
 * @returns one `{ seed, train, test }` per seed, in the order of the seeds.
 * @throws ConfigError `invalid_split` for an empty or non-integer seed list, repeated seeds, or a fraction outside (0, 1).
 * @example
 * const rmses = randomSplits(data).map(({ train, test }) => BaselineOnly.fit(train).rmse(test));
 * meanAndSd(rmses); // { mean: 0.94…, sd: 0.00… }
 */
export function randomSplits<F extends FeatureName = NumericFeatureName>(
  data: MovieLensData,
  options: RandomSplitsOptions<F> = {},
): SeededSplit<F>[] {
  const seeds = options.seeds ?? [1, 2, 3, 4, 5];
  const fraction = options.trainFraction ?? 0.8;
  if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every((s) => Number.isInteger(s)) || new Set(seeds).size !== seeds.length) {
    throw new ConfigError('invalid_split', `randomSplits: expected seeds to be a non-empty list of distinct integers, but got ${JSON.stringify(seeds)}.`);
  }
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) {
    throw new ConfigError('invalid_split', `randomSplits: expected trainFraction to be a number in (0, 1), e.g. 0.8, but got ${JSON.stringify(fraction)}.`);
  }
  const trainSize = Math.round(fraction * data.length);
  return seeds.map((seed) => ({
    seed,
    ...tutorialSplit<F>(data, { seed, trainSize, testSize: data.length - trainSize, features: options.features }),
  }));
}

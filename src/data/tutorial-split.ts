import { ConfigError } from '../errors';
import { nonNegativeInteger, where } from '../validation';
import { Dataset, type NumericFeatureName } from './dataset';
import type { FeatureName } from './features';
import type { MovieLensData } from './movielens-data';

/** Options of {@link tutorialSplit}. */
export interface TutorialSplitOptions<F extends FeatureName> {
  /** Shuffle seed. @default 42 (the tutorial's) */
  readonly seed?: number;
  /** Examples in train (the first ones after shuffling). @default 80_000 */
  readonly trainSize?: number;
  /** Examples in test (the next ones). @default 20_000 */
  readonly testSize?: number;
  /** Features batches carry. @default the config's numeric features */
  readonly features?: readonly F[];
}

/** A train/test pair of datasets. */
export interface Split<F extends FeatureName> {
  readonly train: Dataset<F>;
  readonly test: Dataset<F>;
}

/**
 * The TPU-embeddings tutorial's split: `shuffle(100_000, seed=42, reshuffle_each_iteration=False)`, then the
 * first 80,000 examples for training and the next 20,000 for testing. The permutation comes from this library's
 * `Random`, so which ratings land in train is NOT the same as in TensorFlow (Philox) — the sizes and the
 * procedure are.
 *
 * @param data a `*-ratings` config (normally `100k-ratings`).
 * @param options seed and sizes.
 * @returns `{ train, test }` datasets.
 * @throws ConfigError `split_too_large` when the data has fewer than trainSize + testSize examples.
 * @example
 * const { train, test } = tutorialSplit(data);   // 80,000 / 20,000
 * const batches = train.batch(8192);
 */
export function tutorialSplit<F extends FeatureName = NumericFeatureName>(
  data: MovieLensData,
  options: TutorialSplitOptions<F> = {},
): Split<F> {
  const seed = options.seed ?? 42;
  const trainSize = options.trainSize ?? 80_000;
  const testSize = options.testSize ?? 20_000;
  for (const [name, v] of [['trainSize', trainSize], ['testSize', testSize]] as const) {
    nonNegativeInteger(v, where(ConfigError, 'invalid_split', 'tutorialSplit')(name));
  }
  if (trainSize + testSize > data.length) {
    throw new ConfigError(
      'split_too_large',
      `tutorialSplit: expected at least trainSize + testSize = ${trainSize + testSize} examples, but ${data.config.name} has ` +
        `${data.length}. Pass smaller trainSize/testSize.`,
    );
  }
  const shuffled = Dataset.from<F>(data, { features: options.features }).shuffle(seed);
  return { train: shuffled.take(trainSize), test: shuffled.skip(trainSize).take(testSize) };
}

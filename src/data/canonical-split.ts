import { ConfigError } from '../errors';
import { Dataset, type NumericFeatureName } from './dataset';
import type { FeatureName } from './features';
import { resolveLocalSource, type LoadMovieLensOptions } from './load-movielens';
import { CANONICAL_SPLITS, type CanonicalSplitName } from './movielens-files';
import { movieLensConfig } from './movielens-configs';
import type { MovieLensData } from './movielens-data';
import { readMovieLens } from './read-movielens';
import type { Split } from './tutorial-split';
import { DataError } from '../errors';

/** Options of {@link canonicalSplit}: where ml-100k is (as for loadMovieLensSync) and which features batches carry. */
export interface CanonicalSplitOptions<F extends FeatureName> extends Omit<LoadMovieLensOptions, 'download'> {
  /** Features batches carry. @default the numeric features of 100k-ratings */
  readonly features?: readonly F[];
}

/** A canonical split: the two datasets and the data behind them. */
export interface CanonicalSplit<F extends FeatureName> extends Split<F> {
  readonly trainData: MovieLensData;
  readonly testData: MovieLensData;
}

/**
 * One of the train/test splits GroupLens ships with ml-100k: `u1`…`u5` (5-fold, 80,000/20,000 each) and
 * `ua`/`ub` (exactly 10 ratings per user in test: 90,570/9,430). Reads `<split>.base` and `<split>.test`
 * (same format as `u.data`) and joins them with `u.user` and `u.item` like `100k-ratings`.
 *
 * @param split one of CANONICAL_SPLITS.
 * @param options `dir` / `zip` (default lookup as loadMovieLens) and `features`.
 * @returns `{ train, test, trainData, testData }`.
 * @throws ConfigError `unknown_split`; DataError `missing_file` / `malformed_line`.
 * @example
 * const { train, test } = canonicalSplit('u1'); // 80,000 / 20,000
 */
export function canonicalSplit<F extends FeatureName = NumericFeatureName>(
  split: CanonicalSplitName,
  options: CanonicalSplitOptions<F> = {},
): CanonicalSplit<F> {
  if (!(CANONICAL_SPLITS as readonly string[]).includes(split)) {
    throw new ConfigError('unknown_split', `canonicalSplit: expected split to be one of ${CANONICAL_SPLITS.join(', ')}, but got ${JSON.stringify(split)}.`);
  }
  const c = movieLensConfig('100k-ratings');
  const { source, looked } = resolveLocalSource(c, options, 'canonicalSplit');
  if (!source) {
    throw new DataError('missing_file', `canonicalSplit: expected ml-100k/${split}.base in one of: ${looked.join(', ')}, but it is in none. Set MOVIELENS_DIR or pass { dir }.`);
  }
  const trainData = readMovieLens(c, source, `${split}.base`);
  const testData = readMovieLens(c, source, `${split}.test`);
  return {
    train: Dataset.from<F>(trainData, { features: options.features }),
    test: Dataset.from<F>(testData, { features: options.features }),
    trainData,
    testData,
  };
}

import { ConfigError } from '../../errors';

/** The part of the data folder's `Dataset` a validation split needs. */
export interface SplittableDataset<D> {
  readonly length: number;
  shuffle(seed: number): D;
}

/** What {@link validationSplit} returns: the training part and the validation part, both from the training data. */
export interface ValidationSplit<D> {
  readonly train: D;
  readonly validation: D;
}

/**
 * Carves a validation split out of the **training** data only (the test split is never passed here, so no test
 * rating can reach model selection): a seeded shuffle of the training examples, the last `fraction` of them for
 * validation and the rest for training.
 *
 * @param train the training dataset (e.g. `tutorialSplit(data).train`).
 * @param options.fraction share of the training examples for validation, in (0, 1). @default 0.1
 * @param options.seed shuffle seed. @default 0
 * @returns `{ train, validation }`, disjoint, together exactly the training examples.
 * @throws ConfigError `invalid_split` for a fraction outside (0, 1) or one that leaves either part empty.
 * @example
 * const { train, test } = tutorialSplit(data, { seed: 1 });
 * const { train: fitOn, validation } = validationSplit(train, { fraction: 0.1, seed: 1 }); // 72,000 / 8,000
 */
export function validationSplit<D extends SplittableDataset<D> & { take(n: number): D; skip(n: number): D }>(
  train: D,
  options: { readonly fraction?: number; readonly seed?: number } = {},
): ValidationSplit<D> {
  const fraction = options.fraction ?? 0.1;
  const seed = options.seed ?? 0;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) {
    throw new ConfigError('invalid_split', `validationSplit: expected fraction to be a number in (0, 1), but got ${String(fraction)}. Pass e.g. 0.1.`);
  }
  if (!Number.isInteger(seed)) throw new ConfigError('invalid_split', `validationSplit: expected seed to be an integer, but got ${String(seed)}.`);
  const n = train.length;
  const nVal = Math.round(n * fraction);
  if (!Number.isFinite(n) || nVal < 1 || nVal >= n) {
    throw new ConfigError('invalid_split', `validationSplit: expected a fraction of ${n} training examples that leaves both parts non-empty, but ${fraction} gives ${nVal} for validation. Use more data or another fraction.`);
  }
  const shuffled = train.shuffle(seed);
  return { train: shuffled.take(n - nVal), validation: shuffled.skip(n - nVal) };
}

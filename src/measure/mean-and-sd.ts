import { InputError } from '../errors';

/** The mean and spread of repeated measurements (e.g. one RMSE per split). */
export interface MeanAndSd {
  readonly mean: number;
  /** Sample standard deviation (n − 1 in the denominator); 0 for a single value. */
  readonly sd: number;
  readonly n: number;
}

/**
 * Mean ± standard deviation of repeated measurements, e.g. the test RMSEs over 5 random 80/20 splits. The sd is the
 * sample one (÷ (n − 1)), the estimate of the spread between runs; Surprise's `cross_validate` prints numpy's
 * `std` (÷ n), which is √((n − 1)/n) times this (0.894× for 5 values).
 *
 * @param values finite numbers, at least one.
 * @returns `{ mean, sd, n }`.
 * @throws InputError `not_finite` for an empty list or a value that is not a finite number (naming its index).
 * @example meanAndSd([0.94, 0.95, 0.93]); // { mean: 0.94, sd: 0.01, n: 3 }
 */
export function meanAndSd(values: readonly number[]): MeanAndSd {
  if (!Array.isArray(values) || values.length === 0) {
    throw new InputError('not_finite', `meanAndSd: expected at least one value, but got ${JSON.stringify(values)}.`);
  }
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError('not_finite', `meanAndSd: expected finite numbers, but value ${i} is ${String(v)}.`);
  });
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const ss = values.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n };
}

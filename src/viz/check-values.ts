import { InputError } from '../errors';

/** Copies numbers to a plain array, checking each is finite; names the API and parameter on failure. */
export function finiteNumbers(api: string, parameter: string, values: ArrayLike<number>): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InputError(
        'not_finite',
        `${api}: expected ${parameter}[${i}] to be a finite number, but got ${String(v)}. Remove or replace missing values first.`,
      );
    }
    out[i] = v;
  }
  return out;
}

/** Throws unless both lengths match. */
export function sameLength(api: string, a: string, aLength: number, b: string, bLength: number): void {
  if (aLength !== bLength) {
    throw new InputError(
      'length_mismatch',
      `${api}: expected ${a} and ${b} to have the same length, but got ${aLength} and ${bLength}. Pass one ${b} value per ${a} value.`,
    );
  }
}

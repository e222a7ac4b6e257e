import { InputError } from '../errors';
import { ruleError, where } from '../validation';

/** Copies numbers to a plain array, checking each is finite; names the API and parameter on failure. */
export function finiteNumbers(api: string, parameter: string, values: ArrayLike<number>): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // The message (and its Where) is built only on failure: one check per plotted value.
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw ruleError(where(InputError, 'not_finite', api)(`${parameter}[${i}]`, 'Remove or replace missing values first.'), 'a finite number', v);
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

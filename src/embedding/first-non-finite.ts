/**
 * The index of the first NaN or ±∞ in `a`, or −1 when every value is finite. The scan is branch-free
 * (x · 0 is 0 for a finite x and NaN otherwise, summed in four lanes); the index is looked for only when the sum
 * says there is a bad value, so a finite array costs one multiply-add per element.
 *
 * @param a the values (a table, a slot, a gradient, a dense weight).
 * @returns the first bad index, or −1.
 * @example firstNonFinite(new Float32Array([1, NaN, Infinity])) // 1
 */
export function firstNonFinite(a: ArrayLike<number>): number {
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  const n = a.length;
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    b0 += a[i] * 0;
    b1 += a[i + 1] * 0;
    b2 += a[i + 2] * 0;
    b3 += a[i + 3] * 0;
  }
  for (let i = n4; i < n; i++) b0 += a[i] * 0;
  if (b0 + b1 + b2 + b3 === 0) return -1;
  for (let i = 0; i < n; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

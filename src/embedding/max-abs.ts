/**
 * The largest |x| of `a` (0 when empty): NaN when `a` holds a NaN, ∞ when it holds ±∞ — so one pass both bounds a
 * gradient and tells whether it is finite. Four independent lanes (one `Math.max` chain would wait on each).
 * @param a the values.
 * @returns max |x|.
 * @example maxAbs(new Float32Array([1, -3, 2])) // 3
 */
export function maxAbs(a: ArrayLike<number>): number {
  let m0 = 0, m1 = 0, m2 = 0, m3 = 0;
  const n = a.length;
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    m0 = Math.max(m0, Math.abs(a[i]));
    m1 = Math.max(m1, Math.abs(a[i + 1]));
    m2 = Math.max(m2, Math.abs(a[i + 2]));
    m3 = Math.max(m3, Math.abs(a[i + 3]));
  }
  for (let i = n4; i < n; i++) m0 = Math.max(m0, Math.abs(a[i]));
  return Math.max(m0, m1, m2, m3);
}

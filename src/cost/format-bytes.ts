const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/**
 * A byte count for people: binary units (KiB = 1,024 B …), one decimal from KiB up.
 * @param n - bytes, ≥ 0 (Infinity and NaN print as themselves).
 * @returns e.g. `'12 B'`, `'1.5 KiB'`, `'32.0 GiB'`.
 * @example formatBytes(32 * 2 ** 30) // '32.0 GiB'
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${UNITS[u]}`;
}

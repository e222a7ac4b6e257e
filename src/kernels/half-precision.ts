/**
 * Float32 ↔ 16-bit float conversions for low-precision table storage: bfloat16 (8 exponent bits, 7 mantissa bits:
 * float32's range, the TPU's native format) and IEEE float16 (5 exponent bits, 10 mantissa bits, subnormals).
 *
 * Rounding is **round-to-nearest-even** (what `tf.cast(x, tf.bfloat16)`, numpy's `float16` and FBGEMM's default
 * do): a value halfway between two representable ones goes to the one with an even last bit. Overflow gives ±∞
 * (float16 above 65,504 after rounding), NaN stays NaN (quiet, sign kept). bfloat16 can also round
 * **stochastically** (FBGEMM's option for low-precision training): up with probability equal to the dropped
 * fraction, so the expected stored value equals the float32 one and small updates are not always lost.
 */
import { ConfigError } from '../errors';

/** How a float32 is rounded to 16 bits. */
export type HalfRounding = 'nearest-even' | 'stochastic';

/** 16-bit storage formats. */
export type HalfFormat = 'bfloat16' | 'float16';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The bfloat16 bits of `x`, rounded to nearest even. */
export function toBfloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x0040) & 0xffff; // NaN: keep sign, make it quiet
  // Adding 0x7fff plus the lowest kept bit rounds to nearest, ties to even; a carry into the exponent is correct
  // (rounds up to the next binade, or to ∞ past the largest finite value).
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/**
 * The bfloat16 bits of `x` rounded stochastically: `random16` (uniform integer in [0, 65536)) is added below the
 * kept bits before truncation, so `x` rounds up with probability (dropped bits) / 65536.
 */
export function toBfloat16BitsStochastic(x: number, random16: number): number {
  f32[0] = x;
  const bits = u32[0];
  if ((bits & 0x7fffffff) >= 0x7f800000) return toBfloat16Bits(x); // ∞ and NaN are exact
  return ((bits + (random16 & 0xffff)) >>> 16) & 0xffff;
}

/** The float32 value of bfloat16 bits (exact). */
export function fromBfloat16Bits(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0];
}

/** The IEEE float16 bits of `x`, rounded to nearest even (subnormals kept, overflow to ±∞). */
export function toFloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 | (mantissa >>> 13) : 0); // ∞ / quiet NaN
  const e = exponent - 127 + 15; // float16 biased exponent
  if (e >= 0x1f) return sign | 0x7c00; // too large even before rounding
  if (e <= 0) {
    // Subnormal float16 (or zero): the value is m × 2^-24 with m = round(significand × 2^(e - 1 + 10 - 23 ...)).
    if (e < -10) return sign; // below half the smallest subnormal: ±0
    const significand = mantissa | 0x800000; // implicit leading 1
    const shift = 14 - e; // 24-bit significand → float16 subnormal mantissa
    const kept = significand >>> shift;
    const dropped = significand & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    const roundUp = dropped > half || (dropped === half && (kept & 1) === 1);
    return sign | (kept + (roundUp ? 1 : 0)); // a carry into bit 10 makes the smallest normal: correct
  }
  const kept = (e << 10) | (mantissa >>> 13);
  const dropped = mantissa & 0x1fff;
  const roundUp = dropped > 0x1000 || (dropped === 0x1000 && (kept & 1) === 1);
  return sign | (kept + (roundUp ? 1 : 0)); // a carry into the exponent is correct, up to ∞ (0x7c00)
}

/** The float32 value of IEEE float16 bits (exact). */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * Rounds `values` into 16-bit storage `out` (same length).
 *
 * @param format `'bfloat16'` or `'float16'`.
 * @param rounding `'nearest-even'`; `'stochastic'` (bfloat16 only) draws 16 random bits per value from `random16`.
 * @param random16 for stochastic rounding: returns a uniform integer in [0, 65536).
 * @throws ConfigError `unsupported_rounding` for stochastic float16.
 * @example
 * const stored = new Uint16Array(3);
 * roundToHalf(new Float32Array([1, 1.00390625, -2.5e-8]), stored, 'bfloat16');
 */
export function roundToHalf(values: Float32Array, out: Uint16Array, format: HalfFormat, rounding: HalfRounding = 'nearest-even', random16?: () => number): void {
  if (rounding === 'stochastic') {
    if (format !== 'bfloat16' || !random16) {
      throw new ConfigError('unsupported_rounding', `roundToHalf: stochastic rounding needs format 'bfloat16' and a random16 source (got format '${format}'${random16 ? '' : ', no random16'}); use rounding 'nearest-even' for float16.`);
    }
    for (let i = 0; i < values.length; i++) out[i] = toBfloat16BitsStochastic(values[i], random16());
    return;
  }
  const convert = format === 'bfloat16' ? toBfloat16Bits : toFloat16Bits;
  for (let i = 0; i < values.length; i++) out[i] = convert(values[i]);
}

/** Widens 16-bit storage `stored` into `out` (exact). */
export function widenHalf(stored: Uint16Array, out: Float32Array, format: HalfFormat): void {
  const convert = format === 'bfloat16' ? fromBfloat16Bits : fromFloat16Bits;
  for (let i = 0; i < stored.length; i++) out[i] = convert(stored[i]);
}

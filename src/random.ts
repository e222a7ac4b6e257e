/**
 * One seedable random number generator passed through initialisation, sampling and splits,
 * so that a run is reproducible from its seed.
 *
 * The stream is xoshiro128** seeded through splitmix32; it is NOT TensorFlow's Philox stream, so
 * shuffles and initial values differ from TensorFlow's bit for bit (the distributions are the same).
 *
 * @example
 * const rng = new Random(42);
 * rng.float();          // uniform in [0, 1)
 * rng.int(10);          // integer in [0, 10)
 * rng.truncatedNormal(0, 0.125);
 */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  /** @param seed any integer; the same seed gives the same stream. */
  constructor(readonly seed: number = 0) {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /**
   * A generator whose state is a function of four 32-bit words (a counter-based use: e.g. seed, table and a 64-bit id
   * hash give each row of a dynamic table its own stream, whatever the order rows are created in). The words are mixed
   * (murmur3's finaliser, chained) so that counters differing in one bit give unrelated streams.
   * @example Random.fromWords(seed, table, h0, h1).truncatedNormal(0, 0.25)
   */
  static fromWords(w0: number, w1: number, w2: number, w3: number): Random {
    const r = new Random(0);
    const mix = (z: number): number => {
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    const a = mix((w0 ^ 0x9e3779b9) >>> 0);
    const b = mix((w1 + a) >>> 0);
    const c = mix((w2 ^ b) >>> 0);
    const d = mix((w3 + c) >>> 0);
    r.s0 = mix((a ^ d) >>> 0);
    r.s1 = mix((b + r.s0) >>> 0);
    r.s2 = mix((c ^ r.s1) >>> 0);
    r.s3 = mix((d + r.s2) >>> 0) || 1; // xoshiro's state must not be all zero
    return r;
  }

  /** Next 32 random bits as an unsigned integer. */
  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [0, n). @throws RangeError when n is not a positive integer. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Random.int: expected n to be a positive integer, but got ${n}.`);
    return Math.floor(this.float() * n);
  }

  /** Standard normal sample scaled to N(mean, stddev²) (Box–Muller). */
  normal(mean = 0, stddev = 1): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return mean + stddev * v;
    }
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + stddev * r * Math.cos(2 * Math.PI * v);
  }

  /** Normal sample re-drawn until within two standard deviations of the mean (TensorFlow's truncated normal). */
  truncatedNormal(mean = 0, stddev = 1): number {
    for (;;) {
      const z = this.normal();
      if (z >= -2 && z <= 2) return mean + stddev * z;
    }
  }

  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A random permutation of 0..n-1 as an Int32Array. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

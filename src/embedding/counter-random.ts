/**
 * Counter-based random numbers: a value is a pure function of its key (seed, row, column, draw), not of a stream's
 * position, so any row of a table can be (re)generated alone, in any order, with the same bits.
 *
 * A row's key is MurmurHash3 (x86, 32-bit; Appleby, public domain) of the row index seeded with the table's seed;
 * its uniforms are SplitMix32-style: MurmurHash3's finalizer over a Weyl sequence from the row key,
 * `fmix32(rowKey + counter × 0x9e3779b9)`, counter = column + 65,536 × draw. A pair of columns shares the two
 * uniforms of a polar-method draw (two independent normals).
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const GOLDEN = 0x9e3779b9;

/** MurmurHash3's finalizer (avalanche), as a signed 32-bit integer. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * The key of row `row` of a table seeded `seed`: MurmurHash3_x86_32 of the 4 little-endian bytes of `row` with seed
 * `seed` (each taken modulo 2^32).
 * @returns an unsigned 32-bit integer.
 * @example counterRowKey(0, 5) === counterRowKey(0, 5) // true: a pure function
 */
export function counterRowKey(seed: number, row: number): number {
  let k = Math.imul(row | 0, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  let h = (seed | 0) ^ k;
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  return fmix(h ^ 4) >>> 0;
}

/**
 * Uniform 32 random bits number `counter` of the row with key `rowKey`: `fmix32(rowKey + counter × 0x9e3779b9)`.
 * @returns an unsigned 32-bit integer.
 */
export function counterUint32(rowKey: number, counter: number): number {
  return fmix((rowKey + Math.imul(counter, GOLDEN)) | 0) >>> 0;
}

/**
 * Writes standard normal draws truncated to [−2, 2] (TensorFlow's truncated normal: re-drawn outside), scaled as
 * `mean + stddev·z`, for columns `[0, dim)` of the row with key `rowKey` into `target[offset …]`. Columns 2p and
 * 2p + 1 share draws a = 0, 1, … of the Marsaglia polar method: x = 2·uint32(2p + 65,536a)/2^32 − 1,
 * y = 2·uint32(2p + 1 + 65,536a)/2^32 − 1, s = x² + y² (a draw with s ∉ (0, 1) is skipped), f = √(−2 ln s / s),
 * giving two independent normals x·f (even column) and y·f (odd column); each column takes the first of its normals
 * that lies in [−2, 2] (about 1.3 draws per pair). Columns < 65,536.
 * @example const row = new Float32Array(8); counterTruncatedNormalRow(counterRowKey(1, 7), 0, 1, 8, row, 0)
 */
export function counterTruncatedNormalRow(rowKey: number, mean: number, stddev: number, dim: number, target: Float32Array, offset: number): void {
  for (let c = 0; c < dim; c += 2) {
    let even = NaN;
    let odd = c + 1 < dim ? NaN : 0;
    for (let a = 0; even !== even || odd !== odd; a += 65536) {
      const x = counterUint32(rowKey, c + a) / 2147483648 - 1;
      const y = counterUint32(rowKey, c + 1 + a) / 2147483648 - 1;
      const q = x * x + y * y;
      if (q >= 1 || q === 0) continue;
      const f = Math.sqrt((-2 * Math.log(q)) / q);
      if (even !== even) {
        const z = x * f;
        if (z >= -2 && z <= 2) even = z;
      }
      if (odd !== odd) {
        const z = y * f;
        if (z >= -2 && z <= 2) odd = z;
      }
    }
    target[offset + c] = mean + stddev * even;
    if (c + 1 < dim) target[offset + c + 1] = mean + stddev * odd;
  }
}

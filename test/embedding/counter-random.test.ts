// Counter-based initial values: MurmurHash3 keyed by (seed, row, column, draw) → uniforms → polar-method truncated
// normal. A value is a pure function of its key, so any row can be generated alone, in any order, on any sharding.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseBackend } from '../../src/backend';
import { counterRowKey, counterTruncatedNormalRow, counterUint32 } from '../../src/embedding/counter-random';
import { initialBound, initialRow, normalizeInitializer } from '../../src/embedding/initializer';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { SGD } from '../../src/optimizers';

before(async () => {
  await chooseBackend();
});

/** MurmurHash3_x86_32 over bytes, written from the published algorithm (independent of the word-wise code). */
function murmur3Bytes(bytes: Uint8Array, seed: number): number {
  let h = seed >>> 0;
  const n = bytes.length;
  const nb = n & ~3;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  for (let i = 0; i < nb; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (n & 3) {
    case 3:
      k ^= bytes[nb + 2] << 16;
    // falls through
    case 2:
      k ^= bytes[nb + 1] << 8;
    // falls through
    case 1:
      k ^= bytes[nb];
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

describe('counter-based random numbers', () => {
  it('the byte-wise reference reproduces published MurmurHash3_x86_32 vectors', () => {
    const utf8 = (s: string) => new TextEncoder().encode(s);
    assert.equal(murmur3Bytes(utf8(''), 0), 0);
    assert.equal(murmur3Bytes(utf8(''), 1), 0x514e28b7);
    assert.equal(murmur3Bytes(utf8(''), 0xffffffff), 0x81f16f39);
    assert.equal(murmur3Bytes(new Uint8Array(4), 0), 0x2362f9de);
    assert.equal(murmur3Bytes(utf8('The quick brown fox jumps over the lazy dog'), 0x9747b28c), 0x2fa826cd);
  });

  it('a row key is MurmurHash3 of the 4 little-endian row bytes seeded with the table seed', () => {
    for (const [seed, row] of [[0, 0], [7, 99_999_999], [-3, 2 ** 31 + 5], [123, 42]]) {
      const key = new Uint8Array(new Uint32Array([row >>> 0]).buffer);
      assert.equal(counterRowKey(seed, row), murmur3Bytes(key, seed >>> 0), `key ${[seed, row]}`);
    }
  });

  it('uniforms: mean 1/2, and no correlation between neighbouring counters, columns or rows', () => {
    const n = 100_000;
    const u = (k: number, c: number) => counterUint32(k, c) / 2 ** 32;
    let s = 0, sc = 0, sr = 0;
    for (let i = 0; i < n; i++) {
      const k = counterRowKey(9, i);
      const a = u(k, 0) - 0.5;
      s += a;
      sc += a * (u(k, 1) - 0.5); // next counter of the same row
      sr += a * (u(counterRowKey(9, i + 1), 0) - 0.5); // same counter, next row
    }
    // Uniform(0, 1): variance 1/12; the mean's standard error is √(1/12/n) = 0.0009, a product's is 1/12/√n = 0.00026.
    assert.ok(Math.abs(s / n) < 0.005, `mean − 1/2 = ${s / n}`);
    assert.ok(Math.abs(sc / n) < 0.0015, `covariance of neighbouring counters ${sc / n}`);
    assert.ok(Math.abs(sr / n) < 0.0015, `covariance of neighbouring rows ${sr / n}`);
  });

  it('truncated normal: z in [−2, 2] with the truncated law’s mean 0 and sd 0.8796, columns uncorrelated', () => {
    const rows = 20_000;
    const dim = 10;
    const z = new Float32Array(rows * dim);
    for (let r = 0; r < rows; r++) counterTruncatedNormalRow(counterRowKey(3, r), 0, 1, dim, z, r * dim);
    let s = 0, s2 = 0, c01 = 0, c02 = 0;
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < dim; k++) {
        const x = z[r * dim + k];
        assert.ok(x >= -2 && x <= 2);
        s += x;
        s2 += x * x;
      }
      c01 += z[r * dim] * z[r * dim + 1]; // the two normals of one polar draw
      c02 += z[r * dim] * z[r * dim + 2];
    }
    const n = rows * dim;
    const mean = s / n;
    const sd = Math.sqrt(s2 / n - mean * mean);
    // N(0, 1) truncated to [−2, 2]: variance 1 − 2·2·φ(2)/(Φ(2) − Φ(−2)) = 1 − 4 × 0.05399 / 0.9545 = 0.7737, sd 0.8796.
    // Standard errors at n = 2e5: 0.002 (mean), 0.0013 (sd); a covariance over 2e4 rows: 0.7737 / √2e4 = 0.0055.
    assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(sd - 0.8796) < 0.006, `sd ${sd}`);
    assert.ok(Math.abs(c01 / rows) < 0.025, `covariance of columns 0 and 1: ${c01 / rows}`);
    assert.ok(Math.abs(c02 / rows) < 0.025, `covariance of columns 0 and 2: ${c02 / rows}`);
  });

  it('a row is a pure function of (seed, row): generated alone it equals the dense table’s row on any topology', () => {
    const spec = normalizeInitializer(undefined, 16);
    for (const topology of ['cpu', 'v4-8', 'v5p-8']) {
      const table = tableConfig({ vocabularySize: 300, dim: 16, name: 't' });
      const emb = new TPUEmbedding({ features: { f: featureConfig({ table }) }, optimizer: new SGD(), topology, seed: 4 });
      const w = emb.exportTables().t.weights;
      const row = new Float32Array(16);
      for (const r of [0, 1, 150, 299]) {
        initialRow(spec as Exclude<typeof spec, { kind: 'function' }>, 4, r, 16, row, 0); // table 0: seed 4 + 0
        assert.deepEqual(row, w.subarray(r * 16, (r + 1) * 16), `${topology}, row ${r}`);
      }
      // TensorFlow's default: stddev 1/√dim = 0.25, truncated at 2 stddev.
      assert.ok(w.every((x) => Math.abs(x) <= initialBound(spec as Exclude<typeof spec, { kind: 'function' }>)));
      assert.ok(w.some((x) => Math.abs(x) > 0.4));
    }
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../../src/random';
import { expectedUniqueIds, idDistribution } from '../../src/cost';

const close = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.abs(b);

/** Exact Σ_i [1 − (1 − p_i)^n] for Zipf(s) over V ranks. */
function exactZipfUnique(V: number, s: number, n: number): number {
  let H = 0;
  for (let k = 1; k <= V; k++) H += k ** -s;
  let u = 0;
  for (let k = 1; k <= V; k++) u += 1 - (1 - k ** -s / H) ** n;
  return u;
}

describe('expected unique ids', () => {
  it('uniform: V·(1 − (1 − 1/V)^n)', () => {
    // V = n = 1000: 1000 · (1 − 0.999^1000) = 1000 · (1 − 0.3676954) = 632.30458
    assert.ok(close(expectedUniqueIds(1000, 1000, 'uniform'), 632.3045752, 1e-9));
    assert.equal(expectedUniqueIds(0, 1000), 0);
    // n ≪ V: nearly every draw is new: 10 draws from 1e8 rows → 10 − C(10,2)/1e8 ≈ 9.99999955
    assert.ok(close(expectedUniqueIds(10, 1e8), 9.99999955, 1e-9));
    // n ≫ V: all rows seen
    assert.ok(close(expectedUniqueIds(1e6, 100), 100, 1e-12));
  });

  it('Zipf: head + integrated tail matches the exact sum', () => {
    // V = 200,000 > 4,096 head ranks, so the tail integral is exercised.
    for (const [s, n] of [
      [1.05, 50_000],
      [0.8, 1_000_000],
      [1.0, 3_000],
    ] as const) {
      const approx = expectedUniqueIds(n, 200_000, { zipf: s });
      const exact = exactZipfUnique(200_000, s, n);
      assert.ok(close(approx, exact, 1e-4), `s=${s} n=${n}: ${approx} vs ${exact}`);
    }
    // V ≤ 4096: exact sum, no approximation.
    assert.ok(close(expectedUniqueIds(500, 1000, { zipf: 1.2 }), exactZipfUnique(1000, 1.2, 500), 1e-12));
  });

  it('Zipf agrees with sampling (Monte Carlo, seeded)', () => {
    const V = 10_000;
    const s = 1.05;
    const n = 5_000;
    const cdf = new Float64Array(V);
    let acc = 0;
    for (let k = 1; k <= V; k++) cdf[k - 1] = acc += k ** -s;
    const rng = new Random(7);
    const trials = 40;
    let total = 0;
    const seen = new Uint8Array(V);
    for (let t = 0; t < trials; t++) {
      seen.fill(0);
      let u = 0;
      for (let d = 0; d < n; d++) {
        const x = rng.float() * acc;
        let lo = 0;
        let hi = V - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cdf[mid] < x) lo = mid + 1;
          else hi = mid;
        }
        if (!seen[lo]) {
          seen[lo] = 1;
          u++;
        }
      }
      total += u;
    }
    // The mean of 40 trials has a standard error well under 0.5 % of E[U] (≈ 2,000 here).
    assert.ok(close(total / trials, expectedUniqueIds(n, V, { zipf: s }), 0.01));
  });

  it('shards: masses sum to 1, unique ids per shard sum to the total, rotation moves rows', () => {
    // V = 10, N = 4, rotation 1: ids with id % 4 = 0,1,2,3 number 3,3,2,2 and land on shards 1,2,3,0.
    const u = idDistribution(10, 'uniform');
    assert.deepEqual(u.shardMass(4, 1), [0.2, 0.3, 0.3, 0.2]);
    const z = idDistribution(1e7, { zipf: 1.05 });
    const mass = z.shardMass(16, 4);
    assert.ok(close(mass.reduce((a, b) => a + b, 0), 1, 1e-9));
    assert.equal(mass.indexOf(Math.max(...mass)), 4); // id 0 (the hottest) → (0 % 16 + 4) % 16 = 4
    const perShard = z.shardExpectedUnique(20_000, 16, 4);
    assert.ok(close(perShard.reduce((a, b) => a + b, 0), z.expectedUnique(20_000), 1e-9));
  });

  it('rejects bad inputs', () => {
    assert.throws(() => expectedUniqueIds(10, 12.5), /idDistribution: expected vocabularySize to be a positive integer, but got 12\.5/);
    assert.throws(() => expectedUniqueIds(-1, 10), /expectedUniqueIds: expected draws to be a finite number ≥ 0, but got -1/);
    assert.throws(() => idDistribution(10, { zipf: 0 }), /expected skew to be 'uniform' or \{ zipf: s \} with s a finite number > 0, but got \{"zipf":0\}/);
    assert.throws(() => idDistribution(10, 'zipf' as never), /but got "zipf"/);
  });
});

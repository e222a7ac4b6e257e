import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../src/errors';
import { Random } from '../src/random';

test('the same seed gives the same stream; another seed another', () => {
  const a = new Random(42), b = new Random(42), c = new Random(43);
  const sa = Array.from({ length: 8 }, () => a.uint32());
  const sb = Array.from({ length: 8 }, () => b.uint32());
  const sc = Array.from({ length: 8 }, () => c.uint32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
});

test('float is in [0, 1) and int(n) in [0, n) with every value reached', () => {
  const r = new Random(1);
  const seen = new Set<number>();
  for (let i = 0; i < 10_000; i++) {
    const f = r.float();
    assert.ok(f >= 0 && f < 1);
    const k = r.int(7);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
    seen.add(k);
  }
  assert.equal(seen.size, 7);
  assert.throws(() => r.int(0), (e: unknown) => e instanceof InputError && e.kind === 'bad_count' && e.message === 'Random.int: expected n to be a positive integer, but got 0.');
});

test('normal has mean ≈ 0 and stddev ≈ 1; truncatedNormal stays within 2 stddev', () => {
  const r = new Random(7);
  const n = 50_000;
  let sum = 0, sq = 0;
  for (let i = 0; i < n; i++) { const z = r.normal(); sum += z; sq += z * z; }
  const mean = sum / n, sd = Math.sqrt(sq / n - mean * mean);
  // standard error of the mean is 1/√50000 ≈ 0.0045: 0.03 is > 6 standard errors
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(sd - 1) < 0.03, `sd ${sd}`);
  for (let i = 0; i < 10_000; i++) {
    const t = r.truncatedNormal(1, 0.5);
    assert.ok(t >= 0 && t <= 2, `truncated sample ${t}`);
  }
});

test('permutation is a permutation and is reproducible', () => {
  const p = new Random(42).permutation(1000);
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(p, new Random(42).permutation(1000));
  assert.notDeepEqual([...p], Array.from({ length: 1000 }, (_, i) => i));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanAndSd } from '../../src/measure';
import { InputError } from '../../src/errors';

test('meanAndSd: mean and sample standard deviation (n − 1)', () => {
  // [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, Σ(x − 5)² = 32, sd = √(32 / 7).
  const r = meanAndSd([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.equal(r.mean, 5);
  assert.ok(Math.abs(r.sd - Math.sqrt(32 / 7)) < 1e-15);
  assert.equal(r.n, 8);
  assert.deepEqual(meanAndSd([0.9]), { mean: 0.9, sd: 0, n: 1 });
});

test('meanAndSd: an empty list or a non-finite value is refused', () => {
  assert.throws(() => meanAndSd([]), (e: unknown) => e instanceof InputError && e.kind === 'not_finite' && /at least one value/.test(e.message));
  assert.throws(() => meanAndSd([1, NaN]), (e: unknown) => e instanceof InputError && /value 1 is NaN/.test(e.message));
});

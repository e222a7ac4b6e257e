import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { InputError } from '../../src/errors';
import { pcaProjection } from '../../src/retrieval';

/** Rows (a_i, b_i, 0) + c: spread along e1 (variance of a) and e2 (variance of b), none along e3. */
function plane(a: readonly number[], b: readonly number[], c = [5, -2, 7]): Float32Array {
  return Float32Array.from(a.flatMap((ai, i) => [ai + c[0], b[i] + c[1], c[2]]));
}

test('pcaProjection: the coordinates along the two principal axes, centred, and their variance shares', () => {
  // a = -3, -1, 1, 3 (variance 20/3), b = 1, -1, -1, 1 (variance 4/3, uncorrelated with a): the axes are e1, e2.
  const a = [-3, -1, 1, 3];
  const b = [1, -1, -1, 1];
  const p = pcaProjection(plane(a, b), 3);
  // Up to sign: x = a, y = b (both already centred).
  const sx = Math.sign(p.x[3]);
  const sy = Math.sign(p.y[0]);
  a.forEach((v, i) => assert.ok(Math.abs(p.x[i] - sx * v) < 1e-4, `x[${i}] ${p.x[i]}`));
  b.forEach((v, i) => assert.ok(Math.abs(p.y[i] - sy * v) < 1e-4, `y[${i}] ${p.y[i]}`));
  // Shares of the total variance 20/3 + 4/3 = 8: 20/24 and 4/24.
  assert.ok(Math.abs(p.explainedVariance[0] - 20 / 24) < 1e-6, `${p.explainedVariance[0]}`);
  assert.ok(Math.abs(p.explainedVariance[1] - 4 / 24) < 1e-6, `${p.explainedVariance[1]}`);
});

test('pcaProjection: reproducible from its seed; identical rows keep no variance', () => {
  const v = plane([0, 2, 5, 1, -4], [1, 0, 3, -2, 2]);
  assert.deepEqual(pcaProjection(v, 3, 4), pcaProjection(v, 3, 4));
  const same = pcaProjection(new Float32Array([1, 2, 1, 2, 1, 2]), 2);
  assert.deepEqual([...same.x, ...same.y], [0, 0, 0, 0, 0, 0]);
  assert.deepEqual(same.explainedVariance, [0, 0]);
});

test('pcaProjection: rows that are not n × dim with n ≥ 2, dim ≥ 2 throw InputError bad_shape', () => {
  const bad = (f: () => unknown) => assert.throws(f, (e: unknown) => e instanceof InputError && e.kind === 'bad_shape' && /pcaProjection: expected a Float32Array of n × dim values/.test(e.message));
  bad(() => pcaProjection(new Float32Array(5), 2)); // 5 values, dim 2
  bad(() => pcaProjection(new Float32Array(3), 3)); // one row
  bad(() => pcaProjection(new Float32Array(4), 1)); // dim 1
});

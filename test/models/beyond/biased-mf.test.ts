// Biased MF: its prediction and one SGD step on a tiny case worked out by hand (the gradient of
// Σ (r̂ − r)² / B + l2 Σ ‖row‖² / B), and its errors.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../../src/backend';
import { ConfigError, InputError } from '../../../src/errors';
import { featureConfig, tableConfig } from '../../../src/embedding';
import { SGD } from '../../../src/optimizers';
import { BiasedMF } from '../../../src/models/beyond';

before(async () => {
  await chooseBackend();
});

// 2 factors, so each table row is [p0, p1, bias]. Users 0..2, movies 0..2.
const USER = [[0, 0, 0], [0.5, -1, 0.2], [1, 1, -0.1]];
const MOVIE = [[0, 0, 0], [2, 0.5, 0.3], [-1, 1, 0]];
const MU = 3.5;

function tinyModel(l2: number, lr: number): BiasedMF {
  const mf = new BiasedMF({ factors: 2, l2, userVocabularySize: 3, movieVocabularySize: 3, topology: 'cpu', placement: 'cpu', optimizer: new SGD({ learningRate: lr }), globalMean: MU });
  mf.embedding.importTables({ user: { weights: Float32Array.from(USER.flat()), slots: {} }, movie: { weights: Float32Array.from(MOVIE.flat()), slots: {} } });
  return mf;
}

const row = (t: Float32Array, r: number): number[] => Array.from(t.subarray(r * 3, r * 3 + 3));
const close = (a: readonly number[], b: readonly number[], tol = 1e-5): void =>
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol, `index ${i}: ${x} vs ${b[i]} (${a} vs ${b})`));

test('predict: μ + b_u + b_i + p_u · q_i', () => {
  const mf = tinyModel(0, 0.1);
  // (u1, m1): 3.5 + 0.2 + 0.3 + (0.5·2 + (−1)·0.5) = 4.5; (u2, m2): 3.5 − 0.1 + 0 + (−1 + 1) = 3.4.
  close(Array.from(mf.predict({ user_id: Int32Array.of(1, 2), movie_id: Int32Array.of(1, 2) })), [4.5, 3.4]);
  mf.dispose();
});

test('one SGD step follows the hand-derived gradient of the loss with L2 on the looked-up rows', () => {
  const l2 = 0.1;
  const lr = 0.5;
  const mf = tinyModel(l2, lr);
  // Batch of B = 2: (u1, m1, r = 4) and (u2, m1, r = 5).
  // r̂ = 4.5 and 3.5 − 0.1 + 0.3 + (2 + 0.5) = 6.2; e = r̂ − r = 0.5 and 1.2.
  // loss = (e1² + e2²)/2 + l2 (‖u1‖² + ‖m1‖² + ‖u2‖² + ‖m1‖²)/2      (m1 occurs twice: its L2 counts twice)
  // ∂/∂u1 = (2 e1 [q1 | 1] + 2 l2 u1)/2 = e1 [2, 0.5, 1] + l2 [0.5, −1, 0.2]
  // ∂/∂u2 = e2 [2, 0.5, 1] + l2 [1, 1, −0.1]
  // ∂/∂m1 = e1 [p1 | 1] + e2 [p2 | 1] + 2 l2 m1 = 0.5 [0.5, −1, 1] + 1.2 [1, 1, 1] + 0.2 [2, 0.5, 0.3]
  const e1 = 0.5;
  const e2 = 1.2;
  const gU1 = [2, 0.5, 1].map((q, j) => e1 * q + l2 * USER[1][j]);
  const gU2 = [2, 0.5, 1].map((q, j) => e2 * q + l2 * USER[2][j]);
  const gM1 = [0, 1, 2].map((j) => e1 * [0.5, -1, 1][j] + e2 * [1, 1, 1][j] + 2 * l2 * MOVIE[1][j]);
  const expectedLoss = (e1 ** 2 + e2 ** 2) / 2 + (l2 * (0.25 + 1 + 0.04 + 2 * (4 + 0.25 + 0.09) + 1 + 1 + 0.01)) / 2;
  const loss = mf.trainStep({ user_id: Int32Array.of(1, 2), movie_id: Int32Array.of(1, 1), user_rating: Float32Array.of(4, 5) });
  assert.ok(Math.abs(loss - expectedLoss) < 1e-5, `loss ${loss} vs ${expectedLoss}`);
  const t = mf.embedding.exportTables();
  close(row(t.user.weights, 1), USER[1].map((w, j) => w - lr * gU1[j]));
  close(row(t.user.weights, 2), USER[2].map((w, j) => w - lr * gU2[j]));
  close(row(t.movie.weights, 1), MOVIE[1].map((w, j) => w - lr * gM1[j]));
  close(row(t.user.weights, 0), [0, 0, 0]);
  close(row(t.movie.weights, 2), MOVIE[2], 0);
  mf.dispose();
});

test('the step agrees with a central finite difference of the loss', () => {
  // Loss as a function of u1's first factor, everything else fixed (l2 = 0.1, same batch as above).
  const lossAt = (x: number): number => {
    const p = [x, -1];
    const e1 = MU + 0.2 + 0.3 + p[0] * 2 + p[1] * 0.5 - 4;
    const e2 = 6.2 - 5;
    return (e1 ** 2 + e2 ** 2) / 2 + (0.1 * (x * x + 1 + 0.04 + 2 * (4 + 0.25 + 0.09) + 1 + 1 + 0.01)) / 2;
  };
  const h = 1e-4;
  const fd = (lossAt(0.5 + h) - lossAt(0.5 - h)) / (2 * h);
  const mf = tinyModel(0.1, 1);
  mf.trainStep({ user_id: Int32Array.of(1, 2), movie_id: Int32Array.of(1, 1), user_rating: Float32Array.of(4, 5) });
  const g = 0.5 - mf.embedding.exportTables().user.weights[3]; // SGD lr 1: W − W' = gradient
  assert.ok(Math.abs(g - fd) < 1e-3, `engine gradient ${g} vs finite difference ${fd}`);
  mf.dispose();
});

test('side features must be factors + 1 wide; a missing column and an unfitted model are refused', () => {
  const wrong = featureConfig({ table: tableConfig({ vocabularySize: 19, dim: 4, name: 'genres' }) });
  assert.throws(() => new BiasedMF({ factors: 2, movieFeatures: { movie_genres: wrong } }), (e: unknown) => e instanceof ConfigError && /'movie_genres'.*dim factors \+ 1 = 3.*dim 4/.test(e.message));
  const mf = new BiasedMF({ factors: 2, userVocabularySize: 3, movieVocabularySize: 3, topology: 'cpu', placement: 'cpu' });
  assert.throws(() => mf.predict({ user_id: Int32Array.of(1), movie_id: Int32Array.of(1) }), (e: unknown) => e instanceof InputError && e.kind === 'not_fitted');
  mf.dispose();
  const fitted = tinyModel(0, 0.1);
  const before = fitted.embedding.exportTables();
  assert.throws(() => fitted.trainStep({ user_id: Int32Array.of(1), user_rating: Float32Array.of(4) }), (e: unknown) => e instanceof InputError && /column 'movie_id'/.test(e.message));
  assert.deepEqual(fitted.embedding.exportTables(), before, 'a rejected step changes no table');
  fitted.dispose();
});

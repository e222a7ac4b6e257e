// The rating baselines computed in the run (global mean, Surprise's BaselineOnly) against direct computations: ALS
// and SGD steps by hand on tiny cases, Surprise's loops ported literally, the ALS fixed point, and the real ml-100k
// (../shared/data or $MOVIELENS_DIR) on Surprise's protocol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { BaselineOnly, GlobalMean } from '../../src/baseline';
import { canonicalSplit, loadMovieLensSync, randomSplits, tutorialSplit } from '../../src/data';
import { meanAndSd } from '../../src/measure';
import { ConfigError, InputError } from '../../src/errors';
import { Random } from '../../src/random';

const SHARED = process.env.MOVIELENS_DIR ?? resolve(__dirname, '../../../shared/data');
const close = (a: number, b: number, tol = 1e-12, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

// u1 rates i1 = 5, i2 = 3; u2 rates i1 = 4. μ = 4.
const TINY = { user_id: [1, 2, 1], movie_id: [1, 1, 2], user_rating: [5, 4, 3] };

test('BaselineOnly ALS: two epochs by hand (reg_u = reg_i = 1)', () => {
  const b = BaselineOnly.fit(TINY, { epochs: 2, regU: 1, regI: 1, ratingScale: null });
  // Epoch 1, items with bu = 0: bi1 = ((5−4) + (4−4)) / (1 + 2) = 1/3; bi2 = (3−4) / (1 + 1) = −1/2.
  //   users: bu1 = ((5−4−1/3) + (3−4+1/2)) / (1 + 2) = 1/18; bu2 = (4−4−1/3) / (1 + 1) = −1/6.
  // Epoch 2: bi1 = ((5−4−1/18) + (4−4+1/6)) / 3 = 10/27; bi2 = (3−4−1/18) / 2 = −19/36;
  //   bu1 = ((5−4−10/27) + (3−4+19/36)) / 3 = 17/324; bu2 = (4−4−10/27) / 2 = −5/27.
  assert.equal(b.globalMean, 4);
  close(b.itemBias[1], 10 / 27);
  close(b.itemBias[2], -19 / 36);
  close(b.userBias[1], 17 / 324);
  close(b.userBias[2], -5 / 27);
  const p = b.predict({ user_id: [1, 2, 2, 9, 9], movie_id: [2, 2, 7, 1, 7] });
  close(p[0], 4 + 17 / 324 - 19 / 36);
  close(p[1], 4 - 5 / 27 - 19 / 36);
  close(p[2], 4 - 5 / 27, 1e-12, 'unknown item: bi = 0');
  close(p[3], 4 + 10 / 27, 1e-12, 'unknown user: bu = 0');
  assert.equal(p[4], 4, 'unknown both: μ');
  // RMSE on the training ratings: √(Σ (p − r)² / 3).
  const q = b.predict(TINY);
  close(b.rmse(TINY), Math.sqrt(((q[0] - 5) ** 2 + (q[1] - 4) ** 2 + (q[2] - 3) ** 2) / 3));
});

test('BaselineOnly SGD: one epoch by hand, in Surprise\'s order (users by first appearance)', () => {
  const b = BaselineOnly.fit(TINY, { method: 'sgd', epochs: 1, learningRate: 0.1, reg: 0.5 });
  // Order: u1's ratings (rows 0, 2), then u2's (row 1). μ = 4.
  // row 0 (u1, i1, 5): e = 1;     bu1 = 0.1·1 = 0.1;                     bi1 = 0.1·1 = 0.1
  // row 2 (u1, i2, 3): e = −1.1;  bu1 = 0.1 + 0.1(−1.1 − 0.05) = −0.015; bi2 = 0.1(−1.1) = −0.11
  // row 1 (u2, i1, 4): e = −0.1;  bu2 = 0.1(−0.1) = −0.01;               bi1 = 0.1 + 0.1(−0.1 − 0.05) = 0.085
  close(b.userBias[1], -0.015);
  close(b.userBias[2], -0.01);
  close(b.itemBias[1], 0.085);
  close(b.itemBias[2], -0.11);
});

/** Surprise's baseline_als, ported line by line (trainset.ir / trainset.ur as maps; its defaults). */
function surpriseAls(ratings: { user_id: number[]; movie_id: number[]; user_rating: number[] }, nEpochs = 10, regU = 15, regI = 10) {
  const ur = new Map<number, [number, number][]>();
  const ir = new Map<number, [number, number][]>();
  ratings.user_id.forEach((u, k) => {
    const i = ratings.movie_id[k];
    const r = ratings.user_rating[k];
    ur.set(u, [...(ur.get(u) ?? []), [i, r]]);
    ir.set(i, [...(ir.get(i) ?? []), [u, r]]);
  });
  const mu = ratings.user_rating.reduce((s, r) => s + r, 0) / ratings.user_rating.length;
  const bu = new Map<number, number>([...ur.keys()].map((u) => [u, 0]));
  const bi = new Map<number, number>([...ir.keys()].map((i) => [i, 0]));
  for (let e = 0; e < nEpochs; e++) {
    for (const [i, list] of ir) bi.set(i, list.reduce((s, [u, r]) => s + r - mu - bu.get(u)!, 0) / (regI + list.length));
    for (const [u, list] of ur) bu.set(u, list.reduce((s, [i, r]) => s + r - mu - bi.get(i)!, 0) / (regU + list.length));
  }
  return { mu, bu, bi };
}

function randomRatings(seed: number, n: number, users: number, items: number) {
  const rng = new Random(seed);
  const seen = new Set<string>();
  const out = { user_id: [] as number[], movie_id: [] as number[], user_rating: [] as number[] };
  while (out.user_id.length < n) {
    const u = 1 + rng.int(users);
    const i = 1 + rng.int(items);
    if (seen.has(`${u},${i}`)) continue;
    seen.add(`${u},${i}`);
    out.user_id.push(u);
    out.movie_id.push(i);
    out.user_rating.push(1 + rng.int(5));
  }
  return out;
}

test('BaselineOnly ALS: equals Surprise\'s loops with Surprise\'s defaults (reg_u 15, reg_i 10, 10 epochs)', () => {
  const ratings = randomRatings(7, 400, 30, 40);
  const want = surpriseAls(ratings);
  const got = BaselineOnly.fit(ratings);
  close(got.globalMean, want.mu);
  for (const [u, v] of want.bu) close(got.userBias[u], v, 1e-12, `bu[${u}]`);
  for (const [i, v] of want.bi) close(got.itemBias[i], v, 1e-12, `bi[${i}]`);
  // Other epochs or regularizations give other biases: the defaults are pinned, not any converged value.
  for (const [epochs, regU, regI] of [[9, 15, 10], [10, 14, 10], [10, 15, 11]]) {
    const other = surpriseAls(ratings, epochs, regU, regI);
    const diff = Math.max(...[...other.bu].map(([u, v]) => Math.abs(got.userBias[u] - v)), ...[...other.bi].map(([i, v]) => Math.abs(got.itemBias[i] - v)));
    assert.ok(diff > 1e-11, `epochs ${epochs}, reg_u ${regU}, reg_i ${regI}: max |Δ| ${diff}`);
  }
});

test('BaselineOnly ALS: converges to the ridge fixed point bᵢ = Σ(r − μ − bᵤ)/(reg_i + nᵢ), bᵤ = Σ(r − μ − bᵢ)/(reg_u + nᵤ)', () => {
  const r = randomRatings(11, 300, 20, 25);
  const b = BaselineOnly.fit(r, { epochs: 500 });
  const mu = b.globalMean;
  const sums = (key: 'user_id' | 'movie_id', other: (k: number) => number) => {
    const dev = new Map<number, [number, number]>();
    r[key].forEach((id, k) => {
      const [s, n] = dev.get(id) ?? [0, 0];
      dev.set(id, [s + r.user_rating[k] - mu - other(k), n + 1]);
    });
    return dev;
  };
  for (const [i, [s, n]] of sums('movie_id', (k) => b.userBias[r.user_id[k]])) close(b.itemBias[i], s / (10 + n), 1e-10, `bi[${i}]`);
  for (const [u, [s, n]] of sums('user_id', (k) => b.itemBias[r.movie_id[k]])) close(b.userBias[u], s / (15 + n), 1e-10, `bu[${u}]`);
});

test('BaselineOnly: predictions clipped to the rating scale, as Surprise\'s predict(clip=True)', () => {
  // One user who rates everything 5 and items rated 5: μ + bᵤ + bᵢ can pass 5 without clipping.
  const r = { user_id: [1, 1, 2, 2, 3], movie_id: [1, 2, 1, 3, 3], user_rating: [5, 5, 1, 1, 1] };
  const raw = BaselineOnly.fit(r, { regU: 0, regI: 0, epochs: 50, ratingScale: null }).predict({ user_id: [1, 2], movie_id: [1, 3] });
  const clipped = BaselineOnly.fit(r, { regU: 0, regI: 0, epochs: 50 }).predict({ user_id: [1, 2], movie_id: [1, 3] });
  assert.ok(raw[0] > 5 || raw[1] < 1, `raw ${raw}`);
  assert.deepEqual([...clipped], [Math.min(5, raw[0]), Math.max(1, raw[1])]);
});

test('GlobalMean: μ of the training ratings; RMSE by hand', () => {
  const m = GlobalMean.fit(TINY);
  assert.equal(m.mean, 4);
  assert.deepEqual([...m.predict({ user_id: [1, 99], movie_id: [1, 99] })], [4, 4]);
  // Test ratings 5 and 2: √((1² + 2²) / 2) = √2.5.
  close(m.rmse({ user_id: [1, 2], movie_id: [1, 2], user_rating: [5, 2] }), Math.sqrt(2.5));
});

test('baselines: bad options and bad ratings are refused with the API, the field and the value', () => {
  const bad = (options: object, re: RegExp) => assert.throws(() => BaselineOnly.fit(TINY, options as never), (e: unknown) => e instanceof ConfigError && re.test(e.message));
  bad({ method: 'svd' }, /BaselineOnly.fit: expected method to be one of als, sgd, but got "svd"/);
  bad({ epochs: -1 }, /expected epochs to be an integer ≥ 0, but got -1/);
  bad({ regU: -2 }, /expected regU to be a finite number ≥ 0, but got -2/);
  bad({ ratingScale: [5, 1] }, /expected ratingScale to be \[min, max\] with min < max, or null, but got \[5,1\]/);
  bad({ reg_u: 3 }, /expected only the options .* but got reg_u = 3.*spell it regU/);
  assert.throws(() => BaselineOnly.fit({ user_id: [1], movie_id: [1, 2], user_rating: [3] }), (e: unknown) => e instanceof InputError && e.kind === 'bad_ratings' && /same length, but got 1, 2, 1/.test(e.message));
  assert.throws(() => GlobalMean.fit({ user_id: [1], movie_id: [1.5], user_rating: [3] }), (e: unknown) => e instanceof InputError && /rating 0 has user_id 1, movie_id 1.5/.test(e.message));
  assert.throws(() => GlobalMean.fit({ user_id: [], movie_id: [], user_rating: [] }), (e: unknown) => e instanceof InputError && /at least one training rating/.test(e.message));
  assert.throws(() => GlobalMean.fit(TINY).rmse({ user_id: [], movie_id: [], user_rating: [] }), (e: unknown) => e instanceof InputError && /GlobalMean.rmse: expected at least one test rating/.test(e.message));
});

test('real ml-100k: BaselineOnly on 5 random 80/20 splits and on u1 — Surprise\'s level (0.944 published, 5-fold)', { timeout: 120_000 }, () => {
  const data = loadMovieLensSync('100k-ratings', { dir: SHARED });
  // A Dataset is read in its own order: the same biases as from its gathered columns.
  const { train } = tutorialSplit(data, { seed: 42 });
  const rows = train.rows();
  const r = data.ratings!;
  const cols = { user_id: Array.from(rows, (k) => r.user_id[k]), movie_id: Array.from(rows, (k) => r.movie_id[k]), user_rating: Array.from(rows, (k) => r.user_rating[k]) };
  assert.deepEqual(BaselineOnly.fit(train).userBias, BaselineOnly.fit(cols).userBias);

  const splits = randomSplits(data);
  const rmse = splits.map(({ train: tr, test: te }) => BaselineOnly.fit(tr).rmse(te));
  const mean = splits.map(({ train: tr, test: te }) => GlobalMean.fit(tr).rmse(te));
  const s = meanAndSd(rmse);
  const u1 = canonicalSplit('u1', { dir: SHARED });
  const rmseU1 = BaselineOnly.fit(u1.train).rmse(u1.test);
  console.log(`BaselineOnly 5 × 80/20: ${s.mean.toFixed(4)} ± ${s.sd.toFixed(4)} (${rmse.map((x) => x.toFixed(4)).join(', ')}); u1: ${rmseU1.toFixed(4)}; global mean ${meanAndSd(mean).mean.toFixed(4)}`);
  // Surprise publishes 0.944 for the 5-fold mean; random splits differ by a few thousandths.
  assert.ok(Math.abs(s.mean - 0.944) < 0.01, `mean ${s.mean}`);
  assert.ok(s.sd > 0 && s.sd < 0.01, `sd ${s.sd}`);
  assert.ok(rmseU1 > 0.93 && rmseU1 < 0.98, `u1 ${rmseU1}`);
  // The biases are worth ~0.18 stars over the mean predictor (≈ 1.125).
  assert.ok(meanAndSd(mean).mean - s.mean > 0.15);
});

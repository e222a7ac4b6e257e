import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadMovieLensSync, randomSplits, tutorialSplit } from '../../src/data';
import { ConfigError } from '../../src/errors';
import { tempDir, writeFolder } from './synthetic';

// 10 ratings of 2 users on 5 movies, written to a temp dir.
function tenRatings() {
  const dir = tempDir();
  const item = Array.from({ length: 5 }, (_, m) => `${m + 1}|M${m + 1} (1995)|||x|${Array(19).fill('0').join('|')}`).join('\n') + '\n';
  const data = Array.from({ length: 10 }, (_, k) => `${1 + (k % 2)}\t${1 + (k % 5)}\t${1 + (k % 5)}\t${880_000_000 + k}`).join('\n') + '\n';
  writeFolder(dir, 'ml-100k', { 'u.item': item, 'u.user': '1|24|M|technician|85711\n2|17|F|none|T8H1N\n', 'u.data': data }, 'latin1');
  return loadMovieLensSync('100k-ratings', { dir });
}

test('randomSplits: one 80/20 split per seed, disjoint and complete, each equal to tutorialSplit with that seed', () => {
  const data = tenRatings();
  const splits = randomSplits(data);
  assert.deepEqual(splits.map((s) => s.seed), [1, 2, 3, 4, 5]);
  for (const s of splits) {
    const train = [...s.train.rows()];
    const test = [...s.test.rows()];
    assert.equal(train.length, 8);
    assert.equal(test.length, 2);
    assert.deepEqual([...train, ...test].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const same = tutorialSplit(data, { seed: s.seed, trainSize: 8, testSize: 2 });
    assert.deepEqual(test, [...same.test.rows()]);
  }
  // Different seeds draw different test sets (5 seeds over C(10, 2) = 45 possible pairs: not all equal).
  assert.ok(new Set(splits.map((s) => [...s.test.rows()].sort().join())).size > 1);
  // trainFraction 0.75 of 10 → round(7.5) = 8; 0.7 → 7 / 3; explicit seeds and features.
  const t = randomSplits(data, { seeds: [9], trainFraction: 0.7, features: ['user_id', 'user_rating'] });
  assert.equal(t.length, 1);
  assert.equal(t[0].train.length, 7);
  assert.equal(t[0].test.length, 3);
  assert.deepEqual(t[0].train.features, ['user_id', 'user_rating']);
});

test('randomSplits: bad seeds or fractions are refused naming the option and the value', () => {
  const data = tenRatings();
  const bad = (options: object, re: RegExp) => assert.throws(() => randomSplits(data, options), (e: unknown) => e instanceof ConfigError && e.kind === 'invalid_split' && re.test(e.message));
  bad({ seeds: [] }, /randomSplits: expected seeds to be a non-empty list of distinct integers, but got \[\]/);
  bad({ seeds: [1, 1] }, /but got \[1,1\]/);
  bad({ seeds: [1.5] }, /but got \[1.5\]/);
  bad({ trainFraction: 1 }, /expected trainFraction to be a number in \(0, 1\), e.g. 0.8, but got 1/);
});

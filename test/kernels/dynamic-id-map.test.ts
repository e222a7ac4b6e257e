// The dynamic-vocabulary id map on hand-made streams: admission, LRU/LFU eviction order and ties, budget 1,
// collision-freedom on adversarial ids, bigint and string ids, determinism, rollback, bad ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DynamicIdMap } from '../../src/kernels/dynamic-id-map';
import { CountMinSketch } from '../../src/kernels/count-min-sketch';
import { dynamicIdPartition, hashId64, hashIdString } from '../../src/kernels/id-hash';
import { ConfigError, InputError } from '../../src/errors';
import { execFileSync } from 'node:child_process';

const rows = (m: DynamicIdMap, ids: string[]): number[] => Array.from(m.map(ids).rows);

test('admitAfter 1: every new id gets the next free row, in order of first appearance; repeats share it', () => {
  const m = new DynamicIdMap({ rowBudget: 4 });
  const b = m.map(['x', 'y', 'x', 'z']);
  assert.deepEqual(Array.from(b.rows), [0, 1, 0, 2]);
  assert.deepEqual(Array.from(b.newRows), [0, 1, 2]);
  assert.deepEqual(b.stats, { ids: 4, hits: 0, admittedIds: 4, rejectedIds: 0, overflowIds: 0, admissions: 3, evictions: 0 });
  const b2 = m.map(['y', 'w']);
  assert.deepEqual(Array.from(b2.rows), [1, 3]);
  assert.deepEqual(b2.stats, { ids: 2, hits: 1, admittedIds: 1, rejectedIds: 0, overflowIds: 0, admissions: 1, evictions: 0 });
  assert.equal(m.size, 4);
  assert.equal(m.idOfRow(3), 'w');
  assert.equal(m.rowOf('z'), 2);
  assert.equal(m.rowOf('nope'), -1);
});

test('admitAfter 3: an id gets a row at its third sighting (counting the occurrences of the admitting batch); until then -1', () => {
  const m = new DynamicIdMap({ rowBudget: 8, admitAfter: 3 });
  let b = m.map(['a', 'b', 'a']); // a: 2 sightings, b: 1
  assert.deepEqual(Array.from(b.rows), [-1, -1, -1]);
  assert.deepEqual(b.stats, { ids: 3, hits: 0, admittedIds: 0, rejectedIds: 3, overflowIds: 0, admissions: 0, evictions: 0 });
  b = m.map(['b', 'a']); // a: 3rd sighting → admitted; b: 2nd → rejected
  assert.deepEqual(Array.from(b.rows), [-1, 0]);
  assert.equal(b.stats.admissions, 1);
  b = m.map(['b', 'b', 'c', 'c', 'c']); // b reaches 4 in this batch; c reaches 3 in this batch
  assert.deepEqual(Array.from(b.rows), [1, 1, 2, 2, 2]);
  assert.deepEqual(b.stats, { ids: 5, hits: 0, admittedIds: 5, rejectedIds: 0, overflowIds: 0, admissions: 2, evictions: 0 });
  assert.deepEqual(m.totals, { ids: 10, hits: 0, admittedIds: 6, rejectedIds: 4, overflowIds: 0, admissions: 3, evictions: 0 });
});

test('LRU: the row touched longest ago is evicted and reused; hits of the batch are touched before admissions', () => {
  const m = new DynamicIdMap({ rowBudget: 3, eviction: 'lru' });
  assert.deepEqual(rows(m, ['a', 'b', 'c']), [0, 1, 2]); // clock: a=1 b=2 c=3
  assert.deepEqual(rows(m, ['a']), [0]); // a=4
  // d evicts b (last 2), the least recently used.
  let b = m.map(['d']);
  assert.deepEqual(Array.from(b.rows), [1]);
  assert.deepEqual(Array.from(b.newRows), [1]);
  assert.equal(b.stats.evictions, 1);
  assert.equal(m.rowOf('b'), -1);
  // In one batch ['e', 'c']: c (a hit) is touched first, so e evicts a (last 4), not c (last 3).
  b = m.map(['e', 'c']);
  assert.deepEqual(Array.from(b.rows), [0, 2]);
  assert.equal(m.idOfRow(0), 'e');
  assert.equal(m.rowOf('a'), -1);
});

test('LFU: the least frequently seen row is evicted; ties go to the least recently used', () => {
  const m = new DynamicIdMap({ rowBudget: 3, eviction: 'lfu' });
  rows(m, ['a', 'a', 'a', 'b', 'c', 'c']); // freq a=3 b=1 c=2
  assert.deepEqual(rows(m, ['d']), [1]); // b (freq 1) evicted although a is older
  rows(m, ['d']); // d: freq 2 (last 5), c: freq 2 (last 3)
  assert.deepEqual(rows(m, ['e']), [2]); // tie at freq 2: c, touched longer ago
  assert.equal(m.rowOf('c'), -1);
  assert.equal(m.rowOf('d'), 1);
  // Same stream under LRU evicts differently: a is the least recently used there.
  const l = new DynamicIdMap({ rowBudget: 3, eviction: 'lru' });
  rows(l, ['a', 'a', 'a', 'b', 'c', 'c']);
  assert.deepEqual(rows(l, ['d']), [0]);
});

test('budget 1: each new id takes the one row; a batch of two new ids admits the first and rejects the second (overflow)', () => {
  const m = new DynamicIdMap({ rowBudget: 1 });
  assert.deepEqual(rows(m, ['a']), [0]);
  assert.deepEqual(rows(m, ['b']), [0]);
  assert.equal(m.totals.evictions, 1);
  const b = m.map(['c', 'd', 'c']);
  assert.deepEqual(Array.from(b.rows), [0, -1, 0]);
  assert.deepEqual(b.stats, { ids: 3, hits: 0, admittedIds: 2, rejectedIds: 1, overflowIds: 1, admissions: 1, evictions: 1 });
  // A hit pins the row: ['c', 'e'] keeps c, rejects e.
  assert.deepEqual(rows(m, ['e', 'c']), [-1, 0]);
});

test('collision-free on adversarial 64-bit ids (equal low 32 bits, and ids differing only in the sign bit)', () => {
  const n = 5000;
  const ids = new BigInt64Array(n);
  for (let i = 0; i < n; i++) ids[i] = (BigInt(i) << 32n) | 7n; // every id ≡ 7 mod 2^32
  ids[0] = -(2n ** 63n) + 7n;
  const m = new DynamicIdMap({ rowBudget: n });
  const r = m.map(ids).rows;
  assert.equal(new Set(r).size, n, 'every id its own row');
  for (let i = 0; i < n; i++) assert.equal(m.idOfRow(r[i]), ids[i]);
  // The hash spreads them: partitions of 8 are balanced within ±25 % of n/8.
  const h = new Uint32Array(2);
  const per = new Array(8).fill(0);
  for (const id of ids) {
    hashId64(Number(BigInt.asIntN(32, id >> 32n)), Number(BigInt.asIntN(32, id)), h);
    per[dynamicIdPartition(h[0], 8)]++;
  }
  for (const c of per) assert.ok(Math.abs(c - n / 8) < n / 32, `partition sizes ${per}`);
  // Again: every id is a hit on its row.
  const again = m.map(ids);
  assert.deepEqual(Array.from(again.rows), Array.from(r));
  assert.equal(again.stats.hits, n);
});

test('bigint[] and BigInt64Array / BigUint64Array name the same ids (two\'s complement); strings are exact', () => {
  const m = new DynamicIdMap({ rowBudget: 10 });
  const r1 = m.map([1n, -1n, 2n ** 40n]).rows;
  const r2 = m.map(BigInt64Array.of(2n ** 40n, 1n)).rows;
  const r3 = m.map(BigUint64Array.of(2n ** 64n - 1n)).rows; // the bits of -1
  assert.deepEqual([r2[0], r2[1], r3[0]], [r1[2], r1[0], r1[1]]);
  assert.equal(m.idOfRow(r1[1]), -1n);
  const s = new DynamicIdMap({ rowBudget: 10 });
  // Strings that differ in one code unit, or are prefixes of each other, get distinct rows.
  const sr = s.map(['user:1', 'user:10', 'user:1\u0000', 'user:2', '']).rows;
  assert.equal(new Set(sr).size, 5);
  assert.equal(s.rowOf('user:10'), sr[1]);
});

test('determinism: the same stream gives the same rows, new rows and hashes, in this process and in another one', () => {
  const stream = Array.from({ length: 40 }, (_, k) => Array.from({ length: 16 }, (_, i) => BigInt(((k * 7 + i * 13) % 37) * 1_000_003)));
  const run = (): string =>
    JSON.stringify(
      ((m) => stream.map((b) => ((x) => [Array.from(x.rows), Array.from(x.newRows), Array.from(x.newRowHashes)])(m.map(b))))(
        new DynamicIdMap({ rowBudget: 12, admitAfter: 2, eviction: 'lfu', numPartitions: 3 }),
      ),
    );
  const here = run();
  assert.equal(here, run());
  // The hash is not seeded by anything of the process (shards and initial values must survive a restart).
  const script = `const { hashId64, hashIdString } = require(${JSON.stringify(require.resolve('../../src/kernels/id-hash'))});
    const h = new Uint32Array(2); hashId64(-1, 5, h); const a = Array.from(h); hashIdString('user:42', h); console.log(JSON.stringify([a, Array.from(h)]));`;
  const child = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' }).trim();
  const h = new Uint32Array(2);
  hashId64(-1, 5, h);
  const a = Array.from(h);
  hashIdString('user:42', h);
  assert.equal(child, JSON.stringify([a, Array.from(h)]));
});

test('partitions: id → partition hash mod N, row = j·N + p; each partition evicts within its own rows', () => {
  const N = 4;
  const m = new DynamicIdMap({ rowBudget: 8, numPartitions: N });
  const h = new Uint32Array(2);
  const ids = Array.from({ length: 50 }, (_, i) => `id${i}`);
  const r = m.map(ids).rows;
  ids.forEach((id, i) => {
    hashIdString(id, h);
    if (r[i] >= 0) assert.equal(r[i] % N, dynamicIdPartition(h[0], N));
  });
  // 8 rows, 2 per partition: at most 8 admitted; the rest overflow (rows all used by this batch).
  assert.equal(m.size, 8);
  assert.equal(m.totals.overflowIds, 42);
});

test('undoLast restores the map exactly (rows, counts, sketch, clock, totals)', () => {
  const m = new DynamicIdMap({ rowBudget: 2, admitAfter: 2, eviction: 'lru' });
  m.map(['a', 'a', 'b', 'b', 'c']);
  m.commit();
  const before = JSON.stringify([m.totals, m.rowOf('a'), m.rowOf('b'), m.rowOf('c'), Array.from(m.sketch!.counters.filter((x) => x > 0))]);
  m.map(['c', 'd', 'd', 'a']); // c admitted (2nd sighting) evicting b; a hit; d admitted? no row left (a pinned) → overflow
  m.undoLast();
  const after = JSON.stringify([m.totals, m.rowOf('a'), m.rowOf('b'), m.rowOf('c'), Array.from(m.sketch!.counters.filter((x) => x > 0))]);
  assert.equal(after, before);
  // The next batch behaves as if the undone one never happened: c's second sighting admits it again.
  const b = m.map(['c', 'a']);
  assert.deepEqual(Array.from(b.rows), [m.rowOf('c'), m.rowOf('a')]);
  assert.equal(b.stats.evictions, 1);
  assert.equal(m.rowOf('b'), -1);
});

test('ids of the wrong type throw InputError invalid_ids naming the fix, and leave the map unchanged', () => {
  const m = new DynamicIdMap({ rowBudget: 4 });
  m.map(['a']);
  const bad: unknown[] = [[1, 2], Int32Array.of(1), ['a', 1], [1n, 'a'], [2n ** 64n], [1n]];
  for (const ids of bad) {
    assert.throws(
      () => m.map(ids as string[], 'TPUEmbedding.lookup (feature \'f\')'),
      (e: unknown) => e instanceof InputError && e.kind === 'invalid_ids' && /TPUEmbedding\.lookup \(feature 'f'\)/.test(e.message) && /BigInt64Array|one id kind/.test(e.message),
      String(ids),
    );
  }
  assert.equal(m.size, 1);
  assert.deepEqual(m.totals.ids, 1);
});

test('count-min sketch: never underestimates; with M ≪ width the estimates of a small stream are exact', () => {
  const s = new CountMinSketch(1 << 12, 4);
  const h = new Uint32Array(2);
  const truth = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const id = `k${(i * i) % 97}`;
    hashIdString(id, h);
    s.add(h[0], h[1], 1);
    truth.set(id, (truth.get(id) ?? 0) + 1);
  }
  let exact = 0;
  for (const [id, c] of truth) {
    hashIdString(id, h);
    const e = s.estimate(h[0], h[1]);
    assert.ok(e >= c, `${id}: estimate ${e} < ${c}`);
    if (e === c) exact++;
  }
  assert.equal(exact, truth.size);
});

test('admission through the sketch is never late: an id has a row by its admitAfter-th sighting, even with a small, colliding sketch', () => {
  // 5,000 distinct ids, 20,000 sightings over 4,096 × 4 counters: collisions (estimates run high, so some ids are admitted early),
  // but an estimate is never below the true count, so no id waits past its 3rd sighting. No evictions (budget ≥ ids).
  const m = new DynamicIdMap({ rowBudget: 5000, admitAfter: 3, sketchWidth: 1 << 12 });
  const seen = new Map<string, number>();
  let early = 0;
  for (let b = 0; b < 100; b++) {
    const ids = Array.from({ length: 200 }, (_, i) => `id${((b * 200 + i) * 2654435761) % 5000}`);
    const rows = m.map(ids).rows;
    m.commit();
    ids.forEach((id, i) => seen.set(id, (seen.get(id) ?? 0) + (ids.indexOf(id) === i ? ids.filter((x) => x === id).length : 0)));
    for (const [i, id] of ids.entries()) {
      const count = seen.get(id)!;
      if (count >= 3) assert.ok(rows[i] >= 0, `${id} seen ${count} times has no row`);
      else if (rows[i] >= 0) early++;
    }
  }
  assert.ok(early > 0, 'the small sketch does admit some ids early (its error is one-sided)');
});

test('bad options throw ConfigError invalid_dynamic_options naming the parameter, the value and the rule', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ rowBudget: 0 }, /rowBudget of a dynamic table to be a positive integer.*got 0/],
    [{ rowBudget: 4, admitAfter: 0 }, /admitAfter to be an integer in \[1, 65535\].*got 0/],
    [{ rowBudget: 4, eviction: 'mru' }, /eviction to be one of lru, lfu, but got "mru"/],
    [{ rowBudget: 4, numPartitions: 5 }, /numPartitions to be an integer in \[1, rowBudget = 4\].*got 5/],
    [{ rowBudget: 4, rowOrder: 'random' }, /rowOrder to be 'interleaved' or 'contiguous', but got random/],
    [{ rowBudget: 4, admitAfter: 2, sketchWidth: 1000 }, /sketchWidth to be a power of two.*got 1000/],
    [{ rowBudget: 4, sketchDepth: 0 }, /sketchDepth to be an integer in \[1, 16\], but got 0/],
  ];
  for (const [opts, re] of bad) {
    assert.throws(() => new DynamicIdMap(opts as never), (e: unknown) => e instanceof ConfigError && e.kind === 'invalid_dynamic_options' && re.test(e.message), JSON.stringify(opts));
  }
});

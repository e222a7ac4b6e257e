// The native id router and gradient sums against their WebAssembly twins: identical outputs (bit for bit).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IdRouting } from '../../src/kernels/id-dedup';
import { NativeGradientSums } from '../../src/kernels/native-gradient-sums';
import { NativeIdDedup } from '../../src/kernels/native-id-dedup';
import { TableLayout, type Sharding } from '../../src/embedding/table-layout';
import { WasmGradientSums } from '../../src/kernels/wasm-gradient-sums';
import { WasmIdDedup, type RoutedIdDedup } from '../../src/kernels/wasm-id-dedup';
import { addon, NATIVE_SKIP } from './fixtures/native-addon';
import { Random } from '../../src/random';

function routingOf(layout: TableLayout): IdRouting {
  return {
    numShards: layout.numShards,
    mod: layout.sharding === 'mod',
    rotation: layout.rotation,
    rowsPerShard: layout.shardRows[0],
    divisions: layout.sharding === 'div' ? { q: Math.floor(layout.vocabularySize / layout.numShards), extras: layout.vocabularySize % layout.numShards } : undefined,
    shardOf: (id) => layout.shardOf(id),
    storageRow: (id) => layout.storageRow(id),
  };
}

describe('NativeIdDedup (the native id router)', { skip: NATIVE_SKIP }, () => {
  it('gives WasmIdDedup’s slots, offsets, distinct ids, shards, rows and counts for every sharding, over steps', () => {
    const rng = new Random(21);
    const cases: [Sharding, number, number, number][] = [
      ['mod', 1000, 8, 3],
      ['mod', 1003, 6, 5],
      ['div', 1003, 6, 2],
      ['div', 4, 6, 0],
      ['table', 500, 4, 2],
    ];
    for (const [sharding, V, N, rotation] of cases) {
      const layout = new TableLayout(V, N, rotation, sharding);
      const routing = routingOf(layout);
      const wasm = WasmIdDedup.create()!;
      const native = NativeIdDedup.create(addon());
      assert.ok(native, 'the native kernels are loaded');
      // Steps: small, large (the arrays grow), then small ones that reset by clearing used slots and by refilling.
      for (const n of [600, 20_000, 300, 5_000, 40]) {
        const ids = Int32Array.from({ length: n }, () => Math.min(V - 1, Math.floor(V * rng.float() ** 3)));
        const R = 3;
        const results: Record<string, unknown>[] = ([wasm, native] as RoutedIdDedup[]).map((d): Record<string, unknown> => {
          d.reset(n);
          const slots = new Int32Array(n);
          const offs = new Int32Array(n);
          const idsPS = new Int32Array(R * N);
          const uniqPS = new Int32Array(R * N);
          const per = Math.floor(n / R);
          for (let r = 0; r < R; r++) {
            const s = r * per;
            const e = r === R - 1 ? n : s + per;
            if (r < R - 1) d.insertRouted(ids, s, e, slots, offs, 256, routing, r, idsPS, uniqPS, r * N);
            else for (let p = s; p < e; p++) d.insertRouted(ids, p, p + 1, slots, offs, 256, routing, r, idsPS, uniqPS, r * N);
          }
          const U = d.count;
          return { U, slots, offs, idsPS, uniqPS, uids: d.uniqueIds.slice(0, U), shard: d.uniqueShard.slice(0, U), row: d.uniqueRow.slice(0, U) };
        });
        assert.deepEqual(results[1], results[0], `${sharding} V=${V} N=${N} rotation=${rotation} n=${n}`);
      }
    }
  });

  it('refuses more ids than reset() reserved and positions outside the arrays (RangeError, nothing written)', () => {
    const d = NativeIdDedup.create(addon())!;
    const routing = routingOf(new TableLayout(100, 4, 0, 'mod'));
    d.reset(2);
    const ids = Int32Array.of(1, 2, 3);
    assert.throws(() => d.insertRouted(ids, 0, 2000, new Int32Array(3), new Int32Array(3), 16, routing, 0, new Int32Array(4), new Int32Array(4), 0), /RangeError|exceed/);
    const k = addon();
    const hash = new Int32Array(2 * 1024).fill(-1);
    const small = new Int32Array(2);
    assert.throws(
      () => k.insertRouted(ids, 0, 3, small, new Int32Array(3), 16, 0, 4, 0, 25, 2, 0, 0, new Int32Array(4), new Int32Array(4), 0, hash, 22, new Int32Array(8), new Int32Array(8), new Int32Array(8), new Int32Array(8), 0),
      /positions \[0, 3\) exceed ids, slotOut or posOut/,
    );
    assert.deepEqual(Array.from(small), [0, 0]);
  });
});

describe('NativeIdDedup.routeCombine (route, gather and combine in one native call)', { skip: NATIVE_SKIP }, () => {
  it('gives insertRouted’s slots, offsets and counts and combine’s activations, bit for bit: every sharding, replicas, 1 and 2 threads', () => {
    const rng = new Random(33);
    const cases: [Sharding, number, number, number][] = [
      ['mod', 1000, 8, 3],
      ['mod', 1003, 6, 5],
      ['div', 1003, 6, 2],
      ['table', 500, 4, 2],
    ];
    const dim = 8;
    for (const [sharding, V, N, rotation] of cases) {
      const layout = new TableLayout(V, N, rotation, sharding);
      const routing = routingOf(layout);
      const storage = Float32Array.from({ length: layout.storageRows * dim }, () => rng.float() * 2 - 1);
      for (const [B, maxLen, unit] of [[9_000, 4, false], [12_000, 1, true]] as const) {
        const rowSplits = new Int32Array(B + 1);
        for (let b = 0; b < B; b++) rowSplits[b + 1] = rowSplits[b] + (unit ? 1 : rng.int(maxLen + 1));
        // One long bag (left to the caller) among the short ones.
        if (!unit) for (let b = 77; b <= B; b++) rowSplits[b] += 3000;
        const n = rowSplits[B];
        const ids = Int32Array.from({ length: n }, () => Math.min(V - 1, Math.floor(V * rng.float() ** 2)));
        const scale = unit ? new Float32Array(n).fill(1) : Float32Array.from({ length: n }, () => rng.float());
        const R = 3;
        const Br = B / R;
        const run = (fused: boolean, threads: number) => {
          const d = NativeIdDedup.create(addon())!;
          d.reset(n);
          const slots = new Int32Array(n);
          const offs = new Int32Array(n);
          const idsPS = new Int32Array(R * N);
          const uniqPS = new Int32Array(R * N);
          const out = new Float32Array(B * dim).fill(NaN);
          let left = 0;
          for (let r = 0; r < R; r++) {
            if (fused) left += d.routeCombine(ids, r * Br, (r + 1) * Br, slots, offs, dim * 4, routing, r, idsPS, uniqPS, r * N, storage, scale, rowSplits, out, 2048, threads);
            else d.insertRouted(ids, rowSplits[r * Br], rowSplits[(r + 1) * Br], slots, offs, dim * 4, routing, r, idsPS, uniqPS, r * N);
          }
          if (!fused) left = addon().combine(storage, offs, scale, rowSplits, B, dim, out, 2048, 1);
          const U = d.count;
          return { U, left, slots, offs, idsPS, uniqPS, uids: d.uniqueIds.slice(0, U), row: d.uniqueRow.slice(0, U), out: new Uint32Array(out.buffer) };
        };
        const want = run(false, 1);
        assert.equal(want.left, unit ? 0 : 1, 'one bag is longer than maxBag');
        for (const threads of [1, 2]) assert.deepEqual(run(true, threads), want, `${sharding} V=${V} N=${N} unit=${unit} threads=${threads}`);
      }
    }
  });

  it('refuses bad splits and short outputs before writing anything (RangeError)', () => {
    const k = addon();
    const hash = new Int32Array(2 * 1024).fill(-1);
    const storage = new Float32Array(10 * 4).fill(1);
    const args = (splits: Int32Array, out: Float32Array) =>
      [Int32Array.of(1, 2, 3), new Int32Array(3), new Int32Array(3), 16, 3, 1, 0, 0, 0, 0, 0, new Int32Array(1), new Int32Array(1), 0, hash, 22, new Int32Array(8), new Int32Array(8), new Int32Array(8), new Int32Array(8), 0, storage, new Float32Array(3).fill(1), splits, 0, 2, 4, out, 100, 2] as Parameters<typeof k.routeCombine>;
    const out = new Float32Array(8);
    assert.throws(() => k.routeCombine(...args(Int32Array.of(0, 2, 1), out)), /rowSplits\[1 \.\. 2\] = 2, 1 is not an ascending range/);
    assert.throws(() => k.routeCombine(...args(Int32Array.of(0, 1, 3), new Float32Array(7))), /out holds fewer than b1 × dim floats/);
    assert.deepEqual(Array.from(out), new Array(8).fill(0));
    assert.ok(hash.every((v) => v === -1), 'the hash table is untouched');
    assert.deepEqual(k.routeCombine(...args(Int32Array.of(0, 1, 3), out)), [3, 0]);
    assert.deepEqual(Array.from(out), [1, 1, 1, 1, 2, 2, 2, 2]);
  });
});

describe('native input scans (the lookup’s id and row-splits checks)', { skip: NATIVE_SKIP }, () => {
  it('find the first id outside [0, vocab) and the first decrease at the JavaScript loops’ index, across blocks', () => {
    const rng = new Random(41);
    const k = addon();
    for (const n of [0, 1, 4095, 4096, 4097, 20_000]) {
      for (let trial = 0; trial < 6; trial++) {
        const v = Int32Array.from({ length: n }, () => rng.int(1000));
        const a = Int32Array.from({ length: n }, (_, i) => i * 3);
        if (n > 0 && trial > 0) {
          const at = rng.int(n);
          v[at] = trial % 2 ? -1 - rng.int(5) : 1000 + rng.int(5);
          if (trial > 3) v[Math.min(n - 1, at + 1 + rng.int(9000))] = 2 ** 31 - 1;
          if (at > 0) a[at] = a[at - 1] - 1;
        }
        let wantV = -1;
        for (let p = 0; p < n; p++) if (v[p] < 0 || v[p] >= 1000) { wantV = p; break; }
        let wantA = -1;
        for (let i = 1; i < n; i++) if (a[i] < a[i - 1]) { wantA = i; break; }
        assert.equal(k.firstOutside(v, 1000), wantV, `ids n=${n} trial=${trial}`);
        assert.equal(k.firstDecrease(a), wantA, `splits n=${n} trial=${trial}`);
      }
    }
    assert.throws(() => k.firstOutside(new Int32Array(2), 0), /expected vocab to be an integer in \[1, 2\^31\)/);
  });
});

describe('NativeGradientSums (the native gradient sums)', { skip: NATIVE_SKIP }, () => {
  it('gives WasmGradientSums’ sums bit for bit: two features, empty rows, chunks, 1 and 2 threads', () => {
    const rng = new Random(4);
    for (const dim of [4, 16, 64]) {
      const U = 3000;
      const B = 512;
      const grads = [Float32Array.from({ length: B * dim }, () => rng.float() * 2 - 1), Float32Array.from({ length: B * dim }, () => rng.float() * 2 - 1)];
      const ends = new Int32Array(U);
      let n = 0;
      for (let i = 0; i < U; i++) ends[i] = n += i % 7 === 0 ? 0 : rng.int(6); // some rows without entries
      const goff = Int32Array.from({ length: n }, () => rng.int(B) * dim);
      const scale = Float32Array.from({ length: n }, () => rng.float() + 0.05);
      const feature = Int32Array.from({ length: n }, () => rng.int(2));
      const chunk = 700;
      const wasm = WasmGradientSums.create()!;
      const native = NativeGradientSums.create(addon())!;
      wasm.load(U, ends, n, goff, scale, feature, grads, chunk * dim);
      native.load(U, ends, n, goff, scale, feature, grads, chunk * dim);
      for (const threads of [1, 2]) {
        native.threads = threads;
        for (let c = 0; c < U; c += chunk) {
          const ce = Math.min(U, c + chunk);
          const a = new Uint32Array(wasm.sum(c, ce, dim).slice(0, (ce - c) * dim).buffer);
          const b = new Uint32Array(native.sum(c, ce, dim).slice(0, (ce - c) * dim).buffer);
          assert.deepEqual(b, a, `dim ${dim} rows [${c}, ${ce}) threads ${threads}`);
        }
      }
      // One feature: no feature array.
      native.load(U, ends, n, goff, scale, feature, [grads[0]], chunk * dim);
      wasm.load(U, ends, n, goff, scale, feature, [grads[0]], chunk * dim);
      assert.deepEqual(new Uint32Array(native.sum(0, chunk, dim).slice(0, chunk * dim).buffer), new Uint32Array(wasm.sum(0, chunk, dim).slice(0, chunk * dim).buffer));
    }
  });

  it('refuses an entry that reads outside its gradient (RangeError naming the entry)', () => {
    const s = NativeGradientSums.create(addon())!;
    s.load(1, Int32Array.of(1), 1, Int32Array.of(8), Float32Array.of(1), Int32Array.of(0), [new Float32Array(8)], 4);
    assert.throws(() => s.sum(0, 1, 4), /entry 0 reads outside its gradient/);
  });
});

describe('native row updates (SGD, Adagrad, Adam without clipping or decay)', { skip: NATIVE_SKIP }, () => {
  it('give the WebAssembly kernels’ weights and slots bit for bit, 1 and 2 threads, several chunks', async () => {
    const { adagradRowsKernel, adamRowsKernel, rowKernelArray, sgdRowsKernel } = await import('../../src/kernels/row-kernels');
    const k = addon();
    const rng = new Random(9);
    for (const dim of [8, 64]) {
      const V = 5000;
      const count = 1500; // distinct rows, several kernel chunks (16,384 floats each)
      const perm = rng.permutation(V);
      const rows = Int32Array.from({ length: count }, (_, r) => perm[r] * dim);
      const grads = Float32Array.from({ length: count * dim }, () => (rng.float() * 2 - 1) * 3);
      const init = (fill: (i: number) => number) => {
        const a = rowKernelArray(V * dim);
        for (let i = 0; i < a.length; i++) a[i] = fill(i);
        return a;
      };
      const same = (a: Float32Array, b: Float32Array, what: string) => assert.deepEqual(new Uint32Array(b.slice().buffer), new Uint32Array(a.slice().buffer), what);
      for (const threads of [1, 2]) {
        const w0 = () => init((i) => Math.sin(i) * 0.1);
        // SGD
        const [wa, wb] = [w0(), w0()];
        assert.ok(sgdRowsKernel(wa, rows, count, grads, dim, 0.05));
        k.updateRows(0, wb, null, null, rows, count, grads, dim, 0.05, 0, 0, 0, false, threads);
        same(wa, wb, `sgd dim ${dim} threads ${threads}`);
        // Adagrad
        const [xa, xb, aa, ab] = [w0(), w0(), init(() => 0.1), init(() => 0.1)];
        assert.ok(adagradRowsKernel(xa, aa, rows, count, grads, dim, 0.3));
        k.updateRows(1, xb, ab, null, rows, count, grads, dim, 0.3, 0, 0, 0, false, threads);
        same(xa, xb, `adagrad weights dim ${dim} threads ${threads}`);
        same(aa, ab, `adagrad accumulators dim ${dim} threads ${threads}`);
        // Adam, both epsilon placements
        for (const inside of [true, false]) {
          const [ya, yb, ma, mb, va, vb] = [w0(), w0(), init((i) => Math.cos(i) * 0.01), init((i) => Math.cos(i) * 0.01), init(() => 0.001), init(() => 0.001)];
          assert.ok(adamRowsKernel(ya, ma, va, rows, count, grads, dim, 0.001, 0.9, 0.999, 1e-7, inside));
          k.updateRows(2, yb, mb, vb, rows, count, grads, dim, 0.001, 0.9, 0.999, 1e-7, inside, threads);
          same(ya, yb, `adam weights inside=${inside} dim ${dim} threads ${threads}`);
          same(ma, mb, `adam momenta inside=${inside}`);
          same(va, vb, `adam velocities inside=${inside}`);
        }
      }
    }
  });

  it('refuse a row outside the arrays before changing any row (RangeError)', () => {
    const k = addon();
    const w = new Float32Array(16).fill(1);
    assert.throws(() => k.updateRows(0, w, null, null, Int32Array.of(0, 12), 2, new Float32Array(16).fill(1), 8, 0.5, 0, 0, 0, false, 1), /row offset 12 \+ dim lies outside the arrays \(16 floats\)/);
    assert.deepEqual(Array.from(w), new Array(16).fill(1));
  });
});

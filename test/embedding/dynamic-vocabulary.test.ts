// storage: 'dynamic' tables in the engine: configs, bigint/string ids mapped to rows, rejected ids read as zeros,
// rows (and optimizer slots) re-initialized from (seed, table, id) on (re)admission, hash-then-mod sharding,
// statistics, and rejected lookups that leave the id map and the tables as they were.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/backend';
import { TPUEmbedding, featureConfig, tableConfig, tableConfigFromConfig, type TableConfigOptions } from '../../src/embedding';
import { Adagrad, AdagradMomentum, Adam, FTRL, SGD, optimizerFromConfig } from '../../src/optimizers';
import type { EmbeddingOptimizerLike } from '../../src/embedding';
import { ConfigError, InputError, ShardingError } from '../../src/errors';
import { dynamicIdPartition, hashIdString } from '../../src/kernels/id-hash';

before(async () => {
  await chooseBackend();
});

const rowOf = (emb: TPUEmbedding, table: string, id: string | bigint): Float32Array => emb.table(table).readRow(emb.dynamicIdMap(table)!.rowOf(id));
const values = (t: tf.Tensor): number[] => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};
const close = (a: ArrayLike<number>, b: ArrayLike<number>, msg?: string): void => {
  assert.equal(a.length, b.length, msg);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `${msg ?? ''}[${i}]: ${a[i]} vs ${b[i]}`);
};

describe('tableConfig storage: dynamic', () => {
  it('normalises rowBudget, admitAfter, eviction; vocabularySize is the row budget; getConfig/fromConfig round-trips', () => {
    const t = tableConfig({ storage: 'dynamic', rowBudget: 16, dim: 4, name: 'items' });
    assert.equal(t.vocabularySize, 16);
    assert.equal(t.storage, 'dynamic');
    assert.deepEqual(t.dynamic, { rowBudget: 16, admitAfter: 1, eviction: 'lru' });
    const u = tableConfig({ storage: 'dynamic', rowBudget: 8, admitAfter: 3, eviction: 'lfu', dim: 2, optimizer: new Adagrad() });
    const back = tableConfigFromConfig(u.getConfig(), optimizerFromConfig);
    assert.deepEqual(back.getConfig(), u.getConfig());
    assert.deepEqual(back.dynamic, { rowBudget: 8, admitAfter: 3, eviction: 'lfu' });
    // A dense table's JSON is unchanged (no storage keys).
    assert.deepEqual(Object.keys(tableConfig({ vocabularySize: 4, dim: 2 }).getConfig()).sort(), ['combiner', 'dim', 'initializer', 'name', 'optimizer', 'vocabularySize']);
  });

  it('bad configs throw ConfigError naming the parameter, the value and the fix', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ storage: 'dynamic', rowBudget: 0 }, /rowBudget of a dynamic table to be a positive integer.*got 0.*set it to the most rows/],
      [{ storage: 'dynamic' }, /rowBudget .*got undefined/],
      [{ storage: 'dynamic', rowBudget: 4, admitAfter: 0 }, /admitAfter to be an integer in \[1, 65535\].*got 0/],
      [{ storage: 'dynamic', rowBudget: 4, admitAfter: 1.5 }, /admitAfter .*got 1\.5/],
      [{ storage: 'dynamic', rowBudget: 4, eviction: 'fifo' }, /eviction to be one of lru, lfu, but got "fifo"/],
      [{ storage: 'dynamic', rowBudget: 4, vocabularySize: 4 }, /vocabularySize \(4\) does not apply; remove it and size the table with rowBudget/],
      [{ vocabularySize: 4, rowBudget: 4 }, /rowBudget \(4\) applies to dynamic tables only; add storage: 'dynamic'/],
      [{ vocabularySize: 4, eviction: 'lru' }, /eviction \("lru"\) applies to dynamic tables only/],
      [{ storage: 'hashed', vocabularySize: 4 }, /storage to be one of dense, lazy, dynamic, but got "hashed"/],
      [{ storage: 'dynamic', rowBudget: 4, initializer: () => [] }, /function initializer makes a whole table at once; pass initializer 'truncatedNormal'/],
    ];
    for (const [opts, re] of bad) {
      const kind = typeof opts.initializer === 'function' ? 'unsupported_storage' : 'invalid_table_config';
      assert.throws(() => tableConfig({ dim: 2, ...opts } as TableConfigOptions), (e: unknown) => e instanceof ConfigError && e.kind === kind && re.test(e.message), JSON.stringify(opts));
    }
  });

  it('TPUEmbedding refuses a row budget below the shards (every shard needs rows)', () => {
    const t = tableConfig({ storage: 'dynamic', rowBudget: 4, dim: 2, name: 'items' });
    assert.throws(
      () => new TPUEmbedding({ features: { f: featureConfig({ table: t }) }, optimizer: new SGD(), topology: 'v4-8' }),
      (e: unknown) => e instanceof ConfigError && /dynamic table 'items' has rowBudget 4, below the 16 shards of v4-8.*raise rowBudget to at least 16/.test(e.message),
    );
  });
});

describe('TPUEmbedding with a dynamic table', () => {
  const make = (opts: Partial<TableConfigOptions> = {}, optimizer: EmbeddingOptimizerLike = new SGD({ learningRate: 0.5 }), topology = 'cpu', seed = 0) =>
    new TPUEmbedding({
      features: { f: featureConfig({ table: tableConfig({ storage: 'dynamic', rowBudget: 4, dim: 4, combiner: 'sum', name: 'items', ...opts } as TableConfigOptions) }) },
      optimizer,
      topology,
      seed,
    });

  it('a row\'s initial value is a function of (seed, table, id) only: the same whatever row it lands on, and again after eviction', () => {
    const a = make();
    const b = make();
    values(a.lookup({ f: ['x', 'y', 'z'] }).f);
    values(b.lookup({ f: ['z', 'x'] }).f);
    assert.notEqual(a.dynamicIdMap('items')!.rowOf('x'), b.dynamicIdMap('items')!.rowOf('x'), 'x is on different rows');
    close(rowOf(a, 'items', 'x'), rowOf(b, 'items', 'x'));
    close(rowOf(a, 'items', 'z'), rowOf(b, 'items', 'z'));
    assert.ok(rowOf(a, 'items', 'x').some((v) => v !== 0), 'truncated normal, not zeros');
    assert.notDeepEqual(Array.from(rowOf(a, 'items', 'x')), Array.from(rowOf(a, 'items', 'y')));
    // Another seed gives other values.
    const c = make({}, new SGD(), 'cpu', 7);
    values(c.lookup({ f: ['x'] }).f);
    assert.notDeepEqual(Array.from(rowOf(c, 'items', 'x')), Array.from(rowOf(a, 'items', 'x')));
  });

  it('lookup gathers the mapped rows; training changes a row; eviction and re-admission start it afresh (every optimizer, slots too)', () => {
    for (const opt of [new SGD({ learningRate: 0.5 }), new Adagrad({ learningRate: 0.5 }), new AdagradMomentum({ learningRate: 0.5 }), new Adam({ learningRate: 0.5 }), new FTRL({ learningRate: 0.5 })]) {
      const emb = make({ rowBudget: 2, eviction: 'lru' }, opt);
      const acts = emb.lookup({ f: ['a', 'b'] });
      const init = rowOf(emb, 'items', 'a').slice();
      close(Array.from(acts.f.dataSync()).slice(0, 4), init, `${opt.className} lookup`);
      emb.applyGradients({ f: tf.onesLike(acts.f) });
      acts.f.dispose();
      const trained = rowOf(emb, 'items', 'a');
      assert.ok(trained.some((v, k) => Math.abs(v - init[k]) > 1e-3), `${opt.className}: a trained`);
      // 'c' evicts 'a' (least recently used: a was touched before b); 'a' comes back on b's row… its initial value again.
      values(emb.lookup({ f: ['c'] }).f);
      assert.equal(emb.dynamicIdMap('items')!.rowOf('a'), -1);
      values(emb.lookup({ f: ['a'] }).f);
      close(rowOf(emb, 'items', 'a'), init, `${opt.className} re-admitted`);
      const row = emb.dynamicIdMap('items')!.rowOf('a');
      const full = emb.table('items').exportFull();
      for (const spec of opt.slotSpecs()) {
        close(full.slots[spec.name]!.subarray(row * 4, row * 4 + 4), new Float32Array(4).fill(spec.initialValue), `${opt.className} ${spec.name}`);
      }
    }
  });

  it('admitAfter 2: an id reads zeros and gets no update until its second sighting; mean averages over admitted ids only', () => {
    const emb = make({ admitAfter: 2, combiner: 'mean' }, new SGD({ learningRate: 1 }));
    const before = emb.table('items').exportFull().weights;
    let acts = emb.lookup({ f: ['p'] });
    assert.deepEqual(values(acts.f), [0, 0, 0, 0]);
    acts = emb.lookup({ f: ['p'] });
    emb.applyGradients({ f: tf.onesLike(acts.f) }); // the first lookup's gradient was never applied; this one is
    acts.f.dispose();
    assert.deepEqual(emb.lastStats!.tables[0].dynamic, { ids: 1, hits: 0, admittedIds: 1, rejectedIds: 0, overflowIds: 0, admissions: 1, evictions: 0 });
    // Bags: ['p', 'q'] (q seen once: rejected) → mean over p alone; ['q'] → zeros.
    acts = emb.lookup({ f: { values: ['p', 'q', 'q2'], rowSplits: [0, 2, 3] } });
    const v = values(acts.f);
    close(v.slice(0, 4), rowOf(emb, 'items', 'p'));
    assert.deepEqual(v.slice(4), [0, 0, 0, 0]);
    assert.deepEqual(emb.lastStats!.tables[0].dynamic, { ids: 3, hits: 1, admittedIds: 0, rejectedIds: 2, overflowIds: 0, admissions: 0, evictions: 0 });
    assert.equal(emb.lastStats!.tables[0].ids, 1, 'rejected ids are not routed');
    // Rows other than p's are untouched by the update.
    const after = emb.table('items').exportFull().weights;
    const pr = emb.dynamicIdMap('items')!.rowOf('p');
    for (let r = 0; r < 4; r++) if (r !== pr) close(after.subarray(r * 4, r * 4 + 4), before.subarray(r * 4, r * 4 + 4), `row ${r}`);
  });

  it('a sequence feature keeps positions: a rejected id reads zeros at its position', () => {
    const t = tableConfig({ storage: 'dynamic', rowBudget: 4, dim: 2, admitAfter: 2, name: 'items' });
    const emb = new TPUEmbedding({ features: { s: featureConfig({ table: t, maxSequenceLength: 3 }) }, optimizer: new SGD(), topology: 'cpu' });
    values(emb.lookup({ s: ['a'] }).s);
    const v = values(emb.lookup({ s: { values: ['new', 'a'], rowSplits: [0, 2] } }).s); // [1, 3, 2]
    const a = rowOf(emb, 'items', 'a');
    close(v, [0, 0, a[0], a[1], 0, 0]);
  });

  it('bigint ids: BigInt64Array and bigint[] name the same rows; ids beyond 2^53 and with equal low bits stay distinct', () => {
    const emb = make({ rowBudget: 8 });
    const ids = [2n ** 60n + 5n, 5n, -(2n ** 62n) + 5n];
    values(emb.lookup({ f: BigInt64Array.from(ids) }).f);
    const map = emb.dynamicIdMap('items')!;
    assert.equal(new Set(ids.map((x) => map.rowOf(x))).size, 3);
    values(emb.lookup({ f: ids }).f);
    assert.equal(emb.lastStats!.tables[0].dynamic!.hits, 3);
  });

  it('hash-then-mod: on v4-8 an id lands on shard (hash mod N + rotation) mod N, and the stats count it there', () => {
    const emb = make({ rowBudget: 256 }, new SGD(), 'v4-8');
    const table = emb.table('items');
    const N = emb.numShards;
    const ids = Array.from({ length: 40 }, (_, i) => `user:${i}`);
    values(emb.lookup({ f: ids.slice(0, 32) }).f); // batch divisible by the 4 replicas
    const rotation = table.layout.shardOf(0);
    const h = new Uint32Array(2);
    const perShard = new Array(N).fill(0);
    for (const id of ids.slice(0, 32)) {
      hashIdString(id, h);
      const shard = (dynamicIdPartition(h[0], N) + rotation) % N;
      const row = emb.dynamicIdMap('items')!.rowOf(id);
      assert.equal(table.layout.shardOf(row), shard, id);
      perShard[shard]++;
    }
    assert.deepEqual(emb.lastStats!.tables[0].idsPerShard, perShard);
  });

  it("sharding 'div' puts an id in the range of shard hash mod N; 'table' keeps every id on the table's shard", () => {
    const h = new Uint32Array(2);
    const ids = Array.from({ length: 32 }, (_, i) => `user:${i}`);
    for (const sharding of ['div', 'table'] as const) {
      const emb = new TPUEmbedding({
        features: { f: featureConfig({ table: tableConfig({ storage: 'dynamic', rowBudget: 250, dim: 4, name: 'items' }) }) },
        optimizer: new SGD(),
        topology: 'v4-8',
        sharding,
      });
      values(emb.lookup({ f: ids }).f);
      const table = emb.table('items');
      const N = emb.numShards;
      for (const id of ids) {
        hashIdString(id, h);
        const row = emb.dynamicIdMap('items')!.rowOf(id);
        assert.ok(row >= 0 && row < 250, `${sharding} ${id}: row ${row}`);
        assert.equal(emb.dynamicIdMap('items')!.idOfRow(row), id);
        assert.equal(table.layout.shardOf(row), sharding === 'div' ? dynamicIdPartition(h[0], N) : table.layout.rotation, `${sharding} ${id}`);
      }
    }
  });

  it('importTables refuses a dynamic table (its id map is not in the full form) and changes nothing', () => {
    const dense = tableConfig({ vocabularySize: 4, dim: 4, name: 'dense' });
    const emb = new TPUEmbedding({
      features: { f: featureConfig({ table: tableConfig({ storage: 'dynamic', rowBudget: 4, dim: 4, name: 'items' }) }), g: featureConfig({ table: dense }) },
      optimizer: new SGD(),
      topology: 'cpu',
    });
    tf.dispose(Object.values(emb.lookup({ f: ['a'], g: [1] })));
    const full = emb.exportTables();
    const before = JSON.stringify(emb.exportTables());
    const changed = { weights: full.dense.weights.map((x) => x + 1), slots: {} };
    assert.throws(
      () => emb.importTables({ dense: changed, items: full.items }),
      (e: unknown) => e instanceof InputError && e.kind === 'unsupported_storage' && /table 'items' has storage 'dynamic'.*leave 'items' out/.test(e.message),
    );
    assert.equal(JSON.stringify(emb.exportTables()), before);
    emb.importTables({ dense: changed });
    close(emb.table('dense').readRow(0), changed.weights.subarray(0, 4));
  });

  it('ids of the wrong type throw InputError invalid_ids naming the feature and the fix; nothing changes', () => {
    const emb = make();
    values(emb.lookup({ f: ['a'] }).f);
    for (const ids of [[1, 2], Int32Array.of(1, 2), { values: [1, 2], rowSplits: [0, 2] }, [1n, 'b']]) {
      assert.throws(
        () => emb.lookup({ f: ids as string[] }),
        (e: unknown) => e instanceof InputError && e.kind === 'invalid_ids' && /feature 'f'/.test(e.message) && /BigInt64Array|one id kind/.test(e.message),
        JSON.stringify(ids, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)),
      );
    }
    assert.throws(() => emb.lookup({ f: [3n] }), (e: unknown) => e instanceof InputError && /holds string ids, but got int64 ids/.test(e.message));
    assert.equal(emb.dynamicIdMap('items')!.totals.ids, 1);
  });

  it('getConfig/fromConfig rebuilds the dynamic table; a non-object lookup argument is an InputError, not a crash', () => {
    const emb = make({ rowBudget: 8, admitAfter: 2, eviction: 'lfu' });
    const back = TPUEmbedding.fromConfig(emb.getConfig(), optimizerFromConfig);
    assert.deepEqual(back.featureConfigs.f.table.dynamic, { rowBudget: 8, admitAfter: 2, eviction: 'lfu' });
    assert.equal(back.dynamicIdMap('items')!.admitAfter, 2);
    assert.throws(() => emb.lookup(null as never), (e: unknown) => e instanceof InputError && e.kind === 'invalid_input');
  });

  it('a lookup rejected after mapping (id limit exceeded) leaves the id map, the rows and the slots as they were', () => {
    const t = tableConfig({ storage: 'dynamic', rowBudget: 2, dim: 2, name: 'items', combiner: 'sum' });
    const other = tableConfig({ vocabularySize: 4, dim: 2, name: 'dense' });
    const emb = new TPUEmbedding({
      features: { f: featureConfig({ table: t }), g: featureConfig({ table: other }) },
      optimizer: new Adagrad({ learningRate: 0.5 }),
      topology: 'cpu',
      maxIdsPerPartition: 3,
    });
    let acts = emb.lookup({ f: ['a', 'b'], g: [0, 1] });
    emb.applyGradients({ f: tf.onesLike(acts.f), g: tf.onesLike(acts.g) });
    tf.dispose(Object.values(acts));
    const snap = () => JSON.stringify([emb.exportTables(), emb.dynamicIdMap('items')!.totals, ['a', 'b', 'c', 'd'].map((x) => emb.dynamicIdMap('items')!.rowOf(x))]);
    const before = snap();
    // c and d evict a and b (rows re-initialized), then the dense table's 4 ids exceed the limit of 3.
    assert.throws(() => emb.lookup({ f: ['c', 'd', 'c', 'd'], g: [0, 1, 2, 3] }), (e: unknown) => e instanceof ShardingError && e.kind === 'id_limit_exceeded');
    assert.equal(snap(), before);
    // A lookup rejected by validation (batch sizes differ) changes nothing either.
    assert.throws(() => emb.lookup({ f: ['c'], g: [0, 1] }), (e: unknown) => e instanceof InputError && e.kind === 'batch_size_mismatch');
    assert.equal(snap(), before);
    // And the map goes on from there: a and b are still hits.
    acts = emb.lookup({ f: ['a', 'b'], g: [0, 1] });
    tf.dispose(Object.values(acts));
    assert.equal(emb.lastStats!.tables[0].dynamic!.hits, 2);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseBackend } from '../../src/backend';
import { loadCheckpoint, saveCheckpoint, type CheckpointContent } from '../../src/checkpoint';
import { CheckpointError } from '../../src/errors';
import { Adagrad, AdagradMomentum, Adam, FTRL, SGD, kerasAdagrad, renameLegacySlots } from '../../src/optimizers';
import { Random } from '../../src/random';
import { RankingModel, rankingCheckpointContent, rankingStateFromCheckpoint, type RatingBatch } from '../../src/models';

const model = (seed = 1): RankingModel =>
  new RankingModel({ topology: 'v4-8', optimizer: kerasAdagrad({ learningRate: 0.1 }), userVocabularySize: 30, movieVocabularySize: 20, embeddingDim: 4, hiddenUnits: [8], seed });

function batches(n: number): RatingBatch[] {
  const rng = new Random(3);
  return Array.from({ length: n }, () => {
    const u = Int32Array.from({ length: 16 }, () => rng.int(30));
    const m = Int32Array.from({ length: 16 }, () => rng.int(20));
    return { user_id: u, movie_id: m, user_rating: Float32Array.from(u, (x, i) => 1 + ((x + m[i]) % 5)) };
  });
}

/** A checkpoint as tpu-embeddings 0.1 wrote it: `<table>/accumulator` and an int32 `optimizer/iter`. */
function asOldCheckpoint(content: CheckpointContent): CheckpointContent {
  return {
    ...content,
    groups: content.groups.map((g) => ({
      ...g,
      tensors: g.tensors.map((t) => {
        if (t.name === 'optimizer/iter') return { ...t, dtype: 'int32' as const, data: Int32Array.of(Number((t.data as BigInt64Array)[0])) };
        return /^table_\d+\/accumulators$/.test(t.name) ? { ...t, name: t.name.replace(/accumulators$/, 'accumulator') } : t;
      }),
    })),
  };
}

describe('slot and iteration names as TensorFlow writes them', () => {
  let root: string;
  before(async () => {
    await chooseBackend();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'slot-names-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it("every optimizer's slots carry TF's _slot_names() (tpu_embedding_v2_utils.py)", () => {
    // TF 2.21: SGD [], Adagrad ['accumulators'], AdagradMomentum ['accumulators', 'momenta'], Adam ['momenta', 'velocities'],
    // FTRL ['accumulators', 'linears']. test/interop/tensorflow.test.ts asks TF itself for the same lists.
    const names = (o: { slotSpecs(): readonly { name: string }[] }): string[] => o.slotSpecs().map((s) => s.name);
    assert.deepEqual(names(new SGD()), []);
    assert.deepEqual(names(new Adagrad()), ['accumulators']);
    assert.deepEqual(names(new AdagradMomentum()), ['accumulators', 'momenta']);
    assert.deepEqual(names(new Adam()), ['momenta', 'velocities']);
    assert.deepEqual(names(new FTRL()), ['accumulators', 'linears']);
  });

  it('a checkpoint names table slots <table>/accumulators and keeps optimizer/iter as an int64 scalar', async () => {
    const m = model();
    await m.fit(batches(3), { epochs: 1, verbose: 0 });
    const saved = await saveCheckpoint(path.join(root, 'new'), await rankingCheckpointContent(m));
    const loaded = await loadCheckpoint(saved.dir);
    const names = loaded.manifest.tensors.map((t) => t.name);
    assert.ok(names.includes('table_0/accumulators') && names.includes('table_1/accumulators'), names.join(', '));
    assert.ok(!names.some((n) => /^table_\d+\/accumulator$/.test(n)));
    const iter = loaded.tensors.get('optimizer/iter');
    assert.equal(iter?.dtype, 'int64');
    assert.deepEqual(iter?.shape, []);
    assert.equal((iter?.data as BigInt64Array)[0], 3n);
    m.dispose();
  });

  it('an old checkpoint (accumulator, int32 iter) loads with a one-line notice and resumes training identically', async () => {
    const data = batches(6);
    const reference = model();
    const full = await reference.fit(data, { epochs: 1, verbose: 0 });
    const trained = model();
    await trained.fit(data.slice(0, 3), { epochs: 1, verbose: 0 });
    const saved = await saveCheckpoint(path.join(root, 'old'), asOldCheckpoint(await rankingCheckpointContent(trained)));
    const loaded = await loadCheckpoint(saved.dir);
    assert.ok(loaded.tensors.has('table_0/accumulator'));

    const lines: string[] = [];
    const warn = console.warn;
    console.warn = (line: string) => lines.push(line);
    let state;
    try {
      state = rankingStateFromCheckpoint(loaded);
    } finally {
      console.warn = warn;
    }
    assert.equal(lines.length, 1);
    assert.match(lines[0], /old slot names.*table_0\/accumulator → table_0\/accumulators, table_1\/accumulator → table_1\/accumulators/);
    const resumed = model(9);
    await resumed.setState(state);
    const rest = await resumed.fit(data.slice(3), { epochs: 1, verbose: 0 });
    assert.deepEqual(rest.stepLoss, full.stepLoss.slice(3));
    for (const x of [reference, trained, resumed]) x.dispose();
  });

  it('refuses a table holding a slot under both names (never drops one silently)', () => {
    const t = (name: string) => ({ name });
    assert.throws(
      () => renameLegacySlots([t('table_0'), t('table_0/accumulator'), t('table_0/accumulators')], 'ckpt-7', () => {}),
      (e: unknown) => e instanceof CheckpointError && e.kind === 'ambiguous_slot' && /'table_0\/accumulator'.*'table_0\/accumulators'.*ckpt-7|ckpt-7.*'table_0\/accumulator'/.test(e.message),
    );
    const lines: string[] = [];
    assert.deepEqual(renameLegacySlots([t('table_0'), t('table_0/momenta')], 'x', (l) => lines.push(l)).map((x) => x.name), ['table_0', 'table_0/momenta']);
    assert.equal(lines.length, 0);
  });
});

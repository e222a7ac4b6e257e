// Issue 13 part 3: a dynamic-vocabulary table checkpoints only its existing rows + its id map (ids, eviction state,
// clock, totals, admission sketch), streamed into several safetensors files when over maxFileBytes, and restores on
// the same topology and any other (hash mod N placement) bit-identically: the restored engine looks up and trains
// exactly as the saved one does on the same continued stream. A rejected restore leaves the engine as it was.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chooseBackend } from '../../src/backend';
import { loadCheckpoint, restoreExistingRows, saveCheckpoint, type ExistingRows, type ExistingRowsTarget } from '../../src/checkpoint';
import type { TPUEmbedding } from '../../src/embedding';
import { CheckpointError, InputError } from '../../src/errors';
import { dynamicEngine, dynamicState, engineContent, trainStep } from './fixtures/dynamic-engine';

before(async () => {
  await chooseBackend();
});

// The engine fits checkpoint/'s structural contracts (checkpoint/ does not import the engine).
const fits = (emb: TPUEmbedding): [ExistingRows, ExistingRowsTarget] => [emb.existingRows('items'), emb];

const SAVED_AT = 12; // steps before the save
const CONTINUED = 10; // steps after it, on both sides

function snapshot(emb: TPUEmbedding) {
  return { items: dynamicState(emb, 'items'), tags: dynamicState(emb, 'tags'), users: Array.from(emb.exportTables().users.weights) };
}

type Where = [string, 'sparsecore' | 'cpu'];

/**
 * Trains an engine on `chain[0]`, saves it, continues it; restores the checkpoint on each later topology in turn
 * (checking the state by id right after each restore, and saving it again from there), and on the last one continues
 * the same steps: lookups, weights, slots, eviction state and counters must be bit-identical. Eviction works per
 * shard (hash mod N), so the continuation is compared where the last topology has as many shards as the first.
 */
async function roundTrip(chain: Where[], maxFileBytes?: number): Promise<{ files: string[] }> {
  const root = mkdtempSync(path.join(tmpdir(), 'dyn-ckpt-'));
  try {
    const a = dynamicEngine(...chain[0]);
    fits(a);
    for (let k = 0; k < SAVED_AT; k++) trainStep(a, k);
    const atSave = snapshot(a);
    let saved = await saveCheckpoint(path.join(root, '0'), engineContent(a, SAVED_AT, maxFileBytes));
    const files = readdirSync(saved.dir).sort();
    const actsA: Record<string, Float32Array>[] = [];
    for (let k = SAVED_AT; k < SAVED_AT + CONTINUED; k++) actsA.push(trainStep(a, k));
    let b = a;
    for (let i = 1; i < chain.length; i++) {
      b = dynamicEngine(...chain[i]);
      const loaded = await loadCheckpoint(saved.dir);
      assert.deepEqual(restoreExistingRows(b, loaded, saved.dir).sort(), ['items', 'tags']);
      b.importTables({ users: { weights: loaded.tensors.get('users')!.data as Float32Array, slots: {} } });
      b.step = loaded.manifest.step;
      assert.deepEqual(snapshot(b), atSave, `restored on ${chain[i].join(' ')}: the state by id`);
      if (i < chain.length - 1) saved = await saveCheckpoint(path.join(root, String(i)), engineContent(b, SAVED_AT, maxFileBytes));
    }
    for (let k = SAVED_AT; k < SAVED_AT + CONTINUED; k++) {
      const acts = trainStep(b, k);
      for (const f of Object.keys(acts)) assert.deepEqual(acts[f], actsA[k - SAVED_AT][f], `lookup of '${f}' at step ${k}`);
    }
    const sa = snapshot(a);
    const sb = snapshot(b);
    for (const t of ['items', 'tags'] as const) {
      assert.ok(sa[t].entries.size > 10, `${t}: rows exist`);
      assert.deepEqual(sb[t].entries, sa[t].entries, `${t}: weights, slots and eviction state by id`);
      assert.equal(sb[t].clock, sa[t].clock);
      assert.deepEqual(sb[t].totals, sa[t].totals);
      assert.deepEqual(sb[t].sketch, sa[t].sketch);
    }
    assert.deepEqual(sb.users, sa.users);
    // The stream did exercise the rules the id map must carry over.
    const totals = sa.items.totals as { evictions: number; rejectedIds: number };
    assert.ok(totals.evictions > 0 && totals.rejectedIds > 0, JSON.stringify(totals));
    assert.ok((sa.tags.totals as { evictions: number }).evictions > 0);
    return { files };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('dynamic-table checkpoints (existing rows + id map)', () => {
  it('same topology: the restored engine looks up and trains bit-identically (weights, slots, eviction state, clock, totals, sketch)', async () => {
    const { files } = await roundTrip([['v4-8', 'sparsecore'], ['v4-8', 'sparsecore']]);
    assert.deepEqual(files, ['checkpoint.json', 'dense.safetensors', 'dynamic-items-00000.safetensors', 'dynamic-tags-00000.safetensors']);
  });

  it('any → any: v4-8 → v6e-8 (8 replicas, 16 shards); v4-8 → CPU (1 shard) → v5p-8: the same state by id, bit-identical training', async () => {
    await roundTrip([['v4-8', 'sparsecore'], ['v6e-8', 'sparsecore']]);
    await roundTrip([['v4-8', 'sparsecore'], ['v4-8', 'cpu'], ['v5p-8', 'sparsecore']]);
    await roundTrip([['v4-8', 'cpu'], ['v4-8', 'cpu']]);
  });

  it('maxFileBytes splits a table over several files (each within the limit), restored the same', async () => {
    // items: 8 (key) + 2 × 8 × 4 (weights, accumulators) + 16 (freq, last) = 88 bytes a row → 5 rows per 500-byte file.
    const { files } = await roundTrip([['v4-8', 'sparsecore'], ['v6e-8', 'sparsecore']], 500);
    const items = files.filter((f) => f.startsWith('dynamic-items-'));
    assert.ok(items.length >= 4, files.join(', '));
    assert.equal(items[0], 'dynamic-items-00000.safetensors');
  });

  it('the manifest lists the rows, key kind, parts and id-map state; the files hold only existing rows', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'dyn-ckpt-'));
    try {
      const a = dynamicEngine('v4-8');
      for (let k = 0; k < 4; k++) trainStep(a, k);
      const saved = await saveCheckpoint(root, engineContent(a, 4));
      const { manifest, tensors } = await loadCheckpoint(saved.dir);
      const e = (manifest.configs.existingRows as Record<string, { count: number; keyKind: string; slots: string[]; idMap: { rowBudget: number; clock: number } }>).items;
      assert.equal(e.count, a.dynamicIdMap('items')!.size);
      assert.ok(e.count < 64);
      assert.equal(e.keyKind, 'int64');
      assert.deepEqual(e.slots, ['accumulators']);
      assert.equal(e.idMap.rowBudget, 64);
      assert.equal(e.idMap.clock, a.dynamicIdMap('items')!.clock);
      assert.deepEqual(tensors.get('items/part-0')!.shape, [e.count, 8]);
      const ids = tensors.get('items/keys/part-0')!.data as BigInt64Array;
      for (let i = 0; i < ids.length; i++) assert.ok(a.dynamicIdMap('items')!.rowOf(ids[i]) >= 0);
      assert.deepEqual(tensors.get('items/admission_sketch')!.shape.slice(2), [2]);
      assert.equal((manifest.configs.existingRows as Record<string, { keyKind: string }>).tags.keyKind, 'string');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

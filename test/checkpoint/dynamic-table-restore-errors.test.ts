// Issue 13 part 3 / issue 11 item 4: a rejected restore of dynamic tables (wrong table kind, corrupt id map, bad
// chunk, ids that do not fit the target's shards, non-finite rows, a corrupted file) is a typed error naming the file
// and the fix, and leaves the engine exactly as it was — across tables (a failure on the second table leaves the first).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chooseBackend } from '../../src/backend';
import { loadCheckpoint, restoreExistingRows, saveCheckpoint, type LoadedCheckpoint, type LoadedTensor } from '../../src/checkpoint';
import { TPUEmbedding, featureConfig, tableConfig } from '../../src/embedding';
import { Adagrad } from '../../src/optimizers';
import { CheckpointError, InputError } from '../../src/errors';
import { dynamicEngine, dynamicState, engineContent, trainStep } from './fixtures/dynamic-engine';

let root = '';
let dir = '';
let loaded: LoadedCheckpoint;

before(async () => {
  await chooseBackend();
  root = mkdtempSync(path.join(tmpdir(), 'dyn-restore-'));
  const a = dynamicEngine('v4-8', 'cpu'); // one shard: its 64 items do not fit 16 shards of 4 rows
  for (let k = 0; k < 12; k++) trainStep(a, k);
  dir = (await saveCheckpoint(root, engineContent(a, 12))).dir;
  loaded = await loadCheckpoint(dir);
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
});

/** The target: trained on another stream, so "unchanged" means something. */
function target(topology = 'v4-8', placement: 'sparsecore' | 'cpu' = 'cpu'): TPUEmbedding {
  const b = dynamicEngine(topology, placement);
  for (let k = 100; k < 104; k++) trainStep(b, k);
  return b;
}
const state = (e: TPUEmbedding) => ({ items: dynamicState(e, 'items'), tags: dynamicState(e, 'tags'), users: Array.from(e.exportTables().users.weights) });

/** `loaded` with some tensors replaced. */
function tampered(edit: (name: string, t: LoadedTensor) => LoadedTensor): LoadedCheckpoint {
  return { manifest: loaded.manifest, tensors: new Map([...loaded.tensors].map(([n, t]) => [n, edit(n, t)])) };
}

function rejects(b: TPUEmbedding, l: LoadedCheckpoint, check: (e: unknown) => boolean): void {
  const before = state(b);
  assert.throws(() => restoreExistingRows(b, l, dir), (e: unknown) => {
    assert.ok(check(e), String(e));
    return true;
  });
  assert.deepEqual(state(b), before, 'the engine is unchanged');
  trainStep(b, 200); // and still works
}

describe('rejected restores of dynamic tables', () => {
  it('wrong table kind: a dense table of the same name is unsupported_storage naming the files and the fix', () => {
    const items = tableConfig({ vocabularySize: 64, dim: 8, name: 'items', optimizer: new Adagrad() });
    const b = new TPUEmbedding({ features: { item: featureConfig({ table: items }) }, topology: 'v4-8', placement: 'cpu', seed: 7 });
    const before = b.exportTables().items.weights.slice();
    assert.throws(
      () => restoreExistingRows(b, loaded, dir),
      (e: unknown) => e instanceof InputError && e.kind === 'not_importable' && e.message.includes(path.join(dir)) && /dynamic-items-00000\.safetensors/.test(e.message) && /has dense storage.*give it storage 'dynamic'/.test(e.message),
    );
    assert.deepEqual(b.exportTables().items.weights, before);
  });

  it('corrupt id map: a duplicate id in the second table leaves the first unrestored (bad_id_map naming the file)', () => {
    const dupItems = tampered((n, t) => (n === 'items/keys/part-0' ? { ...t, data: Object.assign((t.data as BigInt64Array).slice(), { 1: (t.data as BigInt64Array)[0] }) } : t));
    rejects(target(), dupItems, (e) => e instanceof InputError && e.kind === 'bad_id_map' && /appears twice/.test(e.message) && /dynamic-items-00000\.safetensors/.test(e.message) && /restore an older checkpoint/.test(e.message));
    // The same defect in tags, restored after items: items is not changed either.
    const order = Object.keys(loaded.manifest.configs.existingRows as object);
    assert.deepEqual(order, ['items', 'tags']);
    const badOffsets = tampered((n, t) => (n === 'tags/key_offsets/part-0' ? { ...t, data: Object.assign((t.data as BigInt64Array).slice(), { 2: 1n << 40n }) } : t));
    rejects(target(), badOffsets, (e) => e instanceof CheckpointError && e.kind === 'bad_id_map' && /string ids of table 'tags'.*dynamic-tags-00000\.safetensors.*corrupt/.test(e.message));
    const staleClock = { manifest: { ...loaded.manifest, configs: JSON.parse(JSON.stringify(loaded.manifest.configs).replace(/"clock":\d+/, '"clock":1')) }, tensors: loaded.tensors };
    rejects(target(), staleClock, (e) => e instanceof InputError && e.kind === 'bad_id_map' && /last .* ≤ clock 1/.test(e.message));
  });

  it('bad chunk: a part tensor of the wrong shape or dtype is shape_mismatch naming the file; a non-finite row is non_finite_value', () => {
    const short = tampered((n, t) => (n === 'tags/part-0' ? { ...t, shape: [t.shape[0] - 1, t.shape[1]] } : t));
    rejects(target(), short, (e) => e instanceof CheckpointError && e.kind === 'shape_mismatch' && /'tags\/part-0' float32 \[\d+, 4\] in .*dynamic-tags-00000\.safetensors/.test(e.message) && /restore an older one/.test(e.message));
    const missing = { manifest: loaded.manifest, tensors: new Map([...loaded.tensors].filter(([n]) => n !== 'tags/accumulators/part-0' && n !== 'tags/momenta/part-0')) };
    rejects(target(), missing, (e) => e instanceof CheckpointError && e.kind === 'shape_mismatch' && /but got none/.test(e.message));
    const nan = tampered((n, t) => (n === 'tags/part-0' ? { ...t, data: Object.assign((t.data as Float32Array).slice(), { 5: NaN }) } : t));
    rejects(target(), nan, (e) => e instanceof InputError && e.kind === 'non_finite_value' && /'tags'.*entry 1 holds NaN/.test(e.message) && /dynamic-tags-00000/.test(e.message));
  });

  it('ids that do not fit the target shards (64 ids from one shard onto 16 shards of 4 rows) are id_map_overflow naming the fix', () => {
    rejects(target('v4-8', 'sparsecore'), loaded, (e) => e instanceof InputError && e.kind === 'id_map_overflow' && /more ids hash to partition \d+ of 16 than its 4 rows.*larger rowBudget/.test(e.message));
  });

  it('a corrupted part file fails loadCheckpoint (hash_mismatch naming the file) before any restore', async () => {
    const f = path.join(dir, 'dynamic-items-00000.safetensors');
    const bytes = readFileSync(f);
    bytes[bytes.length - 3] ^= 0x40;
    writeFileSync(f, bytes);
    await assert.rejects(loadCheckpoint(dir), (e: unknown) => e instanceof CheckpointError && e.kind === 'hash_mismatch' && e.message.includes(f));
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseBackend } from '../../src/backend';
import { loadCheckpoint, saveCheckpoint } from '../../src/checkpoint';
import { CheckpointError } from '../../src/errors';
import { kerasAdagrad } from '../../src/optimizers';
import { Random } from '../../src/random';
import { RankingModel, rankingCheckpointContent, rankingStateFromCheckpoint, type RatingBatch } from '../../src/models';

const model = (topology: string, placement: 'sparsecore' | 'cpu' = 'sparsecore', seed = 1): RankingModel =>
  new RankingModel({ topology, placement, optimizer: kerasAdagrad({ learningRate: 0.1 }), userVocabularySize: 50, movieVocabularySize: 40, embeddingDim: 4, hiddenUnits: [8], seed });

function batches(n: number, seed: number): RatingBatch[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => {
    const u = Int32Array.from({ length: 32 }, () => rng.int(50));
    const m = Int32Array.from({ length: 32 }, () => rng.int(40));
    return { user_id: u, movie_id: m, user_rating: Float32Array.from(u, (x, i) => 1 + ((x * 7 + m[i]) % 5)) };
  });
}

describe('ranking model checkpoints', () => {
  let root: string;
  before(async () => {
    await chooseBackend();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ranking-ckpt-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('save → load restores on v4-8, v4-32 and CPU placement with identical predictions, and training continues identically', async () => {
    const data = batches(8, 2);
    const reference = model('v4-8');
    const full = await reference.fit(data, { epochs: 1, verbose: 0 });

    const trained = model('v4-8');
    await trained.fit(data.slice(0, 3), { epochs: 1, verbose: 0 });
    const saved = await saveCheckpoint(root, await rankingCheckpointContent(trained));
    const loaded = await loadCheckpoint(saved.dir);
    assert.equal(loaded.manifest.step, 3);
    assert.deepEqual(loaded.tensors.get('table_1/accumulators')?.shape, [50, 4]); // users: table_1
    assert.deepEqual(loaded.tensors.get('table_0')?.shape, [40, 4]); // movies: table_0
    assert.ok(loaded.tensors.has('ratings/layer_with_weights-1/bias/accumulator'));

    const ids = { user_id: [0, 7, 49, 3, 12], movie_id: [39, 1, 0, 3, 20] };
    const expected = trained.predict(ids);
    for (const [topology, placement] of [['v4-8', 'sparsecore'], ['v4-32', 'sparsecore'], ['v4-8', 'cpu'], ['cpu', 'sparsecore']] as const) {
      const restored = model(topology, placement, 77);
      await restored.setState(rankingStateFromCheckpoint(loaded));
      const got = restored.predict(ids);
      expected.forEach((x, i) => assert.ok(Math.abs(x - got[i]) <= 1e-6, `${topology}/${placement} example ${i}: ${x} vs ${got[i]}`));
      restored.dispose();
    }
    const resumed = model('v4-8', 'sparsecore', 5);
    await resumed.setState(rankingStateFromCheckpoint(loaded));
    const rest = await resumed.fit(data.slice(3), { epochs: 1, verbose: 0 });
    assert.deepEqual(rest.stepLoss, full.stepLoss.slice(3));
    for (const m of [reference, trained, resumed]) m.dispose();
  });

  it('names a checkpoint that is not a ranking model', () => {
    const loaded = { manifest: { step: 1, files: [{ file: 'other.safetensors', bytes: 0, sha256: '' }], tensors: [] }, tensors: new Map() } as unknown as Parameters<typeof rankingStateFromCheckpoint>[0];
    assert.throws(() => rankingStateFromCheckpoint(loaded), (e: unknown) => e instanceof CheckpointError && /expected the checkpoint to hold tables.safetensors, but it holds other.safetensors/.test(e.message));
  });
});

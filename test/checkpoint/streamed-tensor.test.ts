// Streamed tensors of saveCheckpoint: written chunk by chunk (at most chunkBytes each), byte-identical to the same
// tensor given whole; a stream that yields more or fewer elements than its shape, a chunk over the asked size or of
// the wrong element type is `bad_tensor`, with no checkpoint written and the previous ones untouched.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { listCheckpoints, loadCheckpoint, saveCheckpoint, type StreamedTensor } from '../../src/checkpoint';
import { CheckpointError } from '../../src/errors';

const base = mkdtempSync(path.join(tmpdir(), 'streamed-'));
after(() => rmSync(base, { recursive: true, force: true }));

const data = Float32Array.from({ length: 10 * 6 }, (_, i) => i * 0.5 - 3);
/** `data` as a stream, rows read `⌊max / 6⌋` at a time; records the largest chunk it was asked for. */
function stream(asked: number[], tweak?: (chunks: Float32Array[]) => Float32Array[]): StreamedTensor {
  return {
    name: 'w',
    dtype: 'float32',
    shape: [10, 6],
    *chunks(max: number) {
      asked.push(max);
      const out: Float32Array[] = [];
      for (let o = 0; o < data.length; o += max) out.push(data.slice(o, Math.min(data.length, o + max)));
      yield* tweak ? tweak(out) : out;
    },
  };
}

describe('streamed tensors', () => {
  it('are written in chunks of at most chunkBytes, byte-identical to the tensor given whole', async () => {
    const asked: number[] = [];
    const a = await saveCheckpoint(path.join(base, 'a'), { step: 1, groups: [{ file: 't.safetensors', tensors: [], streamed: [stream(asked)] }] }, { chunkBytes: 40 });
    const b = await saveCheckpoint(path.join(base, 'b'), { step: 1, groups: [{ file: 't.safetensors', tensors: [{ name: 'w', dtype: 'float32', shape: [10, 6], data }] }] });
    assert.deepEqual(asked, [10]); // 40 bytes = 10 floats
    assert.deepEqual(readFileSync(path.join(a.dir, 't.safetensors')), readFileSync(path.join(b.dir, 't.safetensors')));
    assert.deepEqual((await loadCheckpoint(a.dir)).tensors.get('w')!.data, data);
  });

  for (const [what, tweak, re] of [
    ['one element short', (c: Float32Array[]) => [...c.slice(0, -1), c[c.length - 1].subarray(1)], /yielded 59 elements, but its shape holds 60/],
    ['one chunk too many', (c: Float32Array[]) => [...c, new Float32Array(1)], /yielded a chunk of 1 Float32Array elements after 60/],
    ['a chunk over the asked size', (c: Float32Array[]) => [data], /yielded a chunk of 60 .*at most 10 each/],
    ['a chunk of another element type', (c: Float32Array[]) => [new Float64Array(5) as unknown as Float32Array], /expected typed arrays of 4-byte elements/],
  ] as const) {
    it(`${what}: bad_tensor, nothing written, the previous checkpoint untouched`, async () => {
      const root = path.join(base, what.replace(/ /g, '-'));
      await saveCheckpoint(root, { step: 1, groups: [{ file: 't.safetensors', tensors: [{ name: 'w', dtype: 'float32', shape: [10, 6], data }] }] });
      await assert.rejects(
        saveCheckpoint(root, { step: 2, groups: [{ file: 't.safetensors', tensors: [], streamed: [stream([], tweak)] }] }, { chunkBytes: 40 }),
        (e: unknown) => e instanceof CheckpointError && e.kind === 'bad_tensor' && re.test(e.message) && /streamed tensor 'w'/.test(e.message),
      );
      assert.deepEqual((await listCheckpoints(root)).map((c) => c.step), [1]);
      assert.deepEqual(readdirSync(root).filter((n) => !n.startsWith('.ckpt-lock')), ['ckpt-1']);
    });
  }
});

import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { layoutSafetensors, parseSafetensors, readSafetensors, writeSafetensors, type NamedTensor } from '../../src/checkpoint';
import { CheckpointError } from '../../src/errors';

const dir = mkdtempSync(path.join(tmpdir(), 'safetensors-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TENSORS: NamedTensor[] = [
  { name: 'user_id', dtype: 'float32', shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i * 0.5 - 1) },
  { name: 'user_id/accumulator', dtype: 'float32', shape: [3, 4], data: new Float32Array(12).fill(0.1) },
  { name: 'step', dtype: 'int32', shape: [], data: new Int32Array([42]) },
  { name: 'ids', dtype: 'int32', shape: [5], data: new Int32Array([-2147483648, -1, 0, 1, 2147483647]) },
  { name: 'counts', dtype: 'int64', shape: [2], data: new BigInt64Array([1n, 9007199254740993n]) },
  { name: 'mask', dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 1]) },
  { name: 'empty', dtype: 'float64', shape: [0, 4], data: new Float64Array(0) },
];

function pythonHasNumpy(): boolean {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('safetensors', () => {
  it('lays out an 8-byte length, a space-padded JSON header aligned to 8 bytes, then contiguous data', () => {
    const { header, entries, totalBytes } = layoutSafetensors(TENSORS, { format: 'tpu-embeddings' });
    assert.equal(header.length % 8, 0);
    const n = Number(header.readBigUInt64LE(0));
    assert.equal(n, header.length - 8);
    const json = JSON.parse(header.subarray(8).toString('utf8'));
    assert.deepEqual(json.__metadata__, { format: 'tpu-embeddings' });
    // user_id: 12 float32 = 48 bytes at [0, 48); accumulator [48, 96); step (1 int32) [96, 100); ids [100, 120) …
    assert.deepEqual(json.user_id, { dtype: 'F32', shape: [3, 4], data_offsets: [0, 48] });
    assert.deepEqual(json['user_id/accumulator'].data_offsets, [48, 96]);
    assert.deepEqual(json.step, { dtype: 'I32', shape: [], data_offsets: [96, 100] });
    assert.deepEqual(json.counts, { dtype: 'I64', shape: [2], data_offsets: [120, 136] });
    assert.deepEqual(json.mask, { dtype: 'BOOL', shape: [3], data_offsets: [136, 139] });
    assert.deepEqual(json.empty, { dtype: 'F64', shape: [0, 4], data_offsets: [139, 139] });
    assert.equal(totalBytes, header.length + 139);
    assert.deepEqual(entries[0].byteRange, [header.length, header.length + 48]);
  });

  it('round-trips every dtype through a file', async () => {
    const file = path.join(dir, 'all.safetensors');
    await writeSafetensors(file, TENSORS, { note: 'x' });
    const { tensors, metadata } = await readSafetensors(file);
    assert.deepEqual(metadata, { note: 'x' });
    assert.equal(tensors.size, TENSORS.length);
    for (const t of TENSORS) {
      const got = tensors.get(t.name)!;
      assert.equal(got.dtype, t.dtype);
      assert.deepEqual(got.shape, t.shape);
      assert.equal(got.data.constructor, t.data.constructor);
      assert.deepEqual(Array.from(got.data as ArrayLike<number>), Array.from(t.data as ArrayLike<number>));
    }
  });

  it('is read by Python (struct + json + numpy) with the same values', async () => {
    const file = path.join(dir, 'py.safetensors');
    await writeSafetensors(file, TENSORS);
    const hasNumpy = pythonHasNumpy();
    // The script applies the reference implementation's checks (8-byte aligned header, contiguous offsets
    // covering the data) and decodes with numpy when available, else with struct.
    const script = `
import json, struct, sys
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
assert (8 + n) % 8 == 0, 'header not aligned'
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
fmt = {'F32': ('<f4', 'f', 4), 'I32': ('<i4', 'i', 4), 'I64': ('<i8', 'q', 8), 'F64': ('<f8', 'd', 8), 'BOOL': ('|b1', '?', 1)}
out = {}
end = 0
for name, info in sorted(((k, v) for k, v in header.items() if k != '__metadata__'), key=lambda kv: kv[1]['data_offsets']):
    b, e = info['data_offsets']
    assert b == end, name
    end = e
    np_dtype, code, size = fmt[info['dtype']]
    count = (e - b) // size
    if ${hasNumpy ? 'True' : 'False'}:
        import numpy as np
        arr = np.frombuffer(data[b:e], dtype=np_dtype).reshape(info['shape'])
        vals = [str(int(x)) if info['dtype'] == 'I64' else (int(x) if info['dtype'] == 'BOOL' else float(x)) for x in arr.reshape(-1)]
        shape = list(arr.shape)
    else:
        vals = [str(x) if info['dtype'] == 'I64' else (int(x) if info['dtype'] == 'BOOL' else float(x)) for x in struct.unpack('<%d%s' % (count, code), data[b:e])]
        shape = info['shape']
    out[name] = {'shape': shape, 'values': vals}
assert end == len(data), 'data not covered'
print(json.dumps(out))
`;
    const out = JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }));
    for (const t of TENSORS) {
      assert.deepEqual(out[t.name].shape, t.shape, t.name);
      const want = t.dtype === 'int64' ? Array.from(t.data as BigInt64Array, String) : Array.from(t.data as ArrayLike<number>);
      assert.deepEqual(out[t.name].values, want, t.name);
    }
  });

  it('rejects invalid tensors before writing', () => {
    assert.throws(
      () => layoutSafetensors([{ name: 'w', dtype: 'float32', shape: [2, 3], data: new Float32Array(5) }]),
      (e: unknown) => e instanceof CheckpointError && e.kind === 'bad_tensor' && /'w' has shape \[2, 3\] \(6 elements\) but its data holds 5/.test(e.message),
    );
    assert.throws(() => layoutSafetensors([{ name: 'w', dtype: 'float32', shape: [1], data: new Int32Array(1) }]), /to be a Float32Array, but got Int32Array/);
    assert.throws(() => layoutSafetensors([{ name: 'w', dtype: 'float16' as never, shape: [1], data: new Float32Array(1) }]), /dtype of 'w' to be one of float32, int32/);
    const t = { name: 'w', dtype: 'int32', shape: [1], data: new Int32Array(1) } as const;
    assert.throws(() => layoutSafetensors([t, t]), /unique tensor names, but 'w' appears twice/);
    assert.throws(() => layoutSafetensors([{ ...t, name: '__metadata__' }]), /other than '__metadata__'/);
  });

  it('rejects malformed files naming the source and the rule', async () => {
    const good = readFileSync(path.join(dir, 'all.safetensors'));
    const bad = (bytes: Buffer, re: RegExp) =>
      assert.throws(() => parseSafetensors(bytes, 'x.safetensors'), (e: unknown) => e instanceof CheckpointError && e.kind === 'bad_safetensors' && /x\.safetensors/.test(e.message) && re.test(e.message));
    bad(good.subarray(0, 4), /at least 8 bytes/);
    const huge = Buffer.from(good);
    huge.writeBigUInt64LE(BigInt(good.length), 0);
    bad(huge, /header length \d+ exceeds the file size/);
    bad(good.subarray(0, good.length - 1), /cover 139 data bytes but the file holds 138/);
    const notJson = Buffer.from(good);
    notJson[8] = 0x41; // 'A' instead of '{'
    bad(notJson, /not valid JSON/);
    // A header whose offsets leave a hole.
    const h = Buffer.from(JSON.stringify({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }) + '  ');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(h.length));
    bad(Buffer.concat([len, h, Buffer.alloc(8)]), /'a' has data_offsets \[4, 8\] but the previous tensor ends at 0/);
    const h2 = Buffer.from(JSON.stringify({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }));
    len.writeBigUInt64LE(BigInt(h2.length));
    bad(Buffer.concat([len, h2, Buffer.alloc(8)]), /needs 12 bytes, but its data_offsets span 8/);
    const h3 = Buffer.from(JSON.stringify({ a: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }));
    len.writeBigUInt64LE(BigInt(h3.length));
    bad(Buffer.concat([len, h3, Buffer.alloc(8)]), /dtype "C64"; supported: F32, I32/);
    writeFileSync(path.join(dir, 'short.safetensors'), good.subarray(0, 3));
    await assert.rejects(readSafetensors(path.join(dir, 'short.safetensors')), /short\.safetensors is not a valid safetensors file/);
    await assert.rejects(readSafetensors(path.join(dir, 'nope.safetensors')), (e: unknown) => e instanceof CheckpointError && e.kind === 'missing_file');
  });
});

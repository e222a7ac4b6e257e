import { promises as fsp } from 'node:fs';
import { endianness } from 'node:os';
import { CheckpointError } from '../errors';
import { ruleError, where as at } from '../validation';
import { isStreamedTensor, type CheckpointTensor } from './streamed-tensor';

/**
 * The element types a tensor may have in a checkpoint, by their tfjs names. `bool` is stored one byte per
 * element (0 or 1), as safetensors' `BOOL`.
 */
export const TENSOR_DTYPES = ['float32', 'int32', 'float64', 'int64', 'uint8', 'bool'] as const;
/** One of {@link TENSOR_DTYPES}. */
export type TensorDtype = (typeof TENSOR_DTYPES)[number];

/** The safetensors dtype code of each {@link TensorDtype} (`F32`, `I32`, …) and its element size in bytes. */
export const SAFETENSORS_DTYPES: Readonly<Record<TensorDtype, { readonly code: string; readonly bytes: number }>> = Object.freeze({
  float32: { code: 'F32', bytes: 4 },
  int32: { code: 'I32', bytes: 4 },
  float64: { code: 'F64', bytes: 8 },
  int64: { code: 'I64', bytes: 8 },
  uint8: { code: 'U8', bytes: 1 },
  bool: { code: 'BOOL', bytes: 1 },
});

/** The typed array that holds the elements of each {@link TensorDtype}. */
export type TensorData = Float32Array | Int32Array | Float64Array | BigInt64Array | Uint8Array;

/** One named tensor: `shape` row-major (C order), `data.length` = product of `shape` (1 for a scalar `[]`). */
export interface NamedTensor {
  readonly name: string;
  readonly dtype: TensorDtype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** Where a tensor lies in a safetensors file. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: TensorDtype;
  readonly shape: readonly number[];
  /** Byte range `[begin, end)` counted from the first byte of the FILE (safetensors' own offsets + header). */
  readonly byteRange: readonly [number, number];
}

/** The layout of a safetensors file about to be written: its header bytes and where each tensor goes. */
export interface SafetensorsLayout {
  /** The 8-byte little-endian header length followed by the JSON header padded with spaces to 8 bytes. */
  readonly header: Buffer;
  /** One entry per tensor, in the order given (the data is laid out contiguously in that order). */
  readonly entries: readonly SafetensorsEntry[];
  /** Size of the whole file in bytes. */
  readonly totalBytes: number;
}

const CODE_TO_DTYPE: Readonly<Record<string, TensorDtype>> = Object.freeze(
  Object.fromEntries(Object.entries(SAFETENSORS_DTYPES).map(([dtype, { code }]) => [code, dtype as TensorDtype])),
);

/** Largest JSON header accepted when reading (the reference implementation's limit, 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

/**
 * Number of elements of a shape (1 for the scalar shape `[]`).
 * @throws CheckpointError `bad_shape` when a dimension is not a non-negative safe integer.
 */
export function shapeSize(shape: readonly number[], where = 'shapeSize'): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw ruleError(at(CheckpointError, 'bad_shape', where)('every dimension of the shape'), 'a non-negative integer', shape);
    n *= d;
  }
  return n;
}

/**
 * Plans a safetensors file: validates every tensor (dtype, shape against data length, unique names) and
 * builds the header. Pure; nothing is written.
 *
 * File layout (all integers little-endian):
 * ```
 * [u64 N][N bytes of JSON, padded with ' ' so that 8 + N is a multiple of 8][tensor 0 bytes][tensor 1 bytes]…
 * JSON: {"<name>": {"dtype": "F32", "shape": [r, c], "data_offsets": [begin, end]}, …, "__metadata__": {"k": "v"}}
 * ```
 * `data_offsets` count from the first byte after the header, are contiguous and cover the data exactly,
 * which is what Python's `safetensors` checks when it loads.
 *
 * @param tensors the tensors, in the order they are to be written; a {@link StreamedTensor} takes its size from its shape.
 * @param metadata string → string pairs stored under `__metadata__` (safetensors allows strings only).
 * @returns the header bytes, the entries with absolute byte ranges, and the file size.
 * @throws CheckpointError `bad_tensor` for an unknown dtype, a data length that does not match the shape,
 *   a typed array of the wrong kind, or a duplicate or reserved name.
 * @example
 * const { header, entries } = layoutSafetensors([{ name: 'w', dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) }]);
 * entries[0].byteRange; // [header.length, header.length + 8]
 */
export function layoutSafetensors(tensors: readonly CheckpointTensor[], metadata: Readonly<Record<string, string>> = {}): SafetensorsLayout {
  const json: Record<string, unknown> = {};
  const names = new Set<string>();
  let offset = 0;
  const relative: Array<{ t: CheckpointTensor; begin: number; end: number }> = [];
  for (const t of tensors) {
    checkTensor(t, names);
    const bytes = isStreamedTensor(t) ? shapeSize(t.shape, `layoutSafetensors('${t.name}')`) * SAFETENSORS_DTYPES[t.dtype].bytes : t.data.byteLength;
    relative.push({ t, begin: offset, end: offset + bytes });
    json[t.name] = { dtype: SAFETENSORS_DTYPES[t.dtype].code, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') {
      throw new CheckpointError('bad_tensor', `layoutSafetensors: expected every __metadata__ value to be a string (safetensors allows strings only), but '${k}' is ${typeof v}. JSON.stringify it first.`);
    }
  }
  if (Object.keys(metadata).length > 0) json.__metadata__ = { ...metadata };
  let text = JSON.stringify(json);
  const jsonBytes = Buffer.byteLength(text, 'utf8');
  text += ' '.repeat((8 - (jsonBytes % 8)) % 8);
  const body = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8 + body.length);
  header.writeBigUInt64LE(BigInt(body.length), 0);
  body.copy(header, 8);
  const entries = relative.map(({ t, begin, end }) => ({
    name: t.name,
    dtype: t.dtype,
    shape: [...t.shape],
    byteRange: [header.length + begin, header.length + end] as const,
  }));
  return { header, entries, totalBytes: header.length + offset };
}

/**
 * The little-endian bytes of a tensor's data, without copying on little-endian machines.
 * @param data any {@link TensorData}.
 * @returns a Buffer view (little-endian hosts) or a byte-swapped copy (big-endian hosts).
 */
export function tensorBytes(data: TensorData): Buffer {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (endianness() === 'LE' || data.BYTES_PER_ELEMENT === 1) return view;
  const copy = Buffer.from(view);
  if (data.BYTES_PER_ELEMENT === 4) copy.swap32();
  else copy.swap64();
  return copy;
}

/**
 * Writes tensors to one safetensors file (see {@link layoutSafetensors} for the layout).
 * Not atomic on its own; checkpoints use {@link saveCheckpoint}, which is.
 *
 * @param path the file to create or overwrite.
 * @param tensors the tensors, in file order.
 * @param metadata string pairs for `__metadata__`.
 * @returns the entries with their absolute byte ranges.
 * @throws CheckpointError as {@link layoutSafetensors}; Node's fs errors when the file cannot be written.
 * @example
 * await writeSafetensors('/tmp/w.safetensors', [{ name: 'w', dtype: 'int32', shape: [3], data: new Int32Array([1, 2, 3]) }]);
 */
export async function writeSafetensors(path: string, tensors: readonly NamedTensor[], metadata: Readonly<Record<string, string>> = {}): Promise<readonly SafetensorsEntry[]> {
  const layout = layoutSafetensors(tensors, metadata);
  const fh = await fsp.open(path, 'w');
  try {
    await fh.write(layout.header);
    for (const t of tensors) await fh.write(tensorBytes(t.data));
  } finally {
    await fh.close();
  }
  return layout.entries;
}

/** What {@link parseSafetensors} returns. */
export interface ParsedSafetensors {
  /** The tensors by name, each data a fresh copy (aligned, independent of the file buffer). */
  readonly tensors: ReadonlyMap<string, NamedTensor>;
  /** Where each tensor lies in the file, in header order. */
  readonly entries: readonly SafetensorsEntry[];
  /** The `__metadata__` strings (empty when absent). */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Parses the bytes of a safetensors file, checking everything the reference implementation checks:
 * header length within the file, valid JSON object, known dtypes, shapes, offsets contiguous from 0 and
 * covering the data exactly, each range's length = elements × element size.
 *
 * @param bytes the whole file.
 * @param source a name for error messages (usually the file path).
 * @returns tensors (copied), entries with absolute byte ranges, metadata.
 * @throws CheckpointError `bad_safetensors` naming `source` and the first problem found.
 * @example
 * const { tensors } = parseSafetensors(await fs.promises.readFile('tables.safetensors'), 'tables.safetensors');
 * tensors.get('user_id_table')!.shape; // [2048, 64]
 */
export function parseSafetensors(bytes: Uint8Array, source = '<buffer>'): ParsedSafetensors {
  const fail = (rule: string): never => {
    throw new CheckpointError('bad_safetensors', `parseSafetensors: ${source} is not a valid safetensors file: ${rule}.`);
  };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8) fail(`expected at least 8 bytes for the header length, but the file has ${buf.length}`);
  const n = buf.readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER_BYTES) || Number(n) > buf.length - 8) fail(`the header length ${n} exceeds the file size ${buf.length} (or the ${MAX_HEADER_BYTES}-byte limit)`);
  const headerEnd = 8 + Number(n);
  let json: unknown;
  try {
    json = JSON.parse(buf.subarray(8, headerEnd).toString('utf8'));
  } catch (e) {
    fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail('the header is not a JSON object');
  const header = json as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  const raw: Array<{ name: string; dtype: TensorDtype; shape: number[]; begin: number; end: number }> = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(value as object)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = typeof info?.dtype === 'string' ? CODE_TO_DTYPE[info.dtype] : undefined;
    if (!dtype) fail(`tensor '${name}' has dtype ${JSON.stringify(info?.dtype)}; supported: ${Object.keys(CODE_TO_DTYPE).join(', ')}`);
    if (!Array.isArray(info.shape) || !info.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${name}' has shape ${JSON.stringify(info.shape)}`);
    const off = info.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${name}' has data_offsets ${JSON.stringify(off)}`);
    raw.push({ name, dtype: dtype!, shape: info.shape as number[], begin: (off as number[])[0], end: (off as number[])[1] });
  }
  raw.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const r of raw) {
    if (r.begin !== expected || r.end < r.begin) fail(`tensor '${r.name}' has data_offsets [${r.begin}, ${r.end}] but the previous tensor ends at ${expected} (offsets must be contiguous)`);
    const want = shapeSize(r.shape, `parseSafetensors(${source})`) * SAFETENSORS_DTYPES[r.dtype].bytes;
    if (r.end - r.begin !== want) fail(`tensor '${r.name}' of shape [${r.shape.join(', ')}] ${SAFETENSORS_DTYPES[r.dtype].code} needs ${want} bytes, but its data_offsets span ${r.end - r.begin}`);
    expected = r.end;
  }
  if (headerEnd + expected !== buf.length) fail(`the tensors cover ${expected} data bytes but the file holds ${buf.length - headerEnd} after the header`);
  const tensors = new Map<string, NamedTensor>();
  const entries: SafetensorsEntry[] = [];
  for (const r of raw) {
    const begin = headerEnd + r.begin;
    const end = headerEnd + r.end;
    tensors.set(r.name, { name: r.name, dtype: r.dtype, shape: r.shape, data: copyData(r.dtype, buf.subarray(begin, end)) });
    entries.push({ name: r.name, dtype: r.dtype, shape: r.shape, byteRange: [begin, end] });
  }
  return { tensors, entries, metadata };
}

/**
 * Reads and parses one safetensors file.
 * @param path the file.
 * @returns as {@link parseSafetensors}.
 * @throws CheckpointError `missing_file` when it cannot be read, `bad_safetensors` when malformed.
 * @example
 * const { tensors, metadata } = await readSafetensors('/ckpts/ckpt-100/tables.safetensors');
 */
export async function readSafetensors(path: string): Promise<ParsedSafetensors> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(path);
  } catch (e) {
    throw new CheckpointError('missing_file', `readSafetensors: cannot read ${path} (${(e as Error).message}).`);
  }
  return parseSafetensors(bytes, path);
}

function copyData(dtype: TensorDtype, bytes: Buffer): TensorData {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const size = SAFETENSORS_DTYPES[dtype].bytes;
  if (endianness() !== 'LE' && size > 1) {
    const b = Buffer.from(copy.buffer);
    if (size === 4) b.swap32();
    else b.swap64();
  }
  switch (dtype) {
    case 'float32':
      return new Float32Array(copy.buffer);
    case 'int32':
      return new Int32Array(copy.buffer);
    case 'float64':
      return new Float64Array(copy.buffer);
    case 'int64':
      return new BigInt64Array(copy.buffer);
    default:
      return copy;
  }
}

function checkTensor(t: CheckpointTensor, names: Set<string>): void {
  const where = 'layoutSafetensors';
  if (typeof t.name !== 'string' || t.name === '' || t.name === '__metadata__') {
    throw new CheckpointError('bad_tensor', `${where}: expected a non-empty tensor name other than '__metadata__', but got ${JSON.stringify(t.name)}.`);
  }
  if (names.has(t.name)) throw new CheckpointError('bad_tensor', `${where}: expected unique tensor names, but '${t.name}' appears twice.`);
  names.add(t.name);
  if (!(TENSOR_DTYPES as readonly string[]).includes(t.dtype)) {
    throw new CheckpointError('bad_tensor', `${where}: expected dtype of '${t.name}' to be one of ${TENSOR_DTYPES.join(', ')}, but got '${t.dtype}'.`);
  }
  if (isStreamedTensor(t)) return; // its chunks are checked as they are written (saveCheckpoint)
  const ctor = { float32: Float32Array, int32: Int32Array, float64: Float64Array, int64: BigInt64Array, uint8: Uint8Array, bool: Uint8Array }[t.dtype];
  if (!(t.data instanceof ctor)) {
    throw new CheckpointError('bad_tensor', `${where}: expected the data of '${t.name}' (dtype ${t.dtype}) to be a ${ctor.name}, but got ${(t.data as object)?.constructor?.name ?? typeof t.data}.`);
  }
  const n = shapeSize(t.shape, `${where}('${t.name}')`);
  if (t.data.length !== n) {
    throw new CheckpointError('bad_tensor', `${where}: tensor '${t.name}' has shape [${t.shape.join(', ')}] (${n} elements) but its data holds ${t.data.length}. Fix the shape or the data.`);
  }
}

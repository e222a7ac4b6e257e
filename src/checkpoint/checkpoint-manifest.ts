import { CheckpointError } from '../errors';
import { nonNegativeInteger, where } from '../validation';
import { TENSOR_DTYPES, type TensorDtype } from './safetensors';

/** The manifest file at the top of every checkpoint directory. */
export const MANIFEST_FILE = 'checkpoint.json';
/** The manifest format this library writes; {@link loadCheckpoint} reads this version only. */
export const CHECKPOINT_FORMAT_VERSION = 1;
/** Prefix of checkpoint directory names: `ckpt-<step>` (step in decimal, no padding). */
export const CHECKPOINT_DIR_PREFIX = 'ckpt-';

/** One tensor of a checkpoint, as listed in its manifest. */
export interface ManifestTensor {
  /** TensorFlow-style name: `<table>`, `<table>/accumulators`, `dense/kernel`, … */
  readonly name: string;
  readonly dtype: TensorDtype;
  /** Row-major shape, e.g. `[vocabularySize, dim]` for a table (always full, whatever the topology). */
  readonly shape: readonly number[];
  /** The safetensors file holding it, relative to the checkpoint directory. */
  readonly file: string;
  /** Bytes `[begin, end)` of its data within `file`, counted from the start of the file. */
  readonly byteRange: readonly [number, number];
  /** Lower-case hex sha256 of the whole `file` (the same for every tensor of that file). */
  readonly sha256: string;
}

/** One safetensors file of a checkpoint. */
export interface ManifestFile {
  readonly file: string;
  /** Size in bytes. */
  readonly bytes: number;
  /** Lower-case hex sha256 of the file. */
  readonly sha256: string;
}

/** The content of `checkpoint.json`. */
export interface CheckpointManifest {
  readonly formatVersion: number;
  /** The training step the checkpoint was taken at (a non-negative integer). */
  readonly step: number;
  /** ISO 8601 time the save started. */
  readonly createdAt: string;
  /** Free-form, JSON-serialisable configs supplied by the caller (tables, features, optimizer, model). */
  readonly configs: Readonly<Record<string, unknown>>;
  /** Free-form, JSON-serialisable description of the topology the checkpoint was written from. */
  readonly topology: Readonly<Record<string, unknown>>;
  /** The safetensors files. */
  readonly files: readonly ManifestFile[];
  /** Every tensor, in file order. */
  readonly tensors: readonly ManifestTensor[];
}

/**
 * Checks the structure of a parsed `checkpoint.json` and returns it typed.
 * @param json the parsed JSON.
 * @param source the manifest path, for messages.
 * @returns the manifest.
 * @throws CheckpointError `unsupported_version` for another formatVersion, `bad_manifest` for any other problem.
 * @example
 * const manifest = validateManifest(JSON.parse(text), '/ckpts/ckpt-10/checkpoint.json');
 */
export function validateManifest(json: unknown, source: string): CheckpointManifest {
  const fail = (rule: string): never => {
    throw new CheckpointError('bad_manifest', `loadCheckpoint: ${source} is not a valid manifest: ${rule}.`);
  };
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail('expected a JSON object');
  const m = json as Record<string, unknown>;
  if (m.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError(
      'unsupported_version',
      `loadCheckpoint: expected formatVersion ${CHECKPOINT_FORMAT_VERSION} in ${source}, but got ${JSON.stringify(m.formatVersion)}. Upgrade tpu-embeddings to read it.`,
    );
  }
  nonNegativeInteger(m.step, where(CheckpointError, 'bad_manifest', `loadCheckpoint: ${source} is not a valid manifest`)('step'));
  if (typeof m.createdAt !== 'string') fail('expected createdAt to be a string');
  for (const key of ['configs', 'topology']) {
    const v = m[key];
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`expected ${key} to be an object`);
  }
  if (!Array.isArray(m.files)) fail('expected files to be an array');
  for (const f of m.files as ManifestFile[]) {
    if (typeof f?.file !== 'string' || !Number.isSafeInteger(f.bytes) || typeof f.sha256 !== 'string') fail(`bad file entry ${JSON.stringify(f)}`);
  }
  if (!Array.isArray(m.tensors)) fail('expected tensors to be an array');
  for (const t of m.tensors as ManifestTensor[]) {
    const ok =
      typeof t?.name === 'string' &&
      (TENSOR_DTYPES as readonly string[]).includes(t.dtype) &&
      Array.isArray(t.shape) &&
      t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) &&
      typeof t.file === 'string' &&
      Array.isArray(t.byteRange) &&
      t.byteRange.length === 2 &&
      typeof t.sha256 === 'string';
    if (!ok) fail(`bad tensor entry ${JSON.stringify(t)}`);
  }
  return m as unknown as CheckpointManifest;
}

import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { CheckpointError } from '../errors';
import { MANIFEST_FILE, validateManifest, type CheckpointManifest } from './checkpoint-manifest';
import { describeFileSystemError, errnoCode } from './file-system-error';
import { listCheckpoints } from './latest-checkpoint';
import { parseSafetensors, shapeSize, type TensorData, type TensorDtype } from './safetensors';

/** One restored tensor. */
export interface LoadedTensor {
  readonly dtype: TensorDtype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** What {@link loadCheckpoint} returns. */
export interface LoadedCheckpoint {
  readonly manifest: CheckpointManifest;
  /** Every tensor of the manifest by name (data copied out of the files). */
  readonly tensors: ReadonlyMap<string, LoadedTensor>;
}

/**
 * Loads a checkpoint directory written by {@link saveCheckpoint}, verifying the sha256 and size of every file
 * and, for every tensor, that the safetensors header agrees with the manifest (dtype, shape, byte range).
 * Tables come back full (`[vocabularySize, dim]`); `TPUEmbedding.importTables` reshards them to its topology, and
 * {@link shardRows} with a table's `layout.sharding` and `layout.rotation` splits them as that engine does.
 * Dynamic-vocabulary tables come as their existing rows + keys, in parts (`<table>/part-<k>`, …; see
 * {@link existingRowsGroups}): {@link restoreExistingRows} rebuilds them on any topology.
 *
 * @param dir a `ckpt-<step>` directory (not the root; use {@link latestCheckpoint} to find one).
 * @returns the manifest and the tensors by name.
 * @throws CheckpointError `missing_manifest` when `checkpoint.json` is absent (the message lists checkpoints
 *   found below `dir` if it is a root), `bad_manifest`/`unsupported_version`, `missing_file`, `hash_mismatch`
 *   naming the file with expected vs got hash, `shape_mismatch` naming the tensor and file, `bad_safetensors`, `read_failed` when a file cannot be read for
 *   another reason than its absence (e.g. a directory where a file is expected), naming the path and what happened.
 * @example
 * const { manifest, tensors } = await loadCheckpoint((await latestCheckpoint('/tmp/ckpts'))!.dir);
 * tensors.get('user_id/accumulators')!.shape; // [2048, 64]
 */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const root = path.resolve(dir);
  const manifestPath = path.join(root, MANIFEST_FILE);
  let text: string;
  try {
    text = await fsp.readFile(manifestPath, 'utf8');
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') {
      throw new CheckpointError('read_failed', `loadCheckpoint: cannot read ${manifestPath}: ${describeFileSystemError(e, manifestPath)}. Pass a checkpoint directory written by saveCheckpoint.`);
    }
    const inner = await listCheckpoints(root);
    const hint = inner.length > 0 ? ` It holds checkpoints ${inner.map((c) => path.basename(c.dir)).join(', ')}: pass one of them (latestCheckpoint(dir) finds the newest).` : '';
    throw new CheckpointError('missing_manifest', `loadCheckpoint: expected ${manifestPath} to exist, but it does not.${hint}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError('bad_manifest', `loadCheckpoint: ${manifestPath} is not valid JSON (${(e as Error).message}).`);
  }
  const manifest = validateManifest(json, manifestPath);
  const tensors = new Map<string, LoadedTensor>();
  for (const f of manifest.files) {
    const filePath = path.join(root, f.file);
    if (path.dirname(filePath) !== root) throw new CheckpointError('bad_manifest', `loadCheckpoint: file '${f.file}' in ${manifestPath} points outside the checkpoint directory.`);
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(filePath);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') {
        throw new CheckpointError('read_failed', `loadCheckpoint: cannot read ${filePath} listed in the manifest: ${describeFileSystemError(e, filePath)}. Restore an older checkpoint.`);
      }
      throw new CheckpointError('missing_file', `loadCheckpoint: cannot read ${filePath} listed in the manifest (${(e as Error).message}). The checkpoint is incomplete; restore an older one.`);
    }
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== f.sha256 || bytes.length !== f.bytes) {
      throw new CheckpointError(
        'hash_mismatch',
        `loadCheckpoint: ${filePath} is corrupted: expected sha256 ${f.sha256} (${f.bytes} bytes), but got ${got} (${bytes.length} bytes). Restore an older checkpoint.`,
      );
    }
    const parsed = parseSafetensors(bytes, filePath);
    for (const t of manifest.tensors.filter((x) => x.file === f.file)) {
      const entry = parsed.entries.find((e) => e.name === t.name);
      const data = parsed.tensors.get(t.name);
      if (!entry || !data) throw new CheckpointError('shape_mismatch', `loadCheckpoint: tensor '${t.name}' listed in the manifest is missing from ${filePath}.`);
      const same =
        entry.dtype === t.dtype &&
        entry.shape.length === t.shape.length &&
        entry.shape.every((d, i) => d === t.shape[i]) &&
        entry.byteRange[0] === t.byteRange[0] &&
        entry.byteRange[1] === t.byteRange[1] &&
        data.data.length === shapeSize(t.shape);
      if (!same) {
        throw new CheckpointError(
          'shape_mismatch',
          `loadCheckpoint: tensor '${t.name}' in ${filePath}: expected ${t.dtype} [${t.shape.join(', ')}] at bytes [${t.byteRange.join(', ')}], ` +
            `but got ${entry.dtype} [${entry.shape.join(', ')}] at bytes [${entry.byteRange.join(', ')}].`,
        );
      }
      tensors.set(t.name, { dtype: data.dtype, shape: data.shape, data: data.data });
    }
  }
  for (const t of manifest.tensors) {
    if (!tensors.has(t.name)) throw new CheckpointError('bad_manifest', `loadCheckpoint: tensor '${t.name}' names file '${t.file}', which is not in the files list of ${manifestPath}.`);
  }
  return { manifest, tensors };
}

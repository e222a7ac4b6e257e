import * as tf from '@tensorflow/tfjs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { CheckpointError, ConfigError } from '../errors';
import { positiveInteger, where } from '../validation';
import { newGeneration, observed, syncDir, writeSynced } from './durable-writes';

export { setFileSystemStepObserver } from './durable-writes';
export type { FileSystemStep, FileSystemStepObserver } from './durable-writes';

/** The topology file of a tfjs model directory. */
export const MODEL_JSON_FILE = 'model.json';

/** Options of {@link fileSystemIO}. */
export interface FileSystemIOOptions {
  /** Largest weights file written on save, in bytes (tfjs' converter also shards at 4 MiB). @default 4 MiB */
  readonly weightShardBytes?: number;
}

/** Weights files this handler writes: `group1-shard<i>of<n>-<generation>.bin` (and tfjs' own `group1-shard<i>of<n>.bin`). */
const WEIGHTS_FILE = /^group\d+-shard\d+of\d+(-[0-9a-z]+)?\.bin$/;
/** The new model.json before its rename. */
const MODEL_JSON_TEMP_PREFIX = `.${MODEL_JSON_FILE}.tmp-`;

/** Bytes per element of each weight dtype (string weights have no fixed size). */
const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/**
 * A `tf.io.IOHandler` that saves and loads a tfjs model as `model.json` + `group1-shard<i>of<n>-<generation>.bin` in a
 * local directory: the files `tensorflowjs_converter` and tfjs-node's `file://` handler produce (the weights files
 * carry a generation suffix, listed in model.json), so `tf.loadLayersModel` in any environment (and
 * `tensorflowjs_converter --input_format tfjs_layers_model`) reads them. Needed because the wasm and cpu backends
 * ship no `file://` handler in Node.
 *
 * **Saving is atomic: at every instant the directory holds one complete model.** The new weights go to new, uniquely
 * named files (fsynced); the new model.json is written under a temporary name, fsynced, and renamed onto `model.json`
 * (one atomic `rename(2)`: the single commit point); the directory is fsynced; then the previous export's weights
 * files and any leftovers of an interrupted save are deleted. A process killed at any step leaves the old model.json
 * with its untouched old weights, or the new model.json with its complete new weights; the next save removes the
 * leftovers. This design (rather than a temporary sibling directory renamed into place) keeps the directory itself in
 * place, so a server that loads it by path never sees it missing, and a reader needs no recovery step: POSIX cannot
 * atomically replace a non-empty directory, so a sibling-directory design has an instant with no export at the path.
 * A save that fails in-process (disk full, …) deletes its new files and leaves the previous export as it was.
 * A load that read the old model.json just before a commit and then finds the old weights deleted reads the new
 * export instead (up to 3 tries). Limit: two processes saving into one directory at once are not supported.
 *
 * Loading reads only regular files inside the directory: weight paths that are absolute, contain `..`, or resolve
 * (through symlinks) outside the directory are refused, and the weights' total size must equal the manifest's.
 *
 * @param dir the model directory (created on save).
 * @param options weightShardBytes.
 * @returns the handler, for `model.save(handler)` and `tf.loadLayersModel(handler)`.
 * @throws ConfigError `invalid_option` for a weightShardBytes that is not a positive integer. CheckpointError `bad_checkpoint` for a binary topology; from `save()`: `write_failed`;
 *   from `load()`: `missing_file` / `bad_manifest` when model.json or a weights file is missing or malformed,
 *   `unsafe_path` when a weight path leaves the directory, `size_mismatch` when the weights' bytes differ from the manifest.
 * @example
 * await model.save(fileSystemIO('/tmp/export'));
 * const served = await tf.loadLayersModel(fileSystemIO('/tmp/export'));
 */
export function fileSystemIO(dir: string, options: FileSystemIOOptions = {}): tf.io.IOHandler {
  const root = path.resolve(dir);
  const shardBytes = positiveInteger(options.weightShardBytes ?? 4 * 1024 * 1024, where(ConfigError, 'invalid_option', 'fileSystemIO')('options.weightShardBytes'));
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new CheckpointError('bad_checkpoint', 'fileSystemIO: expected a JSON model topology (a LayersModel), but got a binary GraphDef.');
      }
      const weights = Buffer.from(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
      const n = Math.max(1, Math.ceil(weights.length / shardBytes));
      const generation = newGeneration();
      const paths = Array.from({ length: n }, (_, i) => `group1-shard${i + 1}of${n}-${generation}.bin`);
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJSON.trainingConfig = artifacts.trainingConfig;
      if (artifacts.signature) modelJSON.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer) modelJSON.modelInitializer = artifacts.modelInitializer;
      const jsonPath = path.join(root, MODEL_JSON_FILE);
      const tempJson = path.join(root, `${MODEL_JSON_TEMP_PREFIX}${generation}`);
      const previous = await previousWeightFiles(jsonPath);
      const written: string[] = [];
      let committed = false;
      try {
        if (!(await isDirectory(root))) {
          await fsp.mkdir(root, { recursive: true });
          await syncDir(path.dirname(root));
          await observed('mkdir', root);
        }
        for (let i = 0; i < n; i++) {
          const file = path.join(root, paths[i]);
          written.push(file);
          await writeSynced(file, weights.subarray(i * shardBytes, Math.min(weights.length, (i + 1) * shardBytes)));
          await observed('weights', file);
        }
        await syncDir(root);
        await observed('sync-dir', root);
        written.push(tempJson);
        await writeSynced(tempJson, Buffer.from(JSON.stringify(modelJSON), 'utf8'));
        await observed('model-json-temp', tempJson);
        await fsp.rename(tempJson, jsonPath);
        committed = true;
        await observed('commit', jsonPath);
        await syncDir(root);
        await observed('sync-dir', root);
      } catch (e) {
        if (!committed) {
          for (const f of written) await fsp.rm(f, { force: true }).catch(() => undefined);
        }
        if (e instanceof CheckpointError) throw e;
        throw new CheckpointError(
          'write_failed',
          `fileSystemIO: could not save the model to ${root} (${(e as Error).message}); ${committed ? 'the new model was committed' : 'the previous export, if any, is unchanged'}. Check that the directory is writable and the disk has room, then save again.`,
        );
      }
      // Committed: delete the previous export's weights (whatever their names) and leftovers of interrupted saves
      // (best effort; the next save retries).
      const keep = new Set([MODEL_JSON_FILE, ...paths]);
      let removed = 0;
      for (const name of await fsp.readdir(root).catch(() => [] as string[])) {
        if (keep.has(name) || !(previous.has(name) || WEIGHTS_FILE.test(name) || name.startsWith(MODEL_JSON_TEMP_PREFIX))) continue;
        const file = path.join(root, name);
        if (await fsp.rm(file, { force: true }).then(() => true, () => false)) {
          removed++;
          await observed('remove', file);
        }
      }
      if (removed > 0) {
        await syncDir(root).catch(() => undefined);
        await observed('sync-dir', root);
      }
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: Buffer.byteLength(JSON.stringify(modelJSON.modelTopology)),
          weightSpecsBytes: Buffer.byteLength(JSON.stringify(modelJSON.weightsManifest)),
          weightDataBytes: weights.length,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      // A save may commit between our reading model.json and its weights (and delete the old weights): then the
      // weights are missing or resized and model.json has changed, so read the new export instead (at most 3 tries).
      const jsonPath = path.join(root, MODEL_JSON_FILE);
      for (let attempt = 1; ; attempt++) {
        const text = await readModelJson(jsonPath);
        await observed('load-manifest', jsonPath);
        try {
          return await loadExport(root, jsonPath, text);
        } catch (e) {
          const changed = (await fsp.readFile(jsonPath, 'utf8').catch(() => null)) !== text;
          if (attempt < 3 && changed && e instanceof CheckpointError && (e.kind === 'missing_file' || e.kind === 'size_mismatch')) continue;
          throw e;
        }
      }
    },
  };
}

async function readModelJson(jsonPath: string): Promise<string> {
  try {
    return await fsp.readFile(jsonPath, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new CheckpointError(
      code === 'ENOENT' ? 'missing_file' : 'bad_manifest',
      `fileSystemIO: cannot load ${jsonPath} (${(e as Error).message}). Pass a directory written by model.save(fileSystemIO(dir)) or tensorflowjs_converter.`,
    );
  }
}

/** Parses model.json's text, checks its weights files (inside the directory, sizes as in the manifest) and reads them. */
async function loadExport(root: string, jsonPath: string, text: string): Promise<tf.io.ModelArtifacts> {
  let modelJSON: tf.io.ModelJSON;
  try {
    modelJSON = JSON.parse(text) as tf.io.ModelJSON;
  } catch (e) {
    throw new CheckpointError('bad_manifest', `fileSystemIO: cannot load ${jsonPath} (${(e as Error).message}). Pass a directory written by model.save(fileSystemIO(dir)) or tensorflowjs_converter.`);
  }
  if (modelJSON === null || typeof modelJSON !== 'object' || modelJSON.modelTopology == null) {
    throw new CheckpointError('bad_manifest', `fileSystemIO: ${jsonPath} has no modelTopology; expected a tfjs layers model.json.`);
  }
  const manifest = modelJSON.weightsManifest ?? [];
  if (!Array.isArray(manifest) || manifest.some((g) => g === null || typeof g !== 'object' || !Array.isArray(g.paths) || !Array.isArray(g.weights))) {
    throw new CheckpointError('bad_manifest', `fileSystemIO: ${jsonPath} has a malformed weightsManifest; expected [{ paths: string[], weights: [...] }, …].`);
  }
  const realRoot = await fsp.realpath(root);
  const files = await Promise.all(manifest.flatMap((g) => g.paths).map((p) => weightsFileInside(realRoot, root, jsonPath, p)));
  const expected = manifestBytes(manifest);
  const onDisk = files.reduce((s, f) => s + f.size, 0);
  if (expected !== null && onDisk !== expected) {
    throw new CheckpointError(
      'size_mismatch',
      `fileSystemIO: the weights files listed in ${jsonPath} hold ${onDisk} bytes, but its weight specs need ${expected} (${files.map((f) => `${path.basename(f.file)}: ${f.size}`).join(', ')}). The export is truncated or mixes two saves; save it again.`,
    );
  }
  const buffers: Buffer[] = [];
  for (const f of files) {
    let data: Buffer;
    try {
      data = await fsp.readFile(f.real);
    } catch (e) {
      throw new CheckpointError('missing_file', `fileSystemIO: cannot read weights file ${f.file} listed in ${jsonPath} (${(e as Error).message}).`);
    }
    if (data.length !== f.size) {
      throw new CheckpointError('size_mismatch', `fileSystemIO: weights file ${f.file} changed size while loading (${f.size} → ${data.length} bytes); load again.`);
    }
    buffers.push(data);
  }
  const all = Buffer.concat(buffers);
  const data = all.buffer.slice(all.byteOffset, all.byteOffset + all.length) as ArrayBuffer;
  return tf.io.getModelArtifactsForJSON(modelJSON, async (m) => [tf.io.getWeightSpecs(m), data]);
}

/** Bare file names (no directory part) of the weights listed by an existing model.json; empty when there is none or it is unreadable. */
async function previousWeightFiles(jsonPath: string): Promise<Set<string>> {
  try {
    const json = JSON.parse(await fsp.readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
    const names = (json.weightsManifest ?? []).flatMap((g) => g.paths ?? []);
    return new Set(names.filter((p) => typeof p === 'string' && p !== MODEL_JSON_FILE && p === path.basename(p) && p !== '..' && p !== '.'));
  } catch {
    return new Set();
  }
}

/** A weights file of the manifest, checked to be a regular file inside the model directory. */
async function weightsFileInside(realRoot: string, root: string, jsonPath: string, p: unknown): Promise<{ file: string; real: string; size: number }> {
  const refuse = (why: string) =>
    new CheckpointError('unsafe_path', `fileSystemIO: weight path ${JSON.stringify(p)} in ${jsonPath} ${why}; a model.json may only list files inside ${root}. Re-export the model.`);
  if (typeof p !== 'string' || p.length === 0 || p.includes('\0')) throw refuse('is not a file name');
  if (path.isAbsolute(p) || path.win32.isAbsolute(p)) throw refuse('is absolute');
  if (p.split(/[\\/]/).includes('..')) throw refuse("contains '..'");
  const file = path.join(root, p);
  let real: string;
  try {
    real = await fsp.realpath(file);
  } catch (e) {
    throw new CheckpointError('missing_file', `fileSystemIO: cannot read weights file ${file} listed in ${jsonPath} (${(e as Error).message}).`);
  }
  if (!real.startsWith(realRoot + path.sep)) throw refuse(`resolves through a symlink to ${real}, outside the model directory`);
  const stat = await fsp.stat(real);
  if (!stat.isFile()) throw refuse('is not a regular file');
  return { file, real, size: stat.size };
}

/** Σ bytes of the manifest's weight specs (elements × bytes per element of the stored dtype), or null with string weights. */
function manifestBytes(manifest: tf.io.WeightsManifestConfig): number | null {
  let total = 0;
  for (const spec of manifest.flatMap((g) => g.weights)) {
    const bytes = DTYPE_BYTES[spec.quantization?.dtype ?? spec.dtype];
    if (bytes === undefined) return null;
    total += spec.shape.reduce((a, b) => a * b, 1) * bytes;
  }
  return total;
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

let registered = false;

/**
 * Registers {@link fileSystemIO} as tfjs' handler for `file://` URLs, so `tf.loadLayersModel('file:///abs/dir/model.json')`
 * and `model.save('file:///abs/dir')` work on the wasm and cpu backends. Does nothing when a `file://` handler
 * already exists (tfjs-node registers its own) or on a second call. Deliberately not done when the library is
 * imported: if tfjs-node were loaded afterwards, tfjs would hold two `file://` handlers and `tf.loadLayersModel`
 * would throw "Found more than one (2) load handlers". To save without it, use `RankingModel.saveServingModel(dir)`
 * or `model.save(fileSystemIO(dir))`.
 *
 * @returns true when this call registered the routers.
 * @example
 * registerFileSystemRouter();
 * const model = await tf.loadLayersModel('file:///tmp/export/model.json');
 */
export function registerFileSystemRouter(): boolean {
  if (registered || tf.io.getLoadHandlers('file:///probe/model.json').length > 0) return false;
  // tfjs' routers return null for URLs they do not handle; its IORouter type says IOHandler.
  const route = ((url: string | string[]): tf.io.IOHandler | null => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null;
    let p = url.slice('file://'.length);
    if (p.endsWith(`/${MODEL_JSON_FILE}`) || p === MODEL_JSON_FILE) p = path.dirname(p);
    return fileSystemIO(p);
  }) as (url: string | string[]) => tf.io.IOHandler;
  tf.io.registerLoadRouter(route);
  tf.io.registerSaveRouter(route);
  registered = true;
  return true;
}

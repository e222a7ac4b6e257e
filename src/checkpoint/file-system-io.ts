import * as tf from '@tensorflow/tfjs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { CheckpointError } from '../errors';

/** The topology file of a tfjs model directory. */
export const MODEL_JSON_FILE = 'model.json';

/** Options of {@link fileSystemIO}. */
export interface FileSystemIOOptions {
  /** Largest weights file written on save, in bytes (tfjs' converter also shards at 4 MiB). @default 4 MiB */
  readonly weightShardBytes?: number;
}

/**
 * A `tf.io.IOHandler` that saves and loads a tfjs model as `model.json` + `group1-shard<i>of<n>.bin` in a
 * local directory: the same files `tensorflowjs_converter` and tfjs-node's `file://` handler produce, so
 * `tf.loadLayersModel` in any environment (and `tensorflowjs_converter --input_format tfjs_layers_model`) reads them.
 * Needed because the wasm and cpu backends ship no `file://` handler in Node.
 *
 * @param dir the model directory (created on save).
 * @param options weightShardBytes.
 * @returns the handler, for `model.save(handler)` and `tf.loadLayersModel(handler)`.
 * @throws CheckpointError `missing_file` / `bad_manifest` from `load()` when model.json or a weights file is missing or malformed.
 * @example
 * await model.save(fileSystemIO('/tmp/export'));
 * const served = await tf.loadLayersModel(fileSystemIO('/tmp/export'));
 */
export function fileSystemIO(dir: string, options: FileSystemIOOptions = {}): tf.io.IOHandler {
  const root = path.resolve(dir);
  const shardBytes = options.weightShardBytes ?? 4 * 1024 * 1024;
  if (!Number.isInteger(shardBytes) || shardBytes < 1) {
    throw new CheckpointError('bad_checkpoint', `fileSystemIO: expected options.weightShardBytes to be a positive integer, but got ${shardBytes}.`);
  }
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new CheckpointError('bad_checkpoint', 'fileSystemIO: expected a JSON model topology (a LayersModel), but got a binary GraphDef.');
      }
      await fsp.mkdir(root, { recursive: true });
      const weights = Buffer.from(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
      const n = Math.max(1, Math.ceil(weights.length / shardBytes));
      const paths: string[] = [];
      for (let i = 0; i < n; i++) {
        const name = `group1-shard${i + 1}of${n}.bin`;
        await fsp.writeFile(path.join(root, name), weights.subarray(i * shardBytes, Math.min(weights.length, (i + 1) * shardBytes)));
        paths.push(name);
      }
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
      const text = JSON.stringify(modelJSON);
      await fsp.writeFile(path.join(root, MODEL_JSON_FILE), text);
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
      const jsonPath = path.join(root, MODEL_JSON_FILE);
      let modelJSON: tf.io.ModelJSON;
      try {
        modelJSON = JSON.parse(await fsp.readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (e) {
        const code = (e as { code?: string }).code;
        throw new CheckpointError(
          code === 'ENOENT' ? 'missing_file' : 'bad_manifest',
          `fileSystemIO: cannot load ${jsonPath} (${(e as Error).message}). Pass a directory written by model.save(fileSystemIO(dir)) or tensorflowjs_converter.`,
        );
      }
      if (modelJSON === null || typeof modelJSON !== 'object' || modelJSON.modelTopology == null) {
        throw new CheckpointError('bad_manifest', `fileSystemIO: ${jsonPath} has no modelTopology; expected a tfjs layers model.json.`);
      }
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const buffers: Buffer[] = [];
        for (const group of manifest) {
          for (const p of group.paths) {
            const file = path.join(root, p);
            try {
              buffers.push(await fsp.readFile(file));
            } catch (e) {
              throw new CheckpointError('missing_file', `fileSystemIO: cannot read weights file ${file} listed in ${jsonPath} (${(e as Error).message}).`);
            }
          }
        }
        const all = Buffer.concat(buffers);
        const data = all.buffer.slice(all.byteOffset, all.byteOffset + all.length) as ArrayBuffer;
        return [tf.io.getWeightSpecs(manifest), data];
      });
    },
  };
}

let registered = false;

/**
 * Registers {@link fileSystemIO} as tfjs' handler for `file://` URLs, so `tf.loadLayersModel('file:///abs/dir/model.json')`
 * and `model.save('file:///abs/dir')` work on the wasm and cpu backends. Does nothing when a `file://` handler
 * already exists (tfjs-node registers its own) or on a second call.
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

import { runPythonModule } from './python-bridge';

/** What {@link exportSavedModel} wrote. */
export interface ExportedSavedModel {
  /** The SavedModel directory. */
  readonly savedModel: string;
  /** The checkpoint directory it was built from (the newest `ckpt-<step>` when a root was given). */
  readonly checkpoint: string;
  /** The checkpoint's training step. */
  readonly step: number;
  /** Seconds the Python process took (TensorFlow's import included). */
  readonly seconds: number;
}

/**
 * Writes the tutorial's SavedModel from a tpu-embeddings checkpoint of the ranking model, with real TensorFlow:
 * the model is rebuilt with `tf.tpu.experimental.embedding.TPUEmbeddingForServing` + Keras Dense layers, every
 * weight assigned by its TensorFlow name, then `tf.saved_model.save(model, outDir, signatures={'serving': …})`.
 * The `serving` signature takes int32 `[1]` tensors `movie_id` and `user_id` and returns `output_0` `[1, 1]`:
 * `tf.saved_model.load(outDir).signatures['serving'](movie_id=…, user_id=…)['output_0']`.
 *
 * @param checkpointDir a `ckpt-<step>` directory, or a root holding them (the newest is used).
 * @param outDir the SavedModel directory to write.
 * @returns what was written.
 * @throws ConfigError `python_missing` / `tensorflow_missing` with the pip command to run, `python_failed` when the
 *   export fails (e.g. a tensor is missing; the message quotes TensorFlow's error).
 * @example
 * await exportSavedModel('/tmp/ckpts', '/tmp/saved-model');
 */
export async function exportSavedModel(checkpointDir: string, outDir: string): Promise<ExportedSavedModel> {
  const run = await runPythonModule('exportSavedModel', 'tpu_embeddings_interop.export_saved_model', [checkpointDir, outDir]);
  const line = run.stdout.trim().split('\n').pop() ?? '{}';
  const out = JSON.parse(line) as Omit<ExportedSavedModel, 'seconds'>;
  return { ...out, seconds: run.seconds };
}

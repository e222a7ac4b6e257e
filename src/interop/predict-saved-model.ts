import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointError, InputError } from '../errors';
import { runPythonModule } from './python-bridge';

/** The (user, movie) pairs {@link predictSavedModel} asks for: two lists of the same length. */
export interface SavedModelPairs {
  readonly user_id: ArrayLike<number>;
  readonly movie_id: ArrayLike<number>;
}

/** What {@link predictSavedModel} returns. */
export interface SavedModelPredictions {
  /** TensorFlow's rating per pair (`output_0`), in the order of the pairs. */
  readonly predictions: readonly number[];
  /** The signature used (`serving`). */
  readonly signature: string;
  /** The TensorFlow version that loaded the SavedModel. */
  readonly tensorflow: string;
  /** Seconds the Python process took (TensorFlow's import included). */
  readonly seconds: number;
}

/** The most pairs one call takes (one Python process, one signature call per pair, about 1 ms each). */
const MAX_PAIRS = 100_000;

/**
 * Loads a SavedModel written by {@link exportSavedModel} in real TensorFlow (`tf.saved_model.load`, one Python
 * process) and predicts the rating of each (user, movie) pair with its `serving` signature (int32 `[1]` `user_id`
 * and `movie_id` → `output_0`), so a notebook or a script can compare TensorFlow's predictions with the model's own.
 *
 * @param savedModelDir the SavedModel directory (holds `saved_model.pb`).
 * @param pairs `user_id` and `movie_id`: non-negative integer ids, the same number of each (1 to 100,000 pairs).
 * @returns TensorFlow's predictions, the signature, TF's version and the time taken.
 * @throws InputError `bad_pairs` for lists of different lengths, empty or too long lists, or ids that are not
 *   non-negative integers; CheckpointError `missing_saved_model` when the directory has no `saved_model.pb`;
 *   ConfigError `python_missing` / `tensorflow_missing` (with the pip command) or `python_failed` (TF's error).
 * @example
 * const tfRatings = await predictSavedModel('/tmp/saved-model', { user_id: [30], movie_id: [100] });
 * tfRatings.predictions[0]; // ≈ model.predict({ user_id: [30], movie_id: [100] })[0]
 */
export async function predictSavedModel(savedModelDir: string, pairs: SavedModelPairs): Promise<SavedModelPredictions> {
  const bad = (rule: string): never => {
    throw new InputError('bad_pairs', `predictSavedModel: ${rule}`);
  };
  const users = Array.from(pairs.user_id ?? []);
  const movies = Array.from(pairs.movie_id ?? []);
  if (users.length !== movies.length) bad(`expected as many movie_id as user_id, but got ${movies.length} and ${users.length}; pass one of each per pair.`);
  if (users.length === 0 || users.length > MAX_PAIRS) bad(`expected 1 to ${MAX_PAIRS} pairs, but got ${users.length}; split larger sets.`);
  for (const [name, ids] of [['user_id', users], ['movie_id', movies]] as const) {
    const i = ids.findIndex((v) => !Number.isSafeInteger(v) || v < 0 || v >= 2 ** 31);
    if (i >= 0) bad(`expected ${name}[${i}] to be a non-negative int32 id, but got ${ids[i]}.`);
  }
  if (!fs.existsSync(path.join(savedModelDir, 'saved_model.pb'))) {
    throw new CheckpointError('missing_saved_model', `predictSavedModel: expected a SavedModel in ${savedModelDir} (saved_model.pb), but there is none; write one with exportSavedModel(checkpointDir, '${savedModelDir}').`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'predict-saved-model-'));
  try {
    const request = path.join(tmp, 'request.json');
    fs.writeFileSync(request, JSON.stringify({ user_id: users, movie_id: movies }));
    const run = await runPythonModule('predictSavedModel', 'tpu_embeddings_interop.predict_saved_model', [savedModelDir, request]);
    const out = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { predictions: number[]; signature: string; tensorflow: string };
    return { predictions: out.predictions, signature: out.signature, tensorflow: out.tensorflow, seconds: run.seconds };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

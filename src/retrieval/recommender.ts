import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileSystemIO } from '../checkpoint/file-system-io';
import { newGeneration, observed, syncDir, syncFilesIn, writeSynced } from '../checkpoint/durable-writes';
import { CheckpointError, ConfigError, InputError } from '../errors';
import { inRange, positiveInteger, where } from '../validation';
import type { CandidateIndex } from './candidate-index';
import { loadCandidateIndex } from './load-candidate-index';

/** Manifest file of a saved {@link Recommender}. */
export const RECOMMENDER_FILE = 'recommender.json';
/**
 * Sub-directories of a saved recommender: the query model (tfjs LayersModel) and the candidate index. A save names
 * them `<name>-<generation>` (recorded in recommender.json); directories saved before that carry the bare names.
 */
export const RECOMMENDER_DIRS = Object.freeze({ query: 'query', index: 'index' });

/** Top-k recommendations for one user: movie ids, best first, with their scores (inner products). */
export interface Recommendations {
  readonly userId: number;
  readonly movieIds: number[];
  readonly scores: number[];
}

/** Options of {@link Recommender.recommend}. */
export interface RecommendOptions {
  /** Candidate ids never to return (e.g. the movies the user already rated). @default [] */
  readonly exclude?: Iterable<number>;
}

/**
 * The serving half of retrieval: the exported query model (`user_id` → query embedding) and a candidate index.
 * `recommend(userId, k)` embeds the user and returns the k nearest candidates by inner product. Saved atomically
 * as one directory (`recommender.json`, `query-<generation>/model.json` + weights, `index-<generation>/…`) and
 * loaded back with {@link load}.
 *
 * @example
 * const rec = model.recommender('hnsw');
 * rec.recommend(42, 10);            // { userId: 42, movieIds: [...10], scores: [...] }
 * await rec.save('out/recommender');
 * const served = await Recommender.load('out/recommender');
 */
export class Recommender {
  /** Rows of the query model's embedding (valid user ids are below). */
  readonly userVocabularySize: number;

  /**
   * @param queryModel a LayersModel with one int32 input `[batch, 1]` and output `[batch, dim]`.
   * @param index candidates of the same dim.
   * @throws ConfigError `bad_model` when the query model's output width differs from the index's dim.
   */
  constructor(readonly queryModel: tf.LayersModel, readonly index: CandidateIndex) {
    const out = queryModel.outputs[0]?.shape;
    if (!out || out[out.length - 1] !== index.dim) {
      throw new ConfigError('bad_model', `Recommender: expected the query model's output width to equal the index's dim (${index.dim}), but got shape [${out?.map((d) => d ?? 'null').join(', ')}]. Pass the model's query tower with the index it was built for.`);
    }
    const emb = queryModel.layers.find((l) => l.getClassName() === 'Embedding');
    this.userVocabularySize = emb ? ((emb.getConfig() as { inputDim: number }).inputDim) : 2 ** 31 - 1;
  }

  /**
   * The query embeddings of users (the query model's output).
   * @param userIds ids in [0, userVocabularySize).
   * @returns `[n, dim]` row-major.
   * @throws InputError `bad_user` for an id that is not an integer in range.
   */
  embedUsers(userIds: ArrayLike<number>): Float32Array {
    const atUser = where(InputError, 'bad_user', 'Recommender.recommend')('user id');
    for (let i = 0; i < userIds.length; i++) {
      inRange(userIds[i], atUser, 0, this.userVocabularySize);
    }
    const y = tf.tidy(() => this.queryModel.predict(tf.tensor2d(Int32Array.from(userIds), [userIds.length, 1], 'int32')) as tf.Tensor);
    const out = y.dataSync() as Float32Array;
    y.dispose();
    return out;
  }

  /**
   * The k best candidates for a user.
   * @param userId a user id in [0, userVocabularySize).
   * @param k how many (≥ 1; at most the index size minus the excluded ones are returned).
   * @param options exclude.
   * @returns {@link Recommendations}.
   * @throws InputError `bad_user` / `bad_query`.
   */
  recommend(userId: number, k: number, options: RecommendOptions = {}): Recommendations {
    return this.recommendMany([userId], k, options)[0];
  }

  /** {@link recommend} for several users at once (one batched search). */
  recommendMany(userIds: ArrayLike<number>, k: number, options: RecommendOptions = {}): Recommendations[] {
    positiveInteger(k, where(InputError, 'bad_query', 'Recommender.recommend')('k'));
    const exclude = new Set(options.exclude ?? []);
    const q = this.embedUsers(userIds);
    const want = Math.min(k + exclude.size, this.index.size);
    const r = this.index.search(q, want);
    return Array.from(userIds, (userId, u) => {
      const movieIds: number[] = [];
      const scores: number[] = [];
      for (let j = 0; j < want && movieIds.length < k; j++) {
        const id = r.ids[u * want + j];
        if (id < 0 || exclude.has(id)) continue;
        movieIds.push(id);
        scores.push(r.scores[u * want + j]);
      }
      return { userId, movieIds, scores };
    });
  }

  /**
   * Saves the query model and the index into `dir` (created if needed), atomically: both go to new sub-directories
   * `query-<generation>` and `index-<generation>` (fsynced), then a new recommender.json naming them is written under
   * a temporary name, fsynced and renamed onto `recommender.json` (the commit point); then the previous save's
   * sub-directories and leftovers of interrupted saves are deleted. A process killed at any step leaves the previous
   * recommender or the new one loadable, never a mix; a failed save deletes its new files.
   * @throws CheckpointError `write_failed` when the files cannot be written (the previous recommender is unchanged).
   */
  async save(dir: string): Promise<void> {
    const root = path.resolve(dir);
    const generation = newGeneration();
    const query = `${RECOMMENDER_DIRS.query}-${generation}`;
    const index = `${RECOMMENDER_DIRS.index}-${generation}`;
    const file = path.join(root, RECOMMENDER_FILE);
    const temp = path.join(root, `.${RECOMMENDER_FILE}.tmp-${generation}`);
    let committed = false;
    try {
      await fs.mkdir(root, { recursive: true });
      await this.queryModel.save(fileSystemIO(path.join(root, query)));
      await this.index.save(path.join(root, index));
      await syncFilesIn(path.join(root, index));
      await observed('index', path.join(root, index));
      const manifest = { format: 'tpu-embeddings/recommender', version: 1, dim: this.index.dim, indexKind: this.index.kind, candidates: this.index.size, userVocabularySize: this.userVocabularySize, query, index };
      await writeSynced(temp, Buffer.from(JSON.stringify(manifest, null, 2), 'utf8'));
      await observed('manifest-temp', temp);
      await fs.rename(temp, file);
      committed = true;
      await observed('commit', file);
      await syncDir(root);
      await observed('sync-dir', root);
    } catch (e) {
      if (!committed) for (const p of [query, index, temp]) await fs.rm(path.resolve(root, p), { recursive: true, force: true }).catch(() => undefined);
      if (e instanceof CheckpointError) throw e;
      throw new CheckpointError('write_failed', `Recommender.save: could not save to ${root} (${(e as Error).message}); the previous recommender there, if any, is unchanged. Check that the directory is writable and has room.`);
    }
    // Committed: remove the previous save's sub-directories and leftovers (best effort; the next save retries).
    const owned = new RegExp(`^((${RECOMMENDER_DIRS.query}|${RECOMMENDER_DIRS.index})(-[0-9a-z]+)?|\\.${RECOMMENDER_FILE.replace('.', '\\.')}\\.tmp-.*)$`);
    let removed = 0;
    for (const name of await fs.readdir(root).catch(() => [] as string[])) {
      if (name === query || name === index || !owned.test(name)) continue;
      if (await fs.rm(path.join(root, name), { recursive: true, force: true }).then(() => true, () => false)) {
        removed++;
        await observed('remove', path.join(root, name));
      }
    }
    if (removed > 0) {
      await syncDir(root).catch(() => undefined);
      await observed('sync-dir', root);
    }
  }

  /**
   * Loads a recommender saved with {@link save}.
   * @throws CheckpointError `missing_file` / `bad_index` (also for a sub-directory name that leaves `dir`).
   */
  static async load(dir: string): Promise<Recommender> {
    const file = path.join(dir, RECOMMENDER_FILE);
    const manifest = await fs.readFile(file, 'utf8').then(JSON.parse, (e: Error) => {
      throw new CheckpointError('missing_file', `Recommender.load: could not read ${file} (${e.message}); save one with recommender.save(dir).`);
    });
    if (manifest?.format !== 'tpu-embeddings/recommender') throw new CheckpointError('bad_index', `Recommender.load: ${file} is not a recommender manifest.`);
    const sub = (key: 'query' | 'index'): string => {
      const name = manifest[key] ?? RECOMMENDER_DIRS[key];
      if (typeof name !== 'string' || !/^[A-Za-z0-9_-]+$/.test(name)) {
        throw new CheckpointError('bad_index', `Recommender.load: ${file} names its ${key} directory ${JSON.stringify(name)}; expected a plain name inside ${dir} such as '${RECOMMENDER_DIRS[key]}-<generation>'. Save the recommender again.`);
      }
      return path.join(dir, name);
    };
    const model = await tf.loadLayersModel(fileSystemIO(sub('query')));
    const index = await loadCandidateIndex(sub('index'));
    return new Recommender(model, index);
  }

  /** Frees the query model and the index. */
  dispose(): void {
    this.queryModel.dispose();
    this.index.dispose();
  }
}

import type * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors';
import { TPUEmbedding, featureConfig, tableConfig, type FullTable } from '../embedding';
import type { EmbeddingOptimizer, SlotName } from '../optimizers';
import type { NamedTensor } from '../checkpoint/safetensors';
import type { RankingModelConfig } from './ranking-model-config';

/** The two features of the ranking model, in the tutorial's feature-config order (`movie_id` first). */
export const RANKING_FEATURES = ['movie_id', 'user_id'] as const;
/** One of {@link RANKING_FEATURES}. */
export type RankingFeature = (typeof RANKING_FEATURES)[number];

/**
 * Builds the ranking model's `TPUEmbedding` exactly as the tutorial configures it: `movie_id` → a
 * `[movieVocabularySize, embeddingDim]` table, `user_id` → a `[userVocabularySize, embeddingDim]` table, one global
 * optimizer. With unnamed tables in that order TensorFlow names them `table_0` (movies) and `table_1` (users), as in
 * the tutorial's checkpoint listing; so do we.
 *
 * @param config the model config (topology, placement, sizes, seed).
 * @param optimizer the tables' optimizer.
 * @returns a new TPUEmbedding.
 * @example
 * const emb = createRankingEmbedding(rankingModelConfig(), kerasAdagrad({ learningRate: 0.1 }));
 * emb.tableNames; // ['table_0', 'table_1']
 */
export function createRankingEmbedding(config: RankingModelConfig, optimizer: EmbeddingOptimizer): TPUEmbedding {
  const movieTable = tableConfig({ vocabularySize: config.movieVocabularySize, dim: config.embeddingDim });
  const userTable = tableConfig({ vocabularySize: config.userVocabularySize, dim: config.embeddingDim });
  return new TPUEmbedding({
    features: { movie_id: featureConfig({ table: movieTable }), user_id: featureConfig({ table: userTable }) },
    optimizer,
    topology: config.topology,
    placement: config.placement,
    seed: config.seed,
  });
}

/** The table a feature of the ranking model looks up (`table_0` for `movie_id`, `table_1` for `user_id`). */
export function rankingTableName(embedding: TPUEmbedding, feature: RankingFeature): string {
  return embedding.tableNames[RANKING_FEATURES.indexOf(feature)];
}

/**
 * The embedding's full tables and slots as checkpoint tensors: `<table>` and `<table>/<slot>`, each `[vocab, dim]`.
 * @returns fresh copies, tables in order, each table followed by its slots.
 */
export function tablesToTensors(embedding: TPUEmbedding): NamedTensor[] {
  const out: NamedTensor[] = [];
  for (const full of Object.values(embedding.exportTables())) {
    const shape = [full.vocabularySize, full.dim];
    out.push({ name: full.name, dtype: 'float32', shape, data: full.weights });
    for (const [slot, data] of Object.entries(full.slots)) {
      if (data) out.push({ name: `${full.name}/${slot}`, dtype: 'float32', shape, data });
    }
  }
  return out;
}

/**
 * Loads checkpoint tensors (from {@link tablesToTensors}, any topology) into the embedding: every table and every
 * slot its optimizer keeps must be present, with the table's shape.
 * @throws InputError `bad_state` naming the missing tensor or the shape mismatch; nothing is changed then.
 */
export function tensorsToTables(embedding: TPUEmbedding, tensors: readonly NamedTensor[]): void {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const tables: Record<string, Pick<FullTable, 'weights' | 'slots'>> = {};
  const need = (name: string, vocab: number, dim: number): Float32Array => {
    const t = byName.get(name);
    if (!t) {
      throw new InputError('bad_state', `RankingModel.setState: expected table tensor '${name}', but the state has none (it holds ${[...byName.keys()].join(', ') || 'no table tensors'}).`);
    }
    if (t.dtype !== 'float32' || t.shape.length !== 2 || t.shape[0] !== vocab || t.shape[1] !== dim) {
      throw new InputError('bad_state', `RankingModel.setState: expected '${name}' to be float32 [${vocab}, ${dim}], but got ${t.dtype} [${t.shape.join(', ')}].`);
    }
    return t.data as Float32Array;
  };
  for (const table of embedding.tables) {
    const slots: Partial<Record<SlotName, Float32Array>> = {};
    for (const s of table.slotSpecs) slots[s.name] = need(`${table.name}/${s.name}`, table.vocabularySize, table.dim);
    tables[table.name] = { weights: need(table.name, table.vocabularySize, table.dim), slots };
  }
  embedding.importTables(tables);
}

/**
 * Looks up a batch of any size B: pads B up to a multiple of the replicas with id 0 (the TPU needs equal per-replica
 * batches) and slices the padding off. For inference; training batches must already be divisible.
 * @returns `{ user_id, movie_id }` activations `[B, dim]` (caller disposes).
 */
export function lookupPadded(embedding: TPUEmbedding, userIds: Int32Array, movieIds: Int32Array): Record<RankingFeature, tf.Tensor2D> {
  const b = userIds.length;
  const r = embedding.numReplicas;
  const padded = Math.ceil(b / r) * r;
  if (padded === b) {
    const acts = embedding.lookup({ user_id: userIds, movie_id: movieIds });
    return { user_id: acts.user_id as tf.Tensor2D, movie_id: acts.movie_id as tf.Tensor2D };
  }
  const u = new Int32Array(padded);
  const m = new Int32Array(padded);
  u.set(userIds);
  m.set(movieIds);
  const acts = embedding.lookup({ user_id: u, movie_id: m });
  const cut = (t: tf.Tensor): tf.Tensor2D => {
    const s = t.slice([0, 0], [b, t.shape[1] as number]) as tf.Tensor2D;
    t.dispose();
    return s;
  };
  return { user_id: cut(acts.user_id), movie_id: cut(acts.movie_id) };
}

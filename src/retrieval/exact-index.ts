import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readSafetensors, writeSafetensors } from '../checkpoint/safetensors';
import { CheckpointError, ConfigError, InputError } from '../errors';
import { positiveInteger, where } from '../validation';
import { checkCandidates, checkSearch, type CandidateIndex, type SearchResult } from './candidate-index';

/** File an {@link ExactIndex} saves its candidates to (`ids` int32 `[N]`, `embeddings` float32 `[N, dim]`). */
export const EXACT_INDEX_FILE = 'candidates.safetensors';

/** Options of {@link ExactIndex.build}. */
export interface ExactIndexOptions {
  /** Candidates per block of the matrix product (bounds the `[Q, block]` score matrix). @default 65536 */
  readonly blockSize?: number;
}

/**
 * Exact maximum-inner-product search (TFRS `BruteForce`): the candidates are kept transposed in blocks
 * `[dim, block]` as tfjs tensors; a search computes `queries [Q, dim] · block` per block, takes `tf.topk` of each
 * `[Q, block]` score matrix and merges the per-block top-k lists (ties: lower candidate position first).
 *
 * ```
 * queries [Q, d] ─ matMul ─ [Q, b₀] ─ topk ─┐
 *                 ─ matMul ─ [Q, b₁] ─ topk ─┼─ merge → top-k [Q, k]
 *                 …                          ┘
 * ```
 * @example
 * const index = ExactIndex.build(movieIds, movieEmbeddings, 32);
 * index.search(userEmbedding, 10).ids; // Int32Array of the 10 best movie ids
 */
export class ExactIndex implements CandidateIndex {
  readonly kind = 'exact' as const;
  readonly size: number;
  readonly blockSize: number;
  private readonly blocks: tf.Tensor2D[];
  private disposed = false;

  private constructor(readonly ids: Int32Array, readonly vectors: Float32Array, readonly dim: number, blockSize: number) {
    this.size = ids.length;
    this.blockSize = blockSize;
    this.blocks = [];
    for (let s = 0; s < this.size; s += blockSize) {
      const n = Math.min(blockSize, this.size - s);
      this.blocks.push(tf.tidy(() => tf.transpose(tf.tensor2d(vectors.subarray(s * dim, (s + n) * dim), [n, dim]))) as tf.Tensor2D);
    }
  }

  /**
   * @param ids candidate ids `[N]` (non-negative).
   * @param vectors candidate embeddings `[N, dim]` row-major (kept, not copied).
   * @param dim embedding width.
   * @param options blockSize.
   * @returns the index (dispose it to free its tensors).
   * @throws InputError `bad_candidates`; ConfigError `invalid_option` for a blockSize that is not a positive integer.
   */
  static build(ids: Int32Array, vectors: Float32Array, dim: number, options: ExactIndexOptions = {}): ExactIndex {
    checkCandidates('ExactIndex.build', ids, vectors, dim);
    const blockSize = positiveInteger(options.blockSize ?? 65536, where(ConfigError, 'invalid_option', 'ExactIndex.build')('blockSize'));
    return new ExactIndex(ids, vectors, dim, blockSize);
  }

  /**
   * Reads an index saved by {@link save}.
   * @throws CheckpointError `missing_file` / `bad_index`.
   */
  static async load(dir: string, options: ExactIndexOptions = {}): Promise<ExactIndex> {
    const file = path.join(dir, EXACT_INDEX_FILE);
    let parsed;
    try {
      parsed = await readSafetensors(file);
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      throw new CheckpointError('missing_file', `ExactIndex.load: could not read ${file} (${(e as Error).message}); save the index with index.save(dir) first.`);
    }
    const ids = parsed.tensors.get('ids');
    const emb = parsed.tensors.get('embeddings');
    if (!ids || !emb || ids.dtype !== 'int32' || emb.dtype !== 'float32' || emb.shape.length !== 2 || emb.shape[0] !== ids.shape[0]) {
      throw new CheckpointError('bad_index', `ExactIndex.load: expected int32 'ids' [N] and float32 'embeddings' [N, dim] in ${file}.`);
    }
    return ExactIndex.build(ids.data as Int32Array, emb.data as Float32Array, emb.shape[1], options);
  }

  search(queries: Float32Array, k: number): SearchResult {
    this.check('search');
    const Q = checkSearch('ExactIndex.search', this.dim, queries, k);
    const kk = Math.min(k, this.size);
    const ids = new Int32Array(Q * k).fill(-1);
    const scores = new Float32Array(Q * k).fill(-Infinity);
    const q = tf.tensor2d(queries, [Q, this.dim]);
    // Per block: top-min(k, block) scores and positions; merged into the running top-k of each query.
    const candScores = new Float32Array(Q * kk * this.blocks.length);
    const candPos = new Int32Array(Q * kk * this.blocks.length);
    const counts = new Int32Array(this.blocks.length);
    try {
      this.blocks.forEach((block, bi) => {
        const kb = Math.min(kk, block.shape[1]);
        const [v, i] = tf.tidy(() => {
          const r = tf.topk(tf.matMul(q, block), kb, true);
          return [r.values, r.indices];
        });
        const vs = v.dataSync() as Float32Array;
        const is = i.dataSync() as Int32Array;
        tf.dispose([v, i]);
        counts[bi] = kb;
        const base = bi * this.blockSize;
        for (let r = 0; r < Q; r++) {
          for (let j = 0; j < kb; j++) {
            const o = (r * this.blocks.length + bi) * kk + j;
            candScores[o] = vs[r * kb + j];
            candPos[o] = base + is[r * kb + j];
          }
        }
      });
    } finally {
      q.dispose();
    }
    const nb = this.blocks.length;
    const heads = new Int32Array(nb);
    for (let r = 0; r < Q; r++) {
      heads.fill(0);
      for (let j = 0; j < kk; j++) {
        let best = -1;
        let bestScore = -Infinity;
        let bestPos = Infinity;
        for (let b = 0; b < nb; b++) {
          if (heads[b] >= counts[b]) continue;
          const o = (r * nb + b) * kk + heads[b];
          const s = candScores[o];
          if (s > bestScore || (s === bestScore && candPos[o] < bestPos)) {
            best = b;
            bestScore = s;
            bestPos = candPos[o];
          }
        }
        if (best < 0) break;
        heads[best]++;
        ids[r * k + j] = this.ids[bestPos];
        scores[r * k + j] = bestScore;
      }
    }
    return { k, numQueries: Q, ids, scores };
  }

  async save(dir: string): Promise<void> {
    this.check('save');
    await fs.mkdir(dir, { recursive: true });
    await writeSafetensors(path.join(dir, EXACT_INDEX_FILE), [
      { name: 'ids', dtype: 'int32', shape: [this.size], data: this.ids },
      { name: 'embeddings', dtype: 'float32', shape: [this.size, this.dim], data: this.vectors },
    ]);
  }

  dispose(): void {
    if (this.disposed) return;
    tf.dispose(this.blocks);
    this.disposed = true;
  }

  private check(api: string): void {
    if (this.disposed) throw new InputError('disposed', `ExactIndex.${api}: the index was disposed; build or load it again.`);
  }
}

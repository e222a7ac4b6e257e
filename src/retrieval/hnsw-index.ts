import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Index as UsearchIndex, MetricKind, ScalarKind } from 'usearch';
import { CheckpointError, ConfigError, InputError } from '../errors';
import { integerAtLeast, oneOf, where } from '../validation';
import { checkCandidates, checkSearch, type CandidateIndex, type SearchResult } from './candidate-index';

/** File of the usearch graph inside a saved {@link HnswIndex} directory. */
export const HNSW_INDEX_FILE = 'hnsw.usearch';
/** JSON settings beside it (dim, size, connectivity, expansions, quantization). */
export const HNSW_SETTINGS_FILE = 'hnsw.json';

/** Scalar types the HNSW index may store vectors in (usearch quantization). */
export const HNSW_QUANTIZATIONS = ['f32', 'f16', 'i8'] as const;
/** One of {@link HNSW_QUANTIZATIONS}. */
export type HnswQuantization = (typeof HNSW_QUANTIZATIONS)[number];

/** Options of {@link HnswIndex.build} (usearch's HNSW parameters). */
export interface HnswIndexOptions {
  /** Graph degree M (edges per node per layer). @default 16 */
  readonly connectivity?: number;
  /** Candidate-list size while inserting (efConstruction). @default 128 */
  readonly expansionAdd?: number;
  /** Candidate-list size while searching (ef); raise it for recall, lower it for speed. @default 64 */
  readonly expansionSearch?: number;
  /** How vectors are stored. @default 'f32' */
  readonly quantization?: HnswQuantization;
  /** Threads for building and batched search (0: usearch picks). @default 0 */
  readonly threads?: number;
}

interface HnswSettings {
  format: 'tpu-embeddings/hnsw';
  version: 1;
  dim: number;
  size: number;
  connectivity: number;
  expansionAdd: number;
  expansionSearch: number;
  quantization: HnswQuantization;
}

/**
 * Approximate maximum-inner-product search with an HNSW graph from **usearch** (Unum's single-header C++
 * library; its npm package ships a prebuilt N-API binary for linux-x64, so it installs offline from the
 * registry with no compiler and no download). Metric `ip`: usearch returns distances `1 − q·c`; scores here are
 * `q·c`. Keys are the candidate ids.
 *
 * Why usearch: of the three maintained Node bindings checked here, `faiss-node` fails to install offline (its
 * install step downloads a prebuilt binary from GitHub, then falls back to `git clone`), `hnswlib-node` builds with
 * node-gyp (~30 s of compiling at every install, last release 2024), and `usearch` installs in seconds and
 * also supports f16/i8 storage, batched multi-threaded search and saving to one file.
 *
 * @example
 * const index = HnswIndex.build(movieIds, movieEmbeddings, 32, { expansionSearch: 128 });
 * index.search(userEmbedding, 10).ids;
 */
export class HnswIndex implements CandidateIndex {
  readonly kind = 'hnsw' as const;
  readonly connectivity: number;
  readonly expansionAdd: number;
  readonly expansionSearch: number;
  readonly quantization: HnswQuantization;
  readonly threads: number;
  private native: UsearchIndex | null;

  private constructor(readonly dim: number, readonly size: number, settings: Required<HnswIndexOptions>) {
    this.connectivity = settings.connectivity;
    this.expansionAdd = settings.expansionAdd;
    this.expansionSearch = settings.expansionSearch;
    this.quantization = settings.quantization;
    this.threads = settings.threads;
    this.native = new UsearchIndex({
      dimensions: dim,
      metric: MetricKind.IP,
      quantization: settings.quantization as ScalarKind,
      connectivity: settings.connectivity,
      expansion_add: settings.expansionAdd,
      expansion_search: settings.expansionSearch,
      multi: false,
    });
  }

  /**
   * Builds the graph over the candidates.
   * @param ids candidate ids `[N]` (non-negative, unique).
   * @param vectors embeddings `[N, dim]` row-major.
   * @param dim embedding width.
   * @param options HNSW parameters.
   * @returns the index (dispose it to free the native memory early).
   * @throws InputError `bad_candidates`; ConfigError `invalid_option` (connectivity, expansions or quantization).
   */
  static build(ids: Int32Array, vectors: Float32Array, dim: number, options: HnswIndexOptions = {}): HnswIndex {
    checkCandidates('HnswIndex.build', ids, vectors, dim);
    if (new Set(ids).size !== ids.length) throw new InputError('bad_candidates', 'HnswIndex.build: expected unique candidate ids (they are the keys of the graph), but some repeat.');
    const index = new HnswIndex(dim, ids.length, hnswSettings(options));
    const keys = BigUint64Array.from(ids, (id) => BigInt(id));
    index.native!.add(keys, vectors, index.threads);
    return index;
  }

  /**
   * Reads an index saved by {@link save} (the graph is loaded, not rebuilt).
   * @throws CheckpointError `missing_file` / `bad_index`.
   */
  static async load(dir: string): Promise<HnswIndex> {
    const settingsFile = path.join(dir, HNSW_SETTINGS_FILE);
    let s: HnswSettings;
    try {
      s = JSON.parse(await fs.readFile(settingsFile, 'utf8')) as HnswSettings;
    } catch (e) {
      throw new CheckpointError('missing_file', `HnswIndex.load: could not read ${settingsFile} (${(e as Error).message}); save the index with index.save(dir) first.`);
    }
    if (s.format !== 'tpu-embeddings/hnsw' || s.version !== 1) throw new CheckpointError('bad_index', `HnswIndex.load: ${settingsFile} is not an HNSW index of this library (format ${String(s.format)}, version ${String(s.version)}).`);
    const index = new HnswIndex(s.dim, s.size, hnswSettings(s));
    const file = path.join(dir, HNSW_INDEX_FILE);
    try {
      await fs.access(file);
      index.native!.load(file);
    } catch (e) {
      throw new CheckpointError('missing_file', `HnswIndex.load: could not load ${file} (${(e as Error).message}).`);
    }
    if (index.native!.size() !== s.size) throw new CheckpointError('bad_index', `HnswIndex.load: expected ${s.size} candidates in ${file}, but it holds ${index.native!.size()}.`);
    return index;
  }

  search(queries: Float32Array, k: number): SearchResult {
    const native = this.check('search');
    const Q = checkSearch('HnswIndex.search', this.dim, queries, k);
    const ids = new Int32Array(Q * k).fill(-1);
    const scores = new Float32Array(Q * k).fill(-Infinity);
    const kk = Math.min(k, this.size);
    const m = native.search(queries, kk, this.threads);
    if (Q === 1) {
      const r = m as unknown as { keys: BigUint64Array; distances: Float32Array };
      for (let j = 0; j < r.keys.length; j++) {
        ids[j] = Number(r.keys[j]);
        scores[j] = 1 - r.distances[j];
      }
    } else {
      const r = m as unknown as { keys: BigUint64Array; distances: Float32Array; counts: BigUint64Array; k: number };
      for (let q = 0; q < Q; q++) {
        const n = Number(r.counts[q]);
        for (let j = 0; j < n; j++) {
          ids[q * k + j] = Number(r.keys[q * kk + j]);
          scores[q * k + j] = 1 - r.distances[q * kk + j];
        }
      }
    }
    return { k, numQueries: Q, ids, scores };
  }

  async save(dir: string): Promise<void> {
    const native = this.check('save');
    await fs.mkdir(dir, { recursive: true });
    native.save(path.join(dir, HNSW_INDEX_FILE));
    const s: HnswSettings = {
      format: 'tpu-embeddings/hnsw',
      version: 1,
      dim: this.dim,
      size: this.size,
      connectivity: this.connectivity,
      expansionAdd: this.expansionAdd,
      expansionSearch: this.expansionSearch,
      quantization: this.quantization,
    };
    await fs.writeFile(path.join(dir, HNSW_SETTINGS_FILE), JSON.stringify(s, null, 2));
  }

  /** Drops the reference to the native index (usearch frees it when collected). */
  dispose(): void {
    this.native = null;
  }

  private check(api: string): UsearchIndex {
    if (!this.native) throw new InputError('disposed', `HnswIndex.${api}: the index was disposed; build or load it again.`);
    return this.native;
  }
}

function hnswSettings(o: HnswIndexOptions): Required<HnswIndexOptions> {
  const api = 'HnswIndex.build';
  const at = where(ConfigError, 'invalid_option', api);
  const int = (name: string, v: number | undefined, fallback: number, min: number): number => (v === undefined ? fallback : integerAtLeast(v, at(name), min));
  const quantization = oneOf(o.quantization ?? 'f32', at('quantization'), HNSW_QUANTIZATIONS);
  return {
    connectivity: int('connectivity', o.connectivity, 16, 2),
    expansionAdd: int('expansionAdd', o.expansionAdd, 128, 1),
    expansionSearch: int('expansionSearch', o.expansionSearch, 64, 1),
    quantization,
    threads: int('threads', o.threads, 0, 0),
  };
}

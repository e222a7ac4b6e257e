import { ConfigError } from '../errors';
import type { IdRouting } from '../kernels/id-dedup';

/** Where a table lives: sharded over the SparseCores of the slice, or one unsharded table in host memory. */
export const PLACEMENTS = ['sparsecore', 'cpu'] as const;
/** One of {@link PLACEMENTS}. */
export type Placement = (typeof PLACEMENTS)[number];

/**
 * How table rows are spread over the N shards:
 * - `mod` (TensorFlow's SparseCore layout): `shard = (row % N + rotation) % N`, local row `row // N`;
 * - `div`: contiguous ranges, as `tf.nn.embedding_lookup(partition_strategy='div')` (the first `V % N` shards
 *   hold one extra row: 13 rows over 5 shards → [0,1,2] [3,4,5] [6,7,8] [9,10] [11,12]);
 * - `table`: table-wise placement, the whole table on shard `rotation`.
 */
export const SHARDINGS = ['mod', 'div', 'table'] as const;
/** One of {@link SHARDINGS}. */
export type Sharding = (typeof SHARDINGS)[number];

/**
 * Which shard holds row 0 of each table (its rotation) and how far vocabularies are padded, on SparseCores:
 * - `tensorflow` (TensorFlow's `tpu_embedding_v3`, see `stackTables`): tables sorted by name and stacked by
 *   (dim rounded up to 8, optimizer); the rotation advances one chip's SparseCores per table inside a stack and
 *   restarts at 0 in each stack; vocabularies padded to a multiple of 8N;
 * - `table-order` (this library's earlier rule, kept for teaching): rotation = SparseCores per chip × the table's
 *   index in order of first appearance, no stacking, each shard padded to ceil(V / N) rows.
 */
export const LAYOUT_RULES = ['tensorflow', 'table-order'] as const;
/** One of {@link LAYOUT_RULES}. */
export type LayoutRule = (typeof LAYOUT_RULES)[number];

/**
 * The placement of one table's rows over N shards. Every shard is allocated `rowsPerShard` rows
 * (ceil(V / N), or TensorFlow's padding to a multiple of 8N given as `rowsPerShard`; padding rows are never read) except with
 * `table` sharding, where shard `rotation` holds all V rows and the others none.
 *
 * ```
 * storage  [Σ shardRows, dim]:  | shard 0 rows | shard 1 rows | … | shard N-1 rows |
 *                                 ^ shardBase[0]  ^ shardBase[1]
 * ```
 */
export class TableLayout {
  /** Rows allocated per shard (padded). */
  readonly shardRows: Int32Array;
  /** First storage row of each shard. */
  readonly shardBase: Int32Array;
  /** Total storage rows (≥ vocabularySize because of padding). */
  readonly storageRows: number;
  private readonly q: number;
  private readonly extras: number;
  private readonly r: number;

  /**
   * @param vocabularySize rows V; @param numShards N ≥ 1; @param rotation shard of row 0 (mod) or of the table (table).
   * @param sharding one of {@link SHARDINGS}.
   * @param rowsPerShard rows allocated per shard with `mod`/`div` sharding, ≥ ceil(V / N) (TensorFlow's SparseCore
   *   layout pads V to a multiple of 8N: `paddedVocabularySize / N`, see `stackTables`). @default ceil(V / N)
   * @throws ConfigError `invalid_sharding` for an unknown strategy, a bad N/rotation or too few rows per shard.
   * @example new TableLayout(10, 4, 1, 'mod').shardOf(3) // (3 % 4 + 1) % 4 = 0
   */
  constructor(
    readonly vocabularySize: number,
    readonly numShards: number,
    readonly rotation: number,
    readonly sharding: Sharding,
    rowsPerShard?: number,
  ) {
    if (!(SHARDINGS as readonly string[]).includes(sharding)) {
      throw new ConfigError('invalid_sharding', `TPUEmbedding: expected sharding to be one of ${SHARDINGS.join(', ')}, but got '${String(sharding)}'.`);
    }
    if (!Number.isInteger(numShards) || numShards < 1 || !Number.isInteger(rotation) || rotation < 0 || rotation >= numShards) {
      throw new ConfigError('invalid_sharding', `TableLayout: expected numShards ≥ 1 and 0 ≤ rotation < numShards, but got ${numShards} and ${rotation}.`);
    }
    const N = numShards;
    const V = vocabularySize;
    if (rowsPerShard !== undefined && (!Number.isInteger(rowsPerShard) || rowsPerShard < Math.ceil(V / N))) {
      throw new ConfigError('invalid_sharding', `TableLayout: expected rowsPerShard to be an integer ≥ ceil(${V} / ${N}) = ${Math.ceil(V / N)}, but got ${rowsPerShard}.`);
    }
    this.q = Math.floor(V / N);
    this.extras = V % N;
    this.shardRows = new Int32Array(N);
    this.shardBase = new Int32Array(N);
    if (sharding === 'table') {
      this.r = V;
      this.shardRows[rotation] = V;
      for (let s = rotation + 1; s < N; s++) this.shardBase[s] = V;
    } else {
      this.r = rowsPerShard ?? Math.ceil(V / N);
      for (let s = 0; s < N; s++) {
        this.shardRows[s] = this.r;
        this.shardBase[s] = s * this.r;
      }
    }
    this.storageRows = sharding === 'table' ? V : this.r * N;
  }

  /** Shard holding `row`. */
  shardOf(row: number): number {
    const N = this.numShards;
    switch (this.sharding) {
      case 'mod':
        return ((row % N) + this.rotation) % N;
      case 'div': {
        const big = this.extras * (this.q + 1);
        return row < big ? Math.floor(row / (this.q + 1)) : this.extras + Math.floor((row - big) / this.q);
      }
      default:
        return this.rotation;
    }
  }

  /** Row index inside its shard. */
  localRow(row: number): number {
    switch (this.sharding) {
      case 'mod':
        return Math.floor(row / this.numShards);
      case 'div': {
        const big = this.extras * (this.q + 1);
        return row < big ? row % (this.q + 1) : (row - big) % this.q;
      }
      default:
        return row;
    }
  }

  /**
   * This layout as the id routers take it (`IdDedup`, and through `kernelRoute` the WebAssembly kernels, whose
   * formula is `src/kernels/as-lib/shard-route.as.ts`): the parameters of the inline paths plus the callbacks.
   */
  routing(): IdRouting {
    return {
      numShards: this.numShards,
      mod: this.sharding === 'mod',
      rotation: this.rotation,
      rowsPerShard: this.r,
      divisions: this.sharding === 'div' ? { q: this.q, extras: this.extras } : undefined,
      shardOf: (id: number) => this.shardOf(id),
      storageRow: (id: number) => this.storageRow(id),
    };
  }

  /** Row of the whole storage (`shardBase[shardOf(row)] + localRow(row)`). */
  storageRow(row: number): number {
    if (this.sharding === 'mod') {
      const N = this.numShards;
      return (((row % N) + this.rotation) % N) * this.r + Math.floor(row / N);
    }
    return this.shardBase[this.shardOf(row)] + this.localRow(row);
  }

  /** Number of real (unpadded) table rows held by `shard`. */
  rowsOnShard(shard: number): number {
    const N = this.numShards;
    const V = this.vocabularySize;
    if (this.sharding === 'table') return shard === this.rotation ? V : 0;
    if (this.sharding === 'div') return this.q + (shard < this.extras ? 1 : 0);
    const j = (shard - this.rotation + N) % N; // rows ≡ j (mod N)
    return j < V ? Math.floor((V - 1 - j) / N) + 1 : 0;
  }
}

import { ConfigError } from '../errors';
import { SHARDINGS, TableLayout, type Sharding } from './table-layout';

/**
 * How table rows are spread over shards: the engine's {@link SHARDINGS} (`mod`, `div`, `table`), computed by the
 * engine's own {@link TableLayout} (one formula for both), so `shardRows(…, layout, rotation)` puts every row where
 * a `TPUEmbedding` with that sharding and rotation holds it:
 * - `mod`: `shard = (row % N + rotation) % N`, local row `floor(row / N)` (TPU embedding's layout);
 * - `div`: contiguous ranges, the first `V % N` shards one row longer (13 rows over 5 shards → [0,1,2] [3,4,5]
 *   [6,7,8] [9,10] [11,12]); the rotation does not apply;
 * - `table`: the whole table on shard `rotation`.
 */
export const SHARD_LAYOUTS = SHARDINGS;
/** One of {@link SHARD_LAYOUTS}. */
export type ShardLayout = Sharding;

/** A flat row-major array of rows (`[rows, dim]`). */
export type RowArray = Float32Array | Int32Array | Float64Array;

/**
 * The shard and local row of a global row.
 *
 * ```
 * mod, vocab 10, N 4, rotation 1:   row:   0 1 2 3 4 5 6 7 8 9
 *                                   shard: 1 2 3 0 1 2 3 0 1 2
 *                                   local: 0 0 0 0 1 1 1 1 2 2
 * ```
 * @param row global row in `[0, vocab)`.
 * @param vocab vocabulary size (rows of the full table).
 * @param numShards N ≥ 1.
 * @param layout one of {@link SHARD_LAYOUTS}. @default 'mod'
 * @param rotation shard offset ≥ 0, taken mod N (a `TPUEmbedding` table's is `emb.table(name).layout.rotation`). @default 0
 * @returns `{ shard, localRow }`.
 * @throws ConfigError `bad_sharding` for an invalid argument.
 * @example
 * shardOfRow(5, 10, 4, 'mod', 1); // { shard: 2, localRow: 1 }
 */
export function shardOfRow(row: number, vocab: number, numShards: number, layout: ShardLayout = 'mod', rotation = 0): { shard: number; localRow: number } {
  const l = layoutOf('shardOfRow', vocab, 1, numShards, layout, rotation);
  if (!Number.isInteger(row) || row < 0 || row >= vocab) throw new ConfigError('bad_sharding', `shardOfRow: expected row to be an integer in [0, ${vocab}), but got ${row}.`);
  return { shard: l.shardOf(row), localRow: l.localRow(row) };
}

/**
 * How many rows of the table shard `shard` holds (without padding).
 * @param vocab vocabulary size.
 * @param numShards N.
 * @param shard in `[0, N)`.
 * @param layout @default 'mod'
 * @param rotation @default 0
 * @returns the row count (`mod`, `div`: ceil(vocab / N) or fewer; `table`: vocab on shard `rotation`, 0 elsewhere).
 * @throws ConfigError `bad_sharding` for an invalid argument.
 * @example
 * shardRowCount(10, 4, 0, 'mod', 0); // 3 (rows 0, 4, 8)
 */
export function shardRowCount(vocab: number, numShards: number, shard: number, layout: ShardLayout = 'mod', rotation = 0): number {
  const l = layoutOf('shardRowCount', vocab, 1, numShards, layout, rotation);
  if (!Number.isInteger(shard) || shard < 0 || shard >= numShards) throw new ConfigError('bad_sharding', `shardRowCount: expected shard to be an integer in [0, ${numShards}), but got ${shard}.`);
  return l.rowsOnShard(shard);
}

/**
 * Splits a full table `[vocab, dim]` into N shards, each `[shardRowCount(s), dim]` with rows in local order.
 * Pure; the input is not modified. The inverse is {@link unshardRows}.
 *
 * @param full row-major `[vocab, dim]`.
 * @param vocab rows.
 * @param dim columns.
 * @param numShards N ≥ 1.
 * @param layout @default 'mod'
 * @param rotation @default 0
 * @returns N arrays of the same type as `full`.
 * @throws ConfigError `bad_sharding` when `full.length !== vocab × dim` or an argument is invalid.
 * @example
 * const shards = shardRows(table, 2048, 64, 8, 'mod', 4); // shards[s].length === 256 * 64
 */
export function shardRows<T extends RowArray>(full: T, vocab: number, dim: number, numShards: number, layout: ShardLayout = 'mod', rotation = 0): T[] {
  const l = layoutOf('shardRows', vocab, dim, numShards, layout, rotation);
  if (full.length !== vocab * dim) throw new ConfigError('bad_sharding', `shardRows: expected full to hold vocab × dim = ${vocab} × ${dim} = ${vocab * dim} values, but it holds ${full.length}.`);
  const ctor = full.constructor as new (n: number) => T;
  const shards = Array.from({ length: numShards }, (_, s) => new ctor(l.rowsOnShard(s) * dim));
  for (let row = 0; row < vocab; row++) shards[l.shardOf(row)].set(full.subarray(row * dim, (row + 1) * dim), l.localRow(row) * dim);
  return shards;
}

/**
 * Reassembles a full table `[vocab, dim]` from N shards laid out by {@link shardRows}. Shards may carry extra
 * padding rows at their end (e.g. every shard padded to `ceil(vocab / N)` rows); those are ignored.
 *
 * @param shards N row-major arrays, shard `s` holding at least `shardRowCount(s) × dim` values.
 * @param vocab rows.
 * @param dim columns.
 * @param layout @default 'mod'
 * @param rotation @default 0
 * @returns the full table, same array type as the shards.
 * @throws ConfigError `bad_sharding` when a shard is too short or an argument is invalid.
 * @example
 * const table = unshardRows(shards, 2048, 64, 'mod', 4); // table.length === 2048 * 64
 */
export function unshardRows<T extends RowArray>(shards: readonly T[], vocab: number, dim: number, layout: ShardLayout = 'mod', rotation = 0): T {
  const numShards = shards.length;
  const l = layoutOf('unshardRows', vocab, dim, numShards, layout, rotation);
  shards.forEach((s, i) => {
    const need = l.rowsOnShard(i) * dim;
    if (s.length < need) throw new ConfigError('bad_sharding', `unshardRows: expected shard ${i} to hold at least ${need} values (${need / dim} rows × ${dim}), but it holds ${s.length}.`);
  });
  const ctor = shards[0].constructor as new (n: number) => T;
  const full = new ctor(vocab * dim);
  for (let row = 0; row < vocab; row++) {
    const local = l.localRow(row);
    full.set(shards[l.shardOf(row)].subarray(local * dim, (local + 1) * dim), row * dim);
  }
  return full;
}

/** Validates the arguments and returns the engine's layout (rotation taken mod N, as the formula does). */
function layoutOf(api: string, vocab: number, dim: number, numShards: number, layout: string, rotation: number): TableLayout {
  const bad = (param: string, rule: string, value: unknown): never => {
    throw new ConfigError('bad_sharding', `${api}: expected ${param} to be ${rule}, but got ${String(value)}.`);
  };
  if (!Number.isSafeInteger(vocab) || vocab < 1) bad('vocab', 'a positive integer', vocab);
  if (!Number.isSafeInteger(dim) || dim < 1) bad('dim', 'a positive integer', dim);
  if (!Number.isSafeInteger(numShards) || numShards < 1) bad('numShards (the number of shards)', 'a positive integer', numShards);
  if (!(SHARD_LAYOUTS as readonly string[]).includes(layout)) bad('layout', `one of ${SHARD_LAYOUTS.join(', ')}`, `'${layout}'`);
  if (!Number.isSafeInteger(rotation) || rotation < 0) bad('rotation', 'a non-negative integer', rotation);
  return new TableLayout(vocab, numShards, rotation % numShards, layout as Sharding);
}

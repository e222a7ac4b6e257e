import { ConfigError, InputError } from '../errors';
import { positiveInteger, where } from '../validation';
import type { Figure } from './figure-types';
import { heatmapFigure } from './heatmap-figure';

/** The part of an embedding table this figure reads (a `ShardedTable` of `TPUEmbedding.tables` fits). */
export interface ShardedTableLike {
  readonly name: string;
  readonly layout: { readonly numShards: number; readonly vocabularySize: number; shardOf(row: number): number };
}

/** Options of {@link shardingLayoutFigure}. */
export interface ShardingLayoutFigureOptions {
  /** Rows drawn per table, from row 0 (clipped to the smallest vocabulary). @default 2 × the number of shards */
  readonly rows?: number;
  /** Figure title (short: it must fit a phone screen). @default 'Shard of each row (<N> shards)' */
  readonly title?: string;
}

/**
 * Draws where table rows live: a heatmap with one line per table and one column per row id (the first `rows`
 * rows), the colour and the number in each cell being the shard (SparseCore) that holds the row. With mod
 * sharding over N shards row r goes to `(r % N + rotation) % N`, so each line cycles through the shards, and the
 * rotation (SparseCores per chip × table index) shifts every table's cycle so that the rows 0 of all tables do not
 * land on one core.
 *
 * @param tables the tables, e.g. `embedding.tables` (same number of shards each).
 * @param options rows drawn and title.
 * @returns a Plotly heatmap figure: `z[table][row]` = shard.
 * @throws InputError `empty` for no table, `length_mismatch` when the tables have different shard counts;
 *   ConfigError `invalid_option` when the rows option is not a positive integer.
 * @example
 * show(shardingLayoutFigure(embedding.tables, { rows: 32 })); // v4-8: rows 0–31 over 16 shards, user table rotated by 4
 */
export function shardingLayoutFigure(tables: readonly ShardedTableLike[], options: ShardingLayoutFigureOptions = {}): Figure {
  if (tables.length === 0) {
    throw new InputError('empty', 'shardingLayoutFigure: expected at least one table, but got none. Pass embedding.tables.');
  }
  const n = tables[0].layout.numShards;
  for (const t of tables) {
    if (t.layout.numShards !== n) {
      throw new InputError('length_mismatch', `shardingLayoutFigure: expected every table on ${n} shards, but '${t.name}' has ${t.layout.numShards}. Draw tables of one TPUEmbedding.`);
    }
  }
  const wanted = positiveInteger(options.rows ?? 2 * n, where(ConfigError, 'invalid_option', 'shardingLayoutFigure')('rows'));
  const rows = Math.min(wanted, ...tables.map((t) => t.layout.vocabularySize));
  const x = Array.from({ length: rows }, (_, r) => r);
  return heatmapFigure({
    title: options.title ?? `Shard of each row (${n} shard${n === 1 ? '' : 's'})`,
    xTitle: 'row id',
    yTitle: 'table',
    zTitle: 'shard',
    x,
    y: tables.map((t) => t.name),
    z: tables.map((t) => x.map((r) => t.layout.shardOf(r))),
  });
}

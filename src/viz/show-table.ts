import { resolveDisplay, type HtmlDisplay } from './notebook-display';

/** What {@link showTable} needs from a table: arquero's `toHTML` (any arquero ColumnTable fits). */
export interface HtmlTable {
  toHTML(options?: { limit?: number }): string;
  numRows(): number;
}

/** Options of {@link showTable}. */
export interface ShowTableOptions {
  /** Rows to show. @default 10 */
  readonly limit?: number;
  /** A caption above the table, e.g. `'ratings (100,000 rows)'`. @default `'<n> rows'` */
  readonly caption?: string;
  /** Where to send the HTML. @default the tslab kernel's `display` */
  readonly display?: HtmlDisplay;
}

/**
 * Shows the first rows of an arquero table in a notebook as HTML (scrolls sideways on narrow screens).
 * In scripts use arquero's `table.print(n)`.
 *
 * @param table an arquero table (e.g. `data.toTable()`).
 * @param options rows to show, caption, display.
 * @throws ConfigError `no_notebook` outside a tslab kernel without `display`.
 * @example
 * showTable(ratings.toTable({ features: ['user_id', 'movie_title', 'user_rating'] }), { limit: 5 });
 */
export function showTable(table: HtmlTable, options: ShowTableOptions = {}): void {
  const display = resolveDisplay('showTable', options.display, false);
  const n = table.numRows();
  const caption = options.caption ?? `${n.toLocaleString('en-US')} rows`;
  const esc = caption.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] as string);
  display.html(
    `<div class="tpu-embeddings-table" style="overflow-x:auto;max-width:100%">` +
      `<div style="font-size:90%;color:#555;margin:2px 0">${esc}</div>` +
      table.toHTML({ limit: options.limit ?? 10 }) +
      `</div>`,
  );
}

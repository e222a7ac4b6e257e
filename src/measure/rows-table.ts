import * as aq from 'arquero';
import { ConfigError } from '../errors';

/**
 * An arquero table from plain rows (one object per row, the same keys in each), for `showTable` in notebooks.
 *
 * @param rows - objects of numbers and strings.
 * @returns an arquero ColumnTable with the first row's keys as columns.
 * @throws ConfigError `invalid_option` when rows is empty.
 * @example showTable(rowsTable([{ topology: 'v4-8', speedup: 31.2 }]))
 */
export function rowsTable(rows: readonly Readonly<Record<string, string | number | boolean>>[]): aq.ColumnTable {
  if (rows.length === 0) throw new ConfigError('invalid_option', 'rowsTable: expected at least one row, but got none.');
  const columns: Record<string, unknown[]> = {};
  for (const key of Object.keys(rows[0])) columns[key] = rows.map((r) => r[key]);
  return aq.table(columns);
}

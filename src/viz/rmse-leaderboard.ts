import { from, type ColumnTable } from 'arquero';
import { InputError } from '../errors';
import { RMSE_ANCHORS, type RmseAnchor } from '../models/rmse-anchors';
import type { Figure } from './figure-types';
import { baseLayout, COLORWAY } from './template';

/** One measured row of a leaderboard: a test RMSE, as the mean over runs (seeds or splits) with its sd. */
export interface RmseLeaderboardRow {
  /** Short label, e.g. `'DCN-v2'`. */
  readonly name: string;
  /** Mean test RMSE over the runs (stars). */
  readonly mean: number;
  /** Sample sd over the runs (stars). @default 0 */
  readonly sd?: number;
  /** Runs behind the mean (seeds or splits). @default 1 */
  readonly runs?: number;
  /** Which test ratings, e.g. `'5 random 80/20'`, `'1 random 80/20'`. @default '80/20' */
  readonly split?: string;
  /** Where the number comes from. @default 'this run' */
  readonly source?: string;
}

/** Options of {@link rmseLeaderboardFigure} and {@link rmseLeaderboardTable}. */
export interface RmseLeaderboardOptions {
  /** Published rows drawn beside the measured ones. @default RMSE_ANCHORS */
  readonly anchors?: readonly RmseAnchor[];
  /** @default 'Test RMSE on MovieLens 100K' */
  readonly title?: string;
}

interface Entry {
  readonly name: string;
  readonly rmse: number;
  readonly sd: number;
  readonly runs: number;
  readonly split: string;
  readonly source: string;
  readonly published: boolean;
}

/** Checks the rows and joins them with the anchors, best (lowest RMSE) first. */
function entries(api: string, rows: readonly RmseLeaderboardRow[], anchors: readonly RmseAnchor[]): Entry[] {
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new InputError('empty', `${api}: expected at least one measured { name, mean, sd? } row, but got ${JSON.stringify(rows)}.`);
  }
  const names = new Set<string>();
  const out: Entry[] = rows.map((r, i) => {
    const mean = r?.mean;
    const sd = r?.sd ?? 0;
    const runs = r?.runs ?? 1;
    const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
    if (typeof r?.name !== 'string' || !ok(mean) || !ok(sd) || !Number.isInteger(runs) || runs < 1) {
      throw new InputError(
        'not_finite',
        `${api}: expected rows[${i}] to be { name: string, mean: a finite number ≥ 0, sd?: finite ≥ 0, runs?: a positive integer }, but got ${JSON.stringify(r)}. Leave out a model whose RMSE is not a number.`,
      );
    }
    return { name: String(r.name), rmse: mean, sd, runs, split: r.split ?? '80/20', source: r.source ?? 'this run', published: false };
  });
  for (const a of anchors) out.push({ name: a.name, rmse: a.rmse, sd: 0, runs: 1, split: a.split, source: a.source, published: true });
  for (const e of out) {
    if (names.has(e.name)) throw new InputError('duplicate_name', `${api}: expected distinct row names (they label the figure's rows), but '${e.name}' appears twice. Rename one.`);
    names.add(e.name);
  }
  return out.sort((a, b) => a.rmse - b.rmse);
}

/**
 * A leaderboard figure: each measured model's test RMSE as a dot with an error bar of ± one sd over its runs
 * (seeds or splits), beside the published anchors (grey diamonds), best at the top.
 *
 * ```
 * GLocal-K            ◆                0.889 (u1.test)
 * DCN-v2                  ●─┼─●        mean ± sd over 5 seeds
 * SVD++ (Surprise)          ◆
 * BaselineOnly                 ●┼●
 * ```
 * @param rows the measured rows (this run's, or a benchmark's JSON).
 * @param options anchors and title.
 * @returns a Plotly figure with two scatter traces (measured, published); the split of each row is in its hover text.
 * @throws InputError `empty` for no rows, `not_finite` for a mean/sd/runs that is not a finite non-negative number,
 *   `duplicate_name` when two rows (anchors included) share a name.
 * @example
 * show(rmseLeaderboardFigure([{ name: 'BaselineOnly', ...meanAndSd(rmses), runs: 5, split: '5 random 80/20' }]));
 */
export function rmseLeaderboardFigure(rows: readonly RmseLeaderboardRow[], options: RmseLeaderboardOptions = {}): Figure {
  const all = entries('rmseLeaderboardFigure', rows, options.anchors ?? RMSE_ANCHORS);
  const hover = (e: Entry) => `${e.name}<br>${e.rmse.toFixed(4)}${e.runs > 1 ? ` ± ${e.sd.toFixed(4)} (${e.runs} runs)` : ''}<br>${e.split}<extra></extra>`;
  const measured = all.filter((e) => !e.published);
  const published = all.filter((e) => e.published);
  const layout = baseLayout({ title: options.title ?? 'Test RMSE on MovieLens 100K', xTitle: 'test RMSE', xUnit: 'stars', yTitle: 'model' });
  return {
    data: [
      {
        type: 'scatter',
        mode: 'markers',
        name: 'measured (± sd over runs)',
        x: measured.map((e) => e.rmse),
        y: measured.map((e) => e.name),
        error_x: { type: 'data', array: measured.map((e) => e.sd), visible: true, thickness: 1.5, width: 4 },
        marker: { size: 9, color: COLORWAY[0] },
        hovertemplate: measured.map(hover),
      },
      ...(published.length > 0
        ? [{
            type: 'scatter',
            mode: 'markers',
            name: 'published',
            x: published.map((e) => e.rmse),
            y: published.map((e) => e.name),
            marker: { size: 9, symbol: 'diamond', color: '#888888' },
            hovertemplate: published.map(hover),
          }]
        : []),
    ],
    layout: {
      ...layout,
      // Best at the top: Plotly draws the first category at the bottom.
      yaxis: { ...layout.yaxis, type: 'category', categoryorder: 'array', categoryarray: all.map((e) => e.name).reverse() },
      hovermode: 'closest',
      height: 140 + 24 * all.length,
    },
  };
}

/**
 * The same leaderboard as a table: one row per measured model and per anchor, best first, with the split, the runs
 * and the source of every number (`'this run'` for rows measured in the run).
 * @param rows the measured rows.
 * @param options anchors.
 * @returns an arquero table with columns `model`, `rmse`, `sd`, `runs`, `split`, `source` (RMSE and sd to 4 decimals).
 * @throws InputError as {@link rmseLeaderboardFigure}.
 * @example
 * showTable(rmseLeaderboardTable(rows), { limit: 30 });
 */
export function rmseLeaderboardTable(rows: readonly RmseLeaderboardRow[], options: RmseLeaderboardOptions = {}): ColumnTable {
  const all = entries('rmseLeaderboardTable', rows, options.anchors ?? RMSE_ANCHORS);
  return from(all.map((e) => ({ model: e.name, rmse: Number(e.rmse.toFixed(4)), sd: e.published ? null : Number(e.sd.toFixed(4)), runs: e.published ? null : e.runs, split: e.split, source: e.source })));
}

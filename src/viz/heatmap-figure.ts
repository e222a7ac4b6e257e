import { InputError } from '../errors';
import type { Figure, FigureLabels } from './figure-types';
import { baseLayout, axisTitle } from './template';
import { finiteNumbers, sameLength } from './check-values';

/** Options of {@link heatmapFigure}. */
export interface HeatmapFigureOptions extends FigureLabels {
  /** Values by row (y) then column (x): `z[row][column]`, e.g. ids per (table, shard). */
  readonly z: readonly ArrayLike<number>[];
  /** Column labels. @default undefined (0, 1, 2, …) */
  readonly x?: readonly (string | number)[];
  /** Row labels. @default undefined (0, 1, 2, …) */
  readonly y?: readonly (string | number)[];
  /** Colour-bar title, e.g. `'ids'`. @default 'value' */
  readonly zTitle?: string;
  /** Unit of the values, shown as `zTitle (unit)`. @default undefined */
  readonly zUnit?: string;
  /** Write each cell's value in it. @default true when there are at most 400 cells */
  readonly showValues?: boolean;
}

/**
 * A heatmap of a rectangular grid, e.g. a sharding layout (rows per table and SparseCore) or lookups per shard.
 *
 * @param options grid `z` `[rows][columns]`, labels and units.
 * @returns a Plotly figure with one `heatmap` trace; rows are drawn top to bottom in the order given.
 * @throws InputError `empty` for no rows or columns, `length_mismatch` for ragged rows or wrong label counts,
 *   `not_finite` on NaN/∞.
 * @example
 * heatmapFigure({ title: 'Rows per shard', xTitle: 'shard', yTitle: 'table', zTitle: 'rows',
 *   y: ['movie_id', 'user_id'], z: [[421, 421, 420, 420], [236, 236, 236, 235]] });
 */
export function heatmapFigure(options: HeatmapFigureOptions): Figure {
  const rows = options.z.length;
  const cols = rows > 0 ? options.z[0].length : 0;
  if (rows === 0 || cols === 0) {
    throw new InputError('empty', `heatmapFigure: expected a non-empty grid z[rows][columns], but got ${rows}×${cols}.`);
  }
  const z = options.z.map((row, r) => {
    sameLength('heatmapFigure', 'z[0]', cols, `z[${r}]`, row.length);
    return finiteNumbers('heatmapFigure', `z[${r}]`, row);
  });
  const x = options.x ? [...options.x] : Array.from({ length: cols }, (_, i) => i);
  const y = options.y ? [...options.y] : Array.from({ length: rows }, (_, i) => i);
  sameLength('heatmapFigure', 'columns of z', cols, 'x labels', x.length);
  sameLength('heatmapFigure', 'rows of z', rows, 'y labels', y.length);
  const showValues = options.showValues ?? rows * cols <= 400;
  const layout = baseLayout(options);
  return {
    data: [
      {
        type: 'heatmap',
        x: x.map(String),
        y: y.map(String),
        z,
        colorscale: 'Viridis',
        colorbar: { title: { text: axisTitle(options.zTitle ?? 'value', options.zUnit) } },
        ...(showValues ? { texttemplate: '%{z}', hoverongaps: false } : {}),
      },
    ],
    layout: {
      ...layout,
      hovermode: 'closest',
      showlegend: false,
      xaxis: { ...layout.xaxis, type: 'category' },
      yaxis: { ...layout.yaxis, type: 'category', autorange: 'reversed' },
    },
  };
}

// The figure builders return plain Plotly specs: these tests read them as data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  logAxis,
  applyTemplate,
  axisTitle,
  barFigure,
  baseLayout,
  heatmapFigure,
  histogramFigure,
  lineFigure,
  logLogFigure,
  scatterFigure,
  COLORWAY,
} from '../../src/viz';

const labels = { title: 'T', xTitle: 'x', yTitle: 'y' };
type Any = Record<string, any>;

test('baseLayout: title, axis titles with units, automargin and autosize for narrow screens', () => {
  const l = baseLayout({ title: 'Loss', xTitle: 'step', yTitle: 'loss', yUnit: 'MSE' }) as Any;
  assert.equal(l.title.text, 'Loss');
  assert.equal(l.xaxis.title.text, 'step');
  assert.equal(l.yaxis.title.text, 'loss (MSE)');
  assert.equal(l.xaxis.automargin, true);
  assert.equal(l.yaxis.automargin, true);
  assert.equal(l.autosize, true);
  assert.deepEqual(l.colorway, [...COLORWAY]);
  assert.equal(axisTitle('time', 'ms'), 'time (ms)');
});

test('applyTemplate fills the template without overriding what the figure sets, and copies', () => {
  const fig = { data: [{ type: 'bar', x: [1], y: [2] }], layout: { title: { text: 'mine' }, xaxis: { type: 'log' }, showlegend: false } };
  const t = applyTemplate(fig);
  const l = t.layout as Any;
  assert.equal(l.title.text, 'mine');
  assert.equal(l.showlegend, false);
  assert.equal(l.xaxis.type, 'log');
  assert.equal(l.xaxis.automargin, true); // template added to the user's axis
  assert.equal(l.yaxis.automargin, true); // missing axis gets the template
  assert.equal(l.autosize, true);
  assert.deepEqual(Object.keys(fig.layout), ['title', 'xaxis', 'showlegend']); // input untouched
});

test('histogramFigure: integer bins count each value (ratings 1..5)', () => {
  // values 1, 2, 2, 5 → one bar per integer 1..5 → counts [1, 2, 0, 0, 1]
  const f = histogramFigure({ values: new Int32Array([1, 2, 2, 5]), title: 'Ratings', xTitle: 'rating', xUnit: 'stars' });
  const t = f.data[0] as Any;
  assert.equal(t.type, 'bar');
  assert.deepEqual(t.x, [1, 2, 3, 4, 5]);
  assert.deepEqual(t.y, [1, 2, 0, 0, 1]);
  assert.deepEqual(t.customdata[0], [0.5, 1.5]);
  assert.equal((f.layout as Any).xaxis.title.text, 'rating (stars)');
  assert.equal((f.layout as Any).yaxis.title.text, 'count');
  assert.equal((f.layout as Any).xaxis.dtick, 1); // one tick per rating
});

test('histogramFigure: n equal bins from min to max, max falls in the last bin', () => {
  // values 0, 0.5, 1, 4 with 2 bins: width 2 → [0,2) holds 0, 0.5, 1; [2,4] holds 4
  const f = histogramFigure({ values: [0, 0.5, 1, 4], bins: 2, ...labels });
  const t = f.data[0] as Any;
  assert.deepEqual(t.y, [3, 1]);
  assert.deepEqual(t.x, [1, 3]);
  assert.equal(t.width, 2);
  // 'auto' with non-integers gives 20 bins
  assert.equal((histogramFigure({ values: [0.5, 1], ...labels }).data[0] as Any).y.length, 20);
});

test('histogramFigure rejects empty, non-finite values and bad bins with the parameter named', () => {
  assert.throws(() => histogramFigure({ values: [], ...labels }), { name: 'InputError', message: /histogramFigure: expected at least one value/ });
  assert.throws(() => histogramFigure({ values: [1, NaN], ...labels }), { message: /values\[1\] to be a finite number, but got NaN/ });
  assert.throws(() => histogramFigure({ values: [1], bins: 0, ...labels }), { message: /positive integer, but got 0/ });
  assert.throws(() => histogramFigure({ values: [1.5], bins: 'integers', ...labels }), { message: /needs integer values/ });
});

test('barFigure: one bar trace, horizontal swaps axes and their titles', () => {
  const v = barFigure({ x: ['a', 'b'], y: [3, 5], ...labels, yUnit: 'ids' });
  assert.deepEqual([(v.data[0] as Any).x, (v.data[0] as Any).y], [['a', 'b'], [3, 5]]);
  const h = barFigure({ x: ['a', 'b'], y: [3, 5], ...labels, yUnit: 'ids', horizontal: true });
  assert.deepEqual([(h.data[0] as Any).x, (h.data[0] as Any).y, (h.data[0] as Any).orientation], [[3, 5], ['a', 'b'], 'h']);
  assert.equal((h.layout as Any).xaxis.title.text, 'y (ids)');
  assert.throws(() => barFigure({ x: ['a'], y: [1, 2], ...labels }), { name: 'InputError', message: /barFigure: expected x and y to have the same length, but got 1 and 2/ });
});

test('lineFigure: several series, x defaults to the index, optional log y', () => {
  const f = lineFigure({ ...labels, logY: true, series: [{ name: 'train', y: new Float32Array([3, 2, 1]) }, { name: 'test', x: [0, 2], y: [4, 3] }] });
  assert.equal(f.data.length, 2);
  assert.deepEqual((f.data[0] as Any).x, [0, 1, 2]);
  assert.deepEqual((f.data[0] as Any).y, [3, 2, 1]);
  assert.equal((f.data[1] as Any).name, 'test');
  assert.equal((f.layout as Any).yaxis.type, 'log');
  // 1 … 4 is under two decades: labels at 1, 2, 5 × 10ⁿ only (Plotly's 'D2'), not Plotly's every digit.
  assert.equal((f.layout as Any).yaxis.dtick, 'D2');
  assert.equal((f.layout as Any).showlegend, true);
  assert.throws(() => lineFigure({ ...labels, series: [] }), { message: /lineFigure: expected at least one series/ });
  assert.throws(() => lineFigure({ ...labels, series: [{ name: 'a', x: [1], y: [1, 2] }] }), { message: /series\[0\]\.x and series\[0\]\.y/ });
});

test('logAxis: powers of ten only from two decades of data up, else 1-2-5 labels; values ≤ 0 ignored', () => {
  assert.deepEqual(logAxis([0.9, 15]), { type: 'log', dtick: 'D2' }); // log10(15/0.9) = 1.22 decades
  assert.deepEqual(logAxis([0.01, 0.99]), { type: 'log', dtick: 'D2' }); // 1.996 decades
  assert.deepEqual(logAxis([0.01, 1]), { type: 'log', dtick: 1 }); // exactly 2 decades
  assert.deepEqual(logAxis([0, -3, 5, 5e5, NaN]), { type: 'log', dtick: 1 }); // 5 → 5e5: 5 decades
  assert.deepEqual(logAxis([]), { type: 'log', dtick: 'D2' });
});

test('lineFigure integerX: ticks at whole numbers only (epochs), at most about 10 of them', () => {
  const axis = (n: number) => (lineFigure({ ...labels, integerX: true, series: [{ name: 'a', x: Array.from({ length: n }, (_, i) => i + 1), y: new Float32Array(n).fill(1) }] }).layout as Any).xaxis;
  // 3 epochs: 1, 2, 3 (Plotly's own choice would put ticks at 1.5 and 2.5 too).
  assert.deepEqual([axis(3).tick0, axis(3).dtick, axis(3).tickformat], [1, 1, 'd']);
  assert.equal(axis(11).dtick, 1); // span 10
  assert.equal(axis(30).dtick, 5); // span 29: 2 would give 15 ticks
  assert.equal(axis(200).dtick, 20);
  assert.equal((lineFigure({ ...labels, series: [{ name: 'a', y: [1, 2] }] }).layout as Any).xaxis.dtick, undefined);
});

test('logLogFigure: counts sorted by rank on log axes, zeros left out, top share annotated', () => {
  // counts 3, 40, 1, 0, 6 → sorted 40, 6, 3, 1 (0 dropped); total 50; top 20% of 5 items = 1 item = 40/50 = 80%
  const f = logLogFigure({ title: 'Ratings per movie', yTitle: 'ratings', topFraction: 0.2, series: [{ name: 'movies', counts: [3, 40, 1, 0, 6] }] });
  const t = f.data[0] as Any;
  assert.deepEqual(t.x, [1, 2, 3, 4]);
  assert.deepEqual(t.y, [40, 6, 3, 1]);
  assert.equal(t.name, 'movies: top 20% (1) hold 80.0%; 1 with 0 not shown');
  const l = f.layout as Any;
  assert.equal(l.xaxis.type, 'log');
  assert.equal(l.yaxis.type, 'log');
  assert.equal(l.xaxis.title.text, 'rank');
  assert.equal(l.yaxis.dtick, 'D2'); // 1 … 40 is 1.6 decades: 1, 2, 5, 10, 20 labelled
  assert.equal((logLogFigure({ title: 't', series: [{ name: 'a', counts: [500, 20, 1] }] }).layout as Any).yaxis.dtick, 1); // 2.7 decades: powers of ten only
  assert.equal((logLogFigure({ title: 't', series: [{ name: 'a', counts: [1] }], topFraction: 0 }).data[0] as Any).name, 'a');
  // top 10% of 10 items = 1 item: counts 10, 1×9 → 10/19 = 52.6%
  assert.equal((logLogFigure({ title: 't', series: [{ name: 'a', counts: [10, 1, 1, 1, 1, 1, 1, 1, 1, 1] }] }).data[0] as Any).name, 'a: top 10% (1) hold 52.6%');
  assert.throws(() => logLogFigure({ title: 't', series: [{ name: 'a', counts: [1, -2] }] }), { message: /counts\[1\] ≥ 0, but got -2/ });
});

test('heatmapFigure: grid, labels, colour-bar title with unit; ragged rows rejected', () => {
  const f = heatmapFigure({ ...labels, y: ['movie_id', 'user_id'], z: [[1, 2, 3], [4, 5, 6]], zTitle: 'rows', zUnit: 'count' });
  const t = f.data[0] as Any;
  assert.equal(t.type, 'heatmap');
  assert.deepEqual(t.z, [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(t.x, ['0', '1', '2']);
  assert.deepEqual(t.y, ['movie_id', 'user_id']);
  assert.equal(t.colorbar.title.text, 'rows (count)');
  assert.equal(t.texttemplate, '%{z}');
  assert.throws(() => heatmapFigure({ ...labels, z: [[1, 2], [3]] }), { message: /z\[0\] and z\[1\] to have the same length, but got 2 and 1/ });
  assert.throws(() => heatmapFigure({ ...labels, z: [] }), { message: /non-empty grid/ });
});

test('scatterFigure: marker traces per series', () => {
  const f = scatterFigure({ ...labels, markerSize: 3, series: [{ name: 'a', x: [1, 2], y: [3, 4] }] });
  const t = f.data[0] as Any;
  assert.equal(t.mode, 'markers');
  assert.equal(t.marker.size, 3);
  assert.deepEqual([t.x, t.y], [[1, 2], [3, 4]]);
  assert.equal((f.layout as Any).hovermode, 'closest');
});

test('figures are JSON-serialisable (what show/saveHtml send to the browser)', () => {
  const f = histogramFigure({ values: [1, 2, 3], ...labels });
  assert.deepEqual(JSON.parse(JSON.stringify(f)), f);
});

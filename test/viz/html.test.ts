// show / liveFigure / saveHtml: the HTML they produce, with a fake display standing in for tslab's.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { barFigure, liveFigure, saveHtml, setPlotlyEmbedded, show, showTable, plotlySource } from '../../src/viz';

const fig = barFigure({ x: ['a', 'b'], y: [1, 2], title: 'Bars <b>', xTitle: 'x', yTitle: 'y' });

function fakeDisplay() {
  const outputs: string[] = [];
  return { outputs, display: { html: (s: string) => void outputs.push(s) } };
}
const PLOTLY_MARK = 'window.Plotly=';

beforeEach(() => setPlotlyEmbedded(false));

test('plotlySource reads plotly.js (minified by setup when present) and can sit in a <script>', () => {
  const { file, code } = plotlySource();
  assert.match(file, /plotly/);
  assert.ok(code.length > 1_000_000, `plotly.js is ${code.length} chars`);
  assert.ok(code.includes('window.Plotly'), 'sets window.Plotly');
  assert.ok(!/<\/script/i.test(code));
});

test('show embeds plotly.js once per kernel session, then only the div and Plotly.newPlot', () => {
  const { outputs, display } = fakeDisplay();
  show(fig, { display });
  show(fig, { display });
  assert.equal(outputs.length, 2);
  assert.ok(outputs[0].replace(/\s/g, '').includes(PLOTLY_MARK), 'first output has plotly.js');
  assert.ok(!outputs[1].replace(/\s/g, '').includes(PLOTLY_MARK), 'second output does not');
  const div = outputs[1].match(/<div id="(tpe-fig-[0-9a-f]+)"/);
  assert.ok(div, 'has a figure div');
  assert.match(outputs[1], new RegExp(`getElementById\\("${div![1]}"\\)`));
  assert.match(outputs[1], /window\.Plotly\.newPlot\(el, \[\{"type":"bar"/);
  assert.match(outputs[1], /"responsive":true/);
  assert.ok(outputs[1].includes('Bars \\u003cb>'), 'the figure JSON escapes < so it cannot close the script');
  show(fig, { display, includePlotly: true });
  assert.ok(outputs[2].replace(/\s/g, '').includes(PLOTLY_MARK), 'includePlotly forces it');
});

test('show outside a tslab kernel without a display says what to do', () => {
  assert.throws(() => show(fig), { name: 'ConfigError', message: /show: expected to run in a Jupyter notebook with the tslab kernel.*saveHtml/ });
});

test('liveFigure sends plotly.js in its own output, then updates one display in place', () => {
  const plain = fakeDisplay();
  const live = fakeDisplay();
  const lf = liveFigure(fig, { display: live.display, plotlyDisplay: plain.display });
  assert.equal(plain.outputs.length, 1);
  assert.ok(plain.outputs[0].replace(/\s/g, '').includes(PLOTLY_MARK));
  const next = barFigure({ x: ['a'], y: [9], title: 'T', xTitle: 'x', yTitle: 'y' });
  lf.update(next);
  assert.equal(live.outputs.length, 2);
  assert.ok(live.outputs.every((o) => !o.replace(/\s/g, '').includes(PLOTLY_MARK)), 'updates do not resend plotly.js');
  assert.match(live.outputs[1], /"y":\[9\]/);
  assert.equal(lf.current, next);
});

test('saveHtml writes one offline page with plotly.js once and every figure', () => {
  const dir = mkdtempSync(join(tmpdir(), 'viz-'));
  try {
    const out = saveHtml([fig, fig], join(dir, 'sub', 'page.html'), { title: 'A & B' });
    assert.equal(out, join(dir, 'sub', 'page.html'));
    const html = readFileSync(out, 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /<title>A &amp; B<\/title>/);
    assert.equal(html.match(/window\.Plotly\.newPlot\(el,/g)?.length, 2);
    assert.equal(html.replace(/\s/g, '').split(PLOTLY_MARK).length - 1, 1);
    assert.ok(!/https?:\/\/cdn/i.test(html.slice(0, 2000)), 'no CDN script');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('showTable sends an arquero table as scrollable HTML with a caption and a row limit', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const aq = require('arquero') as typeof import('arquero');
  const { outputs, display } = fakeDisplay();
  const t = aq.table({ user_id: [1, 2, 3], title: ['a<b', 'c', 'd'] });
  showTable(t, { display, limit: 2 });
  assert.equal(outputs.length, 1);
  assert.match(outputs[0], /^<div class="tpu-embeddings-table" style="overflow-x:auto/);
  assert.match(outputs[0], /3 rows/);
  assert.match(outputs[0], /a&lt;b/);
  assert.equal(outputs[0].match(/<tr>/g)?.length, 3, 'header + 2 rows'); // limit 2
  showTable(t, { display, caption: 'ratings & more' });
  assert.match(outputs[1], /ratings &amp; more/);
});

test('in a tslab kernel, show finds the connected tslab copy among loaded modules (not the one this package resolves)', () => {
  // A fake tslab install elsewhere, as when the registered kernel hands over to the notebook's local tslab:
  // its dist/jupyter.js has a live lastWriteDisplayData, and dist/public.js exposes display/newDisplay.
  const dir = mkdtempSync(join(tmpdir(), 'fake-kernel-'));
  const dist = join(dir, 'node_modules', 'tslab', 'dist');
  const sent: string[] = [];
  mkdirSync(dist, { recursive: true });
  writeFileSync(join(dist, 'jupyter.js'), 'exports.lastWriteDisplayData = () => {};');
  writeFileSync(
    join(dist, 'public.js'),
    'const sent = (globalThis.__fakeTslabSent = []); const d = { html: (s) => sent.push(s) }; exports.display = d; exports.newDisplay = () => d;',
  );
  try {
    require(join(dist, 'jupyter.js'));
    show(fig);
    sent.push(...(globalThis as unknown as { __fakeTslabSent: string[] }).__fakeTslabSent);
    assert.equal(sent.length, 1);
    assert.match(sent[0], /window\.Plotly\.newPlot/);
  } finally {
    delete require.cache[join(dist, 'jupyter.js')];
    delete require.cache[join(dist, 'public.js')];
    rmSync(dir, { recursive: true, force: true });
  }
});

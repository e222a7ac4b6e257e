// The report checker can fail: it is fed broken reports (fixtures/ and a figure page from src/viz that is then
// damaged) and must name each failure; a correct report must pass, so the checker is not simply always failing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { checkReport, declaredFigures, isLocalUrl, launchChromium, readJsonAt, type Browser } from './check-report';
import { remoteResources } from '../../scripts/report';
import { barFigure, saveHtml, lineFigure, COLORWAY } from '../../src/viz';

const FIXTURES = path.join(__dirname, 'fixtures');
const fixture = (name: string) => path.join(FIXTURES, name);
let browser: Browser;
let tmp: string;

before(async () => {
  browser = await launchChromium();
  tmp = mkdtempSync(path.join(tmpdir(), 'tpe-check-report-'));
});
after(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Asserts that every pattern matches some problem line, and prints the lines when one does not. */
function assertProblems(problems: readonly string[], patterns: RegExp[]) {
  for (const p of patterns) assert.ok(problems.some((l) => p.test(l)), `no problem matches ${p}; problems:\n${problems.join('\n') || '(none)'}`);
}

test('readJsonAt reads one JSON value with brackets and quotes inside strings', () => {
  const text = 'f(el, [{"a":"x]y\\"}"},[1,2]], {"b":1})';
  const r = readJsonAt(text, text.indexOf('['));
  assert.deepEqual(r?.value, [{ a: 'x]y"}' }, [1, 2]]);
  assert.equal(text.slice(r!.end, r!.end + 2), ', ');
  assert.equal(readJsonAt(text, 0), null);
  assert.equal(readJsonAt('[1, 2', 0), null);
});

test('declaredFigures counts traces and points of each Plotly.newPlot call with literal data', () => {
  const figs = declaredFigures(readFileSync(fixture('good-report.html'), 'utf8'));
  // good-report.html: a bar of 3 letters; two lines of 3 epochs each.
  assert.deepEqual(figs, [
    { traces: 1, points: [3], title: 'Counts per letter' },
    { traces: 2, points: [3, 3], title: 'Loss per epoch' },
  ]);
  assert.deepEqual(declaredFigures('Plotly.newPlot(el, data, layout)'), [], 'data that is not a JSON literal is not counted');
});

test('isLocalUrl and remoteResources: only file:, data:, blob: and the loopback stay local', () => {
  for (const u of ['file:///tmp/a.html', 'data:text/plain,x', 'blob:file:///x', 'http://127.0.0.1:8888/x', 'http://localhost/x', 'http://[::1]:1/']) assert.ok(isLocalUrl(u), u);
  for (const u of ['https://cdn.plot.ly/plotly.min.js', 'http://10.0.0.1/', 'https://cdnjs.cloudflare.com/x.js', 'not a url']) assert.ok(!isLocalUrl(u), u);
  const html = '<script src="https://cdnjs.cloudflare.com/require.min.js"></script><script src="file:///usr/x.js"></script>' +
    '<link rel="stylesheet" href="//fonts.example.org/a.css"><a href="https://plotly.com/">ok, a link</a><style>@import url("https://f.example/x.css");</style>';
  assert.deepEqual(remoteResources(html), ['https://cdnjs.cloudflare.com/require.min.js', '//fonts.example.org/a.css', 'https://f.example/x.css']);
});

test('a correct report passes: both figures drawn with their traces, no error, no request', async () => {
  const r = await checkReport(browser, fixture('good-report.html'));
  assert.deepEqual(r.problems, []);
  assert.equal(r.rendered.length, 2);
  assert.deepEqual(r.rendered.map((f) => [f.svgs > 0, f.traces, f.traceGroups, f.tracesWithMarks]), [[true, 1, 1, 1], [true, 2, 2, 2]]);
  assert.deepEqual(r.rendered.map((f) => f.title), ['Counts per letter', 'Loss per epoch']);
  assert.equal(r.narrow.length, 2);
  assert.ok(r.narrowPageWidth > 0 && r.narrowPageWidth <= 390, `page width ${r.narrowPageWidth}`);
});

test('a figure whose script throws: the figure is missing and the error is reported', async () => {
  const r = await checkReport(browser, fixture('figure-script-throws.html'), { timeoutMs: 2000 });
  assertProblems(r.problems, [
    /2 figure\(s\) declared in the HTML, but 1 drawn/,
    /figure 2 of 2 \("Loss per epoch"\) was not drawn/,
    /JavaScript error: uncaught Error: figure 2 failed before drawing/,
  ]);
});

test('plotly.js missing: no figure is drawn and the page errors are reported', async () => {
  const r = await checkReport(browser, fixture('missing-plotly.html'), { timeoutMs: 2000 });
  assertProblems(r.problems, [/2 figure\(s\) declared in the HTML, but 0 drawn/, /figure 1 of 2 .* was not drawn/, /JavaScript error: uncaught TypeError: .*newPlot/]);
});

test('plotly.js from a CDN: the request is blocked and reported', async () => {
  const r = await checkReport(browser, fixture('cdn-plotly.html'), { timeoutMs: 2000 });
  assert.deepEqual(r.externalRequests, ['https://cdn.plot.ly/plotly-3.0.1.min.js']);
  assertProblems(r.problems, [/request leaving the machine \(blocked\): https:\/\/cdn\.plot\.ly\/plotly-3\.0\.1\.min\.js/, /1 figure\(s\) declared in the HTML, but 0 drawn/]);
});

test('a trace without data points is reported', async () => {
  const r = await checkReport(browser, fixture('empty-data.html'));
  assertProblems(r.problems, [/figure 2 of 2 \("An empty series"\): trace 1 has no data points/]);
  assert.ok(!r.problems.some((l) => /figure 1 of 2/.test(l)), r.problems.join('\n'));
});

test('missing titles and a title too long for a 390 px screen are reported', async () => {
  const r = await checkReport(browser, fixture('bad-look.html'), { look: { colorway: [...COLORWAY] } });
  assertProblems(r.problems, [
    /1280px: figure 1 of 2 has no title/,
    /figure 1 of 2 has no x-axis title/,
    /figure 1 of 2 has no y-axis title/,
    /figure 1 of 2 does not use the library template's colorway/,
    /narrow 390px: figure 2 \("A title that is much too long.*"\): the title runs \d+ px past the figure's right edge/,
    /narrow 390px: the page is \d+ px wide, so a phone scrolls it sideways/,
  ]);
  assert.ok(r.narrowPageWidth > 390, `page width ${r.narrowPageWidth}`);
  assert.ok(!r.problems.some((l) => /narrow 390px: figure 1/.test(l)), r.problems.join('\n'));
});

test('a page from src/viz saveHtml passes the checks, and fails once its plotly.js is taken out', async () => {
  const good = path.join(tmp, 'viz.html');
  saveHtml(
    [
      barFigure({ x: ['1', '2', '3'], y: [5, 9, 4], title: 'Ratings', xTitle: 'rating', xUnit: 'stars', yTitle: 'ratings' }),
      lineFigure({ series: [{ name: 'train', y: [1, 0.6, 0.5] }, { name: 'test', y: [1.1, 0.8, 0.7] }], title: 'Loss', xTitle: 'epoch', yTitle: 'loss', yUnit: 'MSE' }),
    ],
    good,
  );
  const ok = await checkReport(browser, good, { look: { colorway: [...COLORWAY] } });
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.rendered.map((f) => [f.traces, f.title, f.xTitle, f.yTitle]), [
    [1, 'Ratings', 'rating (stars)', 'ratings'],
    [2, 'Loss', 'epoch', 'loss (MSE)'],
  ]);

  const html = readFileSync(good, 'utf8');
  const noPlotly = path.join(tmp, 'viz-no-plotly.html');
  writeFileSync(noPlotly, html.replace(/<script type="text\/javascript">if \(!window\.Plotly\) \{[\s\S]*?\n\}<\/script>/, ''));
  const r = await checkReport(browser, noPlotly, { timeoutMs: 2000 });
  assertProblems(r.problems, [/2 figure\(s\) declared in the HTML, but 0 drawn/]);
  assert.match(readFileSync(noPlotly, 'utf8'), /plotly\.js is not loaded on this page/, 'the figure scripts are still there');
});

// What readers see: every notebook's HTML report (scripts/report.ts, made here when missing or stale, so this works
// in a clean clone even though it runs before test/notebooks.test.ts) opened from file:// in Debian's headless
// Chromium. Every figure must be drawn with its traces, titles and the library template, fit a 390 px screen,
// with no JavaScript error and no request leaving the machine. Screenshots: reports/<name>.png (1280 px wide)
// and reports/<name>.narrow.png (390 px).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { checkReport, launchChromium, type Browser, type ReportCheck } from './check-report';
import { buildReports, listNotebooks, REPORTS_DIR, type Report } from '../../scripts/report';
import { COLORWAY } from '../../src/viz';

const notebooks = listNotebooks();
let reports: Report[] = [];
let browser: Browser | undefined;
const checks = new Map<string, ReportCheck>();

before(async () => {
  const t = Date.now();
  // Reuses executed copies that are newer than the notebook and dist/ (e.g. from `npm run report`), else executes.
  reports = buildReports({ log: (line) => console.log(line) });
  console.log(`reports ready in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

test('there is one HTML report per notebook in reports/', () => {
  assert.ok(notebooks.length > 0, 'no notebooks/*.ipynb');
  assert.deepEqual(reports.map((r) => path.basename(r.html)), notebooks.map((n) => n.replace(/\.ipynb$/, '.html')));
  for (const r of reports) assert.ok(existsSync(r.html), r.html);
});

const isPng = (file: string) => existsSync(file) && readFileSync(file).subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

for (const name of notebooks) {
  const base = name.replace(/\.ipynb$/, '');
  test(`${name}: in Chromium every figure is drawn with its traces, titles and the template, fits 390 px, no JS error, no request out`, async () => {
    const html = path.join(REPORTS_DIR, `${base}.html`);
    const png = path.join(REPORTS_DIR, `${base}.png`);
    const narrowPng = path.join(REPORTS_DIR, `${base}.narrow.png`);
    const started = Date.now();
    const r = await checkReport(browser!, html, { screenshot: png, narrowScreenshot: narrowPng, look: { colorway: [...COLORWAY] } });
    checks.set(name, r);
    console.log(`${name}: ${r.declared.length} figure(s) [${r.declared.map((d) => `${d.traces} trace(s)`).join(', ')}] checked in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.deepEqual(r.problems, [], `${path.relative(process.cwd(), html)} as a reader sees it:\n${r.problems.join('\n')}`);
    assert.equal(r.rendered.length, r.declared.length);
    for (const f of [png, narrowPng]) assert.ok(isPng(f) && statSync(f).size > 10_000, `${f} is not a screenshot`);
  });
}

test('the reports show figures, all in one look (one font family, the library colorway)', () => {
  const all = [...checks.values()].flatMap((c) => c.rendered);
  assert.ok(all.length > 0, 'no notebook report shows a figure');
  assert.equal(checks.size, notebooks.length, 'every report was checked');
  assert.deepEqual([...new Set(all.map((f) => f.fontFamily))].length, 1, `font families: ${[...new Set(all.map((f) => f.fontFamily))].join(' | ')}`);
  for (const f of all) assert.deepEqual(f.colorway, [...COLORWAY], f.title);
});

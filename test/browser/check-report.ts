// Opens an HTML report in Debian's headless Chromium (driven by playwright-core, never a downloaded browser) and
// checks what a reader would see: every Plotly figure drawn (an SVG per figure, the expected traces, non-empty
// data, title and axis titles, the library's template), no JavaScript error, no request leaving file:// or
// 127.0.0.1, and the figures fitting a narrow (390 px) screen. Takes PNG screenshots on request.
// Used by test/browser/reports.test.ts (real reports) and check-report.test.ts (broken fixtures).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (the `chromium` package); the only browser these checks use. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Chromium switches: headless on a CI box as root, nothing phoning home, and every host name except the
 * loopback ones resolving to nothing, so even a request that slipped past the router could not leave the machine.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1',
] as const;

/** Viewport of the wide screenshot and checks (a laptop). */
export const WIDE_VIEWPORT = { width: 1280, height: 900 } as const;
/** Viewport of the narrow-screen check (a phone, 390 CSS px wide). */
export const NARROW_VIEWPORT = { width: 390, height: 844 } as const;

/** One figure as the report's HTML declares it: the arguments of a `Plotly.newPlot(el, data, layout)` call. */
export interface DeclaredFigure {
  /** Number of traces in `data`. */
  readonly traces: number;
  /** Data points per trace (the length of its longest of x, y, z, values, lat). */
  readonly points: readonly number[];
  /** The layout's title text ('' when none). */
  readonly title: string;
}

/** One `.js-plotly-plot` as Chromium drew it. */
export interface RenderedFigure {
  readonly id: string;
  /** `svg.main-svg` elements inside (Plotly draws at least one). */
  readonly svgs: number;
  /** `gd.data.length`: traces Plotly received. */
  readonly traces: number;
  /** Drawn trace groups (`g.trace` in the cartesian/pie layers plus heatmap `g.hm`). */
  readonly traceGroups: number;
  /** Trace groups that hold at least one drawn mark (a path with a non-empty `d`, or an image). */
  readonly tracesWithMarks: number;
  readonly title: string;
  readonly xTitle: string;
  readonly yTitle: string;
  /** `_fullLayout.colorway` and font family, to compare with the library's template. */
  readonly colorway: readonly string[];
  readonly fontFamily: string;
  /** Bounding boxes in CSS px (page coordinates). */
  readonly box: { readonly x: number; readonly width: number };
  /** Right edge of the title text and of the legend, in CSS px (page coordinates); -1 when absent. */
  readonly titleRight: number;
  readonly legendRight: number;
}

/** What {@link checkReport} found. `problems` is empty when the report is fine. */
export interface ReportCheck {
  readonly file: string;
  readonly declared: readonly DeclaredFigure[];
  readonly rendered: readonly RenderedFigure[];
  /** Rendered figures at {@link NARROW_VIEWPORT} (empty when figures were already missing at the wide width). */
  readonly narrow: readonly RenderedFigure[];
  /** `document.documentElement.scrollWidth` at {@link NARROW_VIEWPORT} (-1 when not measured). */
  readonly narrowPageWidth: number;
  /** Console errors and uncaught exceptions, in order. */
  readonly errors: readonly string[];
  /** URLs that tried to leave file://, data:, blob: and 127.0.0.1/localhost (all were aborted). */
  readonly externalRequests: readonly string[];
  /** One line per failed check, naming the figure and what is wrong. */
  readonly problems: readonly string[];
}

/** What a figure must look like (the library's template, see src/viz/template.ts). */
export interface LookRules {
  /** `layout.colorway` every figure must end up with. */
  readonly colorway?: readonly string[];
  /** Require a title and both axis titles on cartesian figures. @default true */
  readonly requireTitles?: boolean;
}

/** Options of {@link checkReport}. */
export interface CheckOptions {
  /** Write a full-page PNG at {@link WIDE_VIEWPORT} here. @default none */
  readonly screenshot?: string;
  /** Write a full-page PNG at {@link NARROW_VIEWPORT} here. @default none */
  readonly narrowScreenshot?: string;
  /** How long to wait for the declared figures to draw. @default 15000 ms */
  readonly timeoutMs?: number;
  readonly look?: LookRules;
}

/** A headless Chromium with a fresh profile; `close()` ends it and removes the profile. */
export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts Debian's Chromium headless with a fresh `--user-data-dir` (a temp dir, removed on close).
 * @throws Error naming the fix when /usr/bin/chromium is missing.
 */
export async function launchChromium(): Promise<Browser> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'tpe-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: { ...WIDE_VIEWPORT },
      offline: false,
      serviceWorkers: 'block',
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw new Error(
      `launchChromium: could not start ${CHROMIUM_PATH} (${String((e as Error).message).split('\n')[0]}). ` +
        'Install Debian\'s browser: `apt-get install -y chromium` (.ci/run does), or set CHROMIUM_PATH.',
    );
  }
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Whether a URL stays on this machine: file:, data:, blob:, about:, or http(s) to 127.0.0.1 / localhost / [::1]. */
export function isLocalUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (['file:', 'data:', 'blob:', 'about:'].includes(u.protocol)) return true;
  return ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) || /^127\.\d+\.\d+\.\d+$/.test(u.hostname);
}

/**
 * Reads the JSON value that starts at `text[start]` (an object or array, as `JSON.stringify` writes it) and
 * returns it with the index after it, or null when the text there is not JSON.
 */
export function readJsonAt(text: string, start: number): { value: unknown; end: number } | null {
  const open = text[start];
  if (open !== '[' && open !== '{') return null;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        try {
          return { value: JSON.parse(text.slice(start, i + 1)), end: i + 1 };
        } catch {
          return null;
        }
      }
    }
  }
  return null;
}

const NEW_PLOT = /Plotly\.newPlot\(\s*[A-Za-z_$][\w$.]*\s*,\s*/g;

/**
 * The figures an HTML page declares, in document order: every `Plotly.newPlot(el, [traces…], {layout…})` whose
 * data is a JSON literal (how src/viz writes figures, and how nbconvert keeps them).
 */
export function declaredFigures(html: string): DeclaredFigure[] {
  const out: DeclaredFigure[] = [];
  for (const m of html.matchAll(NEW_PLOT)) {
    const at = (m.index ?? 0) + m[0].length;
    const data = readJsonAt(html, at);
    if (!data || !Array.isArray(data.value)) continue;
    const rest = html.slice(data.end).match(/^\s*,\s*/);
    const layout = rest ? readJsonAt(html, data.end + rest[0].length) : null;
    const lay = (layout?.value ?? {}) as { title?: string | { text?: string } };
    const traces = data.value as Record<string, unknown>[];
    const len = (v: unknown) => (Array.isArray(v) ? v.length : v && typeof v === 'object' && 'length' in v ? Number((v as { length: number }).length) : 0);
    out.push({
      traces: traces.length,
      points: traces.map((t) => Math.max(len(t.x), len(t.y), len(t.z), len(t.values), len(t.lat))),
      title: typeof lay.title === 'string' ? lay.title : (lay.title?.text ?? ''),
    });
  }
  return out;
}

// Runs in the page. A string, not a function: tsx/esbuild would wrap inner functions in a `__name` helper
// that does not exist in the page.
const RENDERED_FIGURES_JS = `(() => {
  const right = (el) => (el ? el.getBoundingClientRect().right + window.scrollX : -1);
  const hasMark = (g) =>
    g.querySelector('image') !== null ||
    Array.from(g.querySelectorAll('path')).some((p) => {
      const d = (p.getAttribute('d') || '').trim();
      return d !== '' && !/^M[-\\d.]+,[-\\d.]+Z$/.test(d);
    });
  return Array.from(document.querySelectorAll('.js-plotly-plot')).map((gd, i) => {
    const groups = Array.from(gd.querySelectorAll('g.trace, g.hm'));
    const text = (sel) => ((gd.querySelector(sel) || {}).textContent || '').trim();
    const r = gd.getBoundingClientRect();
    const full = gd._fullLayout || {};
    return {
      id: gd.id || '#' + (i + 1),
      svgs: gd.querySelectorAll('svg.main-svg').length,
      traces: Array.isArray(gd.data) ? gd.data.length : 0,
      traceGroups: groups.length,
      tracesWithMarks: groups.filter(hasMark).length,
      title: text('.gtitle'),
      xTitle: text('.xtitle'),
      yTitle: text('.ytitle'),
      colorway: full.colorway || [],
      fontFamily: (full.font && full.font.family) || '',
      box: { x: r.left + window.scrollX, width: r.width },
      titleRight: right(gd.querySelector('.gtitle')),
      legendRight: right(gd.querySelector('g.legend')),
    };
  });
})()`;

async function renderedFigures(page: Page): Promise<RenderedFigure[]> {
  return (await page.evaluate(RENDERED_FIGURES_JS)) as RenderedFigure[];
}

/** Waits (bounded) until `count` figures have an SVG; returns without throwing so the checks can say what is missing. */
async function waitForFigures(page: Page, count: number, timeoutMs: number): Promise<void> {
  if (count === 0 || timeoutMs <= 0) return;
  await page
    .waitForFunction(`document.querySelectorAll('.js-plotly-plot svg.main-svg').length >= ${count}`, undefined, { timeout: timeoutMs, polling: 100 })
    .catch(() => undefined);
}

function figureProblems(declared: readonly DeclaredFigure[], rendered: readonly RenderedFigure[], look: LookRules, where: string): string[] {
  const problems: string[] = [];
  if (rendered.length !== declared.length) {
    problems.push(`${where}: ${declared.length} figure(s) declared in the HTML, but ${rendered.length} drawn by Plotly`);
  }
  declared.forEach((d, i) => {
    const name = `${where}: figure ${i + 1} of ${declared.length}${d.title ? ` ("${d.title}")` : ''}`;
    if (d.traces === 0) problems.push(`${name} declares no trace`);
    d.points.forEach((p, t) => {
      if (p === 0) problems.push(`${name}: trace ${t + 1} has no data points`);
    });
    const r = rendered[i];
    if (!r) {
      problems.push(`${name} was not drawn (no .js-plotly-plot)`);
      return;
    }
    if (r.svgs === 0) problems.push(`${name} has no svg.main-svg`);
    if (r.traces !== d.traces) problems.push(`${name}: Plotly received ${r.traces} trace(s), the HTML declares ${d.traces}`);
    if (r.traceGroups !== d.traces) problems.push(`${name}: ${r.traceGroups} trace group(s) drawn, expected ${d.traces}`);
    if (r.tracesWithMarks < r.traceGroups) problems.push(`${name}: ${r.traceGroups - r.tracesWithMarks} trace(s) drawn without any mark (empty data?)`);
    if (look.requireTitles ?? true) {
      if (!r.title) problems.push(`${name} has no title`);
      if (!r.xTitle) problems.push(`${name} has no x-axis title`);
      if (!r.yTitle) problems.push(`${name} has no y-axis title`);
    }
    if (look.colorway && r.colorway.join(',') !== look.colorway.join(',')) {
      problems.push(`${name} does not use the library template's colorway (got ${r.colorway.join(',') || 'none'})`);
    }
  });
  return problems;
}

function narrowProblems(rendered: readonly RenderedFigure[], declared: number, width: number): string[] {
  const problems: string[] = [];
  if (rendered.length !== declared) problems.push(`narrow ${width}px: ${declared} figure(s) declared, but ${rendered.length} drawn`);
  rendered.forEach((r, i) => {
    const name = `narrow ${width}px: figure ${i + 1}${r.title ? ` ("${r.title}")` : ''}`;
    const edge = Math.min(width, r.box.x + r.box.width) + 1;
    if (r.box.x + r.box.width > width + 1) problems.push(`${name} is ${Math.round(r.box.width)} px wide from x=${Math.round(r.box.x)}, wider than the screen`);
    if (r.titleRight > edge) problems.push(`${name}: the title runs ${Math.round(r.titleRight - edge)} px past the figure's right edge (shorten it or break it with <br>)`);
    if (r.legendRight > edge) problems.push(`${name}: the legend runs ${Math.round(r.legendRight - edge)} px past the figure's right edge`);
  });
  return problems;
}

/**
 * Opens `file` (file://) in `browser`, lets its scripts run, and checks the figures, errors and requests (see the
 * file comment). Every request that would leave file:/data:/blob:/127.0.0.1 is aborted and reported.
 *
 * @param browser from {@link launchChromium}.
 * @param file an HTML file.
 * @param options screenshots, timeout, look rules.
 * @returns what was found; `problems` lists every failure (empty when the report is fine).
 */
export async function checkReport(browser: Browser, file: string, options: CheckOptions = {}): Promise<ReportCheck> {
  const abs = path.resolve(file);
  const declared = declaredFigures(readFileSync(abs, 'utf8'));
  const errors: string[] = [];
  const externalRequests: string[] = [];
  const page = await browser.context.newPage();
  try {
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (isLocalUrl(url)) return route.continue();
      if (!externalRequests.includes(url)) externalRequests.push(url);
      return route.abort('blockedbyclient');
    });
    page.on('request', (req) => {
      if (!isLocalUrl(req.url()) && !externalRequests.includes(req.url())) externalRequests.push(req.url());
    });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`uncaught ${e.name}: ${e.message}`));

    const timeoutMs = options.timeoutMs ?? 15_000;
    await page.setViewportSize({ ...WIDE_VIEWPORT });
    await page.goto(pathToFileURL(abs).href, { waitUntil: 'load', timeout: 60_000 });
    await waitForFigures(page, declared.length, timeoutMs);
    const rendered = await renderedFigures(page);
    if (options.screenshot) await page.screenshot({ path: options.screenshot, fullPage: true });

    // Narrow screen, reloaded so the figures are first drawn at that width (as on a phone). Skipped when figures
    // are already missing at the wide width: that failure is reported, and waiting again would only cost time.
    let narrow: RenderedFigure[] = [];
    let narrowPageWidth = -1;
    if (rendered.length === declared.length || options.narrowScreenshot) {
      await page.setViewportSize({ ...NARROW_VIEWPORT });
      await page.reload({ waitUntil: 'load', timeout: 60_000 });
      await waitForFigures(page, declared.length, rendered.length === declared.length ? timeoutMs : 0);
      await page.waitForTimeout(200);
      narrow = await renderedFigures(page);
      narrowPageWidth = (await page.evaluate('document.documentElement.scrollWidth')) as number;
      if (options.narrowScreenshot) await page.screenshot({ path: options.narrowScreenshot, fullPage: true });
    }

    const look = options.look ?? {};
    const problems = [
      ...figureProblems(declared, rendered, look, `${WIDE_VIEWPORT.width}px`),
      ...(rendered.length === declared.length ? narrowProblems(narrow, declared.length, NARROW_VIEWPORT.width) : []),
      ...(narrowPageWidth > NARROW_VIEWPORT.width + 1
        ? [`narrow ${NARROW_VIEWPORT.width}px: the page is ${narrowPageWidth} px wide, so a phone scrolls it sideways (let wide content scroll inside its own box)`]
        : []),
      ...[...new Set(errors)].map((e) => `JavaScript error: ${e}`),
      ...externalRequests.map((u) => `request leaving the machine (blocked): ${u}`),
    ];
    return { file: abs, declared, rendered, narrow, narrowPageWidth, errors: [...new Set(errors)], externalRequests, problems };
  } finally {
    await page.close();
  }
}

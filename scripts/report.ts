// `npm run report [-- [--execute] name…]`: executes every notebooks/*.ipynb in Jupyter with the tslab kernel and
// converts each to a standalone HTML report in reports/ (git-ignored): figures included, plotly.js embedded by
// src/viz, and nothing loaded from a CDN, so the page works from file:// with no network.
//
// Executed copies go to notebooks/executed/ (where test/notebooks.test.ts writes them) and are reused when they
// are fresh: newer than the notebook and than the last build of dist/ (the code the notebook imports), with every
// code cell run and no error output (`--execute` always executes). nbconvert's `lab` HTML template loads
// require.js and MathJax by URL (cdnjs, or file:///usr/share/javascript/… in Debian's build, which is not
// installed: a console error); the report template below extends `lab` without them. Without MathJax, TeX in
// markdown shows as source (the script says so when it sees TeX).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..');
/** Where the notebooks are. */
export const NOTEBOOKS_DIR = path.join(ROOT, 'notebooks');
/** Executed copies (shared with test/notebooks.test.ts; git-ignored). */
export const EXECUTED_DIR = path.join(NOTEBOOKS_DIR, 'executed');
/** The HTML reports (git-ignored). */
export const REPORTS_DIR = path.join(ROOT, 'reports');
/** nbconvert template name and the folder it is written to (inside reports/, so it is git-ignored too). */
export const TEMPLATE_NAME = 'tpu-embeddings-report';
const TEMPLATE_BASE = path.join(REPORTS_DIR, '.nbconvert-templates');
/** Seconds one cell may run. */
const CELL_TIMEOUT_S = 300;

/**
 * The report template: JupyterLab's look without require.js and MathJax (both loaded by URL), a centred column,
 * and on narrow screens less padding, no prompt column (also dropped by `--no-prompt`) and wide code or tables
 * scrolling inside their cell instead of widening the page.
 */
const TEMPLATE_FILES: Record<string, string> = {
  'conf.json': JSON.stringify({ base_template: 'lab', mimetypes: { 'text/html': true } }, null, 2),
  'index.html.j2': `{%- extends 'lab/index.html.j2' -%}
{#- tpu-embeddings report: offline (no require.js, no MathJax by URL), readable on narrow screens. -#}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block extra_css -%}
<style type="text/css">
body.jp-Notebook { max-width: 1100px; margin: 0 auto; }
.jp-OutputArea-output { overflow-x: auto; }
@media (max-width: 600px) {
  body.jp-Notebook { padding: 4px; }
  .jp-InputPrompt, .jp-OutputPrompt { display: none !important; }
  .jp-InputArea-editor, .jp-RenderedMarkdown, .jp-OutputArea-output { overflow-x: auto; }
}
</style>
{%- endblock extra_css -%}
`,
};

/** One report written by {@link buildReports}. */
export interface Report {
  /** The notebook's file name, e.g. `01-movielens-data.ipynb`. */
  readonly notebook: string;
  /** The executed copy used. */
  readonly executed: string;
  /** The HTML report written. */
  readonly html: string;
  /** Whether the notebook was executed now (false: a fresh executed copy was reused). */
  readonly executedNow: boolean;
  /** Seconds spent executing (0 when reused) and converting. */
  readonly executeSeconds: number;
  readonly convertSeconds: number;
}

/** Options of {@link buildReports}. */
export interface BuildReportsOptions {
  /** Notebook file names (or names without `.ipynb`) to report on. @default every notebooks/*.ipynb */
  readonly notebooks?: readonly string[];
  /** Reuse a fresh executed copy instead of executing again. @default true */
  readonly reuseExecuted?: boolean;
  /** Progress lines. @default console.log */
  readonly log?: (line: string) => void;
}

/** The notebooks, sorted: `notebooks/*.ipynb` file names. */
export function listNotebooks(): string[] {
  if (!existsSync(NOTEBOOKS_DIR)) return [];
  return readdirSync(NOTEBOOKS_DIR).filter((f) => f.endsWith('.ipynb')).sort();
}

interface NbOutput {
  output_type: string;
  ename?: string;
  evalue?: string;
}
interface NbCell {
  cell_type: string;
  source: string | string[];
  outputs?: NbOutput[];
  metadata?: { execution?: unknown };
}

const mtime = (f: string) => (existsSync(f) ? statSync(f).mtimeMs : 0);

/**
 * Whether `executed` is a usable run of `source`: newer than it and than dist/index.js (the built code the
 * notebook imports), with every code cell executed and no error output.
 */
export function isFreshExecution(source: string, executed: string): boolean {
  if (!existsSync(executed)) return false;
  const t = mtime(executed);
  if (t <= mtime(source) || t <= mtime(path.join(ROOT, 'dist', 'index.js'))) return false;
  try {
    const nb = JSON.parse(readFileSync(executed, 'utf8')) as { cells: NbCell[] };
    return nb.cells.every((c) => c.cell_type !== 'code' || (c.metadata?.execution !== undefined && !(c.outputs ?? []).some((o) => o.output_type === 'error')));
  } catch {
    return false;
  }
}

function jupyter(args: string[], timeoutMs: number) {
  return spawnSync('jupyter', args, { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: '1' } });
}

function fail(what: string, r: ReturnType<typeof jupyter>, fix: string): never {
  const tail = (r.stderr ?? '').split('\n').filter((l) => !/Debugger|frozen|PYDEVD|pydevd/.test(l)).slice(-25).join('\n');
  throw new Error(`report: ${what} failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''}). ${fix}\n${tail}`);
}

/** Writes the report template (see {@link TEMPLATE_FILES}) and returns its base directory. */
export function writeReportTemplate(): string {
  const dir = path.join(TEMPLATE_BASE, TEMPLATE_NAME);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(TEMPLATE_FILES)) writeFileSync(path.join(dir, name), text);
  return TEMPLATE_BASE;
}

/**
 * URLs a page would load from another machine: `src`/`href` of script, link, img, iframe, audio, video and
 * source tags, and CSS `@import`/`url(…)`, that are not file:, data:, blob:, relative, or 127.0.0.1/localhost.
 */
export function remoteResources(html: string): string[] {
  const found = new Set<string>();
  const local = (u: string) => !/^(https?:)?\/\//i.test(u) || /^(https?:)?\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])([:/]|$)/i.test(u);
  for (const m of html.matchAll(/<(?:script|link|img|iframe|audio|video|source|embed)\b[^>]*?\s(?:src|href)\s*=\s*["']?([^"'\s>]+)/gi)) {
    if (!local(m[1])) found.add(m[1]);
  }
  for (const m of html.matchAll(/@import\s+(?:url\()?\s*["']?([^"')\s;]+)/gi)) if (!local(m[1])) found.add(m[1]);
  for (const m of html.matchAll(/url\(\s*["']?((?:https?:)?\/\/[^"')\s]+)/gi)) if (!local(m[1])) found.add(m[1]);
  return [...found];
}

/**
 * Executes (or reuses) and converts notebooks to offline HTML reports in {@link REPORTS_DIR}.
 *
 * @param options which notebooks, whether to reuse fresh executed copies, where to log.
 * @returns one {@link Report} per notebook.
 * @throws Error naming the notebook and nbconvert's error when a notebook fails to execute or convert, or when
 *   a report would load anything from another machine.
 */
export function buildReports(options: BuildReportsOptions = {}): Report[] {
  const log = options.log ?? ((l: string) => console.log(l));
  const all = listNotebooks();
  const wanted = (options.notebooks ?? all).map((n) => (n.endsWith('.ipynb') ? path.basename(n) : `${path.basename(n)}.ipynb`));
  for (const n of wanted) {
    if (!all.includes(n)) throw new Error(`report: no notebook ${n} in notebooks/ (there are: ${all.join(', ') || 'none'}).`);
  }
  mkdirSync(EXECUTED_DIR, { recursive: true });
  mkdirSync(REPORTS_DIR, { recursive: true });
  const templateBase = writeReportTemplate();
  const reports: Report[] = [];
  for (const name of wanted) {
    const source = path.join(NOTEBOOKS_DIR, name);
    const executed = path.join(EXECUTED_DIR, name);
    let t = Date.now();
    const reuse = (options.reuseExecuted ?? true) && isFreshExecution(source, executed);
    if (reuse) {
      log(`report: ${name}: reusing the executed copy in notebooks/executed/ (newer than the notebook and dist/)`);
    } else {
      log(`report: ${name}: executing in Jupyter (tslab kernel) …`);
      const r = jupyter(['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.kernel_name=tslab',
        `--ExecutePreprocessor.timeout=${CELL_TIMEOUT_S}`, '--output-dir', EXECUTED_DIR, source], 20 * 60_000);
      if (r.status !== 0) fail(`executing ${name}`, r, 'Run `npm run notebooks:test` for the failing cell; `npm run setup` installs Jupyter and tslab.');
    }
    const executeSeconds = reuse ? 0 : (Date.now() - t) / 1000;
    t = Date.now();
    // --no-prompt: tslab sends no execution counts, so every prompt would read "In [ ]:" and only cost width.
    const r = jupyter(['nbconvert', '--to', 'html', '--no-prompt', `--template=${TEMPLATE_NAME}`, `--TemplateExporter.extra_template_basedirs=${templateBase}`,
      '--output-dir', REPORTS_DIR, executed], 5 * 60_000);
    if (r.status !== 0) fail(`converting ${name} to HTML`, r, 'Check that Debian\'s jupyter-nbconvert is installed (`npm run setup`).');
    const convertSeconds = (Date.now() - t) / 1000;
    const html = path.join(REPORTS_DIR, name.replace(/\.ipynb$/, '.html'));
    const text = readFileSync(html, 'utf8');
    const remote = remoteResources(text);
    if (remote.length > 0) {
      throw new Error(`report: ${path.relative(ROOT, html)} would load ${remote.join(', ')} from the network; reports must work offline (embed it instead).`);
    }
    const nb = JSON.parse(readFileSync(executed, 'utf8')) as { cells: NbCell[] };
    const tex = nb.cells.some((c) => c.cell_type === 'markdown' && /\$[^$\s][^$]*\$|\\\(|\\\[/.test(Array.isArray(c.source) ? c.source.join('') : c.source));
    if (tex) log(`report: ${name}: note: markdown has TeX, shown as source (MathJax is not embedded in offline reports)`);
    log(`report: ${path.relative(ROOT, html)} (${(text.length / 1e6).toFixed(1)} MB; execute ${executeSeconds.toFixed(1)} s, convert ${convertSeconds.toFixed(1)} s)`);
    reports.push({ notebook: name, executed, html, executedNow: !reuse, executeSeconds, convertSeconds });
  }
  return reports;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const fresh = args.includes('--execute');
  try {
    const t = Date.now();
    const reports = buildReports({ notebooks: args.filter((a) => !a.startsWith('--')).length ? args.filter((a) => !a.startsWith('--')) : undefined, reuseExecuted: !fresh });
    console.log(`report: ${reports.length} report(s) in reports/ in ${((Date.now() - t) / 1000).toFixed(1)} s; check them in Chromium with \`node scripts/test.mjs browser\``);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}

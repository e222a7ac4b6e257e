/**
 * The benchmark suite: `npm run bench [-- [--quick] [names…]]`.
 *
 * Discovers every `bench/<name>.ts` that exports a `run<Name>Bench()` function (loader, embedding, training, and
 * serving / retrieval when they exist), runs the selected ones in sequence (all by default), writes each result to
 * `bench/results/<name>.json` (git-ignored) and prints a table per benchmark. Each benchmark measures its ratios
 * within its own run. `--quick` runs a smaller version of each (fewer rows, fewer sizes, fewer runs) for a smoke check;
 * quick results go to `bench/results/<name>.quick.json` so they never overwrite a full run's figures.
 *
 * Examples:
 *   npm run bench                       # the whole suite
 *   npm run bench -- embedding          # one benchmark
 *   npm run bench -- --quick loader embedding
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const BENCH_DIR = __dirname;
const RESULTS_DIR = path.join(BENCH_DIR, 'results');
/** Suite order: cheapest and most basic first. Discovered benchmarks not listed run after these, by name. */
const ORDER = ['loader', 'embedding', 'training', 'serving', 'retrieval'];

type BenchFn = (options?: Record<string, unknown>) => Promise<unknown>;

/** Options each known benchmark takes for `--quick` (and to leave writing and printing to the runner). */
function benchOptions(name: string, quick: boolean): Record<string, unknown> {
  switch (name) {
    case 'loader':
      return { out: null, print: false, ...(quick ? { syntheticRows: 1_000_000 } : {}) };
    case 'embedding':
      return quick ? { vocabSweep: [1e5, 1e6] } : {};
    case 'training':
      return { write: false, verbose: 0, ...(quick ? { runs: ['tutorial'] } : {}) };
    default:
      return quick ? { quick: true } : {};
  }
}

/** `bench/<name>.ts` files exporting `run<Name>Bench`, keyed by name, in suite order. */
export function discoverBenchmarks(): Map<string, BenchFn> {
  const found = new Map<string, BenchFn>();
  const files = fs
    .readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3));
  const rank = (n: string) => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
  files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const name of files) {
    const exportName = `run${name.replace(/(^|[-_])(\w)/g, (_, __, c: string) => c.toUpperCase())}Bench`;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(BENCH_DIR, `${name}.ts`)) as Record<string, unknown>;
    if (typeof mod[exportName] === 'function') found.set(name, mod[exportName] as BenchFn);
  }
  return found;
}

type Row = Record<string, unknown>;

/** The rows to print: a result's `rows` or `cases` array, else its top-level scalar fields. */
function tableRows(result: unknown): Row[] {
  const r = result as Record<string, unknown>;
  for (const key of ['rows', 'cases', 'results']) if (Array.isArray(r?.[key])) return r[key] as Row[];
  const scalars = Object.fromEntries(Object.entries(r ?? {}).filter(([, v]) => typeof v !== 'object'));
  return [scalars];
}

function formatCell(v: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return v.toLocaleString('en-US');
    return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
  }
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** A plain-text table of rows (columns: the union of the rows' scalar keys). */
export function formatTable(rows: readonly Row[]): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => typeof r[k] !== 'object' || r[k] === null)))];
  const cells = rows.map((r) => cols.map((c) => formatCell(r[c])));
  const width = cols.map((c, j) => Math.max(c.length, ...cells.map((row) => row[j].length)));
  const line = (xs: string[]) => xs.map((x, j) => (j === 0 ? x.padEnd(width[j]) : x.padStart(width[j]))).join('  ');
  return [line(cols), width.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const unknownFlags = argv.filter((a) => a.startsWith('--') && a !== '--quick');
  const benches = discoverBenchmarks();
  const names = argv.filter((a) => !a.startsWith('--'));
  if (unknownFlags.length > 0 || names.some((n) => !benches.has(n))) {
    console.error(
      `bench/run.ts: expected [--quick] and benchmark names among ${[...benches.keys()].join(', ')}, ` +
        `but got ${[...unknownFlags, ...names.filter((n) => !benches.has(n))].join(', ')}.`,
    );
    return 2;
  }
  const selected = names.length > 0 ? names : [...benches.keys()];
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  let failed = 0;
  for (const name of selected) {
    const t0 = performance.now();
    console.log(`\n=== ${name}${quick ? ' (quick)' : ''} ===`);
    try {
      const result = await benches.get(name)!(benchOptions(name, quick));
      const out = path.join(RESULTS_DIR, `${name}${quick ? '.quick' : ''}.json`);
      fs.writeFileSync(out, `${JSON.stringify({ benchmark: name, quick, ...(result as object) }, null, 2)}\n`);
      console.log(formatTable(tableRows(result)));
      console.log(`${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s → ${path.relative(process.cwd(), out)}`);
    } catch (e) {
      failed++;
      console.error(`${name} failed after ${((performance.now() - t0) / 1000).toFixed(1)} s:`, e);
    }
  }
  return failed > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}

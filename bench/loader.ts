// Loader benchmark: time and peak memory to read real ml-100k (../shared/data) and a synthetic 25M-row
// ratings.csv generated in a temp dir. Each case runs in its own child process so peak RSS does not mix.
// Run: npx tsx bench/loader.ts   → prints a table, writes bench/results/loader.json.
// Targets (issue 2): 100k well under 1 s; 25M rows under 2 GB peak RSS.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** One measured case. */
export interface LoaderBenchCase {
  readonly name: string;
  readonly rows: number;
  /** Wall time of the first (cold) load, in ms. */
  readonly firstMs: number;
  /** Median wall time of the repeated loads, in ms (equal to firstMs when run once). */
  readonly medianMs: number;
  /** Peak resident set size of the child process, in MB (includes Node itself). */
  readonly peakRssMB: number;
  /** RSS of the child just before loading, in MB (Node + modules). */
  readonly baselineRssMB: number;
  readonly target: string;
  readonly pass: boolean;
}

/** What {@link runLoaderBench} returns and writes to bench/results/loader.json. */
export interface LoaderBenchResult {
  readonly date: string;
  readonly node: string;
  readonly cases: readonly LoaderBenchCase[];
}

/** Options of {@link runLoaderBench}. */
export interface LoaderBenchOptions {
  /** Rows of the synthetic ratings.csv. @default 25_000_000 */
  readonly syntheticRows?: number;
  /** Folder holding ml-100k. @default $MOVIELENS_DIR or ../shared/data beside the repo */
  readonly dataDir?: string;
  /** Where to write the JSON; null to skip. @default bench/results/loader.json */
  readonly out?: string | null;
  /** Print the table. @default true */
  readonly print?: boolean;
}

const ROOT = resolve(__dirname, '..');

/**
 * Runs the loader benchmark (each case in a child process), prints a table and writes JSON.
 * @returns the measured cases.
 */
export async function runLoaderBench(options: LoaderBenchOptions = {}): Promise<LoaderBenchResult> {
  const dataDir = options.dataDir ?? process.env.MOVIELENS_DIR ?? resolve(ROOT, '..', 'shared', 'data');
  const rows = options.syntheticRows ?? 25_000_000;
  const cases: LoaderBenchCase[] = [];
  cases.push(child('100k-ratings (real ml-100k)', ['100k-ratings', dataDir, '5'], (r) => r.firstMs < 1000, 'first load < 1 s'));
  const tmp = mkdtempSync(join(tmpdir(), 'loader-bench-'));
  try {
    const t0 = performance.now();
    await writeSyntheticCsv(join(tmp, 'ml-25m'), rows);
    if (options.print !== false) console.error(`generated ${rows.toLocaleString('en-US')}-row ratings.csv in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    cases.push(child(`25m-ratings (synthetic ${(rows / 1e6).toFixed(rows % 1e6 ? 1 : 0)}M rows)`, ['25m-ratings', tmp, '1'], (r) => r.peakRssMB < 2048, 'peak RSS < 2 GB'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const result: LoaderBenchResult = { date: new Date().toISOString(), node: process.version, cases };
  const out = options.out === undefined ? join(ROOT, 'bench', 'results', 'loader.json') : options.out;
  if (out) {
    mkdirSync(resolve(out, '..'), { recursive: true });
    writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  }
  if (options.print !== false) {
    console.table(cases.map((c) => ({
      case: c.name, rows: c.rows, 'first ms': c.firstMs.toFixed(0), 'median ms': c.medianMs.toFixed(0),
      'peak RSS MB': c.peakRssMB.toFixed(0), 'baseline RSS MB': c.baselineRssMB.toFixed(0), target: c.target, pass: c.pass,
    })));
  }
  return result;
}

function child(name: string, args: string[], ok: (r: LoaderBenchCase) => boolean, target: string): LoaderBenchCase {
  const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`loader bench: child ${name} failed (${r.status}): ${r.stderr}`);
  const m = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Omit<LoaderBenchCase, 'name' | 'target' | 'pass'>;
  const c = { name, ...m, target, pass: false };
  return { ...c, pass: ok(c) };
}

/** Writes movies.csv (62,423 movies) and a ratings.csv of `rows` rows (25m-like ids, half stars, LF). */
async function writeSyntheticCsv(dir: string, rows: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const numMovies = 62_423;
  const movies = ['movieId,title,genres'];
  for (let m = 1; m <= numMovies; m++) movies.push(m % 7 === 0 ? `${m},"Movie ${m}, The (2000)",Drama|Comedy` : `${m},Movie ${m} (1999),Action`);
  writeFileSync(join(dir, 'movies.csv'), movies.join('\n') + '\n');
  const out = createWriteStream(join(dir, 'ratings.csv'));
  const write = (s: string): Promise<void> => new Promise((res) => (out.write(s) ? res() : out.once('drain', () => res())));
  await write('userId,movieId,rating,timestamp\n');
  let x = 12345;
  const per = 100_000;
  for (let start = 0; start < rows; start += per) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(rows, start + per); i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const user = 1 + Math.floor(i / 154); // ~162k users, ratings grouped by user as in the real file
      const movie = 1 + (x % numMovies);
      const halves = 1 + ((x >>> 16) % 10); // rating = halves / 2: 0.5 … 5.0, written as "3.5" or "4.0"
      lines.push(`${user},${movie},${halves % 2 ? halves / 2 : `${halves / 2}.0`},${789652009 + (x % 786000000)}`);
    }
    await write(lines.join('\n') + '\n');
  }
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
}

async function childMain(config: string, dir: string, repeats: number): Promise<void> {
  const { loadMovieLens } = await import('../src/data');
  const baselineRssMB = process.memoryUsage().rss / 2 ** 20;
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    const data = await loadMovieLens(config as '100k-ratings', { dir });
    times.push(performance.now() - t);
    rows = data.length;
  }
  const sorted = times.slice(1).sort((a, b) => a - b);
  const medianMs = sorted.length ? sorted[Math.floor(sorted.length / 2)] : times[0];
  const peakRssMB = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
  console.log(JSON.stringify({ rows, firstMs: times[0], medianMs, peakRssMB, baselineRssMB }));
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    childMain(argv[1], argv[2], Number(argv[3])).catch((e) => {
      console.error(e);
      process.exit(1);
    });
  } else {
    const rowsArg = argv.find((a) => a.startsWith('--rows='));
    runLoaderBench({ syntheticRows: rowsArg ? Number(rowsArg.slice(7)) : undefined }).catch((e) => {
      console.error(e);
      process.exit(1);
    });
  }
}

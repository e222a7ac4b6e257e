// `tpu-embeddings bench [names…] [--quick]`: runs the benchmark suite as `npm run bench` does (bench/run.ts, through
// tsx, in a child process with this terminal), from a clone of the repository. The benchmarks (bench/*.ts) do not
// ship in the npm package (package.json `files`), so from an installed package the command says where they run.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../src/errors';

/** The suite runner, relative to the package root. */
export const BENCH_RUNNER = path.join('bench', 'run.ts');

/** What to run: the benchmark names (all when empty) and `--quick`. */
export interface BenchArgs {
  readonly names: readonly string[];
  readonly quick: boolean;
}

/**
 * Parses `bench`'s arguments: names and `--quick`. Names are checked by bench/run.ts against the benchmarks it finds.
 * @throws ConfigError `bad_option` for any other option, naming it and the usage line.
 */
export function parseBenchArgs(argv: readonly string[], usage: string): BenchArgs {
  const unknown = argv.filter((a) => a.startsWith('-') && a !== '--quick');
  if (unknown.length > 0) {
    throw new ConfigError('bad_option', `bench: unknown option ${unknown[0]}; expected benchmark names and --quick.\n${usage}`);
  }
  return Object.freeze({ names: Object.freeze(argv.filter((a) => !a.startsWith('-'))), quick: argv.includes('--quick') });
}

/** The directory of the tpu-embeddings package that holds `from` (scripts/ in a clone, dist/cli/ when installed). */
export function packageRoot(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'tpu-embeddings') return dir;
      } catch {
        // not a readable package.json: keep looking upwards
      }
    }
    if (path.dirname(dir) === dir) return path.resolve(from, '..');
  }
}

/**
 * Runs bench/run.ts of the package at `root` with `--quick` and the names, its output on this terminal; results go to
 * `<root>/bench/results/<name>[.quick].json` as with `npm run bench`.
 * @returns the runner's exit code: 0 all ran, 1 a benchmark failed (the suite goes on), 2 an unknown benchmark name.
 * @throws ConfigError `bench_unavailable` when `root` has no bench/run.ts (an installed package) or no tsx (a clone
 *   installed without dev dependencies), saying how to run the benchmarks.
 */
export async function runBench(args: BenchArgs, root: string): Promise<number> {
  const runner = path.join(root, BENCH_RUNNER);
  if (!existsSync(runner)) {
    throw new ConfigError(
      'bench_unavailable',
      `bench: the benchmarks (bench/*.ts) do not ship in the npm package, and ${root} has no ${BENCH_RUNNER}. ` +
        'They run from a clone of the tpu-embeddings repository: clone it, run `npm install` there, then ' +
        '`npx tpu-embeddings bench [names…] [--quick]` (or `npm run bench -- [--quick] [names…]`) inside the clone.',
    );
  }
  try {
    require.resolve('tsx', { paths: [root] });
  } catch {
    throw new ConfigError(
      'bench_unavailable',
      `bench: the benchmarks are TypeScript run through tsx, which is not installed in ${root}. Run \`npm install\` there (with dev dependencies).`,
    );
  }
  // As `npm run bench` (tsx bench/run.ts): `--import tsx` resolves from the child's working directory, the package root.
  const argv = [...(args.quick ? ['--quick'] : []), ...args.names];
  const child = spawn(process.execPath, ['--import', 'tsx', runner, ...argv], { cwd: root, stdio: 'inherit' });
  const stop = (signal: NodeJS.Signals) => child.kill(signal);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/**
 * Serving benchmark: the tutorial's model (trained with the tutorial protocol on a simulated v4-8, ~2 s) exported
 * as a tfjs LayersModel and served by `npm run serve` (scripts/serve.ts, a child process bound to 127.0.0.1, port
 * chosen by the system), loaded by autocannon run programmatically from this process: bounded runs of
 * `connections` connections × `durationSeconds` s per case, one case per batch size (instances per request).
 * Reports requests/s, predictions/s, latency p50/p99 and errors (socket errors, timeouts, non-2xx answers).
 *
 * Also measures training throughput (examples/s) of the full protocol's step (global batch 256 on v4-8, Keras
 * Adagrad 0.05, the 80,000 tutorial-split training ratings, reshuffled) on each tfjs backend, each in its own child
 * process, bounded to `trainingSeconds` of training (the whole 8-epoch protocol takes ~30 s on wasm but would take
 * many minutes on the pure-JavaScript cpu backend). `tensorflow` (tfjs-node) is tried too and reported as
 * unavailable when it does not load (it cannot be installed on this project's machines).
 *
 * Usage: `npx tsx bench/serving.ts` → prints tables and writes `bench/results/serving.json`.
 * Env: SERVING_BENCH_DURATION (s per case, default 5), SERVING_BENCH_CONNECTIONS (default 8),
 * SERVING_BENCH_TRAINING_SECONDS (default 10).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseBackend, type BackendName } from '../src/backend';
import { registerFileSystemRouter } from '../src/checkpoint';
import { loadMovieLens, tutorialSplit } from '../src/data';
import { RankingModel, fullProtocol, runProtocol, tutorialProtocol } from '../src/models';
import { kerasAdagrad } from '../src/optimizers';

// autocannon ships no types; the part of its result this benchmark reads.
interface AutocannonHistogram {
  readonly average: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}
interface AutocannonResult {
  readonly requests: AutocannonHistogram & { readonly total: number };
  readonly latency: AutocannonHistogram;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly duration: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

const ROOT = path.resolve(__dirname, '..');

/** One load case against the server. */
export interface ServingCase {
  /** Instances per request. */
  readonly batch: number;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly predictionsPerSecond: number;
  /** Latency percentiles in ms. */
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}

/** Training throughput on one backend. */
export interface TrainingThroughput {
  readonly backend: string;
  readonly available: boolean;
  /** Why it is unavailable. */
  readonly reason?: string;
  readonly globalBatchSize?: number;
  readonly steps?: number;
  readonly seconds?: number;
  readonly examplesPerSecond?: number;
}

/** Everything one run measured. */
export interface ServingBenchResult {
  readonly date: string;
  readonly node: string;
  readonly cpus: number;
  readonly loadAverage: readonly number[];
  readonly serverBackend: string;
  readonly cases: readonly ServingCase[];
  readonly training: readonly TrainingThroughput[];
}

/** Options of {@link runServingBench}. */
export interface ServingBenchOptions {
  /** @default [1, 32] */
  readonly batchSizes?: readonly number[];
  /** @default 8 */
  readonly connections?: number;
  /** Seconds per case. @default 5 */
  readonly durationSeconds?: number;
  /** Backends whose training throughput is measured. @default ['wasm', 'cpu', 'tensorflow'] */
  readonly trainingBackends?: readonly BackendName[];
  /** Training seconds per backend. @default 10 */
  readonly trainingSeconds?: number;
  /** Write bench/results/serving.json. @default true */
  readonly write?: boolean;
  readonly log?: (line: string) => void;
}

/** Starts `scripts/serve.ts` on 127.0.0.1 with a free port; resolves with its URL once it listens. */
async function startServeProcess(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'serve.ts'), dir, '--port', '0', '--name', 'ranking'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serving bench: the server did not start in 60 s. stderr:\n${stderr}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serving bench: the server exited with ${code} before listening. stderr:\n${stderr}`));
    });
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { url, stop };
}

/** Training throughput of the full protocol's step on the backend this process runs (child mode). */
async function measureTraining(seconds: number): Promise<TrainingThroughput> {
  const backend = await chooseBackend();
  const data = await loadMovieLens('100k-ratings');
  const split = tutorialSplit(data, { seed: 42, features: ['user_id', 'movie_id', 'user_rating'] });
  const model = new RankingModel({ topology: 'v4-8', optimizer: kerasAdagrad({ learningRate: fullProtocol.learningRate }) });
  const batch = fullProtocol.perReplicaBatchSize * model.config.topology.numReplicas;
  const warmup = 5;
  let steps = 0;
  let examples = 0;
  let t0 = 0;
  let elapsed = 0;
  outer: for (let epoch = 0; epoch < fullProtocol.epochs; epoch++) {
    for (const b of split.train.shuffle(fullProtocol.shuffleSeed + epoch).batch(batch, { dropRemainder: true })) {
      model.trainStep({ user_id: b.features.user_id, movie_id: b.features.movie_id, user_rating: b.features.user_rating });
      if (steps === warmup - 1) t0 = performance.now();
      if (steps >= warmup) examples += b.size;
      steps++;
      elapsed = steps > warmup ? (performance.now() - t0) / 1000 : 0;
      if (elapsed >= seconds) break outer;
    }
  }
  model.dispose();
  return { backend: backend.name, available: true, globalBatchSize: batch, steps: steps - warmup, seconds: elapsed, examplesPerSecond: examples / Math.max(elapsed, 1e-9) };
}

function trainingOnBackend(backend: BackendName, seconds: number): TrainingThroughput {
  const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--training-child', String(seconds)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: (seconds + 120) * 1000,
    env: { ...process.env, TPU_EMBEDDINGS_BACKEND: backend },
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status === 0 && line) {
    const t = JSON.parse(line) as TrainingThroughput;
    // A forced backend that does not load fails chooseBackend; one that silently differs is reported as such.
    if (t.backend !== backend) return { backend, available: false, reason: `chooseBackend gave ${t.backend}` };
    return t;
  }
  const reason = (r.stderr.split('\n').find((l) => /not installed|could not|cannot|failed|Error/i.test(l)) ?? `exit ${r.status}`).trim().slice(0, 200);
  return { backend, available: false, reason };
}

/**
 * Runs the serving benchmark (and the per-backend training throughput).
 * @param options see {@link ServingBenchOptions}.
 * @returns the results (also written to bench/results/serving.json unless `write` is false).
 */
export async function runServingBench(options: ServingBenchOptions = {}): Promise<ServingBenchResult> {
  const log = options.log ?? ((line: string) => console.error(line));
  const batchSizes = options.batchSizes ?? [1, 32];
  const connections = options.connections ?? 8;
  const durationSeconds = options.durationSeconds ?? 5;
  const trainingSeconds = options.trainingSeconds ?? 10;
  const backend = await chooseBackend();

  log('serving bench: training the tutorial model (tutorial protocol, v4-8) and exporting it');
  const data = await loadMovieLens('100k-ratings');
  const split = tutorialSplit(data, { seed: 42, features: ['user_id', 'movie_id', 'user_rating'] });
  const trained = await runProtocol({ protocol: tutorialProtocol, split, model: { topology: 'v4-8' }, verbose: 0 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serving-bench-'));
  registerFileSystemRouter();
  const exported = trained.model.exportServingModel();
  await exported.save(`file://${dir}`);
  exported.dispose();
  trained.model.dispose();

  const pairs = split.test.batch(Math.max(...batchSizes)).at(0).features;
  const cases: ServingCase[] = [];
  const server = await startServeProcess(dir);
  try {
    log(`serving bench: server at ${server.url}`);
    for (const batch of batchSizes) {
      const instances = Array.from({ length: batch }, (_, i) => ({ user_id: pairs.user_id[i], movie_id: pairs.movie_id[i] }));
      const body = JSON.stringify({ instances });
      const url = `${server.url}/v1/models/ranking:predict`;
      const check = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const answer = (await check.json()) as { predictions?: unknown[] };
      if (check.status !== 200 || answer.predictions?.length !== batch) {
        throw new Error(`serving bench: expected 200 with ${batch} predictions, but got ${check.status} ${JSON.stringify(answer).slice(0, 200)}`);
      }
      log(`serving bench: batch ${batch}, ${connections} connections, ${durationSeconds} s`);
      const r = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: durationSeconds, timeout: 10 });
      cases.push({
        batch,
        connections,
        durationSeconds,
        requests: r.requests.total,
        requestsPerSecond: r.requests.total / r.duration,
        predictionsPerSecond: (r.requests.total * batch) / r.duration,
        latencyP50Ms: r.latency.p50,
        latencyP99Ms: r.latency.p99,
        latencyMaxMs: r.latency.max,
        errors: r.errors,
        timeouts: r.timeouts,
        non2xx: r.non2xx,
      });
    }
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const training: TrainingThroughput[] = [];
  for (const b of options.trainingBackends ?? (['wasm', 'cpu', 'tensorflow'] as BackendName[])) {
    log(`serving bench: training throughput on ${b} (${trainingSeconds} s)`);
    training.push(trainingOnBackend(b, trainingSeconds));
  }

  const result: ServingBenchResult = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
    serverBackend: backend.name,
    cases,
    training,
  };
  if (options.write ?? true) {
    const out = path.join(__dirname, 'results', 'serving.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  }
  return result;
}

/** Prints the result as two tables. */
export function printServingBench(r: ServingBenchResult): void {
  console.log(`node ${r.node}, ${r.cpus} cores, load average ${r.loadAverage.join(' ')}, server backend ${r.serverBackend}`);
  console.table(
    r.cases.map((c) => ({
      'instances/request': c.batch,
      connections: c.connections,
      's': c.durationSeconds,
      'requests/s': Math.round(c.requestsPerSecond),
      'predictions/s': Math.round(c.predictionsPerSecond),
      'p50 ms': c.latencyP50Ms,
      'p99 ms': c.latencyP99Ms,
      errors: c.errors + c.timeouts + c.non2xx,
    })),
  );
  console.table(
    r.training.map((t) =>
      t.available
        ? { backend: t.backend, 'global batch': t.globalBatchSize, steps: t.steps, 's': Number(t.seconds?.toFixed(1)), 'examples/s': Math.round(t.examplesPerSecond ?? 0) }
        : { backend: t.backend, unavailable: t.reason },
    ),
  );
}

if (require.main === module) {
  const i = process.argv.indexOf('--training-child');
  if (i >= 0) {
    measureTraining(Number(process.argv[i + 1] ?? 10)).then(
      (t) => console.log(JSON.stringify(t)),
      (e: unknown) => {
        console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
        process.exit(1);
      },
    );
  } else {
    const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
    runServingBench({
      durationSeconds: num('SERVING_BENCH_DURATION', 5),
      connections: num('SERVING_BENCH_CONNECTIONS', 8),
      trainingSeconds: num('SERVING_BENCH_TRAINING_SECONDS', 10),
    }).then(printServingBench, (e: unknown) => {
      console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
      process.exit(1);
    });
  }
}

/**
 * Peer benchmark: PyTorch (Debian's `python3-torch`) and this library on the same tables and the same ids, in
 * interleaved rounds of one run (one persistent Python process; the order of the two sides alternates every
 * round). Measures (sum combiner, 65,536 ids per lookup or step, 1e6 × 64 float32 tables):
 *   lookup_65536x1, lookup_4096x16   the lookup alone (`EmbeddingBag` forward), uniform ids and Zipf(1.05) ids
 *                                    (`_zipf`), with 1 and 2 threads on each side (`torch.set_num_threads`,
 *                                    `TPUEmbedding.nativeThreads`);
 *   step_4096x1, step_4096x16        lookup + backward of a ones gradient + Adagrad (lr 0.1) on the touched rows,
 *                                    2 threads; `step_<optimizer>_…` the same with our other optimizers against
 *                                    PyTorch's closest ({@link OPTIMIZER_PAIRS}: SGD ↔ SGD with sparse gradients,
 *                                    Adam ↔ SparseAdam, AdagradMomentum and FTRL ↔ sparse Adagrad: PyTorch has
 *                                    neither);
 *   growth_<V>                       lookup_65536x1 (uniform, 1 thread) on V × 16 tables, V = 1e5, 1e6, 1e7: how
 *                                    each side's time grows with the vocabulary (`growth` in the result);
 *   e2e_examples_per_s               the full protocol's ranking model on MovieLens 100K (tutorial split, v4-8,
 *                                    global batch 256, 8 epochs, Keras Adagrad 0.05) against its PyTorch twin
 *                                    (same model, batches in the same order, optimizer and epochs; 1 thread), with
 *                                    both test RMSEs. PyTorch's BLAS: Debian's OpenBLAS (`libopenblas0-pthread`),
 *                                    selected by `LD_PRELOAD` of `/usr/lib/x86_64-linux-gnu/openblas-pthread/
 *                                    libblas.so.3` (and `OPENBLAS_NUM_THREADS=1`) when it is installed, whatever
 *                                    `update-alternatives` points `libblas.so.3` at, with the OPENBLAS_CORETYPE our
 *                                    own BLAS kernels use (`useNativeMatMul`); the result names both.
 * Writes `bench/results/peers.json`: per measure and thread count, both sides' min / median ms and `ratio` =
 * torch time ÷ ours (> 1: we are faster). Prints the machine load before and after and REFUSES to report (exit
 * status 1, nothing written) when the load was above 1.5 per core before or after: on a busy machine both sides
 * wait for cores and the ratio says little.
 *
 * Usage: `npm run bench -- peers` or `npx tsx bench/peers.ts [--rounds=N] [--quick] [--max-load=PER_CORE] [--no-e2e]`.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../src/backend';
import { loadMovieLens, tutorialSplit } from '../src/data';
import { TPUEmbedding, featureConfig, tableConfig } from '../src/embedding';
import { nativeKernelStatus } from '../src/kernels/native-kernels';
import { useNativeMatMul } from '../src/kernels/native-matmul';
import { sampleIds } from '../src/measure/sample-ids';
import { fullProtocol, globalBatchSize, runProtocol } from '../src/models';
import { Adagrad, AdagradMomentum, Adam, FTRL, SGD, type EmbeddingOptimizer } from '../src/optimizers';
import { Random } from '../src/random';
import { machineLoad, minMedian, type MachineLoad } from './machine-load';

/** Highest 1-minute load average per core at which the peers benchmark reports. */
export const PEERS_MAX_LOAD_PER_CORE = 1.5;
/** The Python that has Debian's torch (not a pyenv or venv `python3` earlier on PATH). */
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
/** Debian's OpenBLAS (`libopenblas0-pthread`), preloaded into the PyTorch process where installed. */
export const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3';
/** The Zipf exponent of the skewed lookups (`sampleIds`: hot ids are the small ids). */
export const PEERS_ZIPF = 1.05;

/** One measure at one thread count. */
export interface PeersRow {
  readonly measure: string;
  /** `uniform` or `zipf` ids. */
  readonly ids: string;
  readonly threads: number;
  readonly vocab: number;
  readonly dim: number;
  /** Ours ↔ PyTorch's optimizer (steps only). */
  readonly optimizers: string | null;
  readonly torchMin: number;
  readonly torchMedian: number;
  readonly oursMin: number;
  readonly oursMedian: number;
  /** torch time ÷ ours, of the minima and of the medians. */
  readonly ratioMin: number;
  readonly ratioMedian: number;
}

/** The end-to-end comparison: examples/s of training (evaluation excluded) and test RMSE, both sides. */
export interface PeersE2e {
  readonly protocol: string;
  readonly globalBatchSize: number;
  readonly epochs: number;
  readonly oursExamplesPerS: number;
  readonly oursTestRmse: number;
  readonly torchExamplesPerS: number;
  readonly torchTestRmse: number;
  readonly torchThreads: number;
  /** ours ÷ torch examples/s (> 1: we train faster). */
  readonly ratio: number;
}

/** `bench/results/peers.json`. */
export interface PeersResult {
  readonly date: string;
  readonly torch: string;
  /** The BLAS preloaded into PyTorch (empty: whatever `libblas.so.3` resolves to). */
  readonly torchBlas: string;
  /** The BLAS of our dense layers (`useNativeMatMul`; null: tfjs-wasm's own kernels). */
  readonly oursBlas: string | null;
  /** OPENBLAS_CORETYPE of both sides. */
  readonly openblasCoreType: string | null;
  readonly kernels: string;
  readonly cpu: string;
  readonly loadBefore: MachineLoad;
  readonly loadAfter: MachineLoad;
  readonly maxLoadPerCore: number;
  readonly rounds: number;
  readonly reps: number;
  readonly rows: readonly PeersRow[];
  /** Median lookup time at the largest vocabulary ÷ at the smallest, per side (`growth_<V>` rows). */
  readonly growth: { readonly from: number; readonly to: number; readonly ours: number; readonly torch: number } | null;
  readonly e2e: PeersE2e | null;
}

/**
 * Whether a run may report: both loads at or under `limit` per core.
 * @returns null when it may, else the refusal message (naming the load and the limit).
 */
export function peersLoadVerdict(loads: readonly MachineLoad[], limit = PEERS_MAX_LOAD_PER_CORE): string | null {
  const worst = loads.reduce((a, b) => (b.perCore > a.perCore ? b : a));
  if (worst.perCore <= limit) return null;
  return `peers: refusing to report: load average ${worst.loadavg1} on ${worst.cores} cores = ${worst.perCore} per core, above ${limit}; run again on a quieter machine (or pass --max-load=N to override, and say so when quoting).`;
}

/** Our step optimizers and PyTorch's closest (`torch` as `bench/peers_torch.py` names them). */
export const OPTIMIZER_PAIRS: readonly { readonly name: string; readonly ours: () => EmbeddingOptimizer; readonly torch: 'sgd' | 'adagrad' | 'sparse_adam'; readonly pair: string }[] = [
  { name: 'adagrad', ours: () => new Adagrad({ learningRate: 0.1 }), torch: 'adagrad', pair: 'Adagrad ↔ torch.optim.Adagrad (sparse)' },
  { name: 'sgd', ours: () => new SGD({ learningRate: 0.1 }), torch: 'sgd', pair: 'SGD ↔ torch.optim.SGD (sparse gradients)' },
  { name: 'adam', ours: () => new Adam({ learningRate: 0.001 }), torch: 'sparse_adam', pair: 'Adam (lazy, TPU: no bias correction) ↔ torch.optim.SparseAdam' },
  { name: 'adagrad_momentum', ours: () => new AdagradMomentum({ learningRate: 0.1, momentum: 0.9 }), torch: 'adagrad', pair: 'AdagradMomentum ↔ torch.optim.Adagrad (sparse; PyTorch has no momentum Adagrad)' },
  { name: 'ftrl', ours: () => new FTRL({ learningRate: 0.1 }), torch: 'adagrad', pair: 'FTRL ↔ torch.optim.Adagrad (sparse; PyTorch has no FTRL)' },
];

interface Measure {
  readonly name: string;
  readonly kind: 'lookup' | 'step';
  readonly B: number;
  readonly k: number;
  readonly threads: readonly number[];
  readonly zipf: boolean;
}

/** One table (ours and PyTorch's, same shape and optimizer pair) and the measures timed on it. */
interface Group {
  readonly vocab: number;
  readonly dim: number;
  readonly optimizer: (typeof OPTIMIZER_PAIRS)[number];
  readonly measures: readonly Measure[];
}

/** The groups of a run: the lookups and Adagrad steps, each other optimizer's steps, the vocabulary growth. */
function peersGroups(quick: boolean): Group[] {
  const vocab = quick ? 100_000 : 1_000_000;
  const lookups: Measure[] = [];
  for (const zipf of [false, true]) {
    const z = zipf ? '_zipf' : '';
    lookups.push({ name: `lookup_65536x1${z}`, kind: 'lookup', B: 65_536, k: 1, threads: [1, 2], zipf });
    lookups.push({ name: `lookup_4096x16${z}`, kind: 'lookup', B: 4_096, k: 16, threads: [1, 2], zipf });
  }
  const steps = (prefix: string): Measure[] => [
    { name: `${prefix}_4096x1`, kind: 'step', B: 4_096, k: 1, threads: [2], zipf: false },
    { name: `${prefix}_4096x16`, kind: 'step', B: 4_096, k: 16, threads: [2], zipf: false },
  ];
  const [adagrad, ...others] = OPTIMIZER_PAIRS;
  const sgd = OPTIMIZER_PAIRS.find((o) => o.name === 'sgd')!;
  return [
    { vocab, dim: 64, optimizer: adagrad, measures: [...lookups, ...steps('step')] },
    ...others.map((o) => ({ vocab, dim: 64, optimizer: o, measures: steps(`step_${o.name}`) })),
    ...(quick ? [10_000, 100_000] : [100_000, 1_000_000, 10_000_000]).map((v) => ({
      vocab: v,
      dim: 16,
      optimizer: sgd,
      measures: [{ name: `growth_${v}`, kind: 'lookup' as const, B: 65_536, k: 1, threads: [1], zipf: false }],
    })),
  ];
}

/** The persistent PyTorch process: send a command, await its line. */
class TorchSide {
  private readonly lines: AsyncIterator<string>;
  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }
  static async start(): Promise<{ side: TorchSide; version: string; blas: string }> {
    // OPENBLAS_CORETYPE: the one our BLAS kernels set (useNativeMatMul: OpenBLAS 0.3.21 takes these EPYC hosts for
    // an SSE3 Prescott otherwise), so both sides run the same OpenBLAS kernels.
    const env: NodeJS.ProcessEnv = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OPENBLAS_NUM_THREADS: '1' };
    if (fs.existsSync(OPENBLAS)) env.LD_PRELOAD = OPENBLAS;
    const child = spawn(PYTHON, [path.join(__dirname, 'peers_torch.py')], { stdio: ['pipe', 'pipe', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const side = new TorchSide(child);
    const first = await side.lines.next();
    if (first.done) throw new Error(`peers: ${PYTHON} bench/peers_torch.py did not start: ${stderr.trim().split('\n').pop()}`);
    const hello = JSON.parse(first.value) as { torch: string; blas: string };
    return { side, version: hello.torch, blas: hello.blas };
  }
  async send<T>(cmd: Record<string, unknown>): Promise<T> {
    this.child.stdin.write(JSON.stringify(cmd) + '\n');
    const r = await this.lines.next();
    if (r.done) throw new Error(`peers: the PyTorch process ended (command ${String(cmd.kind)})`);
    return JSON.parse(r.value) as T;
  }
  async run(cmd: Record<string, unknown>): Promise<number[]> {
    return (await this.send<{ times_ms: number[] }>(cmd)).times_ms;
  }
  stop(): void {
    this.child.stdin.end();
  }
}

/**
 * The end-to-end run: our full protocol on MovieLens 100K (tutorial split, v4-8), its epochs' batches written in
 * order for the PyTorch twin, which trains on them (1 thread) in the same process run.
 */
async function runE2e(torch: TorchSide, dir: string): Promise<PeersE2e> {
  const data = await loadMovieLens('100k-ratings');
  const split = tutorialSplit(data, { seed: 42 });
  const protocol = fullProtocol;
  const batch = globalBatchSize(protocol, 'v4-8');
  // The batches our fit sees (runProtocol reshuffles with shuffleSeed + epoch, drops the remainder), in order.
  const cols = { users: [] as Int32Array[], movies: [] as Int32Array[], ratings: [] as Float32Array[] };
  let steps = 0;
  for (let e = 0; e < protocol.epochs; e++) {
    let s = 0;
    for (const b of split.train.shuffle(protocol.shuffleSeed + e).batch(batch, { dropRemainder: true })) {
      cols.users.push(b.features.user_id);
      cols.movies.push(b.features.movie_id);
      cols.ratings.push(b.features.user_rating);
      s++;
    }
    steps = s;
  }
  const test = { users: [] as Int32Array[], movies: [] as Int32Array[], ratings: [] as Float32Array[] };
  for (const b of split.test.batch(batch)) {
    test.users.push(b.features.user_id);
    test.movies.push(b.features.movie_id);
    test.ratings.push(b.features.user_rating);
  }
  const write = (name: string, parts: (Int32Array | Float32Array)[]) => fs.writeFileSync(path.join(dir, name), Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
  write('train_users.bin', cols.users);
  write('train_movies.bin', cols.movies);
  write('train_ratings.bin', cols.ratings);
  write('test_users.bin', test.users);
  write('test_movies.bin', test.movies);
  write('test_ratings.bin', test.ratings);
  const ours = await runProtocol({ protocol, split, model: { topology: 'v4-8' }, verbose: 0 });
  const cfg = ours.model.config;
  ours.model.dispose();
  const torchThreads = 1;
  const t = await torch.send<{ examples_per_s: number; test_rmse: number }>({
    kind: 'e2e', dir, epochs: protocol.epochs, steps, batch, test: split.test.length, users: cfg.userVocabularySize, movies: cfg.movieVocabularySize,
    dim: cfg.embeddingDim, hidden: cfg.hiddenUnits, lr: protocol.learningRate, threads: torchThreads,
  });
  const r = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    protocol: protocol.name, globalBatchSize: batch, epochs: protocol.epochs, oursExamplesPerS: Math.round(ours.examplesPerSecond), oursTestRmse: r(ours.test.rmse),
    torchExamplesPerS: Math.round(t.examples_per_s), torchTestRmse: r(t.test_rmse), torchThreads, ratio: r(ours.examplesPerSecond / t.examples_per_s, 3),
  };
}

/**
 * Runs the peer benchmark. @param options.rounds interleaved rounds @default 5 (quick 2)
 * @param options.reps timed calls per side, measure and round @default 10 (quick 3)
 * @param options.quick 1e5-row tables, growth 1e4 → 1e5. @param options.maxLoadPerCore @default {@link PEERS_MAX_LOAD_PER_CORE}
 * @param options.e2e run the end-to-end comparison @default true
 * @returns the result (also written to `bench/results/peers.json`, or `peers.quick.json`).
 * @throws Error when the load is too high (before measuring, or after) or PyTorch is missing.
 */
export async function runPeersBench(options: { rounds?: number; reps?: number; quick?: boolean; maxLoadPerCore?: number; write?: boolean; e2e?: boolean } = {}): Promise<PeersResult> {
  const limit = options.maxLoadPerCore ?? PEERS_MAX_LOAD_PER_CORE;
  const loadBefore = machineLoad();
  console.log(`peers: load before: ${loadBefore.loadavg1} on ${loadBefore.cores} cores (${loadBefore.perCore} per core; limit ${limit})`);
  const early = peersLoadVerdict([loadBefore], limit);
  if (early) throw new Error(early);
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`peers: PyTorch is not installed for ${PYTHON}: apt-get install python3-torch libopenblas0-pthread`);
  const quick = options.quick ?? false;
  const rounds = options.rounds ?? (quick ? 2 : 5);
  const reps = options.reps ?? (quick ? 3 : 10);
  await chooseBackend({ log: () => {} });
  const kernels = nativeKernelStatus().line;
  const oursBlas = useNativeMatMul();
  const { side: torch, version, blas } = await TorchSide.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peers-'));
  const rng = new Random(1);
  const times = new Map<string, { torch: number[]; ours: number[] }>();
  const groups = peersGroups(quick);
  let e2e: PeersE2e | null = null;
  try {
    for (const g of groups) {
      await torch.send({ kind: 'setup', vocab: g.vocab, dim: g.dim, optimizer: g.optimizer.torch });
      const table = tableConfig({ vocabularySize: g.vocab, dim: g.dim, combiner: 'sum', initializer: 0.01, name: 'items' });
      let emb: TPUEmbedding | null = new TPUEmbedding({ features: { items: featureConfig({ table }) }, optimizer: g.optimizer.ours(), topology: 'cpu', placement: 'cpu' });
      for (let round = 0; round < rounds; round++) {
        for (const m of g.measures) {
          for (const threads of m.threads) {
            // Fresh ids each round, the same for both sides: (reps + 1) batches, the first a warm-up.
            const n = (reps + 1) * m.B * m.k;
            const ids = m.zipf ? sampleIds({ vocabularySize: g.vocab, count: n, skew: { zipf: PEERS_ZIPF }, random: rng }) : Int32Array.from({ length: n }, () => rng.int(g.vocab));
            const file = path.join(dir, 'ids.bin');
            fs.writeFileSync(file, ids);
            const key = `${m.name}|${threads}`;
            const t = times.get(key) ?? { torch: [], ours: [] };
            const runTorch = async (): Promise<void> => {
              t.torch.push(...(await torch.run({ kind: m.kind, ids: file, B: m.B, k: m.k, reps, threads })));
            };
            const runOurs = (): void => {
              const e = emb!;
              e.nativeThreads = threads;
              const rowSplits = Int32Array.from({ length: m.B + 1 }, (_, b) => b * m.k);
              const ones = m.kind === 'step' ? tf.ones([m.B, g.dim]) : null;
              for (let r = 0; r <= reps; r++) {
                const values = ids.subarray(r * m.B * m.k, (r + 1) * m.B * m.k);
                const t0 = performance.now();
                const out = e.lookup({ items: { values, rowSplits } });
                if (ones) e.applyGradients({ items: ones });
                const dt = performance.now() - t0;
                out.items.dispose();
                if (r > 0) t.ours.push(dt);
              }
              ones?.dispose();
            };
            if (round % 2 === 0) {
              await runTorch();
              runOurs();
            } else {
              runOurs();
              await runTorch();
            }
            times.set(key, t);
          }
        }
      }
      emb = null; // the next group's tables replace this one's (ours are collected, PyTorch's freed by setup)
    }
    if (options.e2e !== false) e2e = await runE2e(torch, dir);
  } finally {
    torch.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const loadAfter = machineLoad();
  console.log(`peers: load after: ${loadAfter.loadavg1} on ${loadAfter.cores} cores (${loadAfter.perCore} per core)`);
  const late = peersLoadVerdict([loadBefore, loadAfter], limit);
  if (late) throw new Error(late);
  const r3 = (x: number): number => Math.round(x * 100) / 100;
  const rows: PeersRow[] = [];
  for (const g of groups) {
    for (const m of g.measures) {
      for (const threads of m.threads) {
        const t = times.get(`${m.name}|${threads}`)!;
        const a = minMedian(t.torch);
        const b = minMedian(t.ours);
        rows.push({
          measure: m.name, ids: m.zipf ? `zipf ${PEERS_ZIPF}` : 'uniform', threads, vocab: g.vocab, dim: g.dim, optimizers: m.kind === 'step' ? g.optimizer.pair : null,
          torchMin: a.min, torchMedian: a.median, oursMin: b.min, oursMedian: b.median, ratioMin: r3(a.min / b.min), ratioMedian: r3(a.median / b.median),
        });
      }
    }
  }
  const growthRows = rows.filter((x) => x.measure.startsWith('growth_'));
  const growth = growthRows.length >= 2
    ? { from: growthRows[0].vocab, to: growthRows[growthRows.length - 1].vocab, ours: r3(growthRows[growthRows.length - 1].oursMedian / growthRows[0].oursMedian), torch: r3(growthRows[growthRows.length - 1].torchMedian / growthRows[0].torchMedian) }
    : null;
  const result: PeersResult = { date: new Date().toISOString(), torch: version, torchBlas: blas, oursBlas, openblasCoreType: process.env.OPENBLAS_CORETYPE ?? null, kernels, cpu: os.cpus()[0]?.model ?? '?', loadBefore, loadAfter, maxLoadPerCore: limit, rounds, reps, rows, growth, e2e };
  if (options.write !== false) {
    const out = path.join(__dirname, 'results');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, quick ? 'peers.quick.json' : 'peers.json'), JSON.stringify(result, null, 2) + '\n');
  }
  return result;
}

if (require.main === module) {
  const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  runPeersBench({
    rounds: arg('rounds') ? Number(arg('rounds')) : undefined,
    quick: process.argv.includes('--quick'),
    maxLoadPerCore: arg('max-load') ? Number(arg('max-load')) : undefined,
    e2e: !process.argv.includes('--no-e2e'),
  }).then(
    (r) => {
      console.log(r.kernels);
      console.table(r.rows.map(({ optimizers: _o, ...row }) => row));
      if (r.growth) console.log(`growth ${r.growth.from} → ${r.growth.to} rows: ours ×${r.growth.ours}, torch ×${r.growth.torch}`);
      if (r.e2e) console.log('e2e', r.e2e);
    },
    (e: Error) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}

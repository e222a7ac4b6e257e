/**
 * Peer benchmark: PyTorch's `EmbeddingBag` (Debian's `python3-torch`) and this library on the same 1e6 × 64
 * float32 table and the same ids, in interleaved rounds of one run (one persistent Python process; the order of
 * the two sides alternates every round). Measures (sum combiner, 65,536 ids per lookup):
 *   lookup_65536x1, lookup_4096x16   the lookup alone, with 1 and 2 threads on each side
 *                                    (`torch.set_num_threads`, `TPUEmbedding.nativeThreads`);
 *   step_4096x1, step_4096x16        lookup + backward of a ones gradient + Adagrad (lr 0.1) on the touched rows,
 *                                    2 threads.
 * Writes `bench/results/peers.json`: per measure and thread count, both sides' min / median ms and `ratio` =
 * torch time ÷ ours (> 1: we are faster). Prints the machine load before and after and REFUSES to report (exit
 * status 1, nothing written) when the load was above 1.5 per core before or after: on a busy machine both sides
 * wait for cores and the ratio says little.
 *
 * Usage: `npm run bench -- peers` or `npx tsx bench/peers.ts [--rounds=N] [--quick] [--max-load=PER_CORE]`.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../src/backend';
import { TPUEmbedding, featureConfig, tableConfig } from '../src/embedding';
import { nativeKernelStatus } from '../src/kernels/native-kernels';
import { Adagrad } from '../src/optimizers';
import { Random } from '../src/random';
import { machineLoad, minMedian, type MachineLoad } from './machine-load';

/** Highest 1-minute load average per core at which the peers benchmark reports. */
export const PEERS_MAX_LOAD_PER_CORE = 1.5;
/** The Python that has Debian's torch (not a pyenv or venv `python3` earlier on PATH). */
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** One measure at one thread count. */
export interface PeersRow {
  readonly measure: string;
  readonly threads: number;
  readonly torchMin: number;
  readonly torchMedian: number;
  readonly oursMin: number;
  readonly oursMedian: number;
  /** torch time ÷ ours, of the minima and of the medians. */
  readonly ratioMin: number;
  readonly ratioMedian: number;
}

/** `bench/results/peers.json`. */
export interface PeersResult {
  readonly date: string;
  readonly torch: string;
  readonly kernels: string;
  readonly cpu: string;
  readonly loadBefore: MachineLoad;
  readonly loadAfter: MachineLoad;
  readonly maxLoadPerCore: number;
  readonly rounds: number;
  readonly reps: number;
  readonly rows: readonly PeersRow[];
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

const MEASURES = [
  { name: 'lookup_65536x1', kind: 'lookup', B: 65_536, k: 1, threads: [1, 2] },
  { name: 'lookup_4096x16', kind: 'lookup', B: 4_096, k: 16, threads: [1, 2] },
  { name: 'step_4096x1', kind: 'step', B: 4_096, k: 1, threads: [2] },
  { name: 'step_4096x16', kind: 'step', B: 4_096, k: 16, threads: [2] },
] as const;

/** The persistent PyTorch process: send a command, await its line. */
class TorchSide {
  private readonly lines: AsyncIterator<string>;
  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }
  static async start(vocab: number, dim: number): Promise<{ side: TorchSide; version: string }> {
    const child = spawn(PYTHON, [path.join(__dirname, 'peers_torch.py'), String(vocab), String(dim)], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const side = new TorchSide(child);
    const first = await side.lines.next();
    if (first.done) throw new Error(`peers: ${PYTHON} bench/peers_torch.py did not start: ${stderr.trim().split('\n').pop()}`);
    return { side, version: (JSON.parse(first.value) as { torch: string }).torch };
  }
  async run(cmd: Record<string, unknown>): Promise<number[]> {
    this.child.stdin.write(JSON.stringify(cmd) + '\n');
    const r = await this.lines.next();
    if (r.done) throw new Error('peers: the PyTorch process ended');
    return (JSON.parse(r.value) as { times_ms: number[] }).times_ms;
  }
  stop(): void {
    this.child.stdin.end();
  }
}

/**
 * Runs the peer benchmark. @param options.rounds interleaved rounds @default 5 (quick 2)
 * @param options.reps timed calls per side, measure and round @default 10 (quick 3)
 * @param options.quick a 1e5-row table. @param options.maxLoadPerCore @default {@link PEERS_MAX_LOAD_PER_CORE}
 * @returns the result (also written to `bench/results/peers.json`, or `peers.quick.json`).
 * @throws Error when the load is too high (before measuring, or after) or PyTorch is missing.
 */
export async function runPeersBench(options: { rounds?: number; reps?: number; quick?: boolean; maxLoadPerCore?: number; write?: boolean } = {}): Promise<PeersResult> {
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
  const vocab = quick ? 100_000 : 1_000_000;
  const dim = 64;
  await chooseBackend({ log: () => {} });
  const kernels = nativeKernelStatus().line;
  const table = tableConfig({ vocabularySize: vocab, dim, combiner: 'sum', initializer: 0.01, name: 'items' });
  const emb = new TPUEmbedding({ features: { items: featureConfig({ table }) }, optimizer: new Adagrad({ learningRate: 0.1 }), topology: 'cpu', placement: 'cpu' });
  const { side: torch, version } = await TorchSide.start(vocab, dim);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peers-'));
  const rng = new Random(1);
  const times = new Map<string, { torch: number[]; ours: number[] }>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const m of MEASURES) {
        for (const threads of m.threads) {
          // Fresh ids each round, the same for both sides: (reps + 1) batches, the first a warm-up.
          const ids = Int32Array.from({ length: (reps + 1) * m.B * m.k }, () => rng.int(vocab));
          const file = path.join(dir, 'ids.bin');
          fs.writeFileSync(file, ids);
          const key = `${m.name}|${threads}`;
          const t = times.get(key) ?? { torch: [], ours: [] };
          const runTorch = async (): Promise<void> => {
            t.torch.push(...(await torch.run({ kind: m.kind, ids: file, B: m.B, k: m.k, reps, threads })));
          };
          const runOurs = (): void => {
            emb.nativeThreads = threads;
            const rowSplits = Int32Array.from({ length: m.B + 1 }, (_, b) => b * m.k);
            const ones = m.kind === 'step' ? tf.ones([m.B, dim]) : null;
            for (let r = 0; r <= reps; r++) {
              const values = ids.subarray(r * m.B * m.k, (r + 1) * m.B * m.k);
              const t0 = performance.now();
              const out = emb.lookup({ items: { values, rowSplits } });
              if (ones) emb.applyGradients({ items: ones });
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
  for (const m of MEASURES) {
    for (const threads of m.threads) {
      const t = times.get(`${m.name}|${threads}`)!;
      const a = minMedian(t.torch);
      const b = minMedian(t.ours);
      rows.push({ measure: m.name, threads, torchMin: a.min, torchMedian: a.median, oursMin: b.min, oursMedian: b.median, ratioMin: r3(a.min / b.min), ratioMedian: r3(a.median / b.median) });
    }
  }
  const result: PeersResult = { date: new Date().toISOString(), torch: version, kernels, cpu: os.cpus()[0]?.model ?? '?', loadBefore, loadAfter, maxLoadPerCore: limit, rounds, reps, rows };
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
  }).then(
    (r) => {
      console.log(r.kernels);
      console.table(r.rows);
    },
    (e: Error) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}

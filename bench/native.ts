/**
 * A/B of the engine's lookup with the native kernels against the WebAssembly kernels, in interleaved rounds of one
 * process (same table, same ids): 1e6 × 64 float32 table, 65,536 ids per step as 65,536 × 1 and 4,096 × 16, sum
 * combiner. Variants: `wasm` (WebAssembly kernels with the gather helper thread, the default without the addon),
 * `wasm-1t` (main thread only), `native-1t` and `native-2t` (the addon with 1 and 2 threads: one native call routes,
 * gathers and combines), `native-1t-unfused` and `native-2t-unfused` (routing, then the gather, as separate calls:
 * `TPUEmbedding.useFusedLookup` off). Prints min / median
 * wall ms per variant and the load average before and after (reported whatever the load: a comparison inside one
 * run, not an absolute figure).
 *
 * Usage: `npm run bench -- native` or `npx tsx bench/native.ts [--rounds=N]` → `bench/results/native.json`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chooseBackend } from '../src/backend';
import { TPUEmbedding, featureConfig, tableConfig } from '../src/embedding';
import { nativeKernelStatus } from '../src/kernels/native-kernels';
import { SGD } from '../src/optimizers';
import { Random } from '../src/random';
import { machineLoad, minMedian, type MachineLoad } from './machine-load';

/** One variant's timing of one shape. */
export interface NativeAbRow {
  readonly shape: string;
  readonly variant: string;
  readonly min: number;
  readonly median: number;
  /** This variant's median ÷ the `wasm` variant's median. */
  readonly vsWasm: number;
}

/** The result of {@link runNativeBench}. */
export interface NativeAbResult {
  readonly date: string;
  readonly kernels: string;
  readonly loadBefore: MachineLoad;
  readonly loadAfter: MachineLoad;
  readonly rows: readonly NativeAbRow[];
}

const VARIANTS = [
  { name: 'wasm', native: false, helper: true, threads: 1, fused: false },
  { name: 'wasm-1t', native: false, helper: false, threads: 1, fused: false },
  { name: 'native-1t', native: true, helper: false, threads: 1, fused: true },
  { name: 'native-2t', native: true, helper: false, threads: 2, fused: true },
  { name: 'native-1t-unfused', native: true, helper: false, threads: 1, fused: false },
  { name: 'native-2t-unfused', native: true, helper: false, threads: 2, fused: false },
] as const;

/**
 * Runs the A/B. @param options.rounds interleaved rounds (each times every variant `reps` times) @default 6
 * @param options.quick a 1e5-row table and 3 rounds. @returns the rows (also written to `bench/results/native.json`).
 */
export async function runNativeBench(options: { rounds?: number; reps?: number; quick?: boolean; write?: boolean } = {}): Promise<NativeAbResult> {
  await chooseBackend({ log: () => {} });
  const status = nativeKernelStatus();
  const rounds = options.rounds ?? (options.quick ? 3 : 6);
  const reps = options.reps ?? 5;
  const vocab = options.quick ? 100_000 : 1_000_000;
  const loadBefore = machineLoad();
  const table = tableConfig({ vocabularySize: vocab, dim: 64, combiner: 'sum', initializer: 0.01, name: 'items' });
  const emb = new TPUEmbedding({ features: { items: featureConfig({ table }) }, optimizer: new SGD(), topology: 'cpu', placement: 'cpu' });
  const rng = new Random(7);
  const shapes = [
    { name: 'lookup_65536x1', B: 65_536, k: 1 },
    { name: 'lookup_4096x16', B: 4_096, k: 16 },
  ];
  const times = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const s of shapes) {
      const inputs = Array.from({ length: reps + 1 }, () => {
        const values = Int32Array.from({ length: s.B * s.k }, () => rng.int(vocab));
        const rowSplits = Int32Array.from({ length: s.B + 1 }, (_, b) => b * s.k);
        return { values, rowSplits };
      });
      for (const v of VARIANTS) {
        if (v.native && !status.active) continue;
        emb.useNative = v.native;
        emb.useHelperThread = v.helper;
        emb.nativeThreads = v.threads;
        emb.useFusedLookup = v.fused;
        const key = `${s.name}|${v.name}`;
        const list = times.get(key) ?? [];
        inputs.forEach((inp, i) => {
          const t0 = performance.now();
          const out = emb.lookup({ items: inp });
          const dt = performance.now() - t0;
          out.items.dispose();
          if (i > 0) list.push(dt); // the first call of each variant warms it up
        });
        times.set(key, list);
      }
    }
  }
  const loadAfter = machineLoad();
  const rows: NativeAbRow[] = [];
  for (const s of shapes) {
    const base = minMedian(times.get(`${s.name}|wasm`)!);
    for (const v of VARIANTS) {
      const t = times.get(`${s.name}|${v.name}`);
      if (!t) continue;
      const m = minMedian(t);
      rows.push({ shape: s.name, variant: v.name, ...m, vsWasm: Math.round((m.median / base.median) * 100) / 100 });
    }
  }
  const result: NativeAbResult = { date: new Date().toISOString(), kernels: status.line, loadBefore, loadAfter, rows };
  if (options.write !== false) {
    const dir = path.join(__dirname, 'results');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, options.quick ? 'native.quick.json' : 'native.json'), JSON.stringify(result, null, 2) + '\n');
  }
  return result;
}

if (require.main === module) {
  const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 6);
  runNativeBench({ rounds, quick: process.argv.includes('--quick') }).then((r) => {
    console.log(r.kernels);
    console.log(`load before ${r.loadBefore.loadavg1} (${r.loadBefore.perCore}/core), after ${r.loadAfter.loadavg1} (${r.loadAfter.perCore}/core)`);
    console.table(r.rows);
  });
}

/**
 * Huge-table benchmark (issue 13): a 1e8 × 64 Adagrad table with lazy storage trained on Zipf(1.05) ids, 65,536
 * ids per step (one id per sample, global batch 65,536 on a simulated v4-8), for 2,000 steps, against the same step
 * on a dense 1e6 × 64 table measured in the same run (interleaved: 10 dense steps after every 100 lazy ones, so both
 * see the same machine load). Step time = `lookup` + `applyGradients` (+ disposing the activations); drawing the
 * ids is not timed.
 *
 * Targets: peak RSS ≤ 16 GiB and the lazy step median ≤ 3× the dense 1e6 step median.
 *
 * Usage: `npm run bench -- huge-table` (or `npx tsx bench/huge-table.ts [--quick]`) → progress lines every 100
 * steps, a table, and `bench/results/huge-table.json` (`huge-table.quick.json` with `--quick`: a 1e7-row table,
 * 200 steps, a smoke check).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../src/backend';
import { TPUEmbedding, featureConfig, tableConfig, type Storage } from '../src/embedding';
import { nativeKernels } from '../src/kernels/native-kernels';
import { sampleIds } from '../src/measure/sample-ids';
import { Adagrad } from '../src/optimizers';
import { Random } from '../src/random';
import { machineLoad, minMedian, type MachineLoad } from './machine-load';

/** Options of {@link runHugeTableBench}. */
export interface HugeTableBenchOptions {
  /** The smoke version: 1e7 rows, 200 steps. @default false */
  readonly quick?: boolean;
  /** Rows of the lazy table. @default 1e8 (1e7 quick) */
  readonly rows?: number;
  /** Training steps on the lazy table. @default 2000 (200 quick) */
  readonly steps?: number;
  /** Ids per step (one per sample). @default 65,536 */
  readonly idsPerStep?: number;
  /** Rows of the dense baseline table. @default 1e6 */
  readonly baselineRows?: number;
  /** Progress lines. @default console.log */
  readonly log?: (line: string) => void;
}

/** One progress sample (every 100 lazy steps). */
export interface HugeTableProgress {
  readonly step: number;
  readonly rssBytes: number;
  readonly rowsMaterialized: number;
  /** Median lazy step (ms) over the last 100 steps. */
  readonly stepMsMedian: number;
}

/** What the benchmark writes to `bench/results/huge-table.json`. */
export interface HugeTableBenchResult {
  readonly date: string;
  readonly node: string;
  readonly backend: string;
  /** The native kernels ran (else the WebAssembly ones). */
  readonly native: boolean;
  readonly rows: number;
  readonly dim: number;
  readonly storage: Storage;
  readonly optimizer: string;
  readonly zipf: number;
  readonly topology: string;
  readonly steps: number;
  readonly idsPerStep: number;
  /** Peak resident set of the process (bytes, `process.resourceUsage().maxRSS`). */
  readonly peakRssBytes: number;
  readonly stepMsMedian: number;
  readonly stepMsMin: number;
  readonly baselineRows: number;
  readonly baselineStorage: Storage;
  readonly baselineSteps: number;
  readonly baselineStepMsMedian: number;
  readonly baselineStepMsMin: number;
  /** stepMsMedian / baselineStepMsMedian (target ≤ 3). */
  readonly stepRatio: number;
  readonly rowsMaterialized: number;
  /** The lazy pool's capacity in rows (4 GiB of weights at this dim). */
  readonly poolCapacityRows: number;
  readonly constructMs: number;
  readonly loadBefore: MachineLoad;
  readonly loadAfter: MachineLoad;
  readonly progress: readonly HugeTableProgress[];
  /** Each row, for the runner's table. */
  readonly cases: readonly Record<string, number | string>[];
}

const DIM = 64;
const ZIPF = 1.05;
const TOPOLOGY = 'v4-8';
const BLOCK = 100;
const BASELINE_PER_BLOCK = 10;

function makeEmbedding(rows: number, storage: Storage, seed: number): TPUEmbedding {
  const table = tableConfig({ vocabularySize: rows, dim: DIM, name: 'items', storage });
  return new TPUEmbedding({ features: { items: featureConfig({ table }) }, optimizer: new Adagrad({ learningRate: 0.05 }), topology: TOPOLOGY, seed });
}

/** One training step on `ids`; returns its wall time (ms). */
function step(emb: TPUEmbedding, ids: Int32Array, grad: tf.Tensor): number {
  const t0 = performance.now();
  const out = emb.lookup({ items: ids });
  emb.applyGradients({ items: grad });
  out.items.dispose();
  return performance.now() - t0;
}

/**
 * Runs the benchmark (see the module comment).
 * @returns the result (the suite runner writes it to `bench/results/huge-table.json`).
 */
export async function runHugeTableBench(options: HugeTableBenchOptions = {}): Promise<HugeTableBenchResult> {
  const quick = options.quick ?? false;
  const rows = options.rows ?? (quick ? 1e7 : 1e8);
  const steps = options.steps ?? (quick ? 200 : 2000);
  const B = options.idsPerStep ?? 65_536;
  const BASELINE_ROWS = options.baselineRows ?? 1e6;
  const log = options.log ?? ((s: string) => console.log(s));
  const backend = (await chooseBackend()).name;
  const loadBefore = machineLoad();
  log(`huge-table: ${rows.toExponential(0)} × ${DIM} lazy Adagrad, Zipf(${ZIPF}), ${B.toLocaleString('en-US')} ids/step, ${steps} steps; baseline dense ${BASELINE_ROWS.toExponential(0)} × ${DIM}; load ${loadBefore.loadavg1} on ${loadBefore.cores} cores`);
  const t0 = performance.now();
  const lazy = makeEmbedding(rows, 'lazy', 1);
  const constructMs = performance.now() - t0;
  const dense = makeEmbedding(BASELINE_ROWS, 'dense', 2);
  const grad = tf.fill([B, DIM], 1e-3);
  const rngLazy = new Random(13);
  const rngDense = new Random(17);
  const draw = (V: number, rng: Random): Int32Array => sampleIds({ vocabularySize: V, count: B, skew: { zipf: ZIPF }, random: rng });
  // Warm-up (not counted): a few steps of each.
  for (let i = 0; i < 3; i++) {
    step(dense, draw(BASELINE_ROWS, rngDense), grad);
  }
  const lazyMs: number[] = [];
  const denseMs: number[] = [];
  const progress: HugeTableProgress[] = [];
  for (let s = 0; s < steps; s++) {
    lazyMs.push(step(lazy, draw(rows, rngLazy), grad));
    if ((s + 1) % BLOCK === 0 || s + 1 === steps) {
      for (let i = 0; i < BASELINE_PER_BLOCK; i++) denseMs.push(step(dense, draw(BASELINE_ROWS, rngDense), grad));
      const p: HugeTableProgress = {
        step: s + 1,
        rssBytes: process.memoryUsage().rss,
        rowsMaterialized: lazy.table('items').rowsMaterialized,
        stepMsMedian: minMedian(lazyMs.slice(-BLOCK)).median,
      };
      progress.push(p);
      log(
        `  step ${p.step}/${steps}: lazy ${p.stepMsMedian.toFixed(1)} ms (median of last ${Math.min(BLOCK, lazyMs.length)}), dense 1e6 ${minMedian(denseMs).median.toFixed(1)} ms, ` +
          `rows ${p.rowsMaterialized.toLocaleString('en-US')}, RSS ${(p.rssBytes / 2 ** 30).toFixed(2)} GiB, load ${machineLoad().loadavg1}`,
      );
    }
  }
  grad.dispose();
  const l = minMedian(lazyMs);
  const d = minMedian(denseMs);
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  const table = lazy.table('items');
  const result: HugeTableBenchResult = {
    date: new Date().toISOString(),
    node: process.version,
    backend,
    native: nativeKernels() !== null,
    rows,
    dim: DIM,
    storage: 'lazy',
    optimizer: 'Adagrad',
    zipf: ZIPF,
    topology: TOPOLOGY,
    steps,
    idsPerStep: B,
    peakRssBytes,
    stepMsMedian: l.median,
    stepMsMin: l.min,
    baselineRows: BASELINE_ROWS,
    baselineStorage: 'dense',
    baselineSteps: denseMs.length,
    baselineStepMsMedian: d.median,
    baselineStepMsMin: d.min,
    stepRatio: Math.round((l.median / d.median) * 100) / 100,
    rowsMaterialized: table.rowsMaterialized,
    poolCapacityRows: table.store.rows,
    constructMs: Math.round(constructMs),
    loadBefore,
    loadAfter: machineLoad(),
    progress,
    cases: [
      { table: `lazy ${rows.toExponential(0)} × ${DIM}`, steps, stepMsMedian: l.median, stepMsMin: l.min, rowsMaterialized: table.rowsMaterialized, peakRssGiB: Math.round((peakRssBytes / 2 ** 30) * 100) / 100 },
      { table: `dense ${BASELINE_ROWS.toExponential(0)} × ${DIM}`, steps: denseMs.length, stepMsMedian: d.median, stepMsMin: d.min, rowsMaterialized: dense.table('items').rowsMaterialized, peakRssGiB: NaN },
    ],
  };
  log(`huge-table: lazy median ${l.median.toFixed(1)} ms vs dense 1e6 ${d.median.toFixed(1)} ms (×${result.stepRatio}; target ≤ 3), peak RSS ${(peakRssBytes / 2 ** 30).toFixed(2)} GiB (target ≤ 16), ${table.rowsMaterialized.toLocaleString('en-US')} rows materialized`);
  return result;
}

if (require.main === module) {
  const quick = process.argv.includes('--quick');
  runHugeTableBench({ quick })
    .then((r) => {
      const dir = path.join(__dirname, 'results');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `huge-table${quick ? '.quick' : ''}.json`), `${JSON.stringify({ benchmark: 'huge-table', quick, ...r }, null, 2)}\n`);
      process.exit(0);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}

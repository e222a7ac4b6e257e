/**
 * Optimizer step benchmark (issue 14): CPU time (process.cpuUsage, user + system of every thread: the machine is
 * shared) of `TPUEmbedding.applyGradients` per optimizer on a 1e6 × 64 table (sum combiner), 4,096 × 16 uniform ids,
 * the native kernels on. Per optimizer (one table in memory at a time), each round runs its two paths in turn on the
 * same table, the order alternating: as configured (`as is`: the fast path
 * where its `boundsAfter` vouches) and with `boundsAfter` forced to null (`checked`: every step saves and checks
 * the touched rows). Reports min / median ms of CPU per step.
 *
 * Usage: `npm run bench -- optimizer-step` or `npx tsx bench/optimizer-step.ts [--rounds=N] [--reps=N] [--vocab=N] [--quick]`.
 */
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../src/backend';
import { TPUEmbedding, featureConfig, tableConfig } from '../src/embedding';
import { nativeKernelStatus } from '../src/kernels/native-kernels';
import { Adagrad, AdagradMomentum, Adam, FTRL, SGD, type EmbeddingOptimizer } from '../src/optimizers';
import { Random } from '../src/random';
import { minMedian } from './machine-load';


/** The optimizers of the peers bench's step measures (same hyper-parameters). */
const OPTIMIZERS: [string, () => EmbeddingOptimizer][] = [
  ['SGD', () => new SGD({ learningRate: 0.1 })],
  ['Adagrad', () => new Adagrad({ learningRate: 0.1 })],
  ['Adam', () => new Adam({ learningRate: 0.1 })],
  ['AdagradMomentum', () => new AdagradMomentum({ learningRate: 0.1, momentum: 0.9 })],
  ['FTRL', () => new FTRL({ learningRate: 0.1 })],
];

/** One optimizer on one path: CPU ms per `applyGradients`. */
export interface OptimizerStepRow {
  readonly optimizer: string;
  /** `as is` (the optimizer's own `boundsAfter`) or `checked` (forced to null). */
  readonly path: string;
  readonly 'min ms CPU': number;
  readonly 'median ms CPU': number;
}

/**
 * Runs the benchmark. @param options.rounds interleaved rounds @default 3 (quick 2); @param options.reps timed steps
 * per path and round @default 8 (quick 3); @param options.vocab table rows @default 1e6 (quick 1e5).
 * @returns `{ rows }`, two per optimizer.
 */
export async function runOptimizerStepBench(options: { rounds?: number; reps?: number; vocab?: number; quick?: boolean } = {}): Promise<{ rows: OptimizerStepRow[] }> {
  const quick = options.quick ?? false;
  const rounds = options.rounds ?? (quick ? 2 : 3);
  const reps = options.reps ?? (quick ? 3 : 8);
  const vocab = options.vocab ?? (quick ? 1e5 : 1e6);
  const dim = 64, B = 4096, k = 16;
  await chooseBackend({ log: () => {} });
  console.log(nativeKernelStatus().line);
  const rng = new Random(1);
  const rowSplits = Int32Array.from({ length: B + 1 }, (_, b) => b * k);
  const ones = tf.ones([B, dim]);
  const rows: OptimizerStepRow[] = [];
  // One optimizer at a time (its table alone in memory); its two paths interleaved on the same table.
  for (const [name, make] of OPTIMIZERS) {
    const opt = make();
    const own = opt.boundsAfter.bind(opt);
    const table = tableConfig({ vocabularySize: vocab, dim, combiner: 'sum', initializer: 0.01, name: 'items' });
    const emb = new TPUEmbedding({ features: { items: featureConfig({ table }) }, optimizer: opt, topology: 'cpu', placement: 'cpu' });
    const times: Record<string, number[]> = { 'as is': [], checked: [] };
    for (let round = 0; round < rounds; round++) {
      const modes = round % 2 === 0 ? ['as is', 'checked'] : ['checked', 'as is'];
      for (const mode of modes) {
        opt.boundsAfter = mode === 'checked' ? () => null : own;
        for (let r = 0; r <= reps; r++) {
          const values = Int32Array.from({ length: B * k }, () => rng.int(vocab));
          const out = emb.lookup({ items: { values, rowSplits } });
          const c0 = process.cpuUsage();
          emb.applyGradients({ items: ones });
          const c = process.cpuUsage(c0);
          out.items.dispose();
          if (r > 0) times[mode].push((c.user + c.system) / 1000);
        }
      }
    }
    for (const mode of ['as is', 'checked']) {
      const { min, median } = minMedian(times[mode]);
      rows.push({ optimizer: name, path: mode, 'min ms CPU': +min.toFixed(2), 'median ms CPU': +median.toFixed(2) });
    }
  }
  ones.dispose();
  return { rows };
}

if (require.main === module) {
  const arg = (name: string): number | undefined => {
    const a = process.argv.find((x) => x.startsWith(`--${name}=`));
    return a ? Number(a.slice(name.length + 3)) : undefined;
  };
  void runOptimizerStepBench({ rounds: arg('rounds'), reps: arg('reps'), vocab: arg('vocab'), quick: process.argv.includes('--quick') }).then((r) => console.table(r.rows));
}

/**
 * Training benchmark of the ranking model on real MovieLens 100K (from ../shared/data or $MOVIELENS_DIR):
 *  (a) the tutorial protocol on a simulated v4-8 (batch 16 × 4, 10 × 10 steps, evaluate 10 steps);
 *  (b) the full protocol on the tutorial split (80,000 train / 20,000 test, seed 42): test RMSE on all 20,000;
 *  (c) the full protocol on the canonical u1.base / u1.test split;
 * each with training throughput (examples/s, evaluation excluded) on the backend chooseBackend picks, and the
 * baselines computed in the same run on the same split (global mean, Surprise's BaselineOnly; whole test split).
 *
 * Usage: `npx tsx bench/training.ts` → prints a table and writes `bench/results/training.json`.
 * `TRAINING_BENCH_RUNS=tutorial,full,u1` selects runs; `TPU_EMBEDDINGS_BACKEND=cpu` measures the cpu backend
 * (written to `bench/results/training-cpu.json`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chooseBackend } from '../src/backend';
import { canonicalSplit, loadMovieLens, tutorialSplit } from '../src/data';
import { BaselineOnly, GlobalMean, type RatingSource } from '../src/baseline';
import { RMSE_ANCHORS, fullProtocol, runProtocol, tutorialProtocol, type ProtocolResult, type RmseAnchor, type TrainingProtocol } from '../src/models';

/** One benchmark run. */
export interface TrainingBenchRow {
  readonly run: string;
  readonly protocol: string;
  readonly split: string;
  readonly topology: string;
  readonly globalBatchSize: number;
  readonly epochs: number;
  readonly steps: number;
  readonly learningRate: number;
  readonly trainExamples: number;
  readonly testExamples: number;
  readonly testRmse: number;
  readonly testLoss: number;
  readonly trainRmseLastEpoch: number;
  readonly examplesPerSecond: number;
  readonly trainSeconds: number;
  /** The mean training rating as the prediction, on the whole test split of this run (computed here, not a constant). */
  readonly globalMeanRmse: number;
  /** Surprise's BaselineOnly (ALS, its defaults) on the same train/test split, computed here. */
  readonly baselineOnlyRmse: number;
}

/** All results of one run of the benchmark. */
export interface TrainingBenchResult {
  readonly date: string;
  readonly backend: string;
  readonly node: string;
  /** The published RMSEs to read the rows against (`RMSE_ANCHORS`); measured ones are the rows. */
  readonly anchors: readonly RmseAnchor[];
  readonly fullProtocolTarget: number;
  readonly rows: readonly TrainingBenchRow[];
}

/** The full protocol's target test RMSE on the tutorial split (issue 4). */
export const FULL_PROTOCOL_TARGET_RMSE = 0.95;

function row(run: string, split: string, r: ProtocolResult, testExamples: number, data: { train: RatingSource; test: RatingSource }): TrainingBenchRow {
  const p: TrainingProtocol = r.protocol;
  const last = r.history.epochs[r.history.epochs.length - 1];
  return {
    run,
    protocol: p.name,
    split,
    topology: r.topology.name,
    globalBatchSize: r.globalBatchSize,
    epochs: p.epochs,
    steps: r.history.stepLoss.length,
    learningRate: p.learningRate,
    trainExamples: r.history.epochs.reduce((s, e) => s + e.examples, 0),
    testExamples,
    testRmse: r.test.rmse,
    testLoss: r.test.loss,
    trainRmseLastEpoch: last.rmse,
    examplesPerSecond: r.examplesPerSecond,
    trainSeconds: r.trainSeconds,
    globalMeanRmse: GlobalMean.fit(data.train).rmse(data.test),
    baselineOnlyRmse: BaselineOnly.fit(data.train).rmse(data.test),
  };
}

/**
 * Runs the training benchmark.
 * @param options.runs which runs. @default ['tutorial', 'full', 'u1']
 * @param options.write write bench/results/training.json. @default true
 * @returns the results.
 */
export async function runTrainingBench(options: { runs?: readonly string[]; write?: boolean; verbose?: 0 | 2 } = {}): Promise<TrainingBenchResult> {
  const backend = await chooseBackend();
  const runs = options.runs ?? ['tutorial', 'full', 'u1'];
  const verbose = options.verbose ?? 2;
  const data = await loadMovieLens('100k-ratings');
  const features = ['user_id', 'movie_id', 'user_rating'] as const;
  const rows: TrainingBenchRow[] = [];
  if (runs.includes('tutorial')) {
    const split = tutorialSplit(data, { seed: 42, features });
    const r = await runProtocol({ protocol: tutorialProtocol, split, model: { topology: 'v4-8' }, verbose });
    rows.push(row('tutorial', 'tutorial (seed 42)', r, r.test.examples, split));
    r.model.dispose();
  }
  if (runs.includes('full')) {
    const split = tutorialSplit(data, { seed: 42, features });
    const r = await runProtocol({ protocol: fullProtocol, split, model: { topology: 'v4-8' }, verbose, evaluationBatchSize: 1000 });
    rows.push(row('full', 'tutorial (seed 42)', r, r.test.examples, split));
    r.model.dispose();
  }
  if (runs.includes('u1')) {
    const split = canonicalSplit('u1', { features });
    const r = await runProtocol({ protocol: fullProtocol, split, model: { topology: 'v4-8' }, verbose, evaluationBatchSize: 1000 });
    rows.push(row('u1', 'u1.base / u1.test', r, r.test.examples, split));
    r.model.dispose();
  }
  const result: TrainingBenchResult = {
    date: new Date().toISOString(),
    backend: backend.name,
    node: process.version,
    anchors: RMSE_ANCHORS,
    fullProtocolTarget: FULL_PROTOCOL_TARGET_RMSE,
    rows,
  };
  if (options.write ?? true) {
    // The default backend writes training.json; a forced one (TPU_EMBEDDINGS_BACKEND=cpu) writes training-cpu.json.
    const forced = process.env.TPU_EMBEDDINGS_BACKEND;
    const out = path.resolve(__dirname, 'results', forced ? `training-${backend.name}.json` : 'training.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  }
  return result;
}

if (require.main === module) {
  const runs = process.env.TRAINING_BENCH_RUNS?.split(',').map((s) => s.trim());
  runTrainingBench({ runs }).then((r) => {
    console.log(`backend ${r.backend}, node ${r.node}`);
    console.table(
      r.rows.map((x) => ({
        run: x.run,
        split: x.split,
        batch: x.globalBatchSize,
        epochs: x.epochs,
        steps: x.steps,
        lr: x.learningRate,
        'test examples': x.testExamples,
        'test RMSE': x.testRmse.toFixed(4),
        'global mean': x.globalMeanRmse.toFixed(4),
        BaselineOnly: x.baselineOnlyRmse.toFixed(4),
        'ex/s': Math.round(x.examplesPerSecond),
      })),
    );
  });
}

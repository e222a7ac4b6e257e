/**
 * A/B of the ranking model's training step, phase by phase, in interleaved rounds of one process (issue 14 item 3).
 *
 * The model is the full protocol's (v4-8, global batch 256, tables 2048 × 64, Dense 256 relu → 64 relu → 1, Keras
 * Adagrad lr 0.05); the batches are synthetic (uniform ids below 943 users / 1682 movies, ratings 1..5, fixed seed),
 * the same sequence for every variant. Variants (each on its own model, same seed):
 * - `autodiff`: the step before issue 14 item 3: the loss differentiated by `tf.engine().gradients` (tape, customGrad),
 *   `1/B` uploaded every step;
 * - `lean`: the step `RankingModel.trainStep` runs now: the forward pass keeps its intermediates, the loss gradient and
 *   the backward pass are written out (`DenseStack.forwardBackward`, `MeanSquaredErrorSum`), constants created once.
 * Phases (wall ms per step, medians over rounds): `lookup`, `forward` and `backward` (one `dense` phase for autodiff,
 * which cannot split them), `embeddingApply`, `denseOptimizer`, `dispose` (loss read-out and frees). Per variant and
 * round also the CPU time per step (`process.cpuUsage`, user + system) next to the wall time, and examples/s.
 *
 * The wall behind the dense part ("wall" rows): tfjs-wasm kernels per step (`tf.profile`), the cost of one tiny kernel
 * (`tf.add` of two scalars), the step's matMuls alone, and the dense math's GFLOP/s.
 *
 * Usage: `npm run bench -- dense-step` or `npx tsx bench/dense-step.ts [--quick]` → `bench/results/dense-step.json`.
 * The load average is printed before and after (a comparison inside one run; absolute figures depend on the load).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../src/backend';
import { kerasAdagrad } from '../src/optimizers';
import { RankingModel, type RatingBatch } from '../src/models';
import { runTrainingStep } from '../src/models/training-step';
import { MeanSquaredErrorSum } from '../src/models/mean-squared-error-sum';
import { Random } from '../src/random';
import { machineLoad, minMedian, type MachineLoad } from './machine-load';

const BATCH = 256;
const PHASES = ['lookup', 'forward', 'backward', 'dense', 'embeddingApply', 'denseOptimizer', 'dispose'] as const;
type Phase = (typeof PHASES)[number];
const VARIANTS = ['autodiff', 'lean'] as const;
type Variant = (typeof VARIANTS)[number];

/** One variant's figures (medians over rounds of the per-step means). */
export interface DenseStepRow {
  readonly variant: Variant;
  /** Wall ms per step, median over rounds (min in `wallMinMs`). */
  readonly wallMs: number;
  readonly wallMinMs: number;
  /** CPU ms per step (user + system), median over rounds. */
  readonly cpuMs: number;
  /** Examples per second from the median wall time. */
  readonly examplesPerS: number;
  /** Examples per second from the median CPU time. */
  readonly examplesPerCpuS: number;
  /** Wall ms per step per phase (median over rounds; 0 for a phase the variant does not have). */
  readonly lookup: number;
  readonly forward: number;
  readonly backward: number;
  readonly dense: number;
  readonly embeddingApply: number;
  readonly denseOptimizer: number;
  readonly dispose: number;
  /** tfjs kernels one step runs (`tf.profile`). */
  readonly kernelsPerStep: number;
}

/** The result of {@link runDenseStepBench}. */
export interface DenseStepResult {
  readonly date: string;
  readonly backend: string;
  readonly batch: number;
  readonly rounds: number;
  readonly stepsPerRound: number;
  readonly loadBefore: MachineLoad;
  readonly loadAfter: MachineLoad;
  /** The lean variant's median wall time ÷ the autodiff variant's. */
  readonly leanOverAutodiffWall: number;
  readonly leanOverAutodiffCpu: number;
  readonly rows: readonly DenseStepRow[];
  /** What bounds the dense part on this backend (see the file comment). */
  readonly wall: {
    readonly tinyKernelUs: number;
    /** The step's 9 matMuls (and 6 transposes) alone: median wall ms, and mean CPU ms (compare bench/dense-wall.c). */
    readonly matMulsMs: number;
    readonly matMulsCpuMs: number;
    readonly denseGflopPerStep: number;
    readonly matMulGflopPerS: number;
  };
}

function batches(n: number, seed: number): RatingBatch[] {
  const rng = new Random(seed);
  const out: RatingBatch[] = [];
  for (let i = 0; i < n; i++) {
    const user_id = new Int32Array(BATCH);
    const movie_id = new Int32Array(BATCH);
    const user_rating = new Float32Array(BATCH);
    for (let j = 0; j < BATCH; j++) {
      user_id[j] = 1 + Math.floor(rng.float() * 943);
      movie_id[j] = 1 + Math.floor(rng.float() * 1682);
      user_rating[j] = 1 + Math.floor(rng.float() * 5);
    }
    out.push({ user_id, movie_id, user_rating });
  }
  return out;
}

function newModel(): { model: RankingModel; opt: tf.Optimizer } {
  const model = new RankingModel({ topology: 'v4-8', optimizer: kerasAdagrad({ learningRate: 0.05 }) });
  const opt = tf.train.adagrad(0.05, 0.1);
  model.compile({ denseOptimizer: opt });
  return { model, opt };
}

/** One step of a variant with per-phase timers (added into `t`); the same math and order as the library's step. */
function timedStep(variant: Variant, model: RankingModel, opt: tf.Optimizer, mse: MeanSquaredErrorSum, batch: RatingBatch, t: Record<Phase, number>): number {
  let t0 = performance.now();
  const lap = (p: Phase): void => {
    const t1 = performance.now();
    t[p] += t1 - t0;
    t0 = t1;
  };
  const emb = model.embedding;
  const acts = emb.lookup({ user_id: batch.user_id, movie_id: batch.movie_id });
  lap('lookup');
  const vars = model.tower.variables;
  let value: tf.Scalar;
  let grads: tf.Tensor[];
  if (variant === 'autodiff') {
    const r = tf.engine().gradients(
      () => {
        const p = tf.reshape(model.tower.apply(tf.concat([acts.user_id as tf.Tensor2D, acts.movie_id as tf.Tensor2D], 1)), [BATCH]);
        return tf.mul(tf.sum(tf.square(tf.sub(p, tf.tensor1d(batch.user_rating, 'float32')))), 1 / BATCH) as tf.Scalar;
      },
      [...vars, acts.user_id, acts.movie_id],
      undefined,
      false,
    );
    value = r.value;
    grads = r.grads;
    lap('dense');
  } else {
    [value, ...grads] = tf.tidy(() => {
      const f = model.tower.forwardBackward(tf.concat([acts.user_id as tf.Tensor2D, acts.movie_id as tf.Tensor2D], 1));
      const l = mse.loss(tf.reshape(f.output, [BATCH]) as tf.Tensor1D, batch.user_rating);
      const dp = tf.reshape(l.dPredictions(), [BATCH, 1]) as tf.Tensor2D;
      lap('forward');
      const { dx, grads: g } = f.backward(dp);
      const [du, dm] = tf.split(dx, 2, 1);
      return [l.value, ...g, du, dm] as [tf.Scalar, ...tf.Tensor[]];
    });
    lap('backward');
  }
  emb.applyGradients({ user_id: grads[vars.length], movie_id: grads[vars.length + 1] });
  lap('embeddingApply');
  const named: tf.NamedTensorMap = {};
  vars.forEach((v, i) => (named[v.name] = grads[i]));
  opt.applyGradients(named);
  lap('denseOptimizer');
  const loss = value.dataSync()[0];
  tf.dispose([value, ...grads, ...Object.values(acts)]);
  lap('dispose');
  return loss;
}

/** Kernels one library step of a variant runs. */
async function kernelsPerStep(variant: Variant, batch: RatingBatch): Promise<number> {
  const { model } = newModel();
  const parts = (m: RankingModel) => ({
    api: 'bench',
    lookups: [{ embedding: m.embedding, features: { user_id: batch.user_id, movie_id: batch.movie_id } }],
    variables: m.tower.variables,
    denseOptimizer: (m as unknown as { denseOptimizer: tf.Optimizer }).denseOptimizer,
    loss: ([a]: readonly Readonly<Record<string, tf.Tensor>>[]) =>
      tf.mul(tf.sum(tf.square(tf.sub(tf.reshape(m.tower.apply(tf.concat([a.user_id as tf.Tensor2D, a.movie_id as tf.Tensor2D], 1)), [BATCH]), tf.tensor1d(batch.user_rating, 'float32')))), 1 / BATCH) as tf.Scalar,
  });
  model.trainStep(batch); // warm-up (the dense optimizer creates its slots on the first step)
  const info = await tf.profile(() => {
    if (variant === 'lean') model.trainStep(batch);
    else runTrainingStep(parts(model));
  });
  model.dispose();
  return info.kernels.length;
}

/** The wall behind the dense part: one tiny kernel's cost, and the step's matMuls alone. */
function measureWall(reps: number): DenseStepResult['wall'] {
  const a = tf.scalar(1);
  const b = tf.scalar(2);
  for (let i = 0; i < 200; i++) tf.add(a, b).dispose();
  let t0 = performance.now();
  for (let i = 0; i < reps * 50; i++) tf.add(a, b).dispose();
  const tinyKernelUs = ((performance.now() - t0) / (reps * 50)) * 1000;
  tf.dispose([a, b]);
  const dims = [128, 256, 64, 1];
  const rng = new Random(3);
  const rand = (r: number, c: number) => tf.tensor2d(Float32Array.from({ length: r * c }, () => rng.float() - 0.5), [r, c]);
  const xs = dims.slice(0, 3).map((d) => rand(BATCH, d));
  const ws = dims.slice(0, 3).map((d, i) => rand(d, dims[i + 1]));
  const dys = dims.slice(1).map((d) => rand(BATCH, d));
  const matMuls = () =>
    tf.tidy(() => {
      for (let i = 0; i < 3; i++) {
        tf.matMul(xs[i], ws[i]);
        tf.matMul(dys[i], tf.transpose(ws[i]));
        tf.matMul(tf.transpose(xs[i]), dys[i]);
      }
    });
  for (let i = 0; i < 5; i++) matMuls();
  const times: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    t0 = performance.now();
    matMuls();
    times.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);
  const matMulsCpuMs = round((c.user + c.system) / 1000 / reps);
  tf.dispose([...xs, ...ws, ...dys]);
  let macs = 0;
  for (let i = 0; i < 3; i++) macs += 3 * BATCH * dims[i] * dims[i + 1];
  const matMulsMs = minMedian(times).median;
  return { tinyKernelUs: round(tinyKernelUs), matMulsMs, matMulsCpuMs, denseGflopPerStep: round((2 * macs) / 1e9), matMulGflopPerS: round((2 * macs) / 1e9 / (matMulsMs / 1000)) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function median(xs: readonly number[]): number {
  return minMedian(xs).median;
}

/**
 * Runs the A/B.
 * @param options.rounds interleaved rounds. @default 9 (3 with quick)
 * @param options.stepsPerRound steps per variant per round. @default 60 (20 with quick)
 * @returns the result (also written by `bench/run.ts` or, run directly, to `bench/results/dense-step.json`).
 */
export async function runDenseStepBench(options: { rounds?: number; stepsPerRound?: number; quick?: boolean } = {}): Promise<DenseStepResult> {
  const backend = await chooseBackend();
  const rounds = options.rounds ?? (options.quick ? 3 : 9);
  const steps = options.stepsPerRound ?? (options.quick ? 20 : 60);
  const loadBefore = machineLoad();
  const data = batches(steps * (rounds + 1), 11);
  const models = Object.fromEntries(VARIANTS.map((v) => [v, { ...newModel(), mse: new MeanSquaredErrorSum(), next: 0 }])) as Record<Variant, ReturnType<typeof newModel> & { mse: MeanSquaredErrorSum; next: number }>;
  const perRound = Object.fromEntries(VARIANTS.map((v) => [v, { wall: [] as number[], cpu: [] as number[], phases: Object.fromEntries(PHASES.map((p) => [p, [] as number[]])) as Record<Phase, number[]> }]));
  const runBlock = (v: Variant, record: boolean): void => {
    const m = models[v];
    const t = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    for (let i = 0; i < steps; i++) timedStep(v, m.model, m.opt, m.mse, data[m.next++], t);
    const wall = (performance.now() - w0) / steps;
    const c = process.cpuUsage(c0);
    if (!record) return;
    perRound[v].wall.push(wall);
    perRound[v].cpu.push((c.user + c.system) / 1000 / steps);
    for (const p of PHASES) perRound[v].phases[p].push(t[p] / steps);
  };
  for (const v of VARIANTS) runBlock(v, false); // warm-up round
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const v of order) runBlock(v, true);
  }
  const kernels = { autodiff: await kernelsPerStep('autodiff', data[0]), lean: await kernelsPerStep('lean', data[0]) };
  const wall = measureWall(options.quick ? 10 : 40);
  const rows: DenseStepRow[] = VARIANTS.map((v) => {
    const w = minMedian(perRound[v].wall);
    const cpu = median(perRound[v].cpu);
    const ph = Object.fromEntries(PHASES.map((p) => [p, round(median(perRound[v].phases[p]))])) as Record<Phase, number>;
    return { variant: v, wallMs: w.median, wallMinMs: w.min, cpuMs: round(cpu), examplesPerS: Math.round(BATCH / (w.median / 1000)), examplesPerCpuS: Math.round(BATCH / (cpu / 1000)), ...ph, kernelsPerStep: kernels[v] };
  });
  for (const v of VARIANTS) {
    models[v].model.dispose();
    models[v].mse.dispose();
  }
  const [a, l] = rows;
  return {
    date: new Date().toISOString(),
    backend: backend.name,
    batch: BATCH,
    rounds,
    stepsPerRound: steps,
    loadBefore,
    loadAfter: machineLoad(),
    leanOverAutodiffWall: round(l.wallMs / a.wallMs),
    leanOverAutodiffCpu: round(l.cpuMs / a.cpuMs),
    rows,
    wall,
  };
}

if (require.main === module) {
  const quick = process.argv.includes('--quick');
  runDenseStepBench({ quick }).then((r) => {
    const out = path.resolve(__dirname, 'results', `dense-step${quick ? '.quick' : ''}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify({ benchmark: 'dense-step', quick, ...r }, null, 2)}\n`);
    console.log(`backend ${r.backend}; load before ${r.loadBefore.loadavg1} (${r.loadBefore.perCore}/core), after ${r.loadAfter.loadavg1}`);
    console.table(r.rows);
    console.log('wall', r.wall, 'lean/autodiff wall', r.leanOverAutodiffWall, 'cpu', r.leanOverAutodiffCpu);
  });
}

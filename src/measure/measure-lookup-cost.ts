import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';
import type { IdSkew } from '../cost/id-distribution';
import { DenseEmbeddingBaseline } from '../baseline/dense-embedding-baseline';
import { GatherHelper } from '../kernels/gather-helper';
import { featureConfig } from '../embedding/feature-config';
import type { LookupStats } from '../embedding/lookup-stats-types';
import { tableConfig } from '../embedding/table-config';
import type { Placement, Sharding } from '../embedding/table-layout';
import { TPUEmbedding } from '../embedding/tpu-embedding';
import { nativeKernels } from '../kernels/native-kernels';
import { Adagrad } from '../optimizers/adagrad';
import { Random } from '../random';
import type { Topology } from '../strategy/topology';
import { sampleIds } from './sample-ids';

/** Options of {@link measureLookupCost}. */
export interface MeasureLookupCostOptions {
  /** Table rows V. */
  readonly vocabularySize: number;
  /** Row width. */
  readonly dim: number;
  /** Ids looked up per step (global batch × idsPerSample). */
  readonly idsPerStep: number;
  /** Ids per sample (one pooled, mean-combined multivalent feature). idsPerStep / idsPerSample must be a
   * whole global batch divisible by the topology's replicas. @default 16 */
  readonly idsPerSample?: number;
  /** 'uniform' or `{ zipf: s }` over a frequency-sorted vocabulary (see `sampleIds`). @default 'uniform' */
  readonly skew?: IdSkew;
  /** The simulated slice. @default 'v4-8' */
  readonly topology?: Topology | string;
  /** @default 'sparsecore' */
  readonly placement?: Placement;
  /** @default 'mod' */
  readonly sharding?: Sharding;
  /** Timed steps (after `warmup` untimed ones); the median counts. @default 3 */
  readonly repeats?: number;
  /** Untimed steps first (page faults, JIT). @default 1 */
  readonly warmup?: number;
  /** Also time the dense tfjs baseline on a copy of the table (costs O(V·dim) per step). @default true */
  readonly dense?: boolean;
  /** Timed dense steps (after one warm-up). @default 1 */
  readonly denseRepeats?: number;
  /** Seed of the ids. @default 0 */
  readonly seed?: number;
  /** Run the engine's WebAssembly kernels (`TPUEmbedding.useSimd`); false: its plain JavaScript loops. @default true */
  readonly kernels?: boolean;
  /** Let the gather helper thread take part in large lookups (`TPUEmbedding.useHelperThread`). @default true */
  readonly helperThread?: boolean;
  /** Run the native C++ kernels where they loaded (`TPUEmbedding.useNative`; with their own threads, the gather
   * helper then stays idle); false: the WebAssembly kernels. @default true */
  readonly native?: boolean;
}

/** Times of the dense tfjs baseline (gather; dense `[V, dim]` gradient + tfjs Adagrad). */
export interface DenseLookupCost {
  /** Median lookup time, ms (`tf.gather` + mean, activations read back). */
  readonly lookupMs: number;
  /** Median update time, ms (scatter to a dense `[V, dim]` gradient and a dense Adagrad step). */
  readonly updateMs: number;
  /** lookupMs + updateMs. */
  readonly stepMs: number;
}

/** What {@link measureLookupCost} measured: one configuration, this library's engine and (optionally) the dense baseline. */
export interface LookupCostResult {
  readonly vocabularySize: number;
  readonly dim: number;
  readonly idsPerStep: number;
  readonly idsPerSample: number;
  readonly globalBatchSize: number;
  /** 'uniform' or 'zipf(s)'. */
  readonly skew: string;
  readonly topology: string;
  readonly placement: Placement;
  readonly sharding: Sharding;
  /** Whether the engine's lookups ran its WebAssembly SIMD gather (asked for with `kernels` and available for the
   * table: `dim % 4 = 0` and WebAssembly SIMD in this runtime); false: the JavaScript loops ran. */
  readonly kernels: boolean;
  /** Whether the gather helper thread combined part of at least one lookup (it takes part only when asked for, with
   * the kernels, on ≥ 2 cores, for ≥ 16,384 ids per step and a table of ≥ 8 MiB; see `GatherHelper`). */
  readonly helperThread: boolean;
  /** Whether the native C++ kernels ran the lookups (asked for with `native` and `kernels`, and the addon loaded). */
  readonly native: boolean;
  /** Bytes of the table's weights (V·dim·4); Adagrad's accumulator doubles it. */
  readonly tableBytes: number;
  /** Median `TPUEmbedding.lookup` time, ms (dedup, route, gather, combine, activation tensor). */
  readonly lookupMs: number;
  /** Median `TPUEmbedding.applyGradients` time, ms (scatter, per-row sums, Adagrad on touched rows). */
  readonly updateMs: number;
  /** lookupMs + updateMs. */
  readonly stepMs: number;
  /** Bytes the lookup moves, counted as read + written: one row read per id plus the activations written,
   * (idsPerStep + globalBatchSize)·dim·4 — the engine issue's definition. */
  readonly lookupBytes: number;
  /** lookupBytes / (lookupMs / 1000), bytes/s. */
  readonly lookupBytesPerS: number;
  /** Unique ids of the last step over the global batch (what the update touches). */
  readonly uniqueIds: number;
  /** The last timed step's engine statistics. */
  readonly stats: LookupStats;
  /** The dense baseline, or null when `dense: false`. */
  readonly dense: DenseLookupCost | null;
}

function fail(message: string): never {
  throw new ConfigError('invalid_option', `measureLookupCost: ${message}`);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function positiveInteger(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) fail(`expected ${name} to be a positive integer, but got ${v}.`);
}

/**
 * Measures one configuration's lookup and update time on this machine: the library's engine (`TPUEmbedding`,
 * Adagrad, one mean-pooled multivalent feature) and, beside it, the dense tfjs baseline (`DenseEmbeddingBaseline`,
 * which builds a dense `[V, dim]` gradient as `tf.gather`'s autodiff does). Each step draws fresh ids; the update
 * uses a constant activation gradient of 0.01. The table is filled with a constant, which writes every page (an
 * untouched zero page would make gathers look faster than they are).
 *
 * Timing: wall clock (`performance.now()`), `warmup` untimed steps, then the median of `repeats`. The wasm and cpu
 * backends run kernels synchronously, so the dense baseline's times include its work.
 *
 * Memory: the engine holds 2·V·dim·4 bytes (weights + accumulator); the dense baseline as much again plus a dense
 * gradient — keep `dense: false` for V·dim ≳ 5e7 (e.g. 1e7 × 16).
 *
 * @param options - see {@link MeasureLookupCostOptions}.
 * @returns a {@link LookupCostResult} (times in ms, bytes, bytes/s). No tensor is left allocated.
 * @throws ConfigError `invalid_option` for a bad size, count or a batch not divisible by the replicas; errors of
 *   `tableConfig`, `TPUEmbedding` and `sampleIds`.
 * @example
 * const r = await measureLookupCost({ vocabularySize: 1e6, dim: 64, idsPerStep: 65536, skew: 'uniform', dense: false });
 * r.lookupBytesPerS / measureCopyBandwidth() // the engine issue's ratio (target ≥ 0.35)
 */
export async function measureLookupCost(options: MeasureLookupCostOptions): Promise<LookupCostResult> {
  const V = options.vocabularySize;
  const dim = options.dim;
  const ids = options.idsPerStep;
  const k = options.idsPerSample ?? 16;
  const repeats = options.repeats ?? 3;
  const warmup = options.warmup ?? 1;
  const denseRepeats = options.denseRepeats ?? 1;
  positiveInteger('vocabularySize', V);
  positiveInteger('dim', dim);
  positiveInteger('idsPerStep', ids);
  positiveInteger('idsPerSample', k);
  positiveInteger('repeats', repeats);
  positiveInteger('denseRepeats', denseRepeats);
  if (!Number.isInteger(warmup) || warmup < 0) fail(`expected warmup to be an integer ≥ 0, but got ${warmup}.`);
  if (ids % k !== 0) fail(`expected idsPerStep (${ids}) to be a multiple of idsPerSample (${k}); use ${Math.max(k, Math.round(ids / k) * k)}.`);
  const B = ids / k;
  const skew = options.skew ?? 'uniform';
  const table = tableConfig({ vocabularySize: V, dim, initializer: 0.01, name: 'items' });
  const emb = new TPUEmbedding({
    features: { items: featureConfig({ table, name: 'items' }) },
    optimizer: new Adagrad({ learningRate: 0.1 }),
    topology: options.topology ?? 'v4-8',
    placement: options.placement,
    sharding: options.sharding,
  });
  emb.useSimd = options.kernels ?? true;
  emb.useHelperThread = options.helperThread ?? true;
  emb.useNative = options.native ?? true;
  if (B % emb.numReplicas !== 0) {
    fail(`expected the global batch idsPerStep / idsPerSample = ${B} to be divisible by the ${emb.numReplicas} replicas of ${emb.topology.name}.`);
  }
  const rng = new Random(options.seed ?? 0);
  const rowSplits = new Int32Array(B + 1);
  for (let b = 0; b <= B; b++) rowSplits[b] = b * k;
  const nextInput = () => ({ values: sampleIds({ vocabularySize: V, count: ids, skew, random: rng }), rowSplits });
  const grad = tf.fill([B, dim], 0.01);
  // What ran: the helper's finished-job counter before and after the engine's steps.
  const helper = emb.useSimd && emb.useHelperThread ? GatherHelper.get() : null;
  const helperJobsBefore = helper?.jobsDone ?? 0;
  let helperRan = false;
  const lookupTimes: number[] = [];
  const updateTimes: number[] = [];
  let dense: DenseLookupCost | null = null;
  try {
    for (let i = 0; i < warmup + repeats; i++) {
      const input = { items: nextInput() };
      const t0 = performance.now();
      const out = emb.lookup(input);
      const t1 = performance.now();
      emb.applyGradients({ items: grad });
      const t2 = performance.now();
      out.items.dispose();
      if (i >= warmup) {
        lookupTimes.push(t1 - t0);
        updateTimes.push(t2 - t1);
      }
    }
    helperRan = helper !== null && helper.jobsDone > helperJobsBefore;
    if (options.dense ?? true) dense = timeDense(emb, nextInput, grad, denseRepeats);
  } finally {
    grad.dispose();
  }
  const lookupMs = median(lookupTimes);
  const updateMs = median(updateTimes);
  const lookupBytes = (ids + B) * dim * 4;
  const stats = emb.lastStats!;
  return Object.freeze({
    vocabularySize: V,
    dim,
    idsPerStep: ids,
    idsPerSample: k,
    globalBatchSize: B,
    skew: skew === 'uniform' ? 'uniform' : `zipf(${skew.zipf})`,
    topology: emb.topology.name,
    placement: emb.placement,
    sharding: emb.sharding,
    kernels: emb.useSimd && emb.tables[0].simd !== null,
    helperThread: helperRan,
    native: emb.useSimd && emb.useNative && emb.tables[0].simd !== null && nativeKernels() !== null,
    tableBytes: V * dim * 4,
    lookupMs,
    updateMs,
    stepMs: lookupMs + updateMs,
    lookupBytes,
    lookupBytesPerS: lookupBytes / (lookupMs / 1000),
    uniqueIds: stats.tables[0].uniqueIds,
    stats,
    dense,
  });
}

function timeDense(
  emb: TPUEmbedding,
  nextInput: () => { values: Int32Array; rowSplits: Int32Array },
  grad: tf.Tensor,
  repeats: number,
): DenseLookupCost {
  const dense = DenseEmbeddingBaseline.fromEmbedding(emb);
  const lookupTimes: number[] = [];
  const updateTimes: number[] = [];
  try {
    for (let i = 0; i < 1 + repeats; i++) {
      const input = { items: nextInput() };
      const t0 = performance.now();
      const out = dense.lookup(input);
      out.items.dataSync();
      const t1 = performance.now();
      dense.applyGradients({ items: grad });
      const t2 = performance.now();
      out.items.dispose();
      if (i >= 1) {
        lookupTimes.push(t1 - t0);
        updateTimes.push(t2 - t1);
      }
    }
  } finally {
    dense.dispose();
  }
  const lookupMs = median(lookupTimes);
  const updateMs = median(updateTimes);
  return Object.freeze({ lookupMs, updateMs, stepMs: lookupMs + updateMs });
}

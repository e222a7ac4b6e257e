/**
 * The native twins of the optimizers' row updates (`src/kernels/native/row-update*.cc`), for an optimizer's
 * `updateRows` to hand a batch to: {@link nativeRowsExact} for the JavaScript loops (clipping, weight decay, every
 * optimizer), {@link nativeRowsFast} for the WebAssembly kernels' float32 form (SGD, Adagrad, Adam unclipped).
 * Both give the same bits as the code they replace.
 */
import type { NativeKernels } from '../kernels/native-kernels';
import type { EmbeddingOptimizer, RowUpdateBatch } from './embedding-optimizer';
import { hasRowKernels } from '../kernels/row-kernels';

/** The native kernels and the threads a step's row updates may use (set by the engine on each batch). */
export interface NativeRowContext {
  readonly kernels: NativeKernels;
  readonly threads: number;
}

/** The native kernels' optimizer ids. */
export const NATIVE_OPTIMIZER_IDS = { SGD: 0, Adagrad: 1, Adam: 2, AdagradMomentum: 3, FTRL: 4 } as const;

/** The fields of the built-in optimizers the native twins read (by class name). */
interface NativeParamsSource extends EmbeddingOptimizer {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  readonly sumInsideSqrt?: boolean;
  readonly momentum?: number;
  readonly useNesterov?: boolean;
  readonly exponent?: number;
  readonly learningRatePower?: number;
  readonly l1RegularizationStrength?: number;
  readonly l2RegularizationStrength?: number;
  readonly beta?: number;
  readonly multiplyLinearByLearningRate?: boolean;
  readonly allowZeroAccumulator?: boolean;
}

const params = new Float64Array(12);

/**
 * The native kernel's id and parameters for `opt`'s JavaScript loop at learning rate `lr` and weight decay `decay`
 * (see `NativeKernels.updateRowsExact`: the options as given, which the kernel rounds to float32 as the loops do;
 * `lr` and `decay` as applyRows hands them to `updateRows`, already float32), or null where there is no twin: another class, AdagradMomentum with an
 * exponent other than 2 or FTRL with a learning-rate power other than −0.5 (`Math.pow` is not libm's `pow`).
 * @returns a reused array: valid until the next call.
 */
export function nativeExactParams(opt: EmbeddingOptimizer, lr: number, decay: number): { id: number; params: Float64Array } | null {
  const o = opt as NativeParamsSource;
  const id = (NATIVE_OPTIMIZER_IDS as Record<string, number>)[o.className];
  if (id === undefined) return null;
  params.fill(0);
  params.set([lr, decay, o.clipGradientMin, o.clipGradientMax, o.clipWeightMin, o.clipWeightMax]);
  if (id === NATIVE_OPTIMIZER_IDS.Adam) params.set([o.beta1!, o.beta2!, o.epsilon!, o.sumInsideSqrt ? 1 : 0], 6);
  if (id === NATIVE_OPTIMIZER_IDS.AdagradMomentum) {
    if (o.exponent !== 2) return null;
    params.set([o.momentum!, o.useNesterov ? 1 : 0, o.beta2!, o.epsilon!], 6);
  }
  if (id === NATIVE_OPTIMIZER_IDS.FTRL) {
    if (o.learningRatePower !== -0.5) return null;
    params.set([o.multiplyLinearByLearningRate ? 1 : 0, o.l2RegularizationStrength!, o.beta!, o.l1RegularizationStrength!, o.allowZeroAccumulator ? 1 : 0], 6);
  }
  return { id, params };
}

/**
 * Runs `opt`'s JavaScript row loop natively on `batch` (same bits).
 * @returns false (nothing changed) where there is no twin ({@link nativeExactParams} null).
 */
export function nativeRowsExact(ctx: NativeRowContext, opt: EmbeddingOptimizer, batch: RowUpdateBatch, lr: number, decay: number): boolean {
  const p = nativeExactParams(opt, lr, decay);
  if (!p) return false;
  const { weights, slots, rowOffsets, count, grads, dim } = batch;
  ctx.kernels.updateRowsExact(p.id, weights, slots[0] ?? null, slots[1] ?? null, rowOffsets, count, grads, dim, p.params, ctx.threads);
  return true;
}

/**
 * Runs the WebAssembly row kernel's update natively (same bits), where that kernel would run: every array in a
 * registered kernel memory and `dim % 4 = 0`. kind 0 SGD, 1 Adagrad, 2 Adam (then `adam` gives β1, β2, ε and
 * the ε placement).
 * @returns false (nothing changed) where the WebAssembly kernel would not run.
 */
export function nativeRowsFast(ctx: NativeRowContext, kind: 0 | 1 | 2, batch: RowUpdateBatch, lr: number, adam?: { b1: number; b2: number; eps: number; inside: boolean }): boolean {
  const { weights, slots, rowOffsets, count, grads, dim } = batch;
  const arrays = [weights, ...slots.slice(0, kind)];
  if (dim % 4 !== 0 || !hasRowKernels(...arrays)) return false;
  ctx.kernels.updateRows(kind, weights, slots[0] ?? null, slots[1] ?? null, rowOffsets, count, grads, dim, lr, adam?.b1 ?? 0, adam?.b2 ?? 0, adam?.eps ?? 0, adam?.inside ?? false, ctx.threads);
  return true;
}

import { compileKernel } from './compile-kernel';
import { WASM_BASE64 } from './row-update.wasm';

/**
 * WebAssembly row-update kernels (`src/kernels/row-update.as.ts`: SGD, Adagrad, Adam) for table arrays that live in shared WebAssembly memories (the engine's tables:
 * weights in the gather kernel's memory, each slot in its own). An optimizer's fast path asks {@link sgdRowsKernel},
 * {@link adagradRowsKernel} or {@link adamRowsKernel} to update a batch; each returns false when an array is not in
 * a registered memory (e.g. plain `Float32Array`s in tests) or `dim % 4 ≠ 0`, and the optimizer then runs its
 * JavaScript loop.
 *
 * Each registered memory has a scratch area of {@link ROW_KERNEL_SCRATCH_BYTES} (row offsets, gradients, steps)
 * that the caller reserved inside it.
 */

/** Floats of gradients (and of steps) one kernel call takes: larger batches are split. */
const CHUNK_FLOATS = 16384;
/** Bytes a registered memory must reserve for the kernels: row offsets, gradients, momenta and steps of one chunk. */
export const ROW_KERNEL_SCRATCH_BYTES = 4 * CHUNK_FLOATS * 4;

/** The exports of `src/kernels/row-update.as.ts` (each returns the sum of the words it read ahead). */
interface RowUpdateExports {
  accumulate(base: number, rows: number, count: number, grads: number, dim: number, lr: number, steps: number): number;
  subtract(base: number, rows: number, count: number, steps: number, dim: number): number;
  sgd(base: number, rows: number, count: number, grads: number, dim: number, lr: number): number;
  adamMoment(base: number, rows: number, count: number, grads: number, dim: number, b1: number, c1: number, out: number): number;
  adamStep(base: number, rows: number, count: number, grads: number, moments: number, dim: number, b2: number, c2: number, lr: number, eps: number, inside: number, steps: number): number;
}

interface RowKernel {
  readonly k: RowUpdateExports;
  readonly rowsPtr: number;
  readonly gradsPtr: number;
  readonly auxPtr: number;
  readonly stepsPtr: number;
  readonly rows: Int32Array;
  readonly grads: Float32Array;
  readonly aux: Float32Array;
  readonly steps: Float32Array;
}

const kernels = new WeakMap<ArrayBufferLike, RowKernel>();
let sink = 0;

/**
 * Makes the arrays viewing `buffer` (the memory's buffer the views were made from) updatable by the kernels.
 * @param memory a shared WebAssembly memory; @param scratchPtr where its {@link ROW_KERNEL_SCRATCH_BYTES} start.
 * @returns false where the kernels cannot run (no WebAssembly SIMD or threads, or a non-shared memory).
 */
export function registerRowMemory(memory: WebAssembly.Memory, buffer: ArrayBufferLike, scratchPtr: number): boolean {
  const compiled = compileKernel(WASM_BASE64);
  if (!compiled || !(buffer instanceof SharedArrayBuffer) || scratchPtr % 16 !== 0 || scratchPtr + ROW_KERNEL_SCRATCH_BYTES > buffer.byteLength) return false;
  try {
    const k = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as RowUpdateExports;
    const rowsPtr = scratchPtr;
    const gradsPtr = rowsPtr + CHUNK_FLOATS * 4;
    const auxPtr = gradsPtr + CHUNK_FLOATS * 4;
    const stepsPtr = auxPtr + CHUNK_FLOATS * 4;
    kernels.set(buffer, {
      k,
      rowsPtr,
      gradsPtr,
      auxPtr,
      stepsPtr,
      rows: new Int32Array(buffer, rowsPtr, CHUNK_FLOATS),
      grads: new Float32Array(buffer, gradsPtr, CHUNK_FLOATS),
      aux: new Float32Array(buffer, auxPtr, CHUNK_FLOATS),
      steps: new Float32Array(buffer, stepsPtr, CHUNK_FLOATS),
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * `n` zeroed floats in a shared WebAssembly memory of their own, registered with the kernels, where there is
 * `SharedArrayBuffer` and they fit in 4 GiB; else a plain `Float32Array` (the optimizers' JavaScript loops).
 */
export function rowKernelArray(n: number): Float32Array {
  const scratchAt = Math.ceil((n * 4) / 16) * 16;
  const pages = Math.ceil((scratchAt + ROW_KERNEL_SCRATCH_BYTES) / 65536);
  if (typeof SharedArrayBuffer !== 'undefined' && pages <= 65536) {
    try {
      const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
      const view = new Float32Array(memory.buffer, 0, n);
      registerRowMemory(memory, view.buffer, scratchAt);
      return view;
    } catch {
      // not enough address space: a plain array
    }
  }
  return new Float32Array(n);
}

/** True when every array lives in a memory registered with the kernels (so a kernel can update their rows). */
export function hasRowKernels(...arrays: readonly Float32Array[]): boolean {
  return arrays.every((a) => kernels.has(a.buffer));
}

/**
 * Adagrad without clipping or weight decay (`acc ← acc + g²; W ← W − lr·g/√acc`) by the kernels, in f32x4
 * arithmetic: the same float32 operations in the same order as the JavaScript loop and TensorFlow, so bit-identical results.
 * @param w,acc the rows' arrays (views of registered memories); @param rowOffsets element offsets of the `count`
 *   rows in both; @param grads `[count, dim]`; @param lr the learning rate.
 * @returns false (and changes nothing) when the arrays are not in registered memories or `dim % 4 ≠ 0`.
 */
export function adagradRowsKernel(w: Float32Array, acc: Float32Array, rowOffsets: Int32Array, count: number, grads: Float32Array, dim: number, lr: number): boolean {
  const kw = kernels.get(w.buffer);
  const ka = kernels.get(acc.buffer);
  if (!kw || !ka || dim % 4 !== 0 || dim > CHUNK_FLOATS) return false;
  const step = Math.floor(CHUNK_FLOATS / dim);
  for (let r0 = 0; r0 < count; r0 += step) {
    const n = Math.min(step, count - r0);
    const rows = rowOffsets.subarray(r0, r0 + n);
    ka.rows.set(rows);
    ka.grads.set(grads.subarray(r0 * dim, (r0 + n) * dim));
    sink = (sink + ka.k.accumulate(acc.byteOffset, ka.rowsPtr, n, ka.gradsPtr, dim, lr, ka.stepsPtr)) | 0;
    kw.rows.set(rows);
    kw.steps.set(ka.steps.subarray(0, n * dim));
    sink = (sink + kw.k.subtract(w.byteOffset, kw.rowsPtr, n, kw.stepsPtr, dim)) | 0;
  }
  return true;
}

/**
 * SGD without clipping or weight decay (`W ← W − lr·g`) by the kernel, in f32 arithmetic.
 * @returns false (and changes nothing) when `w` is not in a registered memory or `dim % 4 ≠ 0`.
 */
export function sgdRowsKernel(w: Float32Array, rowOffsets: Int32Array, count: number, grads: Float32Array, dim: number, lr: number): boolean {
  const kw = kernels.get(w.buffer);
  if (!kw || dim % 4 !== 0 || dim > CHUNK_FLOATS) return false;
  const step = Math.floor(CHUNK_FLOATS / dim);
  for (let r0 = 0; r0 < count; r0 += step) {
    const n = Math.min(step, count - r0);
    kw.rows.set(rowOffsets.subarray(r0, r0 + n));
    kw.grads.set(grads.subarray(r0 * dim, (r0 + n) * dim));
    sink = (sink + kw.k.sgd(w.byteOffset, kw.rowsPtr, n, kw.gradsPtr, dim, lr)) | 0;
  }
  return true;
}

/**
 * Lazy Adam without clipping or weight decay (TPU semantics: no bias correction) by the kernels, in three calls per
 * chunk (hyper-parameters in float32 and `1 − β` computed from float32 β, as TensorFlow does): momenta, velocities and step, weights. `inside`: ε² inside the square root (TPU's sumInsideSqrt).
 * @returns false (and changes nothing) when an array is not in a registered memory or `dim % 4 ≠ 0`.
 */
export function adamRowsKernel(w: Float32Array, m: Float32Array, v: Float32Array, rowOffsets: Int32Array, count: number, grads: Float32Array, dim: number, lr: number, b1: number, b2: number, eps: number, inside: boolean): boolean {
  const kw = kernels.get(w.buffer);
  const km = kernels.get(m.buffer);
  const kv = kernels.get(v.buffer);
  if (!kw || !km || !kv || dim % 4 !== 0 || dim > CHUNK_FLOATS) return false;
  const step = Math.floor(CHUNK_FLOATS / dim);
  for (let r0 = 0; r0 < count; r0 += step) {
    const n = Math.min(step, count - r0);
    const rows = rowOffsets.subarray(r0, r0 + n);
    const g = grads.subarray(r0 * dim, (r0 + n) * dim);
    km.rows.set(rows);
    km.grads.set(g);
    sink = (sink + km.k.adamMoment(m.byteOffset, km.rowsPtr, n, km.gradsPtr, dim, b1, Math.fround(1 - Math.fround(b1)), km.auxPtr)) | 0;
    kv.rows.set(rows);
    kv.grads.set(g);
    kv.aux.set(km.aux.subarray(0, n * dim));
    sink = (sink + kv.k.adamStep(v.byteOffset, kv.rowsPtr, n, kv.gradsPtr, kv.auxPtr, dim, b2, Math.fround(1 - Math.fround(b2)), lr, eps, inside ? 1 : 0, kv.stepsPtr)) | 0;
    kw.rows.set(rows);
    kw.steps.set(kv.steps.subarray(0, n * dim));
    sink = (sink + kw.k.subtract(w.byteOffset, kw.rowsPtr, n, kw.stepsPtr, dim)) | 0;
  }
  return true;
}

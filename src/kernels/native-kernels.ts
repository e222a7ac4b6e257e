/**
 * The native kernels (C++17, node-addon-api; sources in `src/kernels/native/`, built by `npm install` through
 * `scripts/build-native.mjs` into `build/Release/tpu_embeddings_native.node`): loaded once per process where they
 * can be (Node, the addon built, `TPU_EMBEDDINGS_NATIVE` not `0`), else null and the WebAssembly kernels run. One
 * log line says which path is active.
 */
import * as path from 'node:path';

/** Environment variable: `0` keeps the native kernels off (the WebAssembly ones run). */
export const NATIVE_ENV = 'TPU_EMBEDDINGS_NATIVE';
/** The addon's file name under `build/Release/`. */
export const NATIVE_ADDON_FILE = 'tpu_embeddings_native.node';

/**
 * The addon's functions. Every call is synchronous: it joins its threads before returning, so the arrays it is
 * given (views of a table's memory or of the tfjs-wasm heap) cannot move or grow during the call. Each checks
 * its ranges and throws a RangeError instead of reading or writing outside an array.
 */
export interface NativeKernels {
  /**
   * Pooled gather + combine, the twin of `SimdCombiner.combine` (bit-identical): for b < B,
   * `out[b × dim …] = Σ_{p ∈ [rowSplits[b], rowSplits[b+1])} scale[p] · storage row at byte posOff[p]`, zeroed then
   * added in position order in float32; a batch of one-id bags of scale 1 is copied.
   * @param storage the table `[rows, dim]`; posOff byte offsets into it (unsigned). @param rowSplits `[B + 1]`,
   *   absolute positions of `posOff` and `scale`. @param out `[B, dim]` (e.g. a view of the tfjs-wasm heap).
   * @param maxBag longer bags are skipped (left to the caller). @param threads threads to use (1 = the caller only).
   * @returns how many samples were skipped.
   */
  combine(storage: Float32Array, posOff: Int32Array, scale: Float32Array, rowSplits: Int32Array, B: number, dim: number, out: Float32Array, maxBag: number, threads: number): number;
  /**
   * The id router's insert, the twin of `src/kernels/id-router.as.ts` (same hash, order, routing and counts) on the
   * caller's arrays: positions `[start, end)` of `ids` → `slotOut`, `posOut`; counters `idsPS`/`uniqPS` from `base`;
   * hash `[2 × 2^k]` with `shift = 32 − k`; per distinct id `uIds`, `uShard`, `uRow`, `uTag`.
   * @returns the new number of distinct ids.
   */
  insertRouted(
    ids: Int32Array, start: number, end: number, slotOut: Int32Array, posOut: Int32Array, rowBytes: number,
    mode: number, N: number, rot: number, rps: number, q: number, extras: number, replica: number,
    idsPS: Int32Array, uniqPS: Int32Array, base: number, hash: Int32Array, shift: number,
    uIds: Int32Array, uShard: Int32Array, uRow: Int32Array, uTag: Int32Array, count: number,
  ): number;
  /**
   * The lookup of one pooled feature on one replica in one call: {@link insertRouted} of the positions of bags
   * `[b0, b1)` (`[rowSplits[b0], rowSplits[b1])`; the same arrays and results) and {@link combine} of those bags into
   * `out` rows `b0 …` (bit-identical). The caller routes every position in order while pool workers combine chunks
   * of bags, reading each row at the offset the routing gives its id; then the caller takes the chunks left.
   * @returns `[the new number of distinct ids, bags longer than maxBag left to the caller]`.
   */
  routeCombine(
    ids: Int32Array, slotOut: Int32Array, posOut: Int32Array, rowBytes: number,
    mode: number, N: number, rot: number, rps: number, q: number, extras: number, replica: number,
    idsPS: Int32Array, uniqPS: Int32Array, base: number, hash: Int32Array, shift: number,
    uIds: Int32Array, uShard: Int32Array, uRow: Int32Array, uTag: Int32Array, count: number,
    storage: Float32Array, scale: Float32Array, rowSplits: Int32Array, b0: number, b1: number, dim: number, out: Float32Array, maxBag: number, threads: number,
  ): [number, number];
  /** Empties the hash slots of `uIds[0 .. count)` (the cheap reset after a step with few distinct ids). */
  clearUsed(hash: Int32Array, shift: number, uIds: Int32Array, count: number): void;
  /**
   * Gradient sums, the twin of `src/kernels/gradient-sum.as.ts` (bit-identical): for rows i ∈ [i0, i1),
   * `sums[(i − i0) × dim …] = Σ_e scale[e] · grads[feature[e]][goff[e] …]` over e ∈ [ends[i − 1], ends[i]).
   * @param feature per entry, its gradient's index in `grads` (null: all read `grads[0]`).
   */
  sumRows(i0: number, i1: number, ends: Int32Array, goff: Int32Array, scale: Float32Array, feature: Int32Array | null, grads: readonly Float32Array[], dim: number, sums: Float32Array, threads: number): void;
  /**
   * Row updates without clipping or weight decay, the twins of `src/kernels/row-update.as.ts` (bit-identical, in
   * float32 with the hyper-parameters rounded to float32): kind 0 SGD `W −= lr·g`; 1 Adagrad `acc += g²;
   * W −= lr·g/√acc` (`s1` accumulators); 2 Adam (`s1` momenta, `s2` velocities, `v ← β2·v + (c2·g)·g` with
   * c2 = 1 − β2 in float32, no bias correction; `inside`:
   * `√(v + ε²)`, else `√v + ε`). Row r is at element offset `rowOffsets[r]` of every array; its gradient at
   * `grads[r × dim …]`. Rows must be distinct (they are updated in parallel).
   */
  updateRows(kind: 0 | 1 | 2, w: Float32Array, s1: Float32Array | null, s2: Float32Array | null, rowOffsets: Int32Array, count: number, grads: Float32Array, dim: number, lr: number, b1: number, b2: number, eps: number, inside: boolean, threads: number): void;
  /**
   * The optimizers' JavaScript row loops with clipping and weight decay, bit-identical (TF's float32 math: float32
   * hyper-parameters, every operation rounded to float32 in the same order): optimizer 0 SGD, 1 Adagrad
   * (`s1` accumulators), 2 Adam (`s1` momenta, `s2` velocities),
   * 3 AdagradMomentum (`s1` accumulators, `s2` momenta; exponent 2 only), 4 FTRL (`s1` accumulators, `s2` linears;
   * learningRatePower −0.5 only). `params` (12 floats): lr, decay, clipGradientMin, clipGradientMax, clipWeightMin,
   * clipWeightMax, then per optimizer — Adam β1, β2, ε, sumInsideSqrt (1/0); AdagradMomentum momentum, useNesterov,
   * β2, ε; FTRL multiplyLinearByLearningRate, l2, β, l1, allowZeroAccumulator — as the options hold them (the kernel
   * rounds them to float32; lr and decay are used as given). Rows must be distinct.
   */
  updateRowsExact(optimizer: number, w: Float32Array, s1: Float32Array | null, s2: Float32Array | null, rowOffsets: Int32Array, count: number, grads: Float32Array, dim: number, params: Float64Array, threads: number): void;
  /**
   * Asks the kernel for 2 MiB pages under the array's 2 MiB-aligned interior (`madvise` MADV_HUGEPAGE, and with
   * `collapse` MADV_COLLAPSE of the pages already written): fewer TLB misses for random row reads. Contents are
   * unchanged. @returns the bytes advised, 0 where refused or not Linux, −errno where the collapse failed.
   */
  adviseHugePages(array: Float32Array, collapse: boolean): number;
  /** The first index of `values` whose value lies outside `[0, vocab)`, or −1 (vectorized; the lookup's id check). */
  firstOutside(values: Int32Array, vocab: number): number;
  /** The first index i ≥ 1 with `a[i] < a[i − 1]`, or −1 (vectorized; the row-splits check). */
  firstDecrease(a: Int32Array): number;
  /** The BLAS library {@link sgemm} calls (found at run time: OpenBLAS, else a CBLAS `libblas.so.3`), or '' without one. */
  blas(): string;
  /**
   * `C [M, N] = op(A) · op(B)`, plus `bias [N]` on every row when given, then `max(·, 0)` when `relu` (row-major
   * float32, one BLAS thread; `op(A)` is `[M, K]`, stored `[K, M]` when `transA`; `op(B)` `[K, N]`, stored `[N, K]`
   * when `transB`). @throws RangeError when an array is shorter than its matrix or there is no BLAS.
   */
  sgemm(transA: boolean, transB: boolean, M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array, bias: Float32Array | null, relu: boolean): void;
  /** Threads the pool can use (its workers plus the caller): the hardware threads, at most 8. */
  poolThreads(): number;
  /** The last pooled call's chunks and how many of them pool workers did (0: the calling thread did them all). */
  poolStats(): { chunks: number; workerChunks: number };
  /** The widest vector instructions the kernels use on this CPU: `avx512f`, `avx2` or `baseline`. */
  isa(): string;
}

/** Which kernels are active and why (see {@link nativeKernelStatus}). */
export interface NativeKernelStatus {
  /** The native kernels loaded. */
  readonly active: boolean;
  /** The addon's path (loaded or tried), or null where none was tried. */
  readonly path: string | null;
  /** The one line logged: which path is active and, when native is off, why and how to turn it on. */
  readonly line: string;
}

/** Options of {@link loadNativeKernels}. */
export interface LoadNativeKernelsOptions {
  /** The addon file. @default `<package root>/build/Release/tpu_embeddings_native.node` */
  readonly path?: string;
  /** Environment read for {@link NATIVE_ENV}. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The addon's default path: `build/Release/` of the package root (two levels above `src/kernels` or `dist/kernels`). */
export function defaultNativeAddonPath(): string {
  return path.resolve(__dirname, '..', '..', 'build', 'Release', NATIVE_ADDON_FILE);
}

/**
 * Tries to load the native kernels (no caching, no logging: {@link nativeKernels} does both).
 * @returns the kernels (null when off or not loadable) and the status line saying which path is active.
 * @example const { kernels, status } = loadNativeKernels({ env: { TPU_EMBEDDINGS_NATIVE: '0' } }); // kernels null
 */
export function loadNativeKernels(options: LoadNativeKernelsOptions = {}): { kernels: NativeKernels | null; status: NativeKernelStatus } {
  const env = options.env ?? (typeof process !== 'undefined' ? process.env : {});
  const wasm = (why: string, p: string | null): { kernels: null; status: NativeKernelStatus } => ({
    kernels: null,
    status: { active: false, path: p, line: `tpu-embeddings: kernels: WebAssembly (${why})` },
  });
  if (env[NATIVE_ENV] === '0') return wasm(`${NATIVE_ENV}=0`, null);
  if (typeof process === 'undefined' || !process.versions?.node || typeof require !== 'function') return wasm('not Node: no native addon', null);
  const file = options.path ?? defaultNativeAddonPath();
  let kernels: NativeKernels;
  try {
    kernels = require(file) as NativeKernels;
    const expected = ['combine', 'insertRouted', 'routeCombine', 'sumRows', 'firstOutside', 'firstDecrease', 'sgemm'] as const;
    if (expected.some((f) => typeof kernels[f] !== 'function')) {
      return wasm(`${file} is not this package's addon; rebuild it with \`npm rebuild tpu-embeddings\` or \`node scripts/build-native.mjs\``, file);
    }
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    const why = (e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' ? `native addon not built: ${file} is missing` : `native addon failed to load: ${msg}`;
    return wasm(`${why}; build it with \`node scripts/build-native.mjs\` (needs a C++17 compiler and python3)`, file);
  }
  return { kernels, status: { active: true, path: file, line: `tpu-embeddings: kernels: native (${kernels.isa()}, ${kernels.poolThreads()} threads, ${file})` } };
}

/** Shortest array the input scans ({@link firstIdOutside}, {@link firstDecrease}) hand to the native kernels. */
export const NATIVE_SCAN_MIN_LENGTH = 1024;

/**
 * The first index of `values` outside `[0, vocab)`, or −1: the native scan for long arrays where the kernels
 * loaded, else a JavaScript loop (same index).
 */
export function firstIdOutside(values: Int32Array, vocab: number): number {
  const k = values.length >= NATIVE_SCAN_MIN_LENGTH ? nativeKernels() : null;
  if (k) return k.firstOutside(values, vocab);
  for (let p = 0; p < values.length; p++) if (values[p] < 0 || values[p] >= vocab) return p;
  return -1;
}

/** The first index i ≥ 1 with `a[i] < a[i − 1]`, or −1 (native scan for long arrays, else a JavaScript loop). */
export function firstDecrease(a: Int32Array): number {
  const k = a.length >= NATIVE_SCAN_MIN_LENGTH ? nativeKernels() : null;
  if (k) return k.firstDecrease(a);
  for (let i = 1; i < a.length; i++) if (a[i] < a[i - 1]) return i;
  return -1;
}

/** Smallest table array (bytes) {@link adviseTableHugePages} asks huge pages for: 16 MiB. */
export const HUGE_PAGE_MIN_BYTES = 16 * 2 ** 20;

/**
 * Asks for 2 MiB pages under a table array about to be written (weights before the initializer fills them, a slot
 * before its initial value), when the native kernels are loaded and the array is at least
 * {@link HUGE_PAGE_MIN_BYTES}: its pages then fault in as huge pages and a random row read rarely misses the TLB
 * (measured on a loaded machine: the 65,536 × 1 native gather of a 256 MB table, one thread, 2.6 → 2.1 ms).
 * A no-op elsewhere; contents are never changed.
 * @returns the bytes advised (0 when nothing was done).
 */
export function adviseTableHugePages(array: Float32Array): number {
  const k = array.byteLength >= HUGE_PAGE_MIN_BYTES ? nativeKernels() : null;
  return k ? Math.max(0, k.adviseHugePages(array, false)) : 0;
}

let loaded: { kernels: NativeKernels | null; status: NativeKernelStatus } | null = null;

/**
 * The process's native kernels, loaded on first call (then one line on stderr, or stdout inside a notebook,
 * says which path is active); null where they cannot run, and the WebAssembly kernels are used.
 */
export function nativeKernels(): NativeKernels | null {
  if (!loaded) {
    loaded = loadNativeKernels();
    const inNotebook = typeof process !== 'undefined' && process.env.JPY_PARENT_PID !== undefined;
    if (inNotebook) console.log(loaded.status.line);
    else console.error(loaded.status.line);
  }
  return loaded.kernels;
}

/**
 * Makes `next` (a {@link loadNativeKernels} result) the process's kernels: what {@link nativeKernels} and
 * {@link nativeKernelStatus} return from now on, so tables and `TPUEmbedding`s made afterwards route, gather and
 * update with them. For comparing both paths in one process: the built addon (`loadNativeKernels({ env: {} })`) in
 * a process started with `TPU_EMBEDDINGS_NATIVE=0`, or the WebAssembly path (`loadNativeKernels({ env: {
 * TPU_EMBEDDINGS_NATIVE: '0' } })`) where the addon is active. Logs nothing.
 * @returns the kernels and status it replaces (pass them back to restore).
 * @example const before = swapNativeKernels(loadNativeKernels({ env: { TPU_EMBEDDINGS_NATIVE: '0' } })); … swapNativeKernels(before);
 */
export function swapNativeKernels(next: { kernels: NativeKernels | null; status: NativeKernelStatus }): { kernels: NativeKernels | null; status: NativeKernelStatus } {
  nativeKernels();
  const previous = loaded!;
  loaded = { kernels: next.kernels, status: next.status };
  return previous;
}

/** The status of {@link nativeKernels} (loading them first if needed): which path is active and why. */
export function nativeKernelStatus(): NativeKernelStatus {
  nativeKernels();
  return loaded!.status;
}

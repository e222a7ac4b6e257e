/**
 * A WebAssembly SIMD kernel for the pooled gather + combine (`out[b] = Σ_p scale[p] · row(p)`), compiled from
 * AssemblyScript (`src/kernels/simd-combine.as.ts`, bodies in `as-lib/simd-combine.as.ts`, under the build's
 * staleness check): JavaScript's scalar loop converts every float32 to float64 and back and bounds-checks
 * five arrays per element; `f32x4` loads, multiplies and adds move 16 bytes per instruction.
 *
 * A table that uses it keeps its weights in a `WebAssembly.Memory` (never grown, so the `Float32Array` shard views
 * stay valid), followed by a small scratch area for one chunk of samples:
 *
 * ```
 * memory:  | storage [storageRows, dim] f32 | offs [P] i32 | scale [P] f32 | splits [Bc + 1] i32 | out [Bc, dim] f32 |
 * ```
 */

/** Most positions (ids) of one chunk (the scratch size); a longer bag is combined in JavaScript. */
export const SIMD_CHUNK_POSITIONS = 8192;
/** Positions a chunk aims at: its rows (×256 B at dim 64) stay in L2 between the touch and the combine. */
export const SIMD_TARGET_POSITIONS = 1024;
/** Samples per chunk. */
export const SIMD_CHUNK_SAMPLES = 1024;
/**
 * Rows per chunk of {@link SimdCombiner.gather}: 512 rows (128 KB at dim 64) plus their output chunk stay in L2;
 * measured faster than 1,024 (median 8.7 vs 10.5 ms for 65,536 ids on a 1e6 × 64 table) and than 256.
 */
export const SIMD_GATHER_ROWS = 512;

import { ROW_KERNEL_SCRATCH_BYTES } from './row-kernels';
import { compileKernel } from './compile-kernel';
import { WASM_BASE64 as SHARED_BASE64 } from './simd-combine.wasm';
import { WASM_BASE64 as LOCAL_BASE64 } from './simd-combine-local.wasm';

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB: wasm32's limit

/**
 * The compiled module (`simd-combine.as.ts`, or `simd-combine-local.as.ts` for a non-shared memory), or null when
 * this runtime has no WebAssembly SIMD (or, for `shared`, no threads).
 * @param shared import a shared memory (a `SharedArrayBuffer` the gather helper thread also reads) @default false
 */
export function simdCombinerModule(shared = false): WebAssembly.Module | null {
  if (typeof WebAssembly === 'undefined') return null;
  return compileKernel(shared ? SHARED_BASE64 : LOCAL_BASE64);
}

/** True where `SharedArrayBuffer` exists (Node; browsers only when cross-origin isolated). */
export function sharedMemoryAvailable(): boolean {
  return typeof SharedArrayBuffer !== 'undefined';
}

/** Pointers and views of the area a helper thread's part of a combine uses (see {@link SimdCombiner.helperArea}). */
export interface HelperArea {
  readonly idsPtr: number;
  readonly scalesPtr: number;
  readonly splitsPtr: number;
  readonly outPtr: number;
  readonly ids: Int32Array;
  readonly scales: Float32Array;
  readonly splits: Int32Array;
  readonly out: Float32Array;
}

/**
 * A table's weights in wasm memory plus the kernel bound to it. `null` from {@link SimdCombiner.create} means: use
 * a plain `Float32Array` and the JavaScript loop (no SIMD, `dim % 4 ≠ 0`, or the table does not fit in 4 GiB).
 */
export class SimdCombiner {
  /** `[storageRows, dim]` weights, a view of the wasm memory. */
  readonly storage: Float32Array;
  private readonly offs: Int32Array;
  private readonly scales: Float32Array;
  private readonly splits: Int32Array;
  private readonly out: Float32Array;
  private readonly offsPtr: number;
  private readonly scalesPtr: number;
  private readonly splitsPtr: number;
  private readonly outPtr: number;
  private readonly kernel: (offs: number, scales: number, splits: number, B: number, dimBytes: number, out: number) => void;
  private readonly touch: (offs: number, n: number, dimBytes: number) => number;
  private readonly gatherKernel: (offs: number, n: number, dimBytes: number, out: number) => void;
  /** Sum returned by the touch loop (kept so the loads are not dead code). */
  private sink = 0;
  /** First byte after the kernel's scratch (where {@link helperArea} starts). */
  private readonly scratchEnd: number;
  /** Where the row-update kernels' scratch (`ROW_KERNEL_SCRATCH_BYTES`) starts. */
  readonly rowKernelScratch: number;
  private area: HelperArea | null = null;

  private constructor(readonly memory: WebAssembly.Memory, storageFloats: number, readonly dim: number, instance: WebAssembly.Instance) {
    const buf = memory.buffer;
    this.storage = new Float32Array(buf, 0, storageFloats);
    let p = storageFloats * 4;
    this.offsPtr = p;
    this.offs = new Int32Array(buf, p, SIMD_CHUNK_POSITIONS);
    p += SIMD_CHUNK_POSITIONS * 4;
    this.scalesPtr = p;
    this.scales = new Float32Array(buf, p, SIMD_CHUNK_POSITIONS);
    p += SIMD_CHUNK_POSITIONS * 4;
    this.splitsPtr = p;
    this.splits = new Int32Array(buf, p, SIMD_CHUNK_SAMPLES + 1);
    p += (SIMD_CHUNK_SAMPLES + 4) * 4;
    this.outPtr = p;
    this.out = new Float32Array(buf, p, SIMD_CHUNK_SAMPLES * dim);
    p += SIMD_CHUNK_SAMPLES * dim * 4;
    this.rowKernelScratch = Math.ceil(p / 16) * 16;
    this.scratchEnd = this.rowKernelScratch + ROW_KERNEL_SCRATCH_BYTES;
    this.kernel = instance.exports.combine as SimdCombiner['kernel'];
    this.touch = instance.exports.touch as SimdCombiner['touch'];
    this.gatherKernel = instance.exports.gather as SimdCombiner['gatherKernel'];
  }

  /**
   * Allocates `storageFloats` floats of weights (zeros) in a new wasm memory with the kernel's scratch after them.
   * @returns null when SIMD is unavailable, `dim % 4 ≠ 0`, or the memory would exceed 4 GiB.
   */
  static create(storageFloats: number, dim: number, shared = sharedMemoryAvailable()): SimdCombiner | null {
    if (dim % 4 !== 0) return null;
    const mod = simdCombinerModule(shared);
    if (!mod) return shared ? SimdCombiner.create(storageFloats, dim, false) : null;
    const scratch = simdScratchBytes(dim);
    const pages = Math.ceil((storageFloats * 4 + scratch) / PAGE);
    if (pages > MAX_PAGES) return null;
    try {
      // A shared memory may grow (for the helper's area) without moving: the views made here stay valid.
      const memory = shared ? new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true }) : new WebAssembly.Memory({ initial: pages, maximum: pages });
      const instance = new WebAssembly.Instance(mod, { env: { memory } });
      return new SimdCombiner(memory, storageFloats, dim, instance);
    } catch {
      return null; // not enough address space: fall back to JavaScript
    }
  }

  /** True when the memory is shared (a helper thread can run part of a combine on it). */
  get shared(): boolean {
    return this.memory.buffer instanceof SharedArrayBuffer;
  }

  /**
   * The area after the scratch where a helper thread's part of a combine reads its ids, scales and splits and writes
   * its activations, for `positions` ids and `samples` samples: grown (the memory grows) when too small, reused
   * otherwise. Only for a shared memory.
   * @returns null when the memory cannot grow that far (wasm32's 4 GiB).
   */
  helperArea(positions: number, samples: number): HelperArea | null {
    const a = this.area;
    if (a && a.ids.length >= positions && a.splits.length >= samples + 1) return a;
    const P = Math.max(positions, a ? a.ids.length : 0);
    const S = Math.max(samples, a ? a.splits.length - 1 : 0);
    const align = (n: number): number => Math.ceil(n / 16) * 16;
    const idsPtr = align(this.scratchEnd);
    const scalesPtr = idsPtr + align(P * 4);
    const splitsPtr = scalesPtr + align(P * 4);
    const outPtr = splitsPtr + align((S + 1) * 4);
    const end = outPtr + S * this.dim * 4;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) return null;
      try {
        this.memory.grow(pages);
      } catch {
        return null;
      }
    }
    const buf = this.memory.buffer;
    this.area = {
      idsPtr,
      scalesPtr,
      splitsPtr,
      outPtr,
      ids: new Int32Array(buf, idsPtr, P),
      scales: new Float32Array(buf, scalesPtr, P),
      splits: new Int32Array(buf, splitsPtr, S + 1),
      out: new Float32Array(buf, outPtr, S * this.dim),
    };
    return this.area;
  }

  /**
   * Pooled combine of samples `[0, B)`: `out[b × dim …] = Σ_{p ∈ [rowSplits[b], rowSplits[b+1])} scale[p] · row(p)`.
   * @param posByteOff byte offset in the memory of each position's row (0 for dropped positions, whose scale is 0);
   *   above 2 GiB the int32 wraps to the unsigned wasm address.
   * @param scale per-position weight. @param out `[B, dim]`, overwritten.
   * @param fallback combines sample b in JavaScript (a bag longer than one chunk).
   */
  combine(posByteOff: Int32Array, scale: Float32Array, rowSplits: Int32Array, B: number, out: Float32Array, fallback: (b: number) => void): void {
    const dim = this.dim;
    if (isUnitBags(scale, rowSplits, B)) {
      this.gather(posByteOff.subarray(rowSplits[0], rowSplits[0] + B), out);
      return;
    }
    let b = 0;
    while (b < B) {
      const p0 = rowSplits[b];
      if (rowSplits[b + 1] - p0 > SIMD_CHUNK_POSITIONS) {
        fallback(b);
        b++;
        continue;
      }
      let b1 = b;
      b1++; // the first sample always fits
      while (b1 < B && b1 - b < SIMD_CHUNK_SAMPLES && rowSplits[b1 + 1] - p0 <= SIMD_TARGET_POSITIONS) b1++;
      const p1 = rowSplits[b1];
      this.offs.set(posByteOff.subarray(p0, p1));
      this.scales.set(scale.subarray(p0, p1));
      const splits = this.splits;
      for (let i = b; i <= b1; i++) splits[i - b] = rowSplits[i] - p0;
      this.sink = (this.sink + this.touch(this.offsPtr, p1 - p0, dim * 4)) | 0;
      this.kernel(this.offsPtr, this.scalesPtr, this.splitsPtr, b1 - b, dim * 4, this.outPtr);
      out.set(this.out.subarray(0, (b1 - b) * dim), b * dim);
      b = b1;
    }
  }

  /**
   * Gathers one row per sample: `out[i × dim …] = row at posByteOff[i]` for i < posByteOff.length (the combine of
   * one-id bags with scale 1, without the multiply-add).
   * @param posByteOff byte offset of each sample's row (as in {@link combine}). @param out `[n, dim]`, overwritten.
   */
  gather(posByteOff: Int32Array, out: Float32Array): void {
    const dim = this.dim;
    const n = posByteOff.length;
    const step = SIMD_GATHER_ROWS;
    for (let i = 0; i < n; i += step) {
      const m = Math.min(step, n - i);
      this.offs.set(posByteOff.subarray(i, i + m));
      this.sink = (this.sink + this.touch(this.offsPtr, m, dim * 4)) | 0;
      this.gatherKernel(this.offsPtr, m, dim * 4, this.outPtr);
      out.set(this.out.subarray(0, m * dim), i * dim);
    }
  }
}

/** Bytes of the scratch a {@link SimdCombiner} of width `dim` keeps after its weights (chunk buffers and the row kernels' scratch). */
function simdScratchBytes(dim: number): number {
  return SIMD_CHUNK_POSITIONS * 8 + (SIMD_CHUNK_SAMPLES + 4) * 4 + SIMD_CHUNK_SAMPLES * dim * 4 + 16 + ROW_KERNEL_SCRATCH_BYTES;
}

/**
 * Most rows of width `dim` a {@link SimdCombiner}'s memory can hold with its scratch within wasm32's 4 GiB (and so
 * the most rows byte offsets of the gather address): `⌊(4 GiB − scratch) / (dim × 4)⌋`.
 * @example maxSimdRows(64) // 16,744,448 rows of 256 B
 */
export function maxSimdRows(dim: number): number {
  return Math.floor((MAX_PAGES * PAGE - simdScratchBytes(dim) - PAGE) / (dim * 4));
}

/** True when every sample b < B has exactly one position and its scale is 1 (then combine is a gather). */
function isUnitBags(scale: Float32Array, rowSplits: Int32Array, B: number): boolean {
  const p0 = rowSplits[0];
  if (rowSplits[B] - p0 !== B) return false;
  for (let b = 0; b < B; b++) {
    if (rowSplits[b + 1] - rowSplits[b] !== 1 || scale[p0 + b] !== 1) return false;
  }
  return true;
}

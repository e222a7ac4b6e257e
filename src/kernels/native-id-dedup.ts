import { nativeKernels, type NativeKernels } from './native-kernels';
import type { IdRouting } from './id-dedup';
import { kernelRoute, type KernelRoute, type RoutedIdDedup } from './wasm-id-dedup';

/**
 * {@link IdDedup.insertRouted} run by the native kernel (`src/kernels/native/id-router.cc`, the twin of the
 * WebAssembly router): the same hash table, order of first appearance, routing and counts, on this object's own
 * `Int32Array`s and the caller's (no copies in or out). Its arrays hold per-step state only, sized by the ids per
 * step (never by the vocabulary) and grown, never shrunk, by {@link reset}; the views it returns are valid until
 * the next reset.
 *
 * @example
 * const d = NativeIdDedup.create(); // null without the native kernels
 * d?.reset(4);
 */
export class NativeIdDedup implements RoutedIdDedup {
  count = 0;
  private cap = 0;
  private hashCap = 0;
  private shift = 0;
  /** `[key, value]` pairs, key −1 empty. */
  private hash = new Int32Array(0);
  private ids = new Int32Array(0);
  private shard = new Int32Array(0);
  private row = new Int32Array(0);
  private tag = new Int32Array(0);
  private lastRouting: IdRouting | null = null;
  private lastRoute: KernelRoute | null = null;
  private views: { ids: Int32Array; shard: Int32Array; row: Int32Array } = { ids: new Int32Array(0), shard: new Int32Array(0), row: new Int32Array(0) };

  private constructor(private readonly k: NativeKernels) {}

  /**
   * A new deduplicator, or null without the native kernels (then use `WasmIdDedup` or `IdDedup`).
   * @param kernels the kernels to run. @default the process's {@link nativeKernels}
   */
  static create(kernels: NativeKernels | null = nativeKernels()): NativeIdDedup | null {
    return kernels ? new NativeIdDedup(kernels) : null;
  }

  get uniqueIds(): Int32Array {
    return this.views.ids;
  }
  get uniqueShard(): Int32Array {
    return this.views.shard;
  }
  get uniqueRow(): Int32Array {
    return this.views.row;
  }

  reset(maxIds: number): void {
    if (this.hashCap === 0 || this.cap < maxIds || this.hashCap < 2 * maxIds) { // the first reset lays out even for 0 ids
      this.layout(Math.max(maxIds, 2 * this.cap, 1024));
    } else if (this.count * 8 >= this.hashCap) {
      this.hash.fill(-1);
    } else {
      this.k.clearUsed(this.hash, this.shift, this.ids, this.count);
    }
    this.count = 0;
  }

  insertRouted(ids: Int32Array, start: number, end: number, out: Int32Array, posOff: Int32Array, rowBytes: number, routing: IdRouting, replica: number, idsPS: Int32Array, uniqPS: Int32Array, base: number): void {
    if (end <= start) return;
    if (this.count + end - start > this.cap) throw new RangeError(`NativeIdDedup: ${this.count + end - start} ids exceed the ${this.cap} reserved by reset()`);
    if (routing !== this.lastRouting) {
      this.lastRoute = kernelRoute(routing);
      this.lastRouting = routing;
    }
    const { mode, N, rot, rps, q, extras } = this.lastRoute!;
    this.count = this.k.insertRouted(ids, start, end, out, posOff, rowBytes, mode, N, rot, rps, q, extras, replica, idsPS, uniqPS, base, this.hash, this.shift, this.ids, this.shard, this.row, this.tag, this.count);
  }

  /**
   * {@link insertRouted} of the positions of bags `[b0, b1)` and, in the same native call, their pooled combine into
   * `out` (see `NativeKernels.routeCombine`; bags longer than `maxBag` are left to the caller).
   * @param storage the table's storage; @param scale per position; @param rowSplits the feature's; @param threads
   *   threads of the native pool. @returns how many bags were left to the caller.
   */
  routeCombine(ids: Int32Array, b0: number, b1: number, out: Int32Array, posOff: Int32Array, rowBytes: number, routing: IdRouting, replica: number, idsPS: Int32Array, uniqPS: Int32Array, base: number, storage: Float32Array, scale: Float32Array, rowSplits: Int32Array, values: Float32Array, maxBag: number, threads: number): number {
    const n = rowSplits[b1] - rowSplits[b0];
    if (this.count + n > this.cap) throw new RangeError(`NativeIdDedup: ${this.count + n} ids exceed the ${this.cap} reserved by reset()`);
    if (routing !== this.lastRouting) {
      this.lastRoute = kernelRoute(routing);
      this.lastRouting = routing;
    }
    const { mode, N, rot, rps, q, extras } = this.lastRoute!;
    const [count, left] = this.k.routeCombine(ids, out, posOff, rowBytes, mode, N, rot, rps, q, extras, replica, idsPS, uniqPS, base, this.hash, this.shift, this.ids, this.shard, this.row, this.tag, this.count, storage, scale, rowSplits, b0, b1, rowBytes / 4, values, maxBag, threads);
    this.count = count;
    return left;
  }

  /** Allocates the arrays for `cap` ids and an empty hash table of at least `2 × cap` slots. */
  private layout(cap: number): void {
    let hashCap = 1024;
    while (hashCap < 2 * cap) hashCap *= 2;
    this.hash = new Int32Array(2 * hashCap).fill(-1);
    this.ids = new Int32Array(cap);
    this.shard = new Int32Array(cap);
    this.row = new Int32Array(cap);
    this.tag = new Int32Array(cap);
    this.cap = cap;
    this.hashCap = hashCap;
    this.shift = 32 - Math.log2(hashCap);
    this.views = { ids: this.ids, shard: this.shard, row: this.row };
  }
}

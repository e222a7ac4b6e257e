import { compileKernel } from './compile-kernel';
import { WASM_BASE64 } from './id-router.wasm';
import type { IdRouting } from './id-dedup';

/** What the engine needs from a deduplicator: {@link IdDedup} (JavaScript) and {@link WasmIdDedup} both provide it. */
export interface RoutedIdDedup {
  /** Number of distinct ids inserted since the last reset. */
  readonly count: number;
  /** Distinct ids in order of first appearance (`[0, count)` valid until the next reset). */
  readonly uniqueIds: Int32Array;
  /** Shard of each distinct id. */
  readonly uniqueShard: Int32Array;
  /** Storage row of each distinct id. */
  readonly uniqueRow: Int32Array;
  /** Starts a new set able to hold `maxIds` ids. */
  reset(maxIds: number): void;
  /** See {@link IdDedup.insertRouted}: same arguments, same results. */
  insertRouted(ids: Int32Array, start: number, end: number, out: Int32Array, posOff: Int32Array, rowBytes: number, routing: IdRouting, replica: number, idsPS: Int32Array, uniqPS: Int32Array, base: number): void;
}

interface RouterExports {
  configure(table: number, mask: number, shift: number, ids: number, shard: number, row: number, tag: number): void;
  insertRouted(ids: number, n: number, slotOut: number, posOut: number, rowBytes: number, mode: number, N: number, rot: number, rps: number, q: number, extras: number, replica: number, idsPS: number, uniqPS: number, count: number): number;
  clearUsed(count: number): void;
}

/** A layout's routing as the kernels take it (see `src/kernels/id-router.as.ts`). */
export interface KernelRoute {
  /** 0 mod with N a power of two, 1 mod, 2 div, 3 table. */
  readonly mode: number;
  readonly N: number;
  readonly rot: number;
  readonly rps: number;
  /** log2 N (mode 0) or rows of the smaller div shards (mode 2). */
  readonly q: number;
  /** Div shards holding `q + 1` rows (mode 2). */
  readonly extras: number;
}

/** {@link KernelRoute} of `routing`. */
export function kernelRoute(routing: IdRouting): KernelRoute {
  const N = routing.numShards;
  const base = { N, rot: routing.rotation, rps: routing.rowsPerShard };
  if (routing.mod) return (N & (N - 1)) === 0 ? { ...base, mode: 0, q: 31 - Math.clz32(N), extras: 0 } : { ...base, mode: 1, q: 0, extras: 0 };
  if (routing.divisions) return { ...base, mode: 2, q: routing.divisions.q, extras: routing.divisions.extras };
  return { ...base, mode: 3, q: 0, extras: 0 };
}

const PAGE = 65536;
/** Shards a call may count (wasm32 keeps 2 × this many i32 counters). */
const MAX_SHARDS = 65536;

/**
 * {@link IdDedup.insertRouted} run by a WebAssembly kernel (`src/kernels/id-router.as.ts`): the same hash table,
 * order of first appearance, routing and counts, about 5× faster than the JavaScript loop (no bounds checks on
 * seven arrays per position). Its memory holds only per-step arrays, sized by the ids per step (never by the
 * vocabulary) and grown, never shrunk, by {@link reset}; the views it returns are valid until the next reset.
 *
 * Memory: `| ids in | slots out | offsets out | ids per shard | unique per shard | hash [key, value] | unique ids |
 * unique shards | unique rows | unique tags |`.
 *
 * @example
 * const d = WasmIdDedup.create(); // null without WebAssembly
 * d?.reset(4);
 */
export class WasmIdDedup implements RoutedIdDedup {
  count = 0;
  private readonly memory: WebAssembly.Memory;
  private readonly k: RouterExports;
  private cap = 0;
  private hashCap = 0;
  private i32 = new Int32Array(0);
  private idsAt = 0;
  private slotsAt = 0;
  private offsAt = 0;
  private idsPSAt = 0;
  private uniqPSAt = 0;
  private hashAt = 0;
  private uIdsAt = 0;
  private uShardAt = 0;
  private uRowAt = 0;
  private uTagAt = 0;
  private lastRouting: IdRouting | null = null;
  private lastRoute: KernelRoute | null = null;
  private views: { ids: Int32Array; shard: Int32Array; row: Int32Array } = { ids: new Int32Array(0), shard: new Int32Array(0), row: new Int32Array(0) };

  private constructor(module: WebAssembly.Module) {
    this.memory = new WebAssembly.Memory({ initial: 1 });
    this.k = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports as unknown as RouterExports;
  }

  /** A new deduplicator, or null when this runtime cannot run the kernel (then use {@link IdDedup}). */
  static create(): WasmIdDedup | null {
    const m = compileKernel(WASM_BASE64);
    if (!m) return null;
    try {
      return new WasmIdDedup(m);
    } catch {
      return null;
    }
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
    if (this.cap < maxIds || this.hashCap < 2 * maxIds) {
      this.layout(Math.max(maxIds, 2 * this.cap, 1024));
    } else if (this.count * 8 >= this.hashCap) {
      this.i32.fill(-1, this.hashAt >> 2, (this.hashAt >> 2) + 2 * this.hashCap);
    } else {
      this.k.clearUsed(this.count);
    }
    this.count = 0;
  }

  insertRouted(ids: Int32Array, start: number, end: number, out: Int32Array, posOff: Int32Array, rowBytes: number, routing: IdRouting, replica: number, idsPS: Int32Array, uniqPS: Int32Array, base: number): void {
    const n = end - start;
    const N = routing.numShards;
    if (n <= 0) return;
    if (this.count + n > this.cap) throw new RangeError(`WasmIdDedup: ${this.count + n} ids exceed the ${this.cap} reserved by reset()`);
    const i32 = this.i32;
    i32.set(ids.subarray(start, end), this.idsAt >> 2);
    i32.set(idsPS.subarray(base, base + N), this.idsPSAt >> 2);
    i32.set(uniqPS.subarray(base, base + N), this.uniqPSAt >> 2);
    if (routing !== this.lastRouting) {
      this.lastRoute = kernelRoute(routing);
      this.lastRouting = routing;
    }
    const { mode, q, extras } = this.lastRoute!;
    this.count = this.k.insertRouted(this.idsAt, n, this.slotsAt, this.offsAt, rowBytes, mode, N, routing.rotation, routing.rowsPerShard, q, extras, replica, this.idsPSAt, this.uniqPSAt, this.count);
    out.set(i32.subarray(this.slotsAt >> 2, (this.slotsAt >> 2) + n), start);
    posOff.set(i32.subarray(this.offsAt >> 2, (this.offsAt >> 2) + n), start);
    idsPS.set(i32.subarray(this.idsPSAt >> 2, (this.idsPSAt >> 2) + N), base);
    uniqPS.set(i32.subarray(this.uniqPSAt >> 2, (this.uniqPSAt >> 2) + N), base);
  }

  /** Lays the arrays out for `cap` ids (growing the memory) and empties the hash table. */
  private layout(cap: number): void {
    let hashCap = 1024;
    while (hashCap < 2 * cap) hashCap *= 2;
    let at = 0;
    const take = (ints: number): number => {
      const a = at;
      at += Math.ceil((ints * 4) / 16) * 16;
      return a;
    };
    this.idsAt = take(cap);
    this.slotsAt = take(cap);
    this.offsAt = take(cap);
    this.idsPSAt = take(MAX_SHARDS);
    this.uniqPSAt = take(MAX_SHARDS);
    this.hashAt = take(2 * hashCap);
    this.uIdsAt = take(cap);
    this.uShardAt = take(cap);
    this.uRowAt = take(cap);
    this.uTagAt = take(cap);
    const pages = Math.ceil(at / PAGE);
    const have = this.memory.buffer.byteLength / PAGE;
    if (pages > have) this.memory.grow(pages - have);
    this.i32 = new Int32Array(this.memory.buffer);
    this.cap = cap;
    this.hashCap = hashCap;
    this.i32.fill(-1, this.hashAt >> 2, (this.hashAt >> 2) + 2 * hashCap);
    this.k.configure(this.hashAt, hashCap - 1, 32 - Math.log2(hashCap), this.uIdsAt, this.uShardAt, this.uRowAt, this.uTagAt);
    const view = (at: number): Int32Array => this.i32.subarray(at >> 2, (at >> 2) + cap);
    this.views = { ids: view(this.uIdsAt), shard: view(this.uShardAt), row: view(this.uRowAt) };
  }
}

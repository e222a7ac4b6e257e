/**
 * The id map of a dynamic-vocabulary table: arbitrary ids (64-bit integers or strings) → rows `0 … rowBudget−1`,
 * collision-free, with an admission rule and an eviction rule. JavaScript reference (no WebAssembly or native twin
 * yet); every structure is a typed array sized by the row budget (no `Map` of millions of entries).
 *
 * ```
 * id ──hash──► (h0, h1) ── p = h0 mod N (dynamicIdPartition) ──► partition p: open-addressing index (linear probing,
 *                                                                   load ≤ 1/2, backward-shift delete) → local row j
 *                                                                   row = j·N + p (interleaved) or base_p + j (contiguous)
 * ```
 * Rules, per {@link DynamicIdMap.map} call (one batch; every feature of one table is one batch):
 * - **Hits** first: every id of the batch that has a row is touched (`freq += its occurrences`, `last = ++clock`),
 *   in order of first appearance, and pinned: no row used by the batch is evicted by it.
 * - **Admission**, then, for the other ids in order of first appearance: with `admitAfter = 1` every id gets a row;
 *   else its occurrences are added to a {@link CountMinSketch} and it gets a row when the estimate reaches `admitAfter`
 *   (counting this batch's occurrences). Until then it is *rejected*: its positions get row −1 and read as zeros
 *   (DeepRec's EmbeddingVariable filter — TF Recommenders-Addons' embedding-variable lineage — returns
 *   `default_value_no_permission`, 0.0 by default, and does not update it; RecIS and Ascend mxRec do the same).
 *   An evicted id keeps its sketch count, so it is re-admitted on its next sighting.
 * - **Eviction**, when the id's partition is full: the root of the partition's {@link EvictionHeap} among rows the
 *   batch has not touched — LRU: smallest `last`; LFU: smallest `freq` (sightings since admission, counting the
 *   admitting batch), ties by smallest `last`. The clock is logical: it ticks once per row touch. When every row of the
 *   partition is used by the batch, the id is rejected (counted in `overflowIds`).
 * - A (re)created row is reported in {@link DynamicBatch.newRows} with the id's hash words, the counter of its initial
 *   value (`counterInitialRow`): the caller re-initializes the row and its optimizer slots.
 */
import { ConfigError, InputError } from '../errors';
import type { ConfigErrorKind } from '../error-kinds';
import { inRange, nonNegativeInteger, positiveInteger, where } from '../validation';
import { CountMinSketch } from './count-min-sketch';
import { EVICTIONS, EvictionHeap, type Eviction } from './eviction-heap';
import { dynamicIdPartition, hashId64, hashIdString } from './id-hash';

/** Ids a dynamic table takes: 64-bit integers (`BigInt64Array`, `BigUint64Array`, `bigint[]`) or strings. */
export type DynamicIds = BigInt64Array | BigUint64Array | readonly bigint[] | readonly string[];

/** Options of {@link DynamicIdMap} (validated by `tableConfig`). */
export interface DynamicIdMapOptions {
  /** Rows of the table, ≥ 1. */
  readonly rowBudget: number;
  /** Sightings before an id gets a row, ≥ 1. @default 1 */
  readonly admitAfter?: number;
  /** @default 'lru' */
  readonly eviction?: Eviction;
  /** Shards N (partition p holds the ids with hash mod N = p). @default 1 */
  readonly numPartitions?: number;
  /**
   * Which rows partition p owns: `'interleaved'`, rows p, p + N, p + 2N, … (a table sharded 'mod': the partition is
   * shard (p + rotation) mod N); `'contiguous'`, a range of about rowBudget / N rows, the first `rowBudget mod N`
   * partitions one row more (a table sharded 'div': the partition is shard p). @default 'interleaved'
   */
  readonly rowOrder?: 'interleaved' | 'contiguous';
  /** Counters per count-min row (a power of two). @default the power of two ≥ 2 × rowBudget, within [2^10, 2^24] */
  readonly sketchWidth?: number;
  /** Count-min rows. @default 4 */
  readonly sketchDepth?: number;
}

/** Counts of a dynamic table's lookups (of one batch, or totals). `ids = hits + admittedIds + rejectedIds`. */
export interface DynamicIdStats {
  /** Id occurrences looked up. */
  readonly ids: number;
  /** Occurrences of ids that had a row before the batch. */
  readonly hits: number;
  /** Occurrences of ids that got a row in the batch. */
  readonly admittedIds: number;
  /** Occurrences of ids without a row after the batch (not yet admitted, or no row free): they read as zeros. */
  readonly rejectedIds: number;
  /** Of {@link rejectedIds}: ids refused because every row of their shard was used by the same batch. */
  readonly overflowIds: number;
  /** Rows created (an id admitted). */
  readonly admissions: number;
  /** Rows taken from another id under the budget. */
  readonly evictions: number;
}

/**
 * Validates the admission and eviction options of a dynamic table once (used by `tableConfig` and by
 * {@link DynamicIdMap}'s constructor).
 * @param options `rowBudget` (a positive integer < 2^31), `admitAfter` (an integer in [1, 65535], default 1),
 *   `eviction` (one of {@link EVICTIONS}, default 'lru').
 * @param api the API for messages; @param kind the ConfigError kind.
 * @returns the normalised, frozen options.
 * @throws ConfigError naming the parameter, the value and the fix.
 * @example checkDynamicIdMapOptions({ rowBudget: 1e6 }) // { rowBudget: 1000000, admitAfter: 1, eviction: 'lru' }
 */
export function checkDynamicIdMapOptions(
  options: { readonly rowBudget?: number; readonly admitAfter?: number; readonly eviction?: Eviction },
  api = 'DynamicIdMap',
  kind: ConfigErrorKind = 'invalid_dynamic_options',
): { readonly rowBudget: number; readonly admitAfter: number; readonly eviction: Eviction } {
  const { rowBudget } = options;
  const at = where(ConfigError, kind, api)('rowBudget of a dynamic table', 'Set it to the most rows the table may hold (e.g. rowBudget: 1_000_000); rows are int32, so at most 2^31 − 1.');
  positiveInteger(rowBudget, at);
  inRange(rowBudget, at, 1, 2 ** 31);
  const admitAfter = options.admitAfter ?? 1;
  if (!Number.isInteger(admitAfter) || admitAfter < 1 || admitAfter > 65535) {
    throw new ConfigError(kind, `${api}: expected admitAfter to be an integer in [1, 65535] (sightings before an id gets a row; 1 admits every id), but got ${String(options.admitAfter)}.`);
  }
  const eviction = options.eviction ?? 'lru';
  if (!(EVICTIONS as readonly string[]).includes(eviction)) {
    throw new ConfigError(kind, `${api}: expected eviction to be one of ${EVICTIONS.join(', ')}, but got ${JSON.stringify(eviction)}.`);
  }
  return Object.freeze({ rowBudget: rowBudget as number, admitAfter, eviction });
}

/** The result of mapping one batch. */
export interface DynamicBatch {
  /** Per position: the id's row, or −1 (rejected: reads as zeros, gets no update). */
  readonly rows: Int32Array;
  /** Rows (re)created by this batch, in order of admission. */
  readonly newRows: Int32Array;
  /** The two hash words of each new row's id, `[2 × newRows.length]`: the counter of its initial value. */
  readonly newRowHashes: Uint32Array;
  readonly stats: DynamicIdStats;
}

/** The saved state of a {@link DynamicIdMap} ({@link DynamicIdMap.restore}): entries in restore order, and the map's counters. */
export interface DynamicIdMapSnapshot {
  /** The ids holding rows (one kind). */
  readonly ids: DynamicIds;
  /** Per id: sightings since admission (LFU key). */
  readonly freq: Float64Array;
  /** Per id: the logical clock of its last touch (LRU key). */
  readonly last: Float64Array;
  /** The map's logical clock. */
  readonly clock: number;
  /** Totals as {@link DynamicIdStats} (checked on restore: every field a non-negative integer). */
  readonly totals: Readonly<Record<string, number>>;
  /** The admission sketch's counters (`[depth × width]`), or null when admitAfter is 1. */
  readonly sketch: Uint16Array | null;
}

/** The two key kinds a map may hold (fixed by its first batch). */
type KeyKind = 'int64' | 'string';

/** One partition (shard): `cap` rows, their keys and eviction keys, its hash index and heap. */
class Partition {
  size = 0;
  readonly keyHi: Int32Array;
  readonly keyLo: Int32Array;
  readonly keyStr: string[];
  readonly h0: Uint32Array;
  readonly h1: Uint32Array;
  readonly freq: Float64Array;
  readonly last: Float64Array;
  /** Open-addressing buckets: 0 empty, else local row + 1. */
  readonly index: Int32Array;
  readonly mask: number;
  readonly heap: EvictionHeap;

  constructor(readonly cap: number, eviction: Eviction) {
    this.keyHi = new Int32Array(cap);
    this.keyLo = new Int32Array(cap);
    this.keyStr = [];
    this.h0 = new Uint32Array(cap);
    this.h1 = new Uint32Array(cap);
    this.freq = new Float64Array(cap);
    this.last = new Float64Array(cap);
    let buckets = 2;
    while (buckets < 2 * cap) buckets *= 2;
    this.index = new Int32Array(buckets);
    this.mask = buckets - 1;
    this.heap = new EvictionHeap(cap, eviction, this.freq, this.last);
  }

  /** Bucket-probe for an int64 key; local row or −1. */
  findInt(h: number, hi: number, lo: number): number {
    const { index, mask } = this;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = index[i];
      if (e === 0) return -1;
      const j = e - 1;
      if (this.h0[j] === h && this.keyLo[j] === lo && this.keyHi[j] === hi) return j;
    }
  }

  /** Bucket-probe for a string key; local row or −1. */
  findStr(h: number, s: string): number {
    const { index, mask } = this;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = index[i];
      if (e === 0) return -1;
      const j = e - 1;
      if (this.h0[j] === h && this.keyStr[j] === s) return j;
    }
  }

  /** Puts local row j (its `h0` set) into the index. */
  insert(j: number): void {
    const { index, mask } = this;
    let i = this.h0[j] & mask;
    while (index[i] !== 0) i = (i + 1) & mask;
    index[i] = j + 1;
  }

  /** Takes local row j out of the index (backward-shift deletion: no tombstones). */
  delete(j: number): void {
    const { index, mask } = this;
    let i = this.h0[j] & mask;
    while (index[i] !== j + 1) i = (i + 1) & mask;
    index[i] = 0;
    for (let k = (i + 1) & mask; index[k] !== 0; k = (k + 1) & mask) {
      const ideal = this.h0[index[k] - 1] & mask;
      if (((k - ideal) & mask) >= ((k - i) & mask)) {
        index[i] = index[k];
        index[k] = 0;
        i = k;
      }
    }
  }

  /** Rebuilds the index and the heap from rows `0 … size−1` (after a rollback). */
  rebuild(): void {
    this.index.fill(0);
    for (let j = 0; j < this.size; j++) this.insert(j);
    this.heap.rebuild(this.size);
  }
}

const ZERO_STATS: DynamicIdStats = Object.freeze({ ids: 0, hits: 0, admittedIds: 0, rejectedIds: 0, overflowIds: 0, admissions: 0, evictions: 0 });
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const INT64_MIN = -(2n ** 63n);
const UINT64_END = 2n ** 64n;

/** What a rollback of the last batch restores. */
interface Undo {
  kind: KeyKind | null;
  clock: number;
  totals: DynamicIdStats;
  sizes: Int32Array;
  /** Per hit: partition, local row, old freq, old last. */
  hits: Float64Array;
  nHits: number;
  /** Per admitted row: partition, local row, occupied, then its old key and eviction fields. */
  rows: number[];
  strs: string[];
  sketch: number[];
  /** 1 for each partition the batch changed. */
  partitions: Uint8Array;
}

/**
 * Maps ids of a dynamic-vocabulary table to rows (see the file comment for the rules).
 * @example
 * const m = new DynamicIdMap({ rowBudget: 2, admitAfter: 1, eviction: 'lru' });
 * m.map(['a', 'b']).rows;  // Int32Array [0, 1]
 * m.map(['c']).rows;       // [0]: 'a' (least recently used) evicted, its row re-initialized for 'c'
 */
export class DynamicIdMap {
  readonly rowBudget: number;
  readonly admitAfter: number;
  readonly eviction: Eviction;
  readonly numPartitions: number;
  readonly rowOrder: 'interleaved' | 'contiguous';
  /** Null when `admitAfter` is 1 (nothing to count). */
  readonly sketch: CountMinSketch | null;
  /** Totals over every batch since construction. */
  totals: DynamicIdStats = ZERO_STATS;
  private kind: KeyKind | null = null;
  private parts: Partition[];
  /** First row of each partition (`'contiguous'` row order), `[N + 1]`. */
  private readonly base: Int32Array;
  private clockValue = 0;
  private undo: Undo | null = null;
  private readonly h = new Uint32Array(2);

  /**
   * @param options see {@link DynamicIdMapOptions}.
   * @throws ConfigError `invalid_dynamic_options` for a bad rowBudget, admitAfter, eviction, numPartitions (an integer
   *   in [1, rowBudget]), rowOrder, sketchWidth (a power of two ≥ 2) or sketchDepth (an integer in [1, 16]).
   */
  constructor(options: DynamicIdMapOptions) {
    const api = 'DynamicIdMap';
    const checked = checkDynamicIdMapOptions(options ?? {}, api);
    this.rowBudget = checked.rowBudget;
    this.admitAfter = checked.admitAfter;
    this.eviction = checked.eviction;
    this.numPartitions = options.numPartitions ?? 1;
    this.rowOrder = options.rowOrder ?? 'interleaved';
    const bad = (what: string, rule: string, v: unknown): ConfigError => new ConfigError('invalid_dynamic_options', `${api}: expected ${what} to be ${rule}, but got ${String(v)}.`);
    if (!Number.isInteger(this.numPartitions) || this.numPartitions < 1 || this.numPartitions > this.rowBudget) {
      throw bad('numPartitions', `an integer in [1, rowBudget = ${this.rowBudget}] (every partition needs a row)`, options.numPartitions);
    }
    if (this.rowOrder !== 'interleaved' && this.rowOrder !== 'contiguous') throw bad('rowOrder', "'interleaved' or 'contiguous'", options.rowOrder);
    const w = options.sketchWidth;
    if (w !== undefined && (!Number.isInteger(w) || w < 2 || (w & (w - 1)) !== 0 || w > 2 ** 30)) throw bad('sketchWidth', 'a power of two in [2, 2^30]', w);
    const d = options.sketchDepth;
    if (d !== undefined && (!Number.isInteger(d) || d < 1 || d > 16)) throw bad('sketchDepth', 'an integer in [1, 16]', d);
    const N = this.numPartitions;
    const B = this.rowBudget;
    // Interleaved: rows p, p + N, … below B. Contiguous: ⌊B/N⌋ rows each, the first B mod N one more. Same counts.
    this.parts = Array.from({ length: N }, (_, p) => new Partition(Math.floor(B / N) + (p < B % N ? 1 : 0), this.eviction));
    this.base = new Int32Array(N + 1);
    for (let p = 0; p < N; p++) this.base[p + 1] = this.base[p] + this.parts[p].cap;
    let width = options.sketchWidth ?? 1024;
    if (options.sketchWidth === undefined) while (width < 2 * this.rowBudget && width < 1 << 24) width *= 2;
    this.sketch = this.admitAfter > 1 ? new CountMinSketch(width, options.sketchDepth ?? 4) : null;
  }

  /** Rows in use (ids holding a row). */
  get size(): number {
    let n = 0;
    for (const p of this.parts) n += p.size;
    return n;
  }

  /** The key kind fixed by the first batch (`'int64'` or `'string'`), or null before it. */
  get keyKind(): KeyKind | null {
    return this.kind;
  }

  /**
   * Maps one batch of ids to rows, admitting and evicting (see the file comment). Checks the ids before any change.
   * @param ids the batch's ids, in position order.
   * @param api the calling API and feature, for messages.
   * @returns the rows per position, the rows to (re)initialize and this batch's counts.
   * @throws InputError `invalid_ids` for ids of another type (numbers, a mix of bigints and strings, a kind other than
   *   the map's) or a bigint outside the 64-bit range; the map is then unchanged.
   * @example map.map(BigInt64Array.of(1n << 40n, 7n))
   */
  map(ids: DynamicIds, api = 'DynamicIdMap.map'): DynamicBatch {
    const n = ids.length;
    const { kind, hi, lo, strs } = this.readIds(ids, api);
    // Hash every position.
    const N = this.numPartitions;
    const hash = new Uint32Array(2 * n);
    const h = this.h;
    for (let q = 0; q < n; q++) {
      if (strs) hashIdString(strs[q], h);
      else hashId64(hi![q], lo![q], h);
      hash[2 * q] = h[0];
      hash[2 * q + 1] = h[1];
    }
    // Deduplicate the batch (open addressing over first positions), in order of first appearance.
    let buckets = 2;
    while (buckets < 2 * n) buckets *= 2;
    const bmask = buckets - 1;
    const bucket = new Int32Array(buckets);
    const uFirst = new Int32Array(n);
    const uCount = new Int32Array(n);
    const posU = new Int32Array(n);
    let U = 0;
    for (let q = 0; q < n; q++) {
      let i = hash[2 * q] & bmask;
      for (;;) {
        const e = bucket[i];
        if (e === 0) {
          bucket[i] = U + 1;
          uFirst[U] = q;
          uCount[U] = 1;
          posU[q] = U++;
          break;
        }
        const f = uFirst[e - 1];
        if (hash[2 * f] === hash[2 * q] && (strs ? strs[f] === strs[q] : hi![f] === hi![q] && lo![f] === lo![q])) {
          uCount[e - 1]++;
          posU[q] = e - 1;
          break;
        }
        i = (i + 1) & bmask;
      }
    }
    const undo: Undo = { kind: this.kind, clock: this.clockValue, totals: this.totals, sizes: Int32Array.from(this.parts, (p) => p.size), hits: new Float64Array(4 * U), nHits: 0, rows: [], strs: [], sketch: [], partitions: new Uint8Array(N) };
    this.undo = undo;
    if (n > 0) this.kind = kind;
    const uRow = new Int32Array(U).fill(-1);
    const pinned = new Int32Array(2 * U); // (partition, local row) pairs out of their heaps for this batch
    let nPinned = 0;
    let hits = 0;
    let admittedIds = 0;
    let rejectedIds = 0;
    let overflowIds = 0;
    let admissions = 0;
    let evictions = 0;
    const newRows: number[] = [];
    const newHashes: number[] = [];
    // Pass 1: hits, touched and pinned.
    const uLocal = new Int32Array(U).fill(-1);
    for (let u = 0; u < U; u++) {
      const f = uFirst[u];
      const h0 = hash[2 * f];
      const p = dynamicIdPartition(h0, N);
      const part = this.parts[p];
      const j = strs ? part.findStr(h0, strs[f]) : part.findInt(h0, hi![f], lo![f]);
      if (j < 0) continue;
      uLocal[u] = j;
      uRow[u] = this.rowAt(p, j);
      const k = 4 * undo.nHits++;
      undo.hits[k] = p;
      undo.hits[k + 1] = j;
      undo.hits[k + 2] = part.freq[j];
      undo.hits[k + 3] = part.last[j];
      undo.partitions[p] = 1;
      part.heap.remove(j);
      pinned[nPinned++] = p;
      pinned[nPinned++] = j;
      part.freq[j] += uCount[u];
      part.last[j] = ++this.clockValue;
      hits += uCount[u];
    }
    // Pass 2: admission (and eviction) of the others, in order of first appearance.
    for (let u = 0; u < U; u++) {
      if (uLocal[u] >= 0) continue;
      const f = uFirst[u];
      const c = uCount[u];
      const h0 = hash[2 * f];
      const h1 = hash[2 * f + 1];
      if (this.sketch && this.sketch.add(h0, h1, c, undo.sketch) < this.admitAfter) {
        rejectedIds += c;
        continue;
      }
      const p = dynamicIdPartition(h0, N);
      const part = this.parts[p];
      let j: number;
      if (part.size < part.cap) j = part.size++;
      else {
        j = part.heap.pop();
        if (j < 0) {
          rejectedIds += c;
          overflowIds += c;
          continue;
        }
      }
      const occupied = j < undo.sizes[p];
      undo.rows.push(p, j, occupied ? 1 : 0, part.keyHi[j], part.keyLo[j], part.h0[j], part.h1[j], part.freq[j], part.last[j]);
      undo.strs.push(part.keyStr[j]);
      undo.partitions[p] = 1;
      if (occupied) {
        part.delete(j);
        evictions++;
      }
      if (strs) part.keyStr[j] = strs[f];
      else {
        part.keyHi[j] = hi![f];
        part.keyLo[j] = lo![f];
      }
      part.h0[j] = h0;
      part.h1[j] = h1;
      part.freq[j] = c;
      part.last[j] = ++this.clockValue;
      part.insert(j);
      pinned[nPinned++] = p;
      pinned[nPinned++] = j;
      uRow[u] = this.rowAt(p, j);
      newRows.push(uRow[u]);
      newHashes.push(h0, h1);
      admissions++;
      admittedIds += c;
    }
    for (let k = 0; k < nPinned; k += 2) this.parts[pinned[k]].heap.push(pinned[k + 1]);
    const rows = new Int32Array(n);
    for (let q = 0; q < n; q++) rows[q] = uRow[posU[q]];
    const stats: DynamicIdStats = Object.freeze({ ids: n, hits, admittedIds, rejectedIds, overflowIds, admissions, evictions });
    const t = this.totals;
    this.totals = Object.freeze({
      ids: t.ids + n,
      hits: t.hits + hits,
      admittedIds: t.admittedIds + admittedIds,
      rejectedIds: t.rejectedIds + rejectedIds,
      overflowIds: t.overflowIds + overflowIds,
      admissions: t.admissions + admissions,
      evictions: t.evictions + evictions,
    });
    return { rows, newRows: Int32Array.from(newRows), newRowHashes: Uint32Array.from(newHashes), stats };
  }

  /**
   * Undoes the last {@link map} call (ids, counts, sketch, clock, totals), for a lookup rejected after its ids were
   * mapped. O(rows of the partitions it touched). Once only; a no-op when there is nothing to undo.
   */
  undoLast(): void {
    const undo = this.undo;
    if (!undo) return;
    this.undo = null;
    const r = undo.rows;
    for (let k = r.length - 9, s = undo.strs.length - 1; k >= 0; k -= 9, s--) {
      const part = this.parts[r[k]];
      const j = r[k + 1];
      part.keyHi[j] = r[k + 3];
      part.keyLo[j] = r[k + 4];
      part.h0[j] = r[k + 5];
      part.h1[j] = r[k + 6];
      part.freq[j] = r[k + 7];
      part.last[j] = r[k + 8];
      if (undo.strs[s] === undefined) delete part.keyStr[j];
      else part.keyStr[j] = undo.strs[s];
    }
    for (let k = 4 * (undo.nHits - 1); k >= 0; k -= 4) {
      const part = this.parts[undo.hits[k]];
      part.freq[undo.hits[k + 1]] = undo.hits[k + 2];
      part.last[undo.hits[k + 1]] = undo.hits[k + 3];
    }
    const sk = undo.sketch;
    for (let k = sk.length - 2; k >= 0; k -= 2) this.sketch!.counters[sk[k]] = sk[k + 1];
    undo.partitions.forEach((changed, p) => {
      if (!changed) return;
      this.parts[p].size = undo.sizes[p];
      this.parts[p].rebuild();
    });
    this.clockValue = undo.clock;
    this.totals = undo.totals;
    this.kind = undo.kind;
  }

  /** Forgets the undo record of the last batch (the lookup that mapped it was accepted). */
  commit(): void {
    this.undo = null;
  }

  /**
   * The row of an id, or −1 (no row); no side effect.
   * @example map.rowOf(42n)
   */
  rowOf(id: bigint | string): number {
    const h = this.h;
    const N = this.numPartitions;
    if (typeof id === 'string') {
      if (this.kind !== 'string') return -1;
      hashIdString(id, h);
      const p = dynamicIdPartition(h[0], N);
      const j = this.parts[p].findStr(h[0], id);
      return j < 0 ? -1 : this.rowAt(p, j);
    }
    if (this.kind !== 'int64') return -1;
    const v = BigInt.asIntN(64, id);
    const hi = Number(v >> 32n);
    const lo = Number(BigInt.asIntN(32, v));
    hashId64(hi, lo, h);
    const p = dynamicIdPartition(h[0], N);
    const j = this.parts[p].findInt(h[0], hi, lo);
    return j < 0 ? -1 : this.rowAt(p, j);
  }

  /**
   * The id holding `row` (a signed 64-bit bigint or a string), or undefined for a free row.
   * @example map.idOfRow(0) // 42n
   */
  idOfRow(row: number): bigint | string | undefined {
    const [p, j] = this.localOf(row);
    if (j < 0) return undefined;
    const part = this.parts[p];
    if (this.kind === 'string') return part.keyStr[j];
    return (BigInt(part.keyHi[j]) << 32n) | BigInt(part.keyLo[j] >>> 0);
  }

  /**
   * Checks a batch's ids as {@link map} would, without any change (for a caller that must check everything first).
   * @throws InputError `invalid_ids` as {@link map} does.
   */
  checkIds(ids: DynamicIds, api = 'DynamicIdMap.map'): void {
    this.readIds(ids, api);
  }

  /** The logical clock: row touches so far (the `last` of the newest touch). */
  get clock(): number {
    return this.clockValue;
  }

  /**
   * The rows in use, ascending (one int per row: O(rows in use), never O(rows × dim)). Within a partition ascending
   * rows are ascending local rows, so {@link restore} in this order puts every id back on its row on the same topology.
   * @example map.rowsInUse() // Int32Array [0, 1, 5]
   */
  rowsInUse(): Int32Array {
    const out = new Int32Array(this.size);
    let k = 0;
    this.parts.forEach((part, p) => {
      for (let j = 0; j < part.size; j++) out[k++] = this.rowAt(p, j);
    });
    return out.sort();
  }

  /**
   * Reads the eviction state of rows in use: their sightings since admission and the clock of their last touch.
   * @param rows rows in use (from {@link rowsInUse}); @param freq receives the sightings; @param last the clocks.
   * @throws InputError `invalid_row` for a free row.
   */
  readEvictionState(rows: Int32Array, freq: Float64Array, last: Float64Array): void {
    rows.forEach((row, i) => {
      const [p, j] = this.localOf(row);
      if (j < 0) throw new InputError('invalid_row', `DynamicIdMap.readEvictionState: row ${row} is free; pass rows from rowsInUse().`);
      freq[i] = this.parts[p].freq[j];
      last[i] = this.parts[p].last[j];
    });
  }

  /**
   * Replaces the whole map by saved entries (a checkpoint's): ids with their eviction state, the clock, the totals and
   * the admission sketch. Each id goes to partition (hash mod N) of THIS map, in the order given, so a map saved on
   * any number of partitions restores on any other. All or nothing: everything is checked on a new index first.
   * @param snapshot the entries and state (see {@link DynamicIdMapSnapshot}).
   * @param source what the entries came from (a checkpoint file), for messages.
   * @returns the row each entry got, in entry order.
   * @throws InputError `bad_id_map` (duplicate id, lengths that disagree, a sketch of another size, non-finite or
   *   negative eviction state) or `id_map_overflow` (more ids hash to one partition than it has rows: raise
   *   rowBudget); the map is then unchanged.
   * @example map.restore({ ids: BigInt64Array.of(7n), freq: Float64Array.of(1), last: Float64Array.of(1), clock: 1, totals, sketch: null })
   */
  restore(snapshot: DynamicIdMapSnapshot, source = 'DynamicIdMap.restore'): Int32Array {
    const plan = this.planRestore(snapshot, source);
    plan.commit();
    return plan.rows;
  }

  /**
   * {@link restore} in two steps, for a caller that must check several tables before changing any: every check runs
   * here and nothing changes until `commit()`.
   * @returns the row each entry will get, and `commit` (once; the map must not be used in between).
   * @throws InputError as {@link restore}.
   */
  planRestore(snapshot: DynamicIdMapSnapshot, source = 'DynamicIdMap.restore'): { readonly rows: Int32Array; commit(): void } {
    const { ids, freq, last, clock, totals, sketch } = snapshot;
    const bad = (rule: string): InputError => new InputError('bad_id_map', `DynamicIdMap.restore: ${source}: ${rule}; the checkpoint's id map is corrupted: restore an older checkpoint.`);
    const n = ids.length;
    if (freq.length !== n || last.length !== n) throw bad(`expected ${n} freq and last values (one per id), but got ${freq.length} and ${last.length}`);
    nonNegativeInteger(clock, where(InputError, 'bad_id_map', `DynamicIdMap.restore: ${source}`)('the clock', "The checkpoint's id map is corrupted: restore an older checkpoint."));
    for (let i = 0; i < n; i++) {
      if (!(Number.isInteger(freq[i]) && freq[i] >= 1 && Number.isInteger(last[i]) && last[i] >= 1 && last[i] <= clock)) {
        throw bad(`entry ${i} has freq ${freq[i]} and last ${last[i]} (expected integers ≥ 1, last ≤ clock ${clock})`);
      }
    }
    const totalKeys = Object.keys(ZERO_STATS) as (keyof DynamicIdStats)[];
    if (totals === null || typeof totals !== 'object' || !totalKeys.every((k) => Number.isSafeInteger(totals[k]) && (totals[k] as number) >= 0)) {
      throw bad(`expected totals { ${totalKeys.join(', ')} } of non-negative integers, but got ${JSON.stringify(totals)}`);
    }
    if ((sketch === null) !== (this.sketch === null) || (sketch && sketch.length !== this.sketch!.counters.length)) {
      throw bad(`expected an admission sketch of ${this.sketch ? this.sketch.counters.length : 0} counters (admitAfter ${this.admitAfter}), but got ${sketch ? sketch.length : 0}; restore into a table with the admitAfter and rowBudget it was saved with`);
    }
    const { kind, hi, lo, strs } = n > 0 ? this.readIds(ids, `DynamicIdMap.restore (${source})`) : { kind: null, hi: undefined, lo: undefined, strs: undefined };
    const N = this.numPartitions;
    const parts = this.parts.map((p) => new Partition(p.cap, this.eviction));
    const rows = new Int32Array(n);
    const h = this.h;
    for (let i = 0; i < n; i++) {
      if (strs) hashIdString(strs[i], h);
      else hashId64(hi![i], lo![i], h);
      const p = dynamicIdPartition(h[0], N);
      const part = parts[p];
      if ((strs ? part.findStr(h[0], strs[i]) : part.findInt(h[0], hi![i], lo![i])) >= 0) throw bad(`id ${describe(strs ? strs[i] : ids[i])} appears twice`);
      if (part.size === part.cap) {
        throw new InputError(
          'id_map_overflow',
          `DynamicIdMap.restore: ${source}: more ids hash to partition ${p} of ${N} than its ${part.cap} rows (rowBudget ${this.rowBudget}); restore into a table with a larger rowBudget (a multiple of ${N}), or on a topology with fewer shards.`,
        );
      }
      const j = part.size++;
      if (strs) part.keyStr[j] = strs[i];
      else {
        part.keyHi[j] = hi![i];
        part.keyLo[j] = lo![i];
      }
      part.h0[j] = h[0];
      part.h1[j] = h[1];
      part.freq[j] = freq[i];
      part.last[j] = last[i];
      part.insert(j);
      rows[i] = this.rowAt(p, j);
    }
    for (const part of parts) part.heap.rebuild(part.size);
    return {
      rows,
      commit: () => {
        this.parts = parts;
        this.kind = kind;
        this.clockValue = clock;
        this.totals = Object.freeze(Object.fromEntries(totalKeys.map((k) => [k, totals[k]])) as unknown as DynamicIdStats);
        if (sketch) this.sketch!.counters.set(sketch);
        this.undo = null;
      },
    };
  }

  /** (partition, local row) of a row, local row −1 when free. */
  private localOf(row: number): [number, number] {
    const N = this.numPartitions;
    let p = row % N;
    let j = Math.floor(row / N);
    if (this.rowOrder === 'contiguous') {
      for (p = 0; p < N - 1 && this.base[p + 1] <= row; p++);
      j = row - this.base[p];
    }
    const part = this.parts[p];
    return part && j < part.size && row >= 0 ? [p, j] : [p, -1];
  }

  /** The row of local row j of partition p (see {@link DynamicIdMapOptions.rowOrder}). */
  private rowAt(p: number, j: number): number {
    return this.rowOrder === 'interleaved' ? j * this.numPartitions + p : this.base[p] + j;
  }

  /** Reads a batch's ids into 32-bit words or strings, checking their type (no state change). */
  private readIds(ids: DynamicIds, api: string): { kind: KeyKind; hi?: Int32Array; lo?: Int32Array; strs?: readonly string[] } {
    const fix = 'pass a BigInt64Array, a bigint[] or a string[] (e.g. BigInt64Array.from(ids, BigInt) for number ids), or use a table without storage \'dynamic\'';
    const wrongKind = (got: KeyKind): InputError =>
      new InputError('invalid_ids', `${api}: this dynamic table holds ${this.kind} ids, but got ${got} ids; one table takes one id kind (convert them, or use two tables).`);
    if (ids instanceof BigInt64Array || ids instanceof BigUint64Array) {
      if (this.kind === 'string') throw wrongKind('int64');
      const n = ids.length;
      const hi = new Int32Array(n);
      const lo = new Int32Array(n);
      if (LITTLE_ENDIAN) {
        const w = new Int32Array(ids.buffer, ids.byteOffset, 2 * n);
        for (let q = 0; q < n; q++) {
          lo[q] = w[2 * q];
          hi[q] = w[2 * q + 1];
        }
      } else {
        for (let q = 0; q < n; q++) {
          const v = BigInt.asIntN(64, ids[q]);
          hi[q] = Number(v >> 32n);
          lo[q] = Number(BigInt.asIntN(32, v));
        }
      }
      return { kind: 'int64', hi, lo };
    }
    if (!Array.isArray(ids)) {
      const what = ids === null || typeof ids !== 'object' ? String(ids) : `a ${Object.prototype.toString.call(ids).slice(8, -1)}`;
      throw new InputError('invalid_ids', `${api}: expected dynamic ids, but got ${what}; ${fix}.`);
    }
    const n = ids.length;
    if (n === 0) return { kind: this.kind ?? 'int64', hi: new Int32Array(0), lo: new Int32Array(0) };
    const first = typeof ids[0];
    if (first === 'string') {
      if (this.kind === 'int64') throw wrongKind('string');
      for (let q = 0; q < n; q++) {
        if (typeof ids[q] !== 'string') throw new InputError('invalid_ids', `${api}: expected every id to be a string like ids[0], but ids[${q}] is ${describe(ids[q])}; ${fix}.`);
      }
      return { kind: 'string', strs: ids as readonly string[] };
    }
    if (first !== 'bigint') throw new InputError('invalid_ids', `${api}: expected dynamic ids (bigint or string), but ids[0] is ${describe(ids[0])}; ${fix}.`);
    if (this.kind === 'string') throw wrongKind('int64');
    const hi = new Int32Array(n);
    const lo = new Int32Array(n);
    for (let q = 0; q < n; q++) {
      const x = ids[q];
      if (typeof x !== 'bigint' || x < INT64_MIN || x >= UINT64_END) {
        throw new InputError('invalid_ids', `${api}: expected every id to be a 64-bit bigint in [-2^63, 2^64) like ids[0], but ids[${q}] is ${describe(x)}; ${fix}.`);
      }
      const v = BigInt.asIntN(64, x);
      hi[q] = Number(v >> 32n);
      lo[q] = Number(BigInt.asIntN(32, v));
    }
    return { kind: 'int64', hi, lo };
  }
}

function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return `${typeof v} ${String(v)}`;
}

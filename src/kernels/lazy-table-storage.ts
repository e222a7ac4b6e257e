import { adviseTableHugePages } from './native-kernels';
import { registerRowMemory, rowKernelArray } from './row-kernels';
import { maxSimdRows, SimdCombiner } from './simd-combiner';
import type { RowInitializer, TableStorage } from './table-storage';

/**
 * Lazy storage: memory grows with the rows touched, not with the vocabulary. It keeps
 * - `rowToSlot`, an `Int32Array` over the vocabulary holding pool row + 1 of each materialized row (0: untouched;
 *   its pages are the operating system's zero pages until written: 4 bytes per row at most, 400 MB at 1e8 rows);
 * - a pool of `[capacity, dim]` weights and the same for each slot, filled in order of first touch. The pool's
 *   address space is reserved once (a WebAssembly memory of up to 4 GiB, or a `Float32Array`), so its views never
 *   move, and its pages become resident as rows are written, front to back: resident pool memory is
 *   ⌈rows materialized × dim × 4 / page⌉ pages per array, whichever rows the ids hit. (The operating system's lazy
 *   pages alone would not do this for a dense table: a Zipf tail touches nearly every page of it.)
 *
 * A row is materialized with its initial value ({@link RowInitializer}, a pure function of the row) and its slots'
 * initial values, so the pool holds exactly what a dense table would; the gather and update kernels then run on the
 * pool unchanged, with pool rows in place of the dense layout's rows. Every shard shares the one pool.
 *
 * @example
 * const st = new LazyTableStorage(8, 1e8, 1, (r, t, o) => t.fill(r, o, o + 8), [0.1]);
 * st.rowsMaterialized // 0; st.materializeRow(123_456_789) === 0; st.rowOffset(123_456_789) === 0
 */
export class LazyTableStorage implements TableStorage {
  readonly kind = 'lazy' as const;
  /** The pool's capacity in rows: min(vocabulary, the cap given, the rows 4 GiB of weights hold ({@link maxSimdRows})). */
  readonly rows: number;
  readonly weights: Float32Array;
  readonly slots: readonly Float32Array[];
  readonly simd: SimdCombiner | null;
  readonly shardBase: Int32Array;
  /** Pool row + 1 of each table row (0: not materialized). */
  private readonly rowToSlot: Int32Array;
  private count = 0;
  private readonly slotList: readonly Float32Array[];

  /**
   * @param dim row width; @param vocabularySize table rows; @param numShards shards N (they share the pool).
   * @param initRow the initial value of a row; @param slotInitialValues each slot's initial value, in slot order.
   * @param maxRows a cap on the pool's rows (undefined: none).
   */
  constructor(
    readonly dim: number,
    readonly vocabularySize: number,
    numShards: number,
    private readonly initRow: RowInitializer,
    private readonly slotInitialValues: readonly number[],
    maxRows?: number,
  ) {
    // Byte offsets of the gather are 32-bit: at most the rows 4 GiB hold with the kernel's scratch (for a width whose
    // scratch alone would not fit, the rows of a 4 GiB plain array).
    const fit = maxSimdRows(dim) > 0 ? maxSimdRows(dim) : Math.floor(2 ** 32 / (dim * 4));
    const capacity = Math.max(1, Math.min(vocabularySize, maxRows ?? Infinity, fit));
    this.rows = capacity;
    const n = capacity * dim;
    this.simd = SimdCombiner.create(n, dim);
    this.weights = this.simd ? this.simd.storage : new Float32Array(n);
    if (this.simd?.shared) registerRowMemory(this.simd.memory, this.weights.buffer, this.simd.rowKernelScratch);
    this.slots = slotInitialValues.map(() => rowKernelArray(n));
    // The pool fills front to back: 2 MiB pages (fewer faults and TLB misses) keep resident memory within 2 MiB per
    // array of the rows written. Not the row index, whose rows are hit anywhere.
    for (const a of [this.weights, ...this.slots]) adviseTableHugePages(a);
    this.slotList = Object.freeze([...this.slots]);
    this.shardBase = new Int32Array(numShards);
    this.rowToSlot = new Int32Array(vocabularySize);
  }

  get rowsMaterialized(): number {
    return this.count;
  }
  /** The whole pool (every shard's rows are in it). */
  shard(_s: number): Float32Array {
    return this.weights;
  }
  slotShards(_s: number): readonly Float32Array[] {
    return this.slotList;
  }
  rowOffset(row: number): number {
    return (this.rowToSlot[row] - 1) * this.dim;
  }
  /** True when table row `row` is materialized. */
  has(row: number): boolean {
    return this.rowToSlot[row] !== 0;
  }

  /**
   * How many of the rows `ids[u]` (u < count, where `kept` is null or `kept[u]` ≠ 0; distinct) are not materialized.
   * @returns the pool rows {@link materialize} would add.
   */
  missing(ids: Int32Array, count: number, kept: Uint8Array | null): number {
    const map = this.rowToSlot;
    let n = 0;
    for (let u = 0; u < count; u++) if ((kept === null || kept[u] !== 0) && map[ids[u]] === 0) n++;
    return n;
  }

  /**
   * Gives each distinct row `ids[u]` (u < count, kept ones) its pool row, materializing the untouched ones, and
   * writes the pool row to `poolRow[u]`. Rows past the capacity throw a RangeError before anything is written
   * (callers that want their own error check {@link missing} first, as this does only when `count` rows might not fit).
   */
  materialize(ids: Int32Array, count: number, kept: Uint8Array | null, poolRow: Int32Array): void {
    if (this.count + count > this.rows && this.count + this.missing(ids, count, kept) > this.rows) throw new RangeError(`LazyTableStorage: pool of ${this.rows} rows is full`);
    const map = this.rowToSlot;
    for (let u = 0; u < count; u++) {
      if (kept !== null && kept[u] === 0) continue;
      const row = ids[u];
      const s = map[row];
      poolRow[u] = s !== 0 ? s - 1 : this.add(row);
    }
  }

  /**
   * The element offset of table row `row`, materializing it (initial values) when untouched.
   * @throws RangeError when the pool is full.
   */
  materializeRow(row: number): number {
    const s = this.rowToSlot[row];
    if (s !== 0) return (s - 1) * this.dim;
    if (this.count >= this.rows) throw new RangeError(`LazyTableStorage: pool of ${this.rows} rows is full`);
    return this.add(row) * this.dim;
  }

  /** Appends `row` to the pool with its initial values. @returns its pool row. */
  private add(row: number): number {
    const p = this.count++;
    const o = p * this.dim;
    this.initRow(row, this.weights, o);
    for (let k = 0; k < this.slots.length; k++) this.slots[k].fill(this.slotInitialValues[k], o, o + this.dim);
    this.rowToSlot[row] = p + 1;
    return p;
  }
}

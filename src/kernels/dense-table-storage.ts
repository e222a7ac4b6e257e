import { adviseTableHugePages } from './native-kernels';
import { registerRowMemory, rowKernelArray } from './row-kernels';
import { SimdCombiner } from './simd-combiner';
import { shardViews, type TableStorage } from './table-storage';

/**
 * Most floats one dense array may hold: V8's `Float32Array` limit (2^32 − 1 elements). A table whose padded
 * `rows × dim` is larger cannot be dense (the engine says so and names the lazy kind).
 */
export const MAX_DENSE_FLOATS = 2 ** 32 - 1;

/**
 * Dense storage: every row of the padded table, shard after shard, weights in the SIMD kernel's WebAssembly memory
 * where it fits in 4 GiB (else a `Float32Array`) and each slot in its own row-kernel memory. Rows start zero; the
 * caller fills the weights (`fillTable`). Slots start at their initial values.
 *
 * @example
 * const st = new DenseTableStorage(64, Int32Array.of(8, 8), Int32Array.of(0, 8), (r) => r, [0.1]);
 * st.shard(1).length // 8 × 64
 */
export class DenseTableStorage implements TableStorage {
  readonly kind = 'dense' as const;
  readonly rows: number;
  readonly weights: Float32Array;
  readonly slots: readonly Float32Array[];
  readonly simd: SimdCombiner | null;
  private readonly views: Float32Array[];
  private readonly slotsByShard: (readonly Float32Array[])[];

  /**
   * @param dim row width; @param shardRows rows allocated per shard; @param shardBase first row of each shard.
   * @param storageRow the array row of table row r (the layout's).
   * @param slotInitialValues each slot's initial value, in slot order.
   * @throws RangeError when `Σ shardRows × dim` exceeds {@link MAX_DENSE_FLOATS} or cannot be allocated.
   */
  constructor(
    readonly dim: number,
    shardRows: Int32Array,
    readonly shardBase: Int32Array,
    private readonly storageRow: (row: number) => number,
    slotInitialValues: readonly number[],
  ) {
    this.rows = shardRows.reduce((a, b) => a + b, 0);
    const n = this.rows * dim;
    if (n > MAX_DENSE_FLOATS) throw new RangeError(`DenseTableStorage: ${this.rows} × ${dim} floats exceed ${MAX_DENSE_FLOATS}`);
    this.simd = SimdCombiner.create(n, dim);
    this.weights = this.simd ? this.simd.storage : new Float32Array(n);
    if (this.simd?.shared) registerRowMemory(this.simd.memory, this.weights.buffer, this.simd.rowKernelScratch);
    adviseTableHugePages(this.weights); // before the initializer writes it: its pages fault in as 2 MiB pages
    this.slots = slotInitialValues.map((v) => {
      const a = rowKernelArray(n); // in kernel memory where it fits
      if (v !== 0) {
        adviseTableHugePages(a);
        a.fill(v);
      }
      return a;
    });
    this.views = shardViews(this.weights, shardBase, shardRows, dim);
    const slotViews = this.slots.map((a) => shardViews(a, shardBase, shardRows, dim));
    this.slotsByShard = Array.from(shardRows, (_, s) => Object.freeze(slotViews.map((v) => v[s])));
  }

  get rowsMaterialized(): number {
    return this.rows;
  }
  shard(s: number): Float32Array {
    return this.views[s];
  }
  slotShards(s: number): readonly Float32Array[] {
    return this.slotsByShard[s];
  }
  rowOffset(row: number): number {
    return this.storageRow(row) * this.dim;
  }
}

import { CheckpointError, ConfigError, InputError } from '../errors';
import { firstNonFinite } from './first-non-finite';
import { Random } from '../random';
import type { SlotName, SlotSpec } from '../optimizers/embedding-optimizer';
import { fillTable, initialRow, type InitializerSpec } from './initializer';
import type { SimdCombiner } from '../kernels/simd-combiner';
import type { TableStorage } from '../kernels/table-storage';
import { DenseTableStorage, MAX_DENSE_FLOATS } from '../kernels/dense-table-storage';
import { LazyTableStorage } from '../kernels/lazy-table-storage';
import type { EmbeddingOptimizerLike } from './optimizer-like';
import type { TableConfig } from './table-config';
import { TableLayout, type Placement, type Sharding } from './table-layout';

/** A whole table (and its slots) in the unsharded `[vocabularySize, dim]` row-major form checkpoints use. */
export interface FullTable {
  readonly name: string;
  readonly vocabularySize: number;
  readonly dim: number;
  /** `[vocabularySize, dim]` row-major. */
  readonly weights: Float32Array;
  /** One `[vocabularySize, dim]` array per slot, keyed by slot name (`accumulators`, `momenta`, …). */
  readonly slots: Readonly<Partial<Record<SlotName, Float32Array>>>;
}

/**
 * One embedding table sharded over N shards, its memory held by a {@link TableStorage} of the config's kind:
 * - `dense`: N per-shard `Float32Array`s (views of one storage buffer) and the same for each slot variable; row `r`
 *   lives at `shard(layout.shardOf(r))[layout.localRow(r) × dim …]`;
 * - `lazy`: one pool of the rows touched so far, which every shard's view shows whole; row `r` lives at
 *   `storage[rowOffset(r) …]` once a lookup has touched it, and reads as its initial value before.
 */
export class ShardedTable {
  /** The table's memory (weights, slots, the kernels bound to them). */
  readonly store: TableStorage;
  readonly slotSpecs: readonly SlotSpec[];
  /** The table's seed (the embedding's seed + the table index): keys the counter-based initial values. */
  readonly seed: number;
  private readonly slotViews: Float32Array[][];
  private rowScratchBuf: Float32Array | null = null;

  /**
   * @param name resolved table name; @param index table index (order of first appearance).
   * @param config the table config; @param optimizer the table's effective optimizer.
   * @param layout where rows go; @param placement for the stats; @param seed the initializer's seed.
   * @throws ConfigError `table_too_large` when a dense table cannot be allocated (it names the lazy kind).
   */
  constructor(
    readonly name: string,
    readonly index: number,
    readonly config: TableConfig,
    readonly optimizer: EmbeddingOptimizerLike,
    readonly layout: TableLayout,
    readonly placement: Placement,
    seed: number,
  ) {
    const dim = config.dim;
    this.seed = seed;
    this.slotSpecs = Object.freeze([...optimizer.slotSpecs()]);
    const slotInit = this.slotSpecs.map((s) => s.initialValue);
    if (config.storage === 'lazy') {
      const spec = config.initializer as Exclude<InitializerSpec, { kind: 'function' }>; // tableConfig refuses functions for lazy
      this.store = new LazyTableStorage(dim, config.vocabularySize, layout.numShards, (r, t, o) => initialRow(spec, seed, r, dim, t, o), slotInit, config.maxRowsMaterialized);
    } else {
      try {
        this.store = new DenseTableStorage(dim, layout.shardRows, layout.shardBase, (r) => layout.storageRow(r), slotInit);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        throw tooLarge(name, layout.storageRows, dim, slotInit.length);
      }
      fillTable(config.initializer, config.vocabularySize, dim, new Random(seed), this.store.weights, (r) => layout.storageRow(r) * dim, name);
    }
    this.slotViews = this.slotStorage.map((_, k) => Array.from(layout.shardRows, (_r, s) => this.store.slotShards(s)[k]));
  }

  /** The weights array (`[rows, dim]`: dense, all shards back to back, see {@link TableLayout}; lazy, the pool). */
  get storage(): Float32Array {
    return this.store.weights;
  }
  /** The SIMD gather kernel bound to {@link storage} (then a view of wasm memory), or null for the JavaScript path. */
  get simd(): SimdCombiner | null {
    return this.store.simd;
  }
  /** One array per slot, in `slotSpecs` order (as {@link storage}). */
  get slotStorage(): readonly Float32Array[] {
    return this.store.slots;
  }
  /** Rows holding values: the padded table (dense) or the rows touched so far (lazy). */
  get rowsMaterialized(): number {
    return this.store.rowsMaterialized;
  }

  get dim(): number {
    return this.config.dim;
  }
  get vocabularySize(): number {
    return this.config.vocabularySize;
  }
  get numShards(): number {
    return this.layout.numShards;
  }
  get sharding(): Sharding {
    return this.layout.sharding;
  }

  /** Shard `s`'s rows `[shardRows[s], dim]` (a view: writes go to the table). */
  shard(s: number): Float32Array {
    return this.store.shard(s);
  }

  /** Slot `k` (in `slotSpecs` order) on shard `s`, a view like {@link shard}. */
  slotShard(k: number, s: number): Float32Array {
    return this.slotViews[k][s];
  }

  /**
   * Every slot's view on shard `s`, in `slotSpecs` order (`[slotShard(0, s), slotShard(1, s), …]`): one frozen
   * array made at construction, so a training step builds none.
   * @param s shard index in [0, numShards).
   * @returns the views (writes go to the table).
   * @example table.slotShards(0)[0] === table.slotShard(0, 0) // true
   */
  slotShards(s: number): readonly Float32Array[] {
    return this.store.slotShards(s);
  }

  /** A copy of row `row` (`dim` floats). */
  readRow(row: number): Float32Array {
    const o = this.store.rowOffset(row);
    if (o >= 0) return this.storage.slice(o, o + this.dim);
    const out = new Float32Array(this.dim);
    this.initialRowInto(row, out, 0);
    return out;
  }

  private get rowScratch(): Float32Array {
    return (this.rowScratchBuf ??= new Float32Array(this.dim));
  }

  /** Writes the initial value of row `row` (as a lazy table materializes it) at `target[offset …]`. */
  private initialRowInto(row: number, target: Float32Array, offset: number): void {
    initialRow(this.config.initializer as Exclude<InitializerSpec, { kind: 'function' }>, this.seed, row, this.dim, target, offset);
  }

  /**
   * The full `[vocabularySize, dim]` table and slots, whatever the sharding (for checkpoints and CPU restore).
   * @returns fresh arrays (copies).
   */
  exportFull(): FullTable {
    if (this.vocabularySize * this.dim > MAX_DENSE_FLOATS) {
      throw new CheckpointError(
        'table_too_large',
        `exportFull: table '${this.name}' (storage '${this.config.storage}', ${this.vocabularySize} × ${this.dim}) has no full [vocabularySize, dim] form: ` +
          `it exceeds one Float32Array (${MAX_DENSE_FLOATS} values). Streamed checkpoints of the rows a lazy table holds are not implemented yet; ` +
          'checkpoint tables of at most that many values.',
      );
    }
    const slots: Partial<Record<SlotName, Float32Array>> = {};
    this.slotSpecs.forEach((s, k) => (slots[s.name] = this.gatherFull(this.slotStorage[k], k)));
    return Object.freeze({ name: this.name, vocabularySize: this.vocabularySize, dim: this.dim, weights: this.gatherFull(this.storage, -1), slots });
  }

  /**
   * Checks a full `[vocabularySize, dim]` table (and the slots present in `full.slots`) without writing anything:
   * `vocabularySize`/`dim` when given, each array a `Float32Array` of `vocabularySize × dim` values, every value
   * finite, and no slot this table's optimizer does not keep. Messages name the tensor as checkpoints do
   * (`<table>`, `<table>/<slot>`).
   * @param full the values to check; @param api the calling API, for messages.
   * @throws InputError `shape_mismatch` (shape, length or element type), `unknown_slot`, `non_finite_value`.
   */
  checkFull(full: Pick<FullTable, 'weights' | 'slots'> & Partial<Pick<FullTable, 'vocabularySize' | 'dim'>>, api = 'importFull'): void {
    const n = this.vocabularySize * this.dim;
    if ((full.vocabularySize !== undefined && full.vocabularySize !== this.vocabularySize) || (full.dim !== undefined && full.dim !== this.dim)) {
      throw new InputError(
        'shape_mismatch',
        `${api}: expected table '${this.name}' of shape [${this.vocabularySize}, ${this.dim}], but got [${full.vocabularySize}, ${full.dim}]. Restore tables saved from a model with the same table sizes.`,
      );
    }
    const check = (tensor: string, a: unknown): void => {
      if (!(a instanceof Float32Array) || a.length !== n) {
        const got = a instanceof Float32Array ? `${a.length} values` : `${Object.prototype.toString.call(a).slice(8, -1)}${(a as { length?: number })?.length !== undefined ? ` of ${(a as { length: number }).length} values` : ''}`;
        throw new InputError('shape_mismatch', `${api}: expected table '${this.name}' tensor '${tensor}' to be a Float32Array of ${this.vocabularySize} × ${this.dim} = ${n} values, but got ${got}.`);
      }
      const bad = firstNonFinite(a);
      if (bad >= 0) {
        throw new InputError(
          'non_finite_value',
          `${api}: expected finite values in '${tensor}', but row ${Math.floor(bad / this.dim)} holds ${a[bad]} at column ${bad % this.dim}. The checkpoint or state is corrupted; restore an older one.`,
        );
      }
    };
    check(this.name, full.weights);
    const kept = new Set<string>(this.slotSpecs.map((s) => s.name));
    const store = this.store;
    if (store instanceof LazyTableStorage) {
      let add = 0;
      for (let r = 0; r < this.vocabularySize; r++) if (!store.has(r) && !this.isInitialRow(full, r)) add++;
      if (store.rowsMaterialized + add > store.rows) {
        throw new InputError(
          'storage_full',
          `${api}: table '${this.name}' (storage 'lazy') would hold ${store.rowsMaterialized + add} rows, more than its pool's ${store.rows}; restore into a dense table or one of fewer rows.`,
        );
      }
    }
    for (const [slot, a] of Object.entries(full.slots ?? {})) {
      if (a === undefined) continue;
      if (!kept.has(slot)) {
        throw new InputError(
          'unknown_slot',
          `${api}: table '${this.name}' has no slot '${slot}' (its optimizer ${this.optimizer.className} keeps ${[...kept].join(', ') || 'no slots'}); restore into a model built with the optimizer that wrote the state.`,
        );
      }
      check(`${this.name}/${slot}`, a);
    }
  }

  /**
   * Overwrites the table (and the slots present in `full.slots`) from the full `[vocabularySize, dim]` form; this is
   * how a checkpoint written on any topology is resharded onto this one. Slots missing from `full` keep their values.
   * @throws InputError from {@link checkFull} (nothing is changed then).
   */
  importFull(full: Pick<FullTable, 'weights' | 'slots'> & Partial<Pick<FullTable, 'vocabularySize' | 'dim'>>): void {
    this.checkFull(full);
    this.writeFull(full);
  }

  /** Writes values {@link checkFull} accepted (no checks). */
  writeFull(full: Pick<FullTable, 'weights' | 'slots'>): void {
    const store = this.store;
    if (store instanceof LazyTableStorage) {
      // Only rows that differ from their initial values (or are already materialized) take pool rows.
      const dim = this.dim;
      const present = this.slotSpecs.map((s) => full.slots?.[s.name]);
      for (let r = 0; r < this.vocabularySize; r++) {
        if (!store.has(r) && this.isInitialRow(full, r)) continue;
        const o = store.materializeRow(r);
        this.storage.set(full.weights.subarray(r * dim, (r + 1) * dim), o);
        present.forEach((src, k) => src && this.slotStorage[k].set(src.subarray(r * dim, (r + 1) * dim), o));
      }
      return;
    }
    this.scatterFull(full.weights, this.storage);
    this.slotSpecs.forEach((s, k) => {
      const src = full.slots?.[s.name];
      if (src) this.scatterFull(src, this.slotStorage[k]);
    });
  }

  /** True when row r of `full` (weights and the slots it holds) equals the row's initial values. */
  private isInitialRow(full: Pick<FullTable, 'weights' | 'slots'>, r: number): boolean {
    const dim = this.dim;
    const init = this.rowScratch;
    this.initialRowInto(r, init, 0);
    for (let j = 0; j < dim; j++) if (!Object.is(full.weights[r * dim + j], init[j])) return false;
    for (let k = 0; k < this.slotSpecs.length; k++) {
      const a = full.slots?.[this.slotSpecs[k].name];
      const v = Math.fround(this.slotSpecs[k].initialValue);
      if (a) for (let j = 0; j < dim; j++) if (!Object.is(a[r * dim + j], v)) return false;
    }
    return true;
  }

  /** `src` (the weights, k = −1, or slot k) in the full `[vocabularySize, dim]` form; a lazy table's untouched rows read as their initial values. */
  private gatherFull(src: Float32Array, k: number): Float32Array {
    const dim = this.dim;
    const out = new Float32Array(this.vocabularySize * dim);
    for (let r = 0; r < this.vocabularySize; r++) {
      const o = this.store.rowOffset(r);
      if (o >= 0) out.set(src.subarray(o, o + dim), r * dim);
      else if (k < 0) this.initialRowInto(r, out, r * dim);
      else out.fill(this.slotSpecs[k].initialValue, r * dim, (r + 1) * dim);
    }
    return out;
  }

  private scatterFull(src: Float32Array, dst: Float32Array): void {
    const dim = this.dim;
    for (let r = 0; r < this.vocabularySize; r++) {
      dst.set(src.subarray(r * dim, (r + 1) * dim), this.layout.storageRow(r) * dim);
    }
  }
}

/** The error for a dense table that cannot be allocated: its size, and the lazy kind as the fix. */
function tooLarge(name: string, rows: number, dim: number, slots: number): ConfigError {
  const gb = ((rows * dim * 4 * (1 + slots)) / 1e9).toFixed(1);
  return new ConfigError(
    'table_too_large',
    `TPUEmbedding: table '${name}' of ${rows} (padded) rows × ${dim} float32 needs ${gb} GB of weights and slots as a dense table, ` +
      `more than one array holds (${MAX_DENSE_FLOATS} values) or this machine allocates; use tableConfig({ ..., storage: 'lazy' }) to keep only the rows training touches.`,
  );
}

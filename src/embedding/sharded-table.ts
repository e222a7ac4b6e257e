import { adviseTableHugePages } from '../kernels/native-kernels';
import { InputError } from '../errors';
import { firstNonFinite } from './first-non-finite';
import { Random } from '../random';
import type { SlotName, SlotSpec } from '../optimizers/embedding-optimizer';
import { fillTable } from './initializer';
import { registerRowMemory, rowKernelArray } from '../kernels/row-kernels';
import { SimdCombiner } from '../kernels/simd-combiner';
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
 * One embedding table sharded over N shards: N per-shard `Float32Array`s (views of one storage buffer) and the
 * same for each slot variable. Row `r` lives at `shard(layout.shardOf(r))[layout.localRow(r) × dim …]`.
 */
export class ShardedTable {
  /** `[storageRows, dim]`: all shards back to back (see {@link TableLayout}). */
  readonly storage: Float32Array;
  /** The SIMD gather kernel bound to {@link storage} (then a view of wasm memory), or null for the JavaScript path. */
  readonly simd: SimdCombiner | null;
  /** One storage per slot, in `slotSpecs` order. */
  readonly slotStorage: readonly Float32Array[];
  readonly slotSpecs: readonly SlotSpec[];
  private readonly shardViews: Float32Array[];
  private readonly slotViews: Float32Array[][];
  private readonly slotsByShard: (readonly Float32Array[])[];

  /**
   * @param name resolved table name; @param index table index (order of first appearance).
   * @param config the table config; @param optimizer the table's effective optimizer.
   * @param layout where rows go; @param placement for the stats; @param seed the initializer's seed.
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
    this.simd = SimdCombiner.create(layout.storageRows * dim, dim);
    this.storage = this.simd ? this.simd.storage : new Float32Array(layout.storageRows * dim);
    if (this.simd?.shared) registerRowMemory(this.simd.memory, this.storage.buffer, this.simd.rowKernelScratch);
    const rng = new Random(seed);
    adviseTableHugePages(this.storage); // before the initializer writes it: its pages fault in as 2 MiB pages
    fillTable(config.initializer, config.vocabularySize, dim, rng, this.storage, (r) => layout.storageRow(r) * dim, name);
    this.slotSpecs = Object.freeze([...optimizer.slotSpecs()]);
    this.slotStorage = this.slotSpecs.map((s) => {
      const a = rowKernelArray(layout.storageRows * dim); // in kernel memory where it fits
      if (s.initialValue !== 0) {
        adviseTableHugePages(a);
        a.fill(s.initialValue);
      }
      return a;
    });
    const views = (a: Float32Array): Float32Array[] =>
      Array.from(layout.shardRows, (rows, s) => a.subarray(layout.shardBase[s] * dim, (layout.shardBase[s] + rows) * dim));
    this.shardViews = views(this.storage);
    this.slotViews = this.slotStorage.map(views);
    this.slotsByShard = Array.from(layout.shardRows, (_, sh) => Object.freeze(this.slotViews.map((v) => v[sh])));
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
    return this.shardViews[s];
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
    return this.slotsByShard[s];
  }

  /** A copy of row `row` (`dim` floats). */
  readRow(row: number): Float32Array {
    const o = this.layout.storageRow(row) * this.dim;
    return this.storage.slice(o, o + this.dim);
  }

  /**
   * The full `[vocabularySize, dim]` table and slots, whatever the sharding (for checkpoints and CPU restore).
   * @returns fresh arrays (copies).
   */
  exportFull(): FullTable {
    const slots: Partial<Record<SlotName, Float32Array>> = {};
    this.slotSpecs.forEach((s, k) => (slots[s.name] = this.gatherFull(this.slotStorage[k])));
    return Object.freeze({ name: this.name, vocabularySize: this.vocabularySize, dim: this.dim, weights: this.gatherFull(this.storage), slots });
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
    this.scatterFull(full.weights, this.storage);
    this.slotSpecs.forEach((s, k) => {
      const src = full.slots?.[s.name];
      if (src) this.scatterFull(src, this.slotStorage[k]);
    });
  }

  private gatherFull(src: Float32Array): Float32Array {
    const dim = this.dim;
    const out = new Float32Array(this.vocabularySize * dim);
    for (let r = 0; r < this.vocabularySize; r++) {
      const o = this.layout.storageRow(r) * dim;
      out.set(src.subarray(o, o + dim), r * dim);
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

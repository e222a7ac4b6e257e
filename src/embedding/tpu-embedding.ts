import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../errors';
import { TOPOLOGIES, topology as topologyPreset, type Topology } from '../strategy/topology';
import type { LookupStats, TableLookupStats } from './lookup-stats-types';
import { accumulateStats, emptyAccumulatedStats, type AccumulatedLookupStats } from './lookup-stats';
import { featureConfigFromConfig, type FeatureConfig, type FeatureConfigJson } from './feature-config';
import { normalizeFeatureInput, type FeatureInput, type NormalizedInput } from './feature-input';
import { isEmbeddingOptimizer, optimizerToJson, type EmbeddingOptimizerLike, type OptimizerJson, type OptimizerResolver } from './optimizer-like';
import { ShardedTable, type FullTable } from './sharded-table';
import type { TableConfig } from './table-config';
import { PLACEMENTS, SHARDINGS, TableLayout, type Placement, type Sharding } from './table-layout';
import { createFeatureState, createTableState, type FeatureState, type Pending, type PendingFeature, type PendingTable, type TableState } from './engine-state';
import { startHelperCombine } from './helper-hand-off';
import { routeIds, type RoutedTable } from './route-ids';
import { combineFeature } from './combine-feature';
import { ActivationOutput, type WasmHeapBackend } from './activation-output';
/** Options of {@link TPUEmbedding} (TensorFlow's `tf.tpu.experimental.embedding.TPUEmbedding`). */
export interface TPUEmbeddingOptions {
  /** Features by name (the keys `lookup` takes), or an array (names: `feature.name` or `feature_<i>`). */
  readonly features: Readonly<Record<string, FeatureConfig>> | readonly FeatureConfig[];
  /** Global optimizer; a table's own optimizer overrides it. Required unless every table has one. */
  readonly optimizer?: EmbeddingOptimizerLike;
  /** A {@link Topology} or a preset name (`cpu`, `v3-8`, `v4-8`, `v4-32`, `v5p-8`, `v6e-8`). */
  readonly topology: Topology | string;
  /** @default 'sparsecore' ('cpu': one unsharded table per feature table in host memory, N = 1) */
  readonly placement?: Placement;
  /** @default 'mod' */
  readonly sharding?: Sharding;
  /** Most ids one replica may send to one shard per step. @default undefined (no limit) */
  readonly maxIdsPerPartition?: number;
  /** Most unique ids one replica may send to one shard per step. @default undefined (no limit) */
  readonly maxUniqueIdsPerPartition?: number;
  /** Drop ids beyond the limits (and count them) instead of throwing. @default false */
  readonly allowIdDropping?: boolean;
  /** Seed of the table initializers (table i uses seed + i). @default 0 */
  readonly seed?: number;
  /** How many steps of {@link TPUEmbedding.statsHistory} to keep. @default 1000 */
  readonly statsHistoryLimit?: number;
}

/** JSON form of a {@link TPUEmbedding}'s configuration. */
export interface TPUEmbeddingJson {
  features: Record<string, FeatureConfigJson>;
  optimizer: OptimizerJson | null;
  /** A preset name, or the topology itself when it is not a preset. */
  topology: string | Topology;
  placement: Placement;
  sharding: Sharding;
  maxIdsPerPartition: number | null;
  maxUniqueIdsPerPartition: number | null;
  allowIdDropping: boolean;
  seed: number;
}

/**
 * The embedding engine: tables sharded over the SparseCores of a simulated TPU slice (or on the CPU host),
 * sparse lookups that return tfjs activations, and sparse, lazy optimizer updates of the touched rows only.
 *
 * One step: `lookup(ids)` → activations `[B, dim]` per feature (`[B, L, dim]` for sequence features) → the dense
 * model computes gradients for those activations → `applyGradients(grads)` → each touched row is updated once with
 * the sum of its gradient contributions over the global batch.
 *
 * @example
 * const movies = tableConfig({ vocabularySize: 1683, dim: 32 });
 * const emb = new TPUEmbedding({
 *   features: { movie_id: featureConfig({ table: movies }) },
 *   optimizer: new Adagrad({ learningRate: 0.1 }),
 *   topology: 'v4-8',
 * });
 * const acts = emb.lookup({ movie_id: [3, 7, 7, 1] });  // { movie_id: Tensor [4, 32] }
 * emb.applyGradients({ movie_id: tf.onesLike(acts.movie_id) });
 */
export class TPUEmbedding {
  /** The slice simulated. */
  readonly topology: Topology;
  readonly placement: Placement;
  readonly sharding: Sharding;
  /** Embedding shards per table N (`topology.numShards`, or 1 with placement 'cpu'). */
  readonly numShards: number;
  readonly numReplicas: number;
  readonly maxIdsPerPartition: number | undefined;
  readonly maxUniqueIdsPerPartition: number | undefined;
  readonly allowIdDropping: boolean;
  readonly seed: number;
  /** Feature names in order. */
  readonly featureNames: readonly string[];
  /** Resolved table names in order of first appearance (`table_<i>` for unnamed tables). */
  readonly tableNames: readonly string[];
  /**
   * Use the WebAssembly kernels (the id router's dedup and the SIMD gather) where this runtime has them; false:
   * the JavaScript loops, for comparison (same results).
   */
  useSimd = true;
  /**
   * Let the gather helper thread combine part of a large lookup (see `GatherHelper`; same results; off where there
   * is no such thread). False: this thread does everything, for comparison.
   */
  useHelperThread = true;
  /** Training steps applied so far (`applyGradients` calls). */
  step = 0;
  /** Statistics of the last lookup, or null before the first. */
  lastStats: LookupStats | null = null;
  /** The last `statsHistoryLimit` lookups' statistics, oldest first. */
  readonly statsHistory: LookupStats[] = [];
  /** Totals over every lookup since construction (or {@link resetStats}). */
  accumulatedStats: AccumulatedLookupStats;

  private readonly globalOptimizer: EmbeddingOptimizerLike | undefined;
  private readonly features = new Map<string, FeatureState>();
  private readonly tableStates: TableState[] = [];
  private readonly statsHistoryLimit: number;
  private pending: Pending | null = null;
  /** Where the activation buffers come from (on the wasm backend: the new tensors' memory in its heap). */
  private readonly outputs = new ActivationOutput();
  /** Sum of the values {@link touchRows} read (kept so the loads are not dead code). */
  private sink = 0;

  /**
   * @param options see {@link TPUEmbeddingOptions}.
   * @throws ConfigError (`invalid_embedding_config`, `unknown_topology`, `invalid_sharding`, …) naming the parameter,
   *   the rule and the value.
   */
  constructor(options: TPUEmbeddingOptions) {
    const api = 'TPUEmbedding';
    const bad = (msg: string): ConfigError => new ConfigError('invalid_embedding_config', `${api}: ${msg}`);
    if (options === null || typeof options !== 'object') throw bad(`expected an options object, but got ${String(options)}.`);
    this.topology = typeof options.topology === 'string' ? topologyPreset(options.topology) : options.topology;
    if (!this.topology || !Number.isInteger(this.topology.numShards) || !Number.isInteger(this.topology.numReplicas)) {
      throw bad(`expected topology to be a Topology or a preset name, but got ${String(options.topology)}.`);
    }
    this.placement = options.placement ?? 'sparsecore';
    if (!(PLACEMENTS as readonly string[]).includes(this.placement)) {
      throw bad(`expected placement to be one of ${PLACEMENTS.join(', ')}, but got '${String(this.placement)}'.`);
    }
    this.sharding = options.sharding ?? 'mod';
    if (!(SHARDINGS as readonly string[]).includes(this.sharding)) {
      throw new ConfigError('invalid_sharding', `${api}: expected sharding to be one of ${SHARDINGS.join(', ')}, but got '${String(this.sharding)}'.`);
    }
    this.numShards = this.placement === 'cpu' ? 1 : this.topology.numShards;
    this.numReplicas = this.topology.numReplicas;
    for (const key of ['maxIdsPerPartition', 'maxUniqueIdsPerPartition'] as const) {
      const v = options[key];
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw bad(`expected ${key} to be a positive integer, but got ${String(v)}.`);
    }
    this.maxIdsPerPartition = options.maxIdsPerPartition;
    this.maxUniqueIdsPerPartition = options.maxUniqueIdsPerPartition;
    this.allowIdDropping = options.allowIdDropping ?? false;
    this.seed = options.seed ?? 0;
    if (!Number.isInteger(this.seed)) throw bad(`expected seed to be an integer, but got ${String(options.seed)}.`);
    this.statsHistoryLimit = options.statsHistoryLimit ?? 1000;
    if (options.optimizer !== undefined && !isEmbeddingOptimizer(options.optimizer)) {
      throw bad(`expected optimizer to be an embedding optimizer (SGD, Adagrad, Adam, …), but got ${String(options.optimizer)}.`);
    }
    this.globalOptimizer = options.optimizer;

    // Features, in order; tables by identity in order of first appearance.
    const entries: [string, FeatureConfig][] = Array.isArray(options.features)
      ? (options.features as readonly FeatureConfig[]).map((f, i) => [f?.name ?? `feature_${i}`, f])
      : Object.entries((options.features ?? {}) as Record<string, FeatureConfig>);
    if (entries.length === 0) throw bad('expected features to hold at least one FeatureConfig, but got none.');
    const tableIndex = new Map<TableConfig, TableState>();
    const usedTableNames = new Set<string>();
    for (const [name, f] of entries) {
      if (!f || typeof f !== 'object' || !f.table || typeof f.getConfig !== 'function') {
        throw bad(`expected feature '${name}' to be a FeatureConfig made by featureConfig(), but got ${String(f)}.`);
      }
      if (this.features.has(name)) throw bad(`expected unique feature names, but '${name}' appears twice.`);
      let state = tableIndex.get(f.table);
      if (!state) {
        const i = this.tableStates.length;
        const tname = f.table.name ?? `table_${i}`;
        if (usedTableNames.has(tname)) {
          throw bad(`expected unique table names, but two different tables are named '${tname}'; name them or share one TableConfig.`);
        }
        usedTableNames.add(tname);
        const optimizer = f.table.optimizer ?? this.globalOptimizer;
        if (!optimizer) throw bad(`table '${tname}' has no optimizer: pass optimizer to TPUEmbedding or to tableConfig.`);
        const spc = this.topology.sparseCoresPerChip > 0 ? this.topology.sparseCoresPerChip : this.topology.shardsPerReplica;
        const rotation = (spc * i) % this.numShards;
        const layout = new TableLayout(f.table.vocabularySize, this.numShards, rotation, this.sharding);
        const table = new ShardedTable(tname, i, f.table, optimizer, layout, this.placement, this.seed + i);
        state = createTableState(table, layout, this.numShards);
        tableIndex.set(f.table, state);
        this.tableStates.push(state);
      }
      const fs = createFeatureState(name, f, state);
      state.features.push(fs);
      this.features.set(name, fs);
    }
    this.featureNames = Object.freeze([...this.features.keys()]);
    this.tableNames = Object.freeze(this.tableStates.map((t) => t.table.name));
    this.accumulatedStats = emptyAccumulatedStats(this.tableNames);
  }

  /** The global optimizer (tables may override it with their own). */
  get optimizer(): EmbeddingOptimizerLike | undefined {
    return this.globalOptimizer;
  }

  /** The sharded tables, in order (read access to shards, layouts and slots). */
  get tables(): readonly ShardedTable[] {
    return this.tableStates.map((t) => t.table);
  }

  /** The sharded table named `name`. @throws InputError `unknown_table`. */
  table(name: string): ShardedTable {
    const t = this.tableStates.find((s) => s.table.name === name);
    if (!t) throw new InputError('unknown_table', `TPUEmbedding.table: expected one of ${this.tableNames.join(', ')}, but got '${name}'.`);
    return t.table;
  }

  /** The feature configs by name. */
  get featureConfigs(): Readonly<Record<string, FeatureConfig>> {
    return Object.fromEntries([...this.features].map(([n, f]) => [n, f.config]));
  }

  /**
   * Looks up every feature of the global batch.
   * @param features ids per feature name (every configured feature; see {@link FeatureInput}); all with the same batch
   *   size B, divisible by the number of replicas.
   * @returns one tensor per feature: `[B, dim]` (pooled), `[B, L, dim]` (sequence) or `[...outputShape, dim]`.
   *   The caller owns (disposes) them.
   * @throws InputError (`unknown_feature`, `missing_feature`, `id_out_of_range`, `batch_size_mismatch`,
   *   `batch_not_divisible`, `invalid_input`, …) before any state changes.
   * @throws ShardingError `id_limit_exceeded` when a replica sends more ids to one shard than allowed (unless dropping);
   *   the tables are unchanged, but the previous lookup can no longer take gradients (its buffers are reused).
   *
   * Cost: O(ids) per step plus O(unique ids × dim) for the gather; nothing proportional to the vocabulary. Pooled
   * features of tables with `dim % 4 = 0` use a WebAssembly SIMD kernel (see `SimdCombiner`).
   */
  lookup(features: Readonly<Record<string, FeatureInput>>): Record<string, tf.Tensor> {
    const api = 'TPUEmbedding.lookup';
    if (features === null || typeof features !== 'object') {
      throw new InputError('invalid_input', `${api}: expected an object of ids per feature, but got ${String(features)}.`);
    }
    for (const name of Object.keys(features)) {
      if (!this.features.has(name)) {
        throw new InputError('unknown_feature', `${api}: unknown feature '${name}'; expected one of ${this.featureNames.join(', ')}.`);
      }
    }
    const inputs = new Map<string, NormalizedInput>();
    let batch = -1;
    let batchFrom = '';
    for (const name of this.featureNames) {
      if (!(name in features)) {
        throw new InputError('missing_feature', `${api}: expected ids for every feature, but '${name}' is missing (features: ${this.featureNames.join(', ')}).`);
      }
      const f = this.features.get(name)!;
      const input = normalizeFeatureInput(name, features[name]);
      if (batch < 0) {
        batch = input.batchSize;
        batchFrom = name;
      } else if (input.batchSize !== batch) {
        throw new InputError('batch_size_mismatch', `${api}: expected every feature to have the batch size of '${batchFrom}' (${batch}), but '${name}' has ${input.batchSize}.`);
      }
      if (input.weights && f.config.maxSequenceLength > 0) {
        throw new InputError('invalid_weights', `${api}: feature '${name}' is a sequence feature (maxSequenceLength ${f.config.maxSequenceLength}); sequence features take no weights.`);
      }
      checkIdRange(name, input, f.table.table.vocabularySize);
      inputs.set(name, input);
    }
    const R = this.numReplicas;
    if (batch % R !== 0) {
      throw new InputError('batch_not_divisible', `${api}: expected the global batch size (${batch}) to be divisible by the number of replicas (${R} on ${this.topology.name}); use a global batch of ${Math.max(R, Math.ceil(batch / R) * R)} or drop the remainder.`);
    }
    for (const name of this.featureNames) {
      const f = this.features.get(name)!;
      const os = f.config.outputShape;
      if (os) {
        const want = batch * Math.max(1, f.config.maxSequenceLength);
        const got = os.reduce((a, b) => a * b, 1);
        if (got !== want) {
          throw new InputError('output_shape_mismatch', `${api}: feature '${name}' has outputShape [${os}] (${got} vectors), but the batch gives ${want}.`);
        }
      }
    }

    const helperPart = startHelperCombine(this.tableStates, inputs, this.useSimd, this.useHelperThread);
    // Phase 1: route, count and check limits for every table. It reuses the per-step buffers the pending
    // backward pass points into, so a failure here discards the pending lookup.
    let routed: RoutedTable[];
    try {
      routed = this.tableStates.map((ts) => routeIds(this, ts, inputs, batch));
    } catch (e) {
      this.pending = null;
      throw e;
    }
    // Phase 2: gather and combine.
    const out: Record<string, tf.Tensor> = {};
    const pendingFeatures = new Map<string, PendingFeature>();
    const tableStats: TableLookupStats[] = [];
    for (const r of routed) {
      for (const pf of r.features) {
        const values = combineFeature(r.state, pf, helperPart?.feature === pf.state ? helperPart : null, r.pendingTable.allKept, this.useSimd, this.outputs);
        out[pf.state.name] = this.outputs.tensor(values, pf.shape);
        pendingFeatures.set(pf.state.name, pf);
      }
      tableStats.push(r.stats);
    }
    const stats: LookupStats = Object.freeze({ step: this.step + 1, numReplicas: R, globalBatchSize: batch, tables: Object.freeze(tableStats) });
    this.lastStats = stats;
    this.statsHistory.push(stats);
    if (this.statsHistory.length > this.statsHistoryLimit) this.statsHistory.splice(0, this.statsHistory.length - this.statsHistoryLimit);
    this.accumulatedStats = accumulateStats(this.accumulatedStats, stats);
    this.pending = { features: pendingFeatures, tables: routed.map((r) => r.pendingTable) };
    return out;
  }

  /**
   * Applies the gradients of the last lookup's activations: scatter to (sample, id) pairs with the combiner's scale,
   * sum per unique row over the global batch, and let each table's optimizer update only the touched rows.
   * Everything is validated before any table changes. Increments {@link step}.
   * @param grads one gradient per looked-up feature, with the activation's shape.
   * @throws InputError (`no_lookup`, `missing_gradient`, `unknown_feature`, `gradient_shape_mismatch`,
   *   `non_finite_gradient`); the tables are then unchanged.
   */
  applyGradients(grads: Readonly<Record<string, tf.Tensor>>): void {
    const api = 'TPUEmbedding.applyGradients';
    const pending = this.pending;
    if (!pending) throw new InputError('no_lookup', `${api}: no lookup to apply gradients to; call lookup(features) first (once per applyGradients).`);
    if (grads === null || typeof grads !== 'object') throw new InputError('invalid_gradient', `${api}: expected an object of gradients per feature, but got ${String(grads)}.`);
    for (const name of Object.keys(grads)) {
      if (!pending.features.has(name)) {
        throw new InputError('unknown_feature', `${api}: unknown feature '${name}'; expected gradients for ${[...pending.features.keys()].join(', ')}.`);
      }
    }
    const data = new Map<string, Float32Array>();
    for (const [name, pf] of pending.features) {
      const g = grads[name];
      if (!(g instanceof tf.Tensor)) {
        throw new InputError('missing_gradient', `${api}: expected a gradient tensor for every looked-up feature, but '${name}' is ${g === undefined ? 'missing' : String(g)}.`);
      }
      if (g.shape.length !== pf.shape.length || g.shape.some((d, i) => d !== pf.shape[i])) {
        throw new InputError('gradient_shape_mismatch', `${api}: expected the gradient of '${name}' to have the activation's shape [${pf.shape}], but got [${g.shape}].`);
      }
      const arr = gradientValues(g);
      // x · 0 is 0 for a finite x and NaN for ±∞ or NaN: one multiply-add per element, no branch; the index of the
      // first bad value is looked for only when the sum says there is one.
      let b0 = 0, b1 = 0, b2 = 0, b3 = 0;
      const n4 = arr.length & ~3;
      for (let i = 0; i < n4; i += 4) {
        b0 += arr[i] * 0;
        b1 += arr[i + 1] * 0;
        b2 += arr[i + 2] * 0;
        b3 += arr[i + 3] * 0;
      }
      for (let i = n4; i < arr.length; i++) b0 += arr[i] * 0;
      const bad = b0 + b1 + b2 + b3;
      for (let i = 0; bad !== 0 && i < arr.length; i++) {
        if (!Number.isFinite(arr[i])) {
          throw new InputError('non_finite_gradient', `${api}: expected finite gradients, but the gradient of '${name}' holds ${arr[i]} at flat index ${i}; the tables are unchanged.`);
        }
      }
      data.set(name, arr);
    }
    const step = this.step + 1;
    for (const pt of pending.tables) {
      const ts = pt.state;
      const dim = ts.table.dim;
      const U = pt.numUnique;
      if (U === 0) continue;
      // Kept unique rows in storage order: grouped by shard (shards are contiguous in storage) and ascending inside
      // each shard, so the optimizer walks every shard's memory forwards (fewer TLB walks and DRAM page misses).
      const localOff = this.sortForUpdate(ts, pt);
      const shardStart = ts.shardStart;
      // Transposed scatter: bucket the positions by unique row (counting sort), then build each row's sum in turn
      // (sequential writes, random reads of the small [B, dim] gradients) and hand the optimizer one chunk of
      // summed rows at a time: the chunk (≤ GRAD_CHUNK_FLOATS) is still in L1/L2 when the optimizer reads it, and no
      // [U, dim] gradient array is ever written out to memory.
      const entries = this.bucketByRow(ts, pending, data, U);
      const chunkRows = Math.max(1, Math.floor(GRAD_CHUNK_FLOATS / dim));
      if (ts.grad.length < chunkRows * dim) ts.grad = new Float32Array(chunkRows * dim);
      const gsum = ts.grad;
      const opt = ts.table.optimizer;
      const table = ts.table;
      for (let s = 0; s < this.numShards; s++) {
        const a = shardStart[s];
        const b = shardStart[s + 1];
        if (b === a) continue;
        const weights = table.shard(s);
        const slots = table.slotShards(s);
        for (let c = a; c < b; c += chunkRows) {
          const ce = Math.min(b, c + chunkRows);
          // Bring the chunk's weight and slot rows into cache first (many independent misses in flight), then sum
          // its gradients while they arrive; the optimizer's loop then mostly hits the cache.
          this.sink = touchRows(weights, localOff, c, ce, dim, this.sink);
          for (let k = 0; k < slots.length; k++) this.sink = touchRows(slots[k], localOff, c, ce, dim, this.sink);
          sumRows(c, ce, ts.rowStart, ts.entryGoff, ts.entryScale, ts.entryFeature, entries, gsum, dim);
          opt.applyRows({ weights, slots, rowOffsets: localOff.subarray(c, ce), count: ce - c, grads: gsum, dim, step });
        }
      }
      entries.length = 0; // keep no reference to this step's gradient values
    }
    this.step = step;
    this.pending = null;
  }

  /** Forgets {@link statsHistory}, {@link lastStats} and {@link accumulatedStats}. */
  resetStats(): void {
    this.statsHistory.length = 0;
    this.lastStats = null;
    this.accumulatedStats = emptyAccumulatedStats(this.tableNames);
  }

  /**
   * Every table (and its slots) in the full `[vocabularySize, dim]` form, keyed by table name, whatever the
   * topology and sharding: what checkpoints store.
   */
  exportTables(): Record<string, FullTable> {
    return Object.fromEntries(this.tableStates.map((t) => [t.table.name, t.table.exportFull()]));
  }

  /**
   * Loads tables from the full form (e.g. a checkpoint written on another topology): resharding N → M.
   * Tables absent from `tables` keep their values. Every size is checked before anything is written.
   * @throws InputError `unknown_table` / `shape_mismatch`.
   */
  importTables(tables: Readonly<Record<string, Pick<FullTable, 'weights' | 'slots'>>>): void {
    for (const [name, full] of Object.entries(tables)) {
      const t = this.table(name);
      const n = t.vocabularySize * t.dim;
      const sizes = [full.weights.length, ...t.slotSpecs.map((s) => full.slots[s.name]?.length ?? n)];
      if (sizes.some((l) => l !== n)) {
        throw new InputError('shape_mismatch', `TPUEmbedding.importTables: expected table '${name}' and its slots to hold ${t.vocabularySize} × ${t.dim} = ${n} values each, but got ${sizes.join(', ')}.`);
      }
    }
    for (const [name, full] of Object.entries(tables)) this.table(name).importFull(full);
    this.pending = null;
  }

  /** The JSON form of this embedding's configuration (tables inline in each feature). */
  getConfig(): TPUEmbeddingJson {
    return {
      features: Object.fromEntries([...this.features].map(([n, f]) => [n, { ...f.config.getConfig(), table: { ...f.config.table.getConfig(), name: f.table.table.name } }])),
      optimizer: this.globalOptimizer ? optimizerToJson(this.globalOptimizer) : null,
      topology: (TOPOLOGIES as Record<string, Topology>)[this.topology.name] === this.topology ? this.topology.name : { ...this.topology },
      placement: this.placement,
      sharding: this.sharding,
      maxIdsPerPartition: this.maxIdsPerPartition ?? null,
      maxUniqueIdsPerPartition: this.maxUniqueIdsPerPartition ?? null,
      allowIdDropping: this.allowIdDropping,
      seed: this.seed,
    };
  }

  /**
   * Rebuilds an embedding from {@link getConfig}'s output (fresh tables from the initializers; restore values with
   * {@link importTables}). Features that shared a table share it again.
   * @param json the JSON form; @param resolveOptimizer the optimizers' `optimizerFromConfig`.
   * @example TPUEmbedding.fromConfig(emb.getConfig(), optimizerFromConfig)
   */
  static fromConfig(json: TPUEmbeddingJson, resolveOptimizer?: OptimizerResolver): TPUEmbedding {
    const tables: Record<string, TableConfig> = {};
    const features: Record<string, FeatureConfig> = {};
    for (const [name, f] of Object.entries(json.features)) {
      const fc = featureConfigFromConfig(f, tables, resolveOptimizer);
      if (f.table.name !== null) tables[f.table.name] = fc.table;
      features[name] = fc;
    }
    let optimizer: EmbeddingOptimizerLike | undefined;
    if (json.optimizer) {
      if (!resolveOptimizer) {
        throw new ConfigError('invalid_embedding_config', `TPUEmbedding.fromConfig: the config names optimizer '${json.optimizer.className}'; pass resolveOptimizer (optimizerFromConfig) to rebuild it.`);
      }
      optimizer = resolveOptimizer(json.optimizer);
    }
    return new TPUEmbedding({
      features,
      optimizer,
      topology: json.topology,
      placement: json.placement,
      sharding: json.sharding,
      maxIdsPerPartition: json.maxIdsPerPartition ?? undefined,
      maxUniqueIdsPerPartition: json.maxUniqueIdsPerPartition ?? undefined,
      allowIdDropping: json.allowIdDropping,
      seed: json.seed,
    });
  }

  // ---------------------------------------------------------------------------------------------------------------

  /**
   * Buckets every kept position of the table's features by unique row (counting sort): afterwards row i's entries
   * are `[rowStart[i-1], rowStart[i])` (`rowStart[-1]` = 0) of `entryGoff` (gradient offset), `entryScale` and
   * `entryFeature`. @returns the gradient arrays in feature order (the index `entryFeature` holds).
   */
  private bucketByRow(ts: TableState, pending: Pending, data: Map<string, Float32Array>, U: number): Float32Array[] {
    const dim = ts.table.dim;
    let n = 0;
    for (const fs of ts.features) n += pending.features.get(fs.name)!.slot.length;
    if (ts.rowStart.length < U + 1) ts.rowStart = new Int32Array(Math.max(U + 1, 2 * ts.rowStart.length));
    if (ts.entryGoff.length < n) {
      const cap = Math.max(n, 2 * ts.entryGoff.length);
      ts.entryGoff = new Int32Array(cap);
      ts.entryScale = new Float32Array(cap);
      ts.entryFeature = new Int32Array(cap);
    }
    const start = ts.rowStart;
    start.fill(0, 0, U + 1);
    const sortedPos = ts.sortedPos;
    const F = ts.features.length;
    for (let fi = 0; fi < F; fi++) {
      const pf = pending.features.get(ts.features[fi].name)!;
      countRows(pf.slot, pf.scale, sortedPos, start);
    }
    for (let i = 0; i < U; i++) start[i + 1] += start[i];
    // start[i] is now the first entry of row i; fillEntries advances it to the first entry of row i + 1.
    const gs = ts.gradViews;
    for (let fi = 0; fi < F; fi++) {
      const pf = pending.features.get(ts.features[fi].name)!;
      fillEntries(pf, fi, sortedPos, start, ts.entryGoff, ts.entryScale, ts.entryFeature, dim);
      gs[fi] = data.get(pf.state.name)!;
    }
    return gs;
  }

  /**
   * Sorts the last lookup's kept unique rows by storage row (`ts.sortedPos[u]` = sorted index of dedup index u) and
   * writes where each shard's rows start in the sorted order to `ts.shardStart` (`[N + 1]`, reused across steps).
   * @returns each sorted row's element offset inside its shard (`ts.localOffBuf`, valid up to `shardStart[N]`).
   */
  private sortForUpdate(ts: TableState, pt: PendingTable): Int32Array {
    const U = pt.dedupCount;
    const N = this.numShards;
    const layout = ts.table.layout;
    const uShard = ts.dedup.uniqueShard;
    const kept = pt.allKept ? null : ts.kept;
    if (ts.shardStart.length !== N + 1) ts.shardStart = new Int32Array(N + 1);
    const shardStart = ts.shardStart;
    shardStart.fill(0);
    for (let u = 0; u < U; u++) if (kept === null || kept[u]) shardStart[uShard[u] + 1]++;
    for (let s = 0; s < N; s++) shardStart[s + 1] += shardStart[s];
    const m = shardStart[N];
    if (ts.localOffBuf.length < m) ts.localOffBuf = new Int32Array(Math.max(m, 2 * ts.localOffBuf.length));
    const localOff = ts.localOffBuf;
    if (ts.sortTmp.length < 2 * U) ts.sortTmp = new Int32Array(Math.max(2 * U, 2 * ts.sortTmp.length));
    sortByStorageRow(U, kept, uShard, ts.dedup.uniqueRow, layout.shardBase, layout.storageRows, ts.table.dim, ts.sortTmp, ts.sortedPos, localOff);
    return localOff;
  }
}

/** Bits per radix-sort digit: 2,048 buckets (an 8 KB histogram in L1), two passes up to 4M storage rows, three up to 8G. */
const RADIX_BITS = 11;
const RADIX_HISTOGRAM = new Int32Array((1 << RADIX_BITS) + 1);

/**
 * Orders the kept unique rows by storage row (LSD radix sort, ⌈log2(storageRows) / 11⌉ passes of 11 bits: the
 * histogram work per pass is 2,048 buckets, not the vocabulary nor a 65,536-bucket table) and writes each one's
 * sorted position and local element offset. `kept` null: every row is kept. `tmp` holds 2 × U ints.
 */
function sortByStorageRow(U: number, kept: Uint8Array | null, uShard: Int32Array, uStorage: Int32Array, shardBase: Int32Array, storageRows: number, dim: number, tmp: Int32Array, sortedPos: Int32Array, localOff: Int32Array): void {
  let m = 0;
  if (kept === null) for (; m < U; m++) tmp[m] = m;
  else for (let u = 0; u < U; u++) if (kept[u] !== 0) tmp[m++] = u;
  let src = tmp.subarray(0, m);
  let dst = tmp.subarray(U, U + m);
  const h = RADIX_HISTOGRAM;
  const buckets = 1 << RADIX_BITS;
  const mask = buckets - 1;
  const bits = storageRows > 1 ? 32 - Math.clz32(storageRows - 1) : 1;
  for (let shift = 0; shift < bits; shift += RADIX_BITS) {
    h.fill(0);
    for (let i = 0; i < m; i++) h[((uStorage[src[i]] >>> shift) & mask) + 1]++;
    for (let k = 0; k < buckets; k++) h[k + 1] += h[k];
    for (let i = 0; i < m; i++) {
      const u = src[i];
      dst[h[(uStorage[u] >>> shift) & mask]++] = u;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  for (let i = 0; i < m; i++) {
    const u = src[i];
    sortedPos[u] = i;
    localOff[i] = (uStorage[u] - shardBase[uShard[u]]) * dim;
  }
}

/** start[sortedPos[slot[p]] + 1]++ for every kept position with a non-zero scale. */
function countRows(slot: Int32Array, scale: Float32Array, sortedPos: Int32Array, start: Int32Array): void {
  for (let p = 0; p < slot.length; p++) {
    const u = slot[p];
    if (u >= 0 && scale[p] !== 0) start[sortedPos[u] + 1]++;
  }
}

/** Places each kept position of one feature at its (sorted) row's next entry: gradient offset, scale, feature index. */
function fillEntries(pf: PendingFeature, fi: number, sortedPos: Int32Array, start: Int32Array, goff: Int32Array, sc: Float32Array, feat: Int32Array, dim: number): void {
  const { rowSplits, batchSize } = pf.input;
  const slot = pf.slot;
  const scale = pf.scale;
  const L = pf.state.config.maxSequenceLength;
  for (let b = 0; b < batchSize; b++) {
    const ps = rowSplits[b];
    const pe = L > 0 ? Math.min(rowSplits[b + 1], ps + L) : rowSplits[b + 1];
    for (let p = ps; p < pe; p++) {
      const u = slot[p];
      if (u < 0 || scale[p] === 0) continue;
      const e = start[sortedPos[u]]++;
      goff[e] = (L > 0 ? b * L + (p - ps) : b) * dim;
      sc[e] = scale[p];
      feat[e] = fi;
    }
  }
}

/**
 * The values of a gradient tensor. On the wasm backend, a float32 tensor is read in place: a view of the backend's
 * heap (no 1 MB-per-step copy and its garbage), valid while no tfjs call runs, which is the case for the rest of
 * `applyGradients`; otherwise `dataSync` (converted to float32).
 */
function gradientValues(g: tf.Tensor): Float32Array {
  if (g.dtype === 'float32' && tf.getBackend() === 'wasm') {
    const backend = tf.backend() as unknown as Partial<WasmHeapBackend>;
    if (typeof backend.typedArrayFromHeap === 'function') {
      let view: ArrayLike<number> | null = null;
      try {
        view = backend.typedArrayFromHeap(g);
      } catch {
        view = null; // not this backend's tensor (e.g. made before a backend switch)
      }
      if (view instanceof Float32Array && view.length === g.size) return view;
    }
  }
  const v = g.dataSync();
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}

/**
 * Reads one float per 64-byte cache line of rows `localOff[i0 .. i1)` of `a` and returns `acc` plus their sum: a
 * tight loop of independent loads that keeps many cache misses in flight (the update loops, ~100 instructions per
 * row, have few), so the rows are in cache when the optimizer reads and writes them.
 */
function touchRows(a: Float32Array, localOff: Int32Array, i0: number, i1: number, dim: number, acc: number): number {
  let s = 0;
  for (let i = i0; i < i1; i++) {
    const o = localOff[i];
    for (let k = 0; k < dim; k += 16) s += a[o + k];
  }
  return acc + s;
}

/** Floats of summed gradients handed to the optimizer per call (64 KB: stays in L1/L2 between sum and update). */
const GRAD_CHUNK_FLOATS = 16384;

/**
 * gsum[i − i0] = Σ over row i's entries of scale · g[feature][goff …], for rows [i0, i1); `end[i]` is the end of
 * row i's entries (and the start of row i + 1's). The first entry is assigned, not added (no zero fill); a row
 * without entries (all its positions had scale 0) gets zeros.
 */
function sumRows(i0: number, i1: number, end: Int32Array, goff: Int32Array, sc: Float32Array, feat: Int32Array, gs: Float32Array[], gsum: Float32Array, dim: number): void {
  let e = i0 === 0 ? 0 : end[i0 - 1];
  const single = gs.length === 1;
  const g0 = gs[0];
  for (let i = i0; i < i1; i++) {
    const o = (i - i0) * dim;
    const ee = end[i];
    if (e === ee) {
      gsum.fill(0, o, o + dim);
      continue;
    }
    let g = single ? g0 : gs[feat[e]];
    let go = goff[e];
    let s = sc[e];
    for (let k = 0; k < dim; k++) gsum[o + k] = s * g[go + k];
    for (e++; e < ee; e++) {
      g = single ? g0 : gs[feat[e]];
      go = goff[e];
      s = sc[e];
      for (let k = 0; k < dim; k++) gsum[o + k] += s * g[go + k];
    }
  }
}

function checkIdRange(feature: string, input: NormalizedInput, vocab: number): void {
  const v = input.values;
  for (let p = 0; p < v.length; p++) {
    const id = v[p];
    if (id < 0 || id >= vocab) {
      let lo = 0;
      let hi = input.batchSize - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (input.rowSplits[mid] <= p) lo = mid;
        else hi = mid - 1;
      }
      throw new InputError(
        'id_out_of_range',
        `TPUEmbedding.lookup: feature '${feature}' has id ${id} at position ${p} (sample ${lo}, index ${p - input.rowSplits[lo]}), outside [0, ${vocab}) of its table; map unknown ids to a valid row (e.g. an OOV bucket) before the lookup.`,
      );
    }
  }
}

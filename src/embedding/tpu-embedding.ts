import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../errors';
import { integer, oneOf, positiveInteger, where } from '../validation';
import { TOPOLOGIES, topology as topologyPreset, type Topology } from '../strategy/topology';
import type { LookupStats, TableLookupStats } from './lookup-stats-types';
import { accumulateStats, emptyAccumulatedStats, type AccumulatedLookupStats } from './lookup-stats';
import { featureConfigFromConfig, type FeatureConfig, type FeatureConfigJson } from './feature-config';
import type { FeatureInput } from './feature-input';
import { isEmbeddingOptimizer, optimizerToJson, type EmbeddingOptimizerLike, type OptimizerJson, type OptimizerResolver } from './optimizer-like';
import { ShardedTable, type FullTable } from './sharded-table';
import type { TableConfig } from './table-config';
import { LAYOUT_RULES, PLACEMENTS, SHARDINGS, TableLayout, type LayoutRule, type Placement, type Sharding } from './table-layout';
import { stackTables, type StackedTableLayout } from './sparse-core-stacking';
import { createFeatureState, createTableState, type FeatureState, type Pending, type PendingFeature, type PendingTable, type TableState } from './engine-state';
import { lookupInputs, gradientData } from './input-checks';
import { startHelperCombine } from './helper-hand-off';
import { fusedCombineApplies, routeIds, type RoutedTable } from './route-ids';
import { routeAndCombine } from './route-and-combine';
import { combineFeature } from './combine-feature';
import { ActivationOutput } from './activation-output';
import { rejectUnknownOptions } from '../option-keys';
import { applyTableGradients, rollbackTableGradients } from './apply-table-gradients';
import { tableBounds } from './value-bounds';
import { nativeKernels, type NativeKernels } from '../kernels/native-kernels';
import { DynamicIdMap } from '../kernels/dynamic-id-map';
import { mapDynamicIds, type DynamicFeatureInput, type DynamicTable } from './dynamic-lookup';
import { dynamicExistingRows, type ExistingRows, type ExistingRowsSnapshot } from './existing-rows';
import { firstNonFinite } from './first-non-finite';

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
  /**
   * Rotations and padding of the tables on SparseCores (see {@link LAYOUT_RULES}): TensorFlow's stacked layout, or
   * the earlier rotation by table order. Ignored with placement 'cpu'. @default 'tensorflow'
   */
  readonly layoutRule?: LayoutRule;
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
  /** Absent in configs written before it existed (then the default, 'tensorflow'). */
  layoutRule?: LayoutRule;
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
  readonly layoutRule: LayoutRule;
  /**
   * TensorFlow's placement of every table (stack, row offset, rotation, padded sizes) in TF's order, as a TPU
   * would lay them out (placement 'sparsecore', rule 'tensorflow'); null otherwise.
   */
  readonly stackedLayouts: readonly StackedTableLayout[] | null;
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
  /**
   * Use the native kernels (C++, see `nativeKernelStatus`) where they loaded: the pooled gather + combine, the id
   * router, the gradient sums and the optimizers' row updates (same results as the WebAssembly kernels and
   * JavaScript loops they replace), when {@link useSimd} is on too. False: the WebAssembly path,
   * for comparison.
   */
  useNative = true;
  /**
   * With the native kernels: route, gather and combine a table's one pooled feature in one native call (the caller
   * routes while pool workers gather; see `fusedCombineApplies`), where no partition limit is set. False: routing,
   * then the gather, as separate calls (same results), for comparison.
   */
  useFusedLookup = true;
  /**
   * Threads the native kernels use (the caller plus pool workers; capped by the pool). @default the pool's threads
   * (the machine's hardware threads, at most 8), or 1 without the native kernels.
   */
  nativeThreads: number;
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
  /** The tables with storage 'dynamic', with their id maps. */
  private readonly dynamicTables: DynamicTable[] = [];
  private readonly statsHistoryLimit: number;
  private pending: Pending | null = null;
  /** Where the activation buffers come from (on the wasm backend: the new tensors' memory in its heap). */
  private readonly outputs = new ActivationOutput();
  /** Sum of the values `applyTableGradients` read into cache (kept so the loads are not dead code). */
  private sink = 0;

  /**
   * @param options see {@link TPUEmbeddingOptions}.
   * @throws ConfigError (`invalid_embedding_config`, `unknown_topology`, `invalid_sharding`, `unsupported_storage`
   *   for a lazy table under a non-lazy optimizer, `table_too_large`, …) naming the parameter, the rule and the value.
   */
  constructor(options: TPUEmbeddingOptions) {
    const api = 'TPUEmbedding';
    const bad = (msg: string): ConfigError => new ConfigError('invalid_embedding_config', `${api}: ${msg}`);
    if (options === null || typeof options !== 'object') throw bad(`expected an options object, but got ${String(options)}.`);
    rejectUnknownOptions(api, options, ['features', 'optimizer', 'topology', 'placement', 'sharding', 'layoutRule', 'maxIdsPerPartition', 'maxUniqueIdsPerPartition', 'allowIdDropping', 'seed', 'statsHistoryLimit']);
    this.topology = typeof options.topology === 'string' ? topologyPreset(options.topology) : options.topology;
    if (!this.topology || !Number.isInteger(this.topology.numShards) || !Number.isInteger(this.topology.numReplicas)) {
      throw bad(`expected topology to be a Topology or a preset name, but got ${String(options.topology)}.`);
    }
    const at = where(ConfigError, 'invalid_embedding_config', api);
    this.placement = oneOf(options.placement ?? 'sparsecore', at('placement'), PLACEMENTS);
    this.sharding = oneOf(options.sharding ?? 'mod', where(ConfigError, 'invalid_sharding', api)('sharding'), SHARDINGS);
    this.layoutRule = oneOf(options.layoutRule ?? 'tensorflow', at('layoutRule'), LAYOUT_RULES);
    this.numShards = this.placement === 'cpu' ? 1 : this.topology.numShards;
    this.numReplicas = this.topology.numReplicas;
    for (const key of ['maxIdsPerPartition', 'maxUniqueIdsPerPartition'] as const) {
      const v = options[key];
      if (v !== undefined) positiveInteger(v, at(key, 'Leave it out for no limit.'));
    }
    this.maxIdsPerPartition = options.maxIdsPerPartition;
    this.maxUniqueIdsPerPartition = options.maxUniqueIdsPerPartition;
    this.allowIdDropping = options.allowIdDropping ?? false;
    this.seed = integer(options.seed ?? 0, at('seed'));
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
    const found = new Map<TableConfig, { name: string; optimizer: EmbeddingOptimizerLike; features: [string, FeatureConfig][] }>();
    const usedTableNames = new Set<string>();
    const usedFeatureNames = new Set<string>();
    for (const [name, f] of entries) {
      if (!f || typeof f !== 'object' || !f.table || typeof f.getConfig !== 'function') {
        throw bad(`expected feature '${name}' to be a FeatureConfig made by featureConfig(), but got ${String(f)}.`);
      }
      if (usedFeatureNames.has(name)) throw bad(`expected unique feature names, but '${name}' appears twice.`);
      usedFeatureNames.add(name);
      let t = found.get(f.table);
      if (!t) {
        const tname = f.table.name ?? `table_${found.size}`;
        if (usedTableNames.has(tname)) {
          throw bad(`expected unique table names, but two different tables are named '${tname}'; name them or share one TableConfig.`);
        }
        usedTableNames.add(tname);
        const optimizer = f.table.optimizer ?? this.globalOptimizer;
        if (!optimizer) throw bad(`table '${tname}' has no optimizer: pass optimizer to TPUEmbedding or to tableConfig.`);
        if (f.table.storage === 'lazy' && optimizer.updatesEveryRow === true) {
          throw new ConfigError(
            'unsupported_storage',
            `${api}: table '${tname}' has storage 'lazy', but its optimizer ${optimizer.className} updates every row each step (non-lazy), which would materialize the whole table; ` +
              "use a lazy optimizer (e.g. Adam with lazyAdam: true, the default) or storage 'dense'.",
          );
        }
        found.set(f.table, (t = { name: tname, optimizer, features: [] }));
      }
      t.features.push([name, f]);
    }
    const tables = [...found];
    const spc = this.topology.shardsPerReplica; // SparseCores per partition (replica): N = numReplicas × spc
    this.stackedLayouts =
      this.placement === 'sparsecore' && this.layoutRule === 'tensorflow'
        ? Object.freeze(
            stackTables(
              tables.map(([config, t]) => ({
                name: t.name,
                vocabularySize: config.vocabularySize,
                dim: config.dim,
                group: JSON.stringify(optimizerToJson(t.optimizer)),
                // Activation samples per replica, where the features state their output shape (TF reads
                // feature.output_shape); features without one count 0.
                outputSamples: t.features.reduce((n, [, f]) => n + (f.outputShape ? Math.floor(f.outputShape.reduce((a, b) => a * b, 1) / this.numReplicas) : 0), 0),
              })),
              { numPartitions: this.numReplicas, sparseCoresPerPartition: spc },
            ),
          )
        : null;
    const stateOf = new Map<TableConfig, TableState>();
    const stackedByName = new Map((this.stackedLayouts ?? []).map((l) => [l.table, l]));
    tables.forEach(([config, t], i) => {
      const stacked = stackedByName.get(t.name);
      const perChip = this.topology.sparseCoresPerChip > 0 ? this.topology.sparseCoresPerChip : this.topology.shardsPerReplica;
      const rotation = stacked ? stacked.rotation : this.placement === 'cpu' ? 0 : (perChip * i) % this.numShards;
      const rowsPerShard = stacked && this.sharding !== 'table' ? stacked.paddedVocabularySize / this.numShards : undefined;
      const layout = new TableLayout(config.vocabularySize, this.numShards, rotation, this.sharding, rowsPerShard);
      const table = new ShardedTable(t.name, i, config, t.optimizer, layout, this.placement, this.seed + i);
      const state = createTableState(table, layout, this.numShards);
      this.tableStates.push(state);
      if (config.dynamic) {
        if (config.dynamic.rowBudget < this.numShards && this.sharding !== 'table') {
          throw new ConfigError(
            'invalid_table_config',
            `${api}: dynamic table '${t.name}' has rowBudget ${config.dynamic.rowBudget}, below the ${this.numShards} shards of ${this.placement === 'cpu' ? 'placement cpu' : this.topology.name}: ids are placed on shard (hash mod ${this.numShards}), so every shard needs rows; raise rowBudget to at least ${this.numShards} (a multiple of ${this.numShards} gives every shard the same).`,
          );
        }
        // Hash then mod (kernels/id-hash.ts): the id map's partition p is shard (p + rotation) mod N ('mod', rows
        // interleaved), shard p ('div', contiguous ranges); one partition with 'table' (the table's shard).
        const table1 = this.sharding === 'table';
        const map = new DynamicIdMap({ ...config.dynamic, numPartitions: table1 ? 1 : this.numShards, rowOrder: this.sharding === 'div' ? 'contiguous' : 'interleaved' });
        this.dynamicTables.push({ state, map, seed: this.seed + i, index: i });
      }
      stateOf.set(config, state);
    });
    for (const [name, f] of entries) {
      const state = stateOf.get(f.table)!;
      const fs = createFeatureState(name, f, state);
      state.features.push(fs);
      this.features.set(name, fs);
    }
    this.nativeThreads = nativeKernels()?.poolThreads() ?? 1;
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

  /**
   * The id map of dynamic table `name` (storage 'dynamic'): its rows in use, `rowOf(id)`, `idOfRow(row)` and its
   * `totals` (hits, admissions, rejected ids, evictions since construction); null for a dense table.
   * @throws InputError `unknown_table`.
   * @example emb.dynamicIdMap('items')?.totals.evictions
   */
  dynamicIdMap(name: string): DynamicIdMap | null {
    const state = this.tableStates.find((s) => s.table.name === name);
    if (!state) throw new InputError('unknown_table', `TPUEmbedding.dynamicIdMap: expected one of ${this.tableNames.join(', ')}, but got '${name}'.`);
    return this.dynamicTables.find((d) => d.state === state)?.map ?? null;
  }

  /** The feature configs by name. */
  get featureConfigs(): Readonly<Record<string, FeatureConfig>> {
    return Object.fromEntries([...this.features].map(([n, f]) => [n, f.config]));
  }

  /**
   * Looks up every feature of the global batch.
   * @param features ids per feature name (every configured feature; see {@link FeatureInput}, and
   *   {@link DynamicFeatureInput} for the features of `storage: 'dynamic'` tables: bigint or string ids, mapped to rows
   *   by the table's id map first — see `dynamic-lookup.ts`); all with the same batch size B, divisible by the number
   *   of replicas.
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
  lookup(features: Readonly<Record<string, FeatureInput | DynamicFeatureInput>>): Record<string, tf.Tensor> {
    if (this.dynamicTables.length === 0) return this.lookupRows(features as Readonly<Record<string, FeatureInput>>);
    const mapping = mapDynamicIds(features, this.dynamicTables, (inputs) => lookupInputs(inputs, this.features, this.featureNames, this.numReplicas, this.topology.name).inputs);
    let out: Record<string, tf.Tensor>;
    try {
      out = this.lookupRows(mapping.inputs);
    } catch (e) {
      mapping.rollback();
      throw e;
    }
    mapping.commit();
    const last = this.lastStats!;
    const stats: LookupStats = Object.freeze({ ...last, tables: Object.freeze(last.tables.map((t) => (mapping.stats.has(t.table) ? Object.freeze({ ...t, dynamic: mapping.stats.get(t.table) }) : t))) });
    this.lastStats = stats;
    this.statsHistory[this.statsHistory.length - 1] = stats;
    return out;
  }

  /** {@link lookup} of row ids (every dynamic feature already mapped to rows). */
  private lookupRows(features: Readonly<Record<string, FeatureInput>>): Record<string, tf.Tensor> {
    const { inputs, batch } = lookupInputs(features, this.features, this.featureNames, this.numReplicas, this.topology.name);
    const native = this.activeNative();
    const helperPart = startHelperCombine(this.tableStates, inputs, this.useSimd, this.useHelperThread && !native);
    // Phase 1: route, count and check limits for every table. It reuses the per-step buffers the pending
    // backward pass points into, so a failure here discards the pending lookup.
    // Tables whose one pooled feature the native router combines as it routes get their activations here.
    let routed: RoutedTable[];
    const combined = new Map<string, tf.Tensor>();
    try {
      routed = this.tableStates.map((ts) => {
        if (!native || !fusedCombineApplies(this, ts)) return routeIds(this, ts, inputs, batch);
        const r = routeAndCombine(this, ts, inputs, batch, this.outputs, this.nativeThreads);
        combined.set(ts.features[0].name, r.activations);
        return r.routed;
      });
    } catch (e) {
      this.pending = null;
      tf.dispose([...combined.values()]);
      throw e;
    }
    // Phase 2: gather and combine.
    const out: Record<string, tf.Tensor> = {};
    const pendingFeatures = new Map<string, PendingFeature>();
    const tableStats: TableLookupStats[] = [];
    for (const r of routed) {
      for (const pf of r.features) {
        const done = combined.get(pf.state.name);
        if (done) {
          out[pf.state.name] = done;
          pendingFeatures.set(pf.state.name, pf);
          continue;
        }
        const values = combineFeature(r.state, pf, helperPart?.feature === pf.state ? helperPart : null, r.pendingTable.allKept, this.useSimd, this.outputs, native, this.nativeThreads);
        out[pf.state.name] = this.outputs.tensor(values, pf.shape);
        pendingFeatures.set(pf.state.name, pf);
      }
      tableStats.push(r.stats);
    }
    const stats: LookupStats = Object.freeze({ step: this.step + 1, numReplicas: this.numReplicas, globalBatchSize: batch, tables: Object.freeze(tableStats) });
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
   *   `non_finite_gradient` for a non-finite gradient and for a finite one that would make a weight or slot
   *   non-finite, e.g. 3e38 under Adagrad); the tables are then unchanged, every table (all or nothing per step).
   */
  applyGradients(grads: Readonly<Record<string, tf.Tensor>>): void {
    const api = 'TPUEmbedding.applyGradients';
    const pending = this.pending;
    if (!pending) throw new InputError('no_lookup', `${api}: no lookup to apply gradients to; call lookup(features) first (once per applyGradients).`);
    const maxAbs = new Map<string, number>();
    const data = gradientData(grads, pending, maxAbs);
    const step = this.step + 1;
    // Per table: the fast path (no rollback copy, no check) when its optimizer vouches, from the table's bounds and
    // a bound on every summed gradient (Σ over its features of max |activation gradient| × Σ |combiner scale|),
    // that no value can become non-finite; else the checked path. Checked tables go first: a fast table cannot fail,
    // so every table written before a failure can be rolled back.
    const guarded: PendingTable[] = [];
    const fast: [PendingTable, number[]][] = [];
    for (const pt of pending.tables) {
      pt.state.updated = 0;
      pt.state.denseUndo = null;
      const opt = pt.state.table.optimizer;
      const bounds = pt.state.bounds;
      const next = bounds && opt.boundsAfter ? opt.boundsAfter(bounds, gradientBound(pt, pending, maxAbs), opt.learningRateAt(step)) : null;
      if (next) fast.push([pt, next]);
      else guarded.push(pt);
    }
    const touched = guarded.map(() => [] as number[]);
    const kernels = this.activeNative();
    const native = kernels ? { kernels, threads: this.nativeThreads } : null;
    try {
      guarded.forEach((pt, i) => (this.sink = applyTableGradients(pt, pending, data, this.numShards, step, this.sink, this.useSimd, true, touched[i], native)));
      for (const [pt] of fast) this.sink = applyTableGradients(pt, pending, data, this.numShards, step, this.sink, this.useSimd, false, null, native);
    } catch (e) {
      // All or nothing across tables: write back every row this step changed (a finite gradient that made a weight or
      // slot non-finite, or any other failure mid-update).
      for (const pt of pending.tables) rollbackTableGradients(pt.state, this.numShards);
      throw e;
    }
    // The step is in: carry the bounds forward (untouched rows keep their values).
    guarded.forEach((pt, i) => {
      const b = pt.state.bounds;
      pt.state.bounds = b ? b.map((x, k) => Math.max(x, touched[i][k] ?? 0)) : null;
    });
    for (const [pt, next] of fast) pt.state.bounds = next;
    this.step = step;
    this.pending = null;
  }

  /** The native kernels when {@link useSimd} and {@link useNative} are on and they loaded, else null. */
  private activeNative(): NativeKernels | null {
    return this.useSimd && this.useNative ? nativeKernels() : null;
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
   * Tables absent from `tables` keep their values (and so do slots absent from a table's `slots`). All or nothing:
   * every table is checked (name, `vocabularySize`/`dim` when given, element type and count, finite values, slots
   * the table's optimizer keeps) before any is written.
   * @throws InputError `unknown_table`, `shape_mismatch`, `unknown_slot`, `non_finite_value` naming the tensor
   *   (`<table>` or `<table>/<slot>`), `unsupported_storage` for a dynamic table (its id map is not in the full form);
   *   the tables are then unchanged.
   */
  importTables(tables: Readonly<Record<string, Pick<FullTable, 'weights' | 'slots'>>>): void {
    const api = 'TPUEmbedding.importTables';
    if (tables === null || typeof tables !== 'object') {
      throw new InputError('invalid_input', `${api}: expected an object of full tables by name (as exportTables() returns), but got ${String(tables)}.`);
    }
    const checked: [ShardedTable, Pick<FullTable, 'weights' | 'slots'>][] = [];
    for (const [name, full] of Object.entries(tables)) {
      const t = this.tableStates.find((s) => s.table.name === name)?.table;
      if (!t) throw new InputError('unknown_table', `${api}: expected one of ${this.tableNames.join(', ')}, but got '${name}'. Restore tables saved from a model with the same tables.`);
      if (full === null || typeof full !== 'object') throw new InputError('shape_mismatch', `${api}: expected table '${name}' to be { weights, slots }, but got ${String(full)}.`);
      if (t.config.dynamic) {
        throw new InputError(
          'not_importable',
          `${api}: table '${name}' has storage 'dynamic': its rows mean nothing without its id map (id → row), which full tables do not hold; restore it with importExistingRows (restoreDynamicTables for a checkpoint), and leave '${name}' out here.`,
        );
      }
      t.checkFull(full, api);
      checked.push([t, full]);
    }
    for (const [t, full] of checked) {
      t.writeFull(full);
      const state = this.tableStates.find((x) => x.table === t) as TableState;
      state.bounds = tableBounds(t);
    }
    this.pending = null;
  }

  /**
   * The rows that exist in table `name` with their keys, read block by block (for a checkpoint that streams them):
   * for a dynamic table, the rows in use, ascending, with their ids, eviction state and the id map's state.
   * @param name a table with storage 'dynamic'.
   * @returns the reader (valid until the next lookup).
   * @throws InputError `unknown_table`, `unsupported_storage` for a dense table (use exportTables).
   * @example emb.existingRows('items').count // rows in use
   */
  existingRows(name: string): ExistingRows {
    return dynamicExistingRows(this.dynamicTable(name, 'TPUEmbedding.existingRows'));
  }

  /**
   * Restores dynamic tables from their existing rows and keys (a checkpoint written on any topology): each table's id
   * map is rebuilt (every id placed by hash mod this engine's shards), then its rows' weights and slots written.
   * All or nothing: every table is checked (storage, shapes, finite values, every slot, the id map) before any changes.
   * @param tables snapshots by table name.
   * @param source what they came from (e.g. the checkpoint files), for messages: one text, or one per table.
   * @throws InputError `unknown_table`, `unsupported_storage` (a dense table), `shape_mismatch`, `unknown_slot`,
   *   `missing_slot`, `non_finite_value` naming the tensor, and the id map's `bad_id_map` / `id_map_overflow`.
   * @example emb.importExistingRows({ items: snapshot })
   */
  importExistingRows(tables: Readonly<Record<string, ExistingRowsSnapshot>>, sources: string | Readonly<Record<string, string>> = 'the rows given'): void {
    const api = 'TPUEmbedding.importExistingRows';
    const plans: { t: DynamicTable; snap: ExistingRowsSnapshot; rows: Int32Array; commit(): void }[] = [];
    for (const [name, snap] of Object.entries(tables)) {
      const source = typeof sources === 'string' ? `${sources} (table '${name}')` : (sources[name] ?? `table '${name}'`);
      const t = this.dynamicTable(name, `${api}: ${source}`);
      const table = t.state.table;
      const n = snap.ids.length;
      const check = (tensor: string, a: unknown): void => {
        if (!(a instanceof Float32Array) || a.length !== n * table.dim) {
          throw new InputError('shape_mismatch', `${api}: ${source}: expected '${tensor}' to be a Float32Array of ${n} ids × ${table.dim} = ${n * table.dim} values, but got ${a instanceof Float32Array ? a.length : String(a)}; the checkpoint is corrupted or from another table: restore an older one.`);
        }
        const bad = firstNonFinite(a);
        if (bad >= 0) throw new InputError('non_finite_value', `${api}: ${source}: expected finite values in '${tensor}', but entry ${Math.floor(bad / table.dim)} holds ${a[bad]}; the checkpoint is corrupted: restore an older one.`);
      };
      check(name, snap.weights);
      const kept = table.slotSpecs.map((s) => s.name as string);
      for (const slot of Object.keys(snap.slots ?? {})) {
        if (!kept.includes(slot)) throw new InputError('unknown_slot', `${api}: ${source}: table '${name}' has no slot '${slot}' (its optimizer ${table.optimizer.className} keeps ${kept.join(', ') || 'no slots'}); restore into a model built with the optimizer that wrote it.`);
      }
      for (const slot of kept) {
        if (!snap.slots?.[slot as keyof typeof snap.slots]) throw new InputError('missing_slot', `${api}: ${source}: table '${name}' keeps slot '${slot}' (${table.optimizer.className}), but the rows to restore lack it; restore into a model built with the optimizer that wrote them.`);
        check(`${name}/${slot}`, snap.slots[slot as keyof typeof snap.slots]);
      }
      const plan = t.map.planRestore(snap, source);
      plans.push({ t, snap, rows: plan.rows, commit: plan.commit });
    }
    for (const { t, snap, rows, commit } of plans) {
      commit();
      const table = t.state.table;
      const dim = table.dim;
      const sources = [snap.weights, ...table.slotSpecs.map((s) => snap.slots[s.name]!)];
      const arrays = [table.storage, ...table.slotStorage];
      rows.forEach((row, i) => {
        const o = table.layout.storageRow(row) * dim;
        arrays.forEach((a, k) => a.set(sources[k].subarray(i * dim, (i + 1) * dim), o));
      });
      t.state.bounds = tableBounds(table);
    }
    this.pending = null;
  }

  /** The dynamic table `name`, or InputError `unknown_table` / `unsupported_storage`. */
  private dynamicTable(name: string, api: string): DynamicTable {
    const state = this.tableStates.find((s) => s.table.name === name);
    if (!state) throw new InputError('unknown_table', `${api}: expected one of ${this.tableNames.join(', ')}, but got '${name}'.`);
    const t = this.dynamicTables.find((d) => d.state === state);
    if (!t) throw new InputError('not_importable', `${api}: table '${name}' has dense storage (every row exists): use exportTables / importTables for it, or give it storage 'dynamic' as the checkpoint was written with.`);
    return t;
  }

  /** The JSON form of this embedding's configuration (tables inline in each feature). */
  getConfig(): TPUEmbeddingJson {
    return {
      features: Object.fromEntries([...this.features].map(([n, f]) => [n, { ...f.config.getConfig(), table: { ...f.config.table.getConfig(), name: f.table.table.name } }])),
      optimizer: this.globalOptimizer ? optimizerToJson(this.globalOptimizer) : null,
      topology: (TOPOLOGIES as Record<string, Topology>)[this.topology.name] === this.topology ? this.topology.name : { ...this.topology },
      placement: this.placement,
      sharding: this.sharding,
      layoutRule: this.layoutRule,
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
      layoutRule: json.layoutRule,
      maxIdsPerPartition: json.maxIdsPerPartition ?? undefined,
      maxUniqueIdsPerPartition: json.maxUniqueIdsPerPartition ?? undefined,
      allowIdDropping: json.allowIdDropping,
      seed: json.seed,
    });
  }
}

/**
 * A bound on every summed row gradient of one table in this step: Σ over its features of max |activation gradient|
 * × Σ |combiner scale| over the feature's kept positions (a row's sum has at most all of them). O(ids).
 */
function gradientBound(pt: PendingTable, pending: Pending, maxAbs: Map<string, number>): number {
  let bound = 0;
  for (const fs of pt.state.features) {
    const pf = pending.features.get(fs.name);
    if (!pf) continue;
    let scales = 0;
    for (let p = 0; p < pf.slot.length; p++) if (pf.slot[p] >= 0) scales += Math.abs(pf.scale[p]);
    bound += (maxAbs.get(fs.name) ?? Infinity) * scales;
  }
  return bound;
}

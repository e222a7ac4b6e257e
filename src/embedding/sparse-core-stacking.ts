import { ConfigError } from '../errors';

/**
 * One table as TensorFlow's SparseCore layout stacker sees it (`SparseCoreLayoutStacker::AddTable`).
 */
export interface StackingTable {
  /** Unique table name (tables are placed in name order). */
  readonly name: string;
  /** Rows V ≥ 1. */
  readonly vocabularySize: number;
  /** Columns ≥ 1. */
  readonly dim: number;
  /**
   * Tables stack only with tables of the same group: TF's group is a hash of (optimizer with its hyper-parameters,
   * quantization config). Here: the optimizer's class name and config as JSON.
   */
  readonly group: string;
  /** Activation samples of the table per replica (Σ over its features of Π outputShape). @default 0 */
  readonly outputSamples?: number;
}

/** Options of {@link stackTables}. */
export interface StackingOptions {
  /** Partitions (TPU chips, one replica each) ≥ 1. */
  readonly numPartitions: number;
  /** SparseCores per partition ≥ 1 (4 on v4/v5p, 2 on v6e). */
  readonly sparseCoresPerPartition: number;
  /** Stack tables at all (TF's `disable_table_stacking` is the opposite). @default true */
  readonly stacking?: boolean;
  /**
   * A stack stays below this many activation bytes per SparseCore (0: no limit); TF flag
   * `tf_xla_sparse_core_stacking_mem_limit_bytes`, default measured on TF 2.21: 2 MiB.
   * @default STACKING_DEFAULTS.activationMemBytesLimit
   */
  readonly activationMemBytesLimit?: number;
  /**
   * A stack's variable shard stays below this many bytes (0: no limit); TF flag
   * `tf_xla_sparse_core_stacking_table_shard_limit_bytes`, default measured on TF 2.21: 2 GiB.
   * @default STACKING_DEFAULTS.variableShardBytesLimit
   */
  readonly variableShardBytesLimit?: number;
}

/** TF 2.21's default stacking limits (measured with `SparseCoreLayoutStacker` on CPU; `sparse_core_layout.h`). */
export const STACKING_DEFAULTS = Object.freeze({
  /** bytes of activations per SparseCore in one stack (exclusive bound). */
  activationMemBytesLimit: 2 * 1024 * 1024,
  /** bytes of one stack's variable shard per partition (exclusive bound). */
  variableShardBytesLimit: 2 * 1024 * 1024 * 1024,
  /** rows of one stack, padded (exclusive bound; `row_limit_` = 2^31 − 1). */
  rowLimit: 2 ** 31 - 1,
});

/**
 * Where TF puts one table (the fields of TF's `SparseCoreTableLayout` proto). Row `r` of the table lives on
 * SparseCore `(r % N + rotation) % N` at stacked row `rowOffset + floor(r / N)` of that core's shard, N = numSparseCores.
 */
export interface StackedTableLayout {
  readonly table: string;
  /** The stack's name: its tables' names joined by `_` in stacking order (TF's `stacked_table_name`). */
  readonly stack: string;
  /** Position of the table inside its stack (0-based). */
  readonly indexInStack: number;
  /** N = numPartitions × sparseCoresPerPartition. */
  readonly numSparseCores: number;
  readonly numPartitions: number;
  readonly vocabularySize: number;
  readonly dim: number;
  /** V rounded up to a multiple of 8N (TF's `unsharded_padded_shape[0]`). */
  readonly paddedVocabularySize: number;
  /** dim rounded up to a multiple of 8 (TF's `unsharded_padded_shape[1]`). */
  readonly paddedDim: number;
  /** First row of this table in each SparseCore's shard of the stack (TF's `sparse_core_shard_row_offset`). */
  readonly rowOffset: number;
  /** SparseCore of the table's row 0: (indexInStack × sparseCoresPerPartition) % N (`sparse_core_shard_rotation`). */
  readonly rotation: number;
  /** Rows of the whole stack per SparseCore (TF's `total_rows_per_sparse_core_shard`). */
  readonly stackRowsPerShard: number;
  /** floor(outputSamples / sparseCoresPerPartition) (TF's `per_sparse_core_batch_size`). */
  readonly perSparseCoreBatchSize: number;
}

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

/**
 * TensorFlow's SparseCore padding of one table (`sparse_core_layout.cc`): rows up to a multiple of 8N (so each of the
 * N shards holds `paddedVocabularySize / N` rows, a multiple of 8), columns up to a multiple of 8.
 * @param vocabularySize rows V ≥ 1. @param dim columns ≥ 1. @param numShards N ≥ 1 (SparseCores of the slice).
 * @returns `{ paddedVocabularySize, paddedDim }`.
 * @example sparseCorePadding(100, 6, 8) // { paddedVocabularySize: 128, paddedDim: 8 }
 */
export function sparseCorePadding(vocabularySize: number, dim: number, numShards: number): { paddedVocabularySize: number; paddedDim: number } {
  return { paddedVocabularySize: roundUp(vocabularySize, numShards * 8), paddedDim: roundUp(dim, 8) };
}

/**
 * TensorFlow's SparseCore table placement (`tpu_embedding_v3._stack_tables_with_same_table_dim_and_optimizer` +
 * `sparse_core_layout.cc`): tables in name order; each goes into the first stack of its (padded dim, group) whose
 * activation bytes, variable-shard bytes and rows stay below the limits, else a new stack; inside a stack the
 * rotation advances one partition (sparseCoresPerPartition cores) per table and restarts at 0 in each stack.
 * Vocabularies are padded to a multiple of 8N, dims to a multiple of 8. Layouts come out in TF's order: stacks by
 * (padded dim, group) ascending, then stack creation order, then tables in stack order.
 *
 * ```
 * TF's test StacksTwoTablesAndPads (2 partitions × 4 cores, N = 8):
 *   table1 100×6 → padded 128×8, offset 0,  rotation 0  ┐ stack 'table1_table2',
 *   table2  50×5 → padded  64×8, offset 16, rotation 4  ┘ 24 rows per SparseCore
 * ```
 * @param tables the tables (any order; names unique).
 * @param options partitions, cores per partition, stacking switch and limits.
 * @returns one layout per table, in TF's output order.
 * @throws ConfigError `invalid_stacking` for a bad count, size, limit or a duplicated name.
 * @example
 * stackTables([{ name: 'a', vocabularySize: 100, dim: 6, group: 'sgd' }], { numPartitions: 2, sparseCoresPerPartition: 4 })[0].paddedVocabularySize // 128
 */
export function stackTables(tables: readonly StackingTable[], options: StackingOptions): StackedTableLayout[] {
  const bad = (param: string, rule: string, value: unknown): never => {
    throw new ConfigError('invalid_stacking', `stackTables: expected ${param} to be ${rule}, but got ${String(value)}.`);
  };
  const P = options.numPartitions;
  const spc = options.sparseCoresPerPartition;
  if (!Number.isSafeInteger(P) || P < 1) bad('numPartitions', 'a positive integer', P);
  if (!Number.isSafeInteger(spc) || spc < 1) bad('sparseCoresPerPartition', 'a positive integer', spc);
  const actLimit = options.activationMemBytesLimit ?? STACKING_DEFAULTS.activationMemBytesLimit;
  const varLimit = options.variableShardBytesLimit ?? STACKING_DEFAULTS.variableShardBytesLimit;
  if (!Number.isSafeInteger(actLimit) || actLimit < 0) bad('activationMemBytesLimit', 'a non-negative integer (0: no limit)', actLimit);
  if (!Number.isSafeInteger(varLimit) || varLimit < 0) bad('variableShardBytesLimit', 'a non-negative integer (0: no limit)', varLimit);
  const stacking = options.stacking ?? true;
  const N = P * spc;
  const names = new Set<string>();
  for (const t of tables) {
    if (!t || typeof t.name !== 'string' || t.name === '') bad('every table name', 'a non-empty string', t?.name);
    if (names.has(t.name)) bad('table names', 'unique', `'${t.name}' twice`);
    names.add(t.name);
    if (!Number.isSafeInteger(t.vocabularySize) || t.vocabularySize < 1) bad(`vocabularySize of '${t.name}'`, 'a positive integer', t.vocabularySize);
    if (!Number.isSafeInteger(t.dim) || t.dim < 1) bad(`dim of '${t.name}'`, 'a positive integer', t.dim);
    const s = t.outputSamples ?? 0;
    if (!Number.isSafeInteger(s) || s < 0) bad(`outputSamples of '${t.name}'`, 'a non-negative integer', s);
  }

  interface Stack {
    height: number;
    varBytes: number;
    actBytes: number;
    members: Omit<StackedTableLayout, 'stack' | 'stackRowsPerShard'>[];
  }
  // Groups keyed by (padded dim, group); a Map keeps insertion order, sorted at the end as TF's btree map.
  const groups = new Map<string, { paddedDim: number; group: string; stacks: Stack[] }>();
  const sorted = [...tables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const t of sorted) {
    const { paddedDim, paddedVocabularySize: paddedVocab } = sparseCorePadding(t.vocabularySize, t.dim, N);
    const samplesPerCore = Math.floor((t.outputSamples ?? 0) / spc);
    const actBytes = 4 * paddedDim * samplesPerCore;
    const varBytes = (4 * paddedDim * paddedVocab) / P;
    const key = `${paddedDim}\u0000${t.group}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { paddedDim, group: t.group, stacks: [] }));
    let stack = stacking
      ? g.stacks.find(
          (s) =>
            (actLimit === 0 || s.actBytes + actBytes < actLimit) &&
            (varLimit === 0 || s.varBytes + varBytes < varLimit) &&
            s.height + paddedVocab < STACKING_DEFAULTS.rowLimit,
        )
      : undefined;
    if (!stack) g.stacks.push((stack = { height: 0, varBytes: 0, actBytes: 0, members: [] }));
    const indexInStack = stack.members.length;
    stack.members.push({
      table: t.name,
      indexInStack,
      numSparseCores: N,
      numPartitions: P,
      vocabularySize: t.vocabularySize,
      dim: t.dim,
      paddedVocabularySize: paddedVocab,
      paddedDim,
      rowOffset: stack.height / N,
      rotation: (indexInStack * spc) % N,
      perSparseCoreBatchSize: samplesPerCore,
    });
    stack.height += paddedVocab;
    stack.varBytes += varBytes;
    stack.actBytes += actBytes;
  }
  const ordered = [...groups.values()].sort((a, b) => a.paddedDim - b.paddedDim || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  const out: StackedTableLayout[] = [];
  for (const g of ordered) {
    for (const s of g.stacks) {
      const stack = s.members.map((m) => m.table).join('_');
      for (const m of s.members) out.push(Object.freeze({ ...m, stack, stackRowsPerShard: s.height / N }));
    }
  }
  return out;
}

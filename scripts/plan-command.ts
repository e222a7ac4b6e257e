// `tpu-embeddings plan`: the memory planner on the command line (src/cost planMemory / checkMemoryFit). Prints the plan
// as a table (or JSON), then exits 1 with checkMemoryFit's error when the model does not fit the topology.
import { checkMemoryFit, memoryPlanRows, memoryPlanSummary, planMemory, type PlanTableInput } from '../src/cost';
import { TOPOLOGIES } from '../src/strategy/topology';
import { STORAGE_KINDS, WEIGHT_PRECISIONS, type StorageKind, type WeightPrecision } from '../src/cost/storage-kinds';

/** The parsed command line of `plan`. */
export interface PlanArgs {
  readonly tables: readonly PlanTableInput[];
  readonly topology: string;
  /** @default undefined (16 per replica, planMemory's default) */
  readonly globalBatchSize: number | undefined;
  readonly json: boolean;
}

type Bad = (message: string) => never;

function positiveInteger(bad: Bad, what: string, text: string): number {
  const n = Number(text);
  if (!/^\d+(e\d+)?$/i.test(text) || !Number.isSafeInteger(n) || n < 1) bad(`expected ${what} to be a positive integer, but got '${text}'.`);
  return n;
}

/** One `NAME:VOCAB:DIM[:OPTIMIZER[:STORAGE[:PRECISION[:ROWS]]]]` spec as a table. */
function parseTable(bad: Bad, spec: string): PlanTableInput {
  const parts = spec.split(':');
  if (parts.length < 3 || parts.length > 7) bad(`expected a table as NAME:VOCAB:DIM[:OPTIMIZER[:STORAGE[:PRECISION[:ROWS]]]], but got '${spec}'.`);
  const [name, vocab, dim, optimizer, storage, precision, rows] = parts.map((p) => (p === '' ? undefined : p));
  if (name === undefined) bad(`expected a table name before the first ':' in '${spec}'.`);
  if (storage !== undefined && !(STORAGE_KINDS as readonly string[]).includes(storage)) bad(`expected the storage of '${name}' to be one of ${STORAGE_KINDS.join(', ')}, but got '${storage}'.`);
  if (precision !== undefined && !(WEIGHT_PRECISIONS as readonly string[]).includes(precision)) bad(`expected the precision of '${name}' to be one of ${WEIGHT_PRECISIONS.join(', ')}, but got '${precision}'.`);
  const kind = (storage ?? 'dense') as StorageKind;
  if (rows !== undefined && kind === 'dense') bad(`expected ROWS of '${name}' only with storage lazy or dynamic, but the table is dense.`);
  if (rows === undefined && kind === 'dynamic') bad(`expected ROWS (the row budget) of dynamic table '${name}', e.g. ${name}::${dim ?? 'DIM'}:adagrad:dynamic::1000000.`);
  const rowCount = rows === undefined ? undefined : positiveInteger(bad, `ROWS of '${name}'`, rows);
  return {
    name,
    vocabularySize: vocab === undefined && kind === 'dynamic' ? undefined : positiveInteger(bad, `VOCAB of '${name}'`, vocab ?? ''),
    dim: positiveInteger(bad, `DIM of '${name}'`, dim ?? ''),
    optimizer,
    storage: kind,
    weightPrecision: precision as WeightPrecision | undefined,
    rowBudget: kind === 'dynamic' ? rowCount : undefined,
    expectedRowsTouched: kind === 'lazy' ? rowCount : undefined,
  };
}

/**
 * Parses `plan`'s command line (`--flag=value` or `--flag value`); `usage` ends every message.
 * @throws Error naming the argument (the CLI turns it into ConfigError `bad_option`, exit code 2).
 */
export function parsePlanArgs(argv: readonly string[], usage = ''): PlanArgs {
  const bad: Bad = (message) => {
    throw new Error(`plan: ${message} ${usage}`.trimEnd());
  };
  const tables: PlanTableInput[] = [];
  let topology: string | undefined;
  let batch: number | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) bad(`expected options only, but got '${arg}'.`);
    const [, flag, inline] = m;
    if (flag === 'json') {
      if (inline !== undefined) bad(`expected --json without a value, but got '${arg}'.`);
      json = true;
      continue;
    }
    if (!['tables', 'topology', 'batch'].includes(flag)) bad(`unknown option '--${flag}'; expected --tables, --topology, --batch or --json.`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') bad(`expected a value after --${flag}.`);
    if (flag === 'tables') tables.push(...value.split(',').map((spec) => parseTable(bad, spec)));
    else if (flag === 'topology') topology = value;
    else batch = positiveInteger(bad, '--batch', value);
  }
  if (tables.length === 0) bad('expected at least one table (--tables=NAME:VOCAB:DIM).');
  if (topology === undefined) bad('expected --topology (e.g. --topology=v5p-8).');
  if (!Object.hasOwn(TOPOLOGIES, topology)) bad(`expected --topology to be one of ${Object.keys(TOPOLOGIES).join(', ')}, but got '${topology}'.`);
  return { tables, topology, globalBatchSize: batch, json };
}

/** Pads the rows of a table of strings into aligned columns (numbers and sizes right-aligned). */
function textTable(rows: readonly Readonly<Record<string, string>>[]): string[] {
  const keys = Object.keys(rows[0]);
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => r[k].length)));
  const right = (k: string) => ['rows', 'dim', 'per shard', 'per chip', 'this process'].includes(k);
  const line = (cells: string[]) => cells.map((c, j) => (right(keys[j]) ? c.padStart(width[j]) : c.padEnd(width[j]))).join('  ').trimEnd();
  return [line(keys), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(keys.map((k) => r[k])))];
}

/**
 * Plans the tables on the topology and prints the plan (a table and its verdict lines, or JSON).
 * @throws ConfigError from planMemory (`invalid_plan`, `unknown_topology`) or checkMemoryFit (`table_too_big`,
 *   `model_too_big`) after printing, when the model does not fit.
 */
export function runPlan(args: PlanArgs, print: (line: string) => void): void {
  const plan = planMemory({ tables: args.tables, globalBatchSize: args.globalBatchSize }, args.topology);
  if (args.json) print(JSON.stringify(plan, null, 2));
  else for (const line of [...textTable(memoryPlanRows(plan)), '', ...memoryPlanSummary(plan)]) print(line);
  checkMemoryFit(plan);
}

import { ConfigError } from '../errors';
import { formatBytes } from './format-bytes';
import type { MemoryPlan } from './memory-plan';
import type { PlanTable } from './plan-table';
import { BYTES_PER_DYNAMIC_ID, STORAGE_KINDS, WEIGHT_PRECISIONS, type StorageKind, type WeightPrecision } from './storage-kinds';
import { BYTES_PER_ID } from './hardware-constants';
import { tableMemory } from './table-memory';

/** Options of {@link checkMemoryFit}. */
export interface CheckMemoryFitOptions {
  /**
   * Also check this machine's memory (the simulator holds every table in one process whatever the topology).
   * @default false on a TPU topology (its HBM is checked); the `cpu` topology is always checked against this machine
   */
  readonly host?: boolean;
}

/** The most rows the storage kinds' row counts are searched up to (a table's rows are < 2^31, as in TF's layout). */
const MAX_ROWS = 2 ** 31 - 1;

const gens = (plan: MemoryPlan): string => {
  const own = plan.chipsNeeded.find((c) => c.generation === plan.generation);
  const others = plan.chipsNeeded.filter((c) => c !== own).map((c) => `${c.generation}: ${c.chips}`).join(', ');
  return own ? `the model needs ${own.chips} ${own.generation} chips (${others})` : `chips needed: ${others}`;
};

function describe(t: PlanTable): string {
  const rows = t.storage === 'dense' ? `${t.residentRows.toLocaleString('en-US')} rows` : `${t.residentRows.toLocaleString('en-US')} ${t.storage === 'lazy' ? 'rows touched' : 'rows budgeted'}`;
  return `${rows} × ${t.dim}, ${t.storage} ${t.weightPrecision}, ${t.optimizer}: ${t.slotsPerRow} slot${t.slotsPerRow === 1 ? '' : 's'} per row`;
}

function variant(t: PlanTable, storage: StorageKind, weightPrecision: WeightPrecision, residentRows: number): PlanTable {
  return { ...t, storage, weightPrecision, residentRows, idBytes: storage === 'dynamic' ? BYTES_PER_DYNAMIC_ID : BYTES_PER_ID };
}

/** Largest rows r in [1, hi] with fits(r) (monotone), 0 when none. */
function maxRows(hi: number, fits: (r: number) => boolean): number {
  if (!fits(1)) return 0;
  let lo = 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The storage kinds and precisions under which table t alone takes at most `capacity` bytes (of `bytesOf`), precisions
 * with the same answer joined (`lazy float16 or bfloat16 with expectedRowsTouched ≤ …`).
 */
function alternatives(t: PlanTable, bytesOf: (t: PlanTable) => number, capacity: number): string[] {
  const out: string[] = [];
  const V = t.vocabularySize;
  for (const storage of STORAGE_KINDS) {
    if (storage !== 'dynamic' && V === undefined) continue;
    const answers = new Map<string, WeightPrecision[]>();
    for (const p of WEIGHT_PRECISIONS) {
      let answer: string | undefined;
      if (storage === 'dense') {
        const b = bytesOf(variant(t, 'dense', p, V as number));
        if (b <= capacity) answer = `(${formatBytes(b)})`;
      } else {
        const r = maxRows(Math.min(V ?? MAX_ROWS, MAX_ROWS), (rows) => bytesOf(variant(t, storage, p, rows)) <= capacity);
        if (r > 0 && storage === 'lazy' && r === V) answer = '(any rows touched)';
        else if (r > 0) answer = `with ${storage === 'lazy' ? 'expectedRowsTouched' : 'rowBudget'} ≤ ${r.toLocaleString('en-US')}`;
      }
      if (answer !== undefined) answers.set(answer, [...(answers.get(answer) ?? []), p]);
    }
    for (const [answer, ps] of answers) out.push(`${storage} ${ps.join(' or ')} ${answer}`);
  }
  return out;
}

function check(plan: MemoryPlan, target: 'tpu' | 'host'): void {
  const B = plan.globalBatchSize;
  const onTpu = target === 'tpu';
  const bytesOf = (t: PlanTable) => (onTpu ? tableMemory(t, plan.slice, B).perChip.total : tableMemory(t, plan.slice, B).host.total);
  const capacity = onTpu ? plan.hbmBytesPerChip : plan.host.totalMemBytes;
  const where = onTpu
    ? `per chip on ${plan.topology} (${plan.slice.chips} chips × ${plan.slice.shardsPerChip} shards), more than its ${formatBytes(capacity)} of HBM per chip`
    : `in this process, more than this machine's ${formatBytes(capacity)} of memory (os.totalmem())`;
  const sized = plan.tableInputs.map((t) => ({ t, bytes: bytesOf(t) })).sort((a, b) => b.bytes - a.bytes);
  const biggest = sized[0];
  if (biggest.bytes > capacity) {
    const alts = alternatives(biggest.t, bytesOf, capacity);
    throw new ConfigError(
      'table_too_big',
      `checkMemoryFit: table '${biggest.t.name}' (${describe(biggest.t)}) needs ${formatBytes(biggest.bytes)} ${where}. ` +
        (alts.length > 0 ? `Alone, it would fit as: ${alts.join('; ')}.` : 'No storage kind or weight precision makes it fit, even alone.') +
        (onTpu ? ` Or use a bigger slice: ${gens(plan)}.` : ' (The simulator holds every table in this one process.)'),
    );
  }
  const total = sized.reduce((a, s) => a + s.bytes, 0);
  if (total > capacity) {
    throw new ConfigError(
      'model_too_big',
      `checkMemoryFit: the model's ${sized.length} tables need ${formatBytes(total)} ${where}; each fits alone. Largest: ` +
        sized.slice(0, 3).map((s) => `'${s.t.name}' ${formatBytes(s.bytes)}`).join(', ') +
        `. Shrink them (storage 'lazy' or 'dynamic', weightPrecision 'bfloat16')` + (onTpu ? ` or use a bigger slice: ${gens(plan)}.` : '.'),
    );
  }
}

/**
 * Turns a {@link MemoryPlan} that does not fit into an error that says what would: checks the slice's HBM per chip
 * (on a TPU topology) and, with `host: true` or on the `cpu` topology, this machine's memory.
 *
 * @param plan - a `planMemory` result.
 * @param options - see {@link CheckMemoryFitOptions}.
 * @throws ConfigError `table_too_big` when one table alone exceeds the capacity: the message names the table, the
 *   bytes it needs, and each storage kind / weight precision that would fit (for lazy and dynamic storage, the most
 *   rows that fit), and the chips each generation needs; `model_too_big` when every table fits alone but not together.
 * @example
 * checkMemoryFit(planMemory({ tables: [{ name: 'items', vocabularySize: 2e9, dim: 64 }] }, 'v4-8')) // throws table_too_big
 */
export function checkMemoryFit(plan: MemoryPlan, options: CheckMemoryFitOptions = {}): void {
  if (plan.generation !== 'cpu') check(plan, 'tpu');
  if (plan.generation === 'cpu' || options.host === true) check(plan, 'host');
}

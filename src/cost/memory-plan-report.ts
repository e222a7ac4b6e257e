import { formatBytes } from './format-bytes';
import type { MemoryPlan } from './memory-plan';

/** One row of {@link memoryPlanRows}: a table (or the total), its shape and its bytes as text. */
export type MemoryPlanRow = Readonly<Record<'table' | 'rows' | 'dim' | 'optimizer' | 'storage' | 'precision' | 'per shard' | 'per chip' | 'this process', string>>;

/**
 * A memory plan as table rows for people (the CLI's `plan` table, a notebook's `rowsTable`): one row per table and
 * a total row, bytes in binary units (`formatBytes`). `rows` is what the table holds (V, rows touched or budget).
 * @param plan - a `planMemory` result.
 * @returns frozen rows, tables in plan order then `total`.
 * @example showTable(rowsTable(memoryPlanRows(planMemory({ tables }, 'v5p-8'))))
 */
export function memoryPlanRows(plan: MemoryPlan): readonly MemoryPlanRow[] {
  const rows: MemoryPlanRow[] = plan.tables.map((t) =>
    Object.freeze({
      table: t.table,
      rows: t.residentRows.toLocaleString('en-US'),
      dim: String(t.dim),
      optimizer: `${t.optimizer} (${t.slotsPerRow} slot${t.slotsPerRow === 1 ? '' : 's'})`,
      storage: t.storage,
      precision: t.weightPrecision,
      'per shard': formatBytes(t.perShard.total),
      'per chip': formatBytes(t.perChip.total),
      'this process': formatBytes(t.host.total),
    }),
  );
  rows.push(
    Object.freeze({
      table: 'total',
      rows: '',
      dim: '',
      optimizer: '',
      storage: '',
      precision: '',
      'per shard': formatBytes(plan.perShard.total),
      'per chip': formatBytes(plan.perChip.total),
      'this process': formatBytes(plan.host.bytes.total),
    }),
  );
  return Object.freeze(rows);
}

/**
 * The verdict lines of a memory plan: what a chip holds against its HBM (by kind), whether this machine can hold the
 * model, and how many chips each generation needs.
 * @param plan - a `planMemory` result.
 * @returns lines of text.
 * @example memoryPlanSummary(plan).join('\n')
 */
export function memoryPlanSummary(plan: MemoryPlan): readonly string[] {
  const c = plan.perChip;
  const kinds = `weights ${formatBytes(c.weights)}, slots ${formatBytes(c.slots)}, id maps ${formatBytes(c.idMap)}, id buffers ${formatBytes(c.idBuffers)}, activations ${formatBytes(c.activations)}`;
  const lines =
    plan.generation === 'cpu'
      ? [`${plan.topology}: no TPU; the model is checked against this machine only.`]
      : [
          `${plan.topology} (${plan.slice.chips} chips × ${plan.slice.shardsPerChip} shards, global batch ${plan.globalBatchSize}): ` +
            `${formatBytes(c.total)} per chip of ${formatBytes(plan.hbmBytesPerChip)} HBM (${((100 * c.total) / plan.hbmBytesPerChip).toFixed(1)} %) — ${plan.fits ? 'fits' : 'does NOT fit'}.`,
          `  per chip: ${kinds}.`,
        ];
  const h = plan.host;
  lines.push(`this machine: ${formatBytes(h.bytes.total)} of ${formatBytes(h.totalMemBytes)} (os.totalmem()) — ${h.fits ? 'fits' : 'does NOT fit'}.`);
  lines.push(`chips needed: ${plan.chipsNeeded.map((g) => `${g.generation} ${g.chips}`).join(', ')} (HBM per chip: ${plan.chipsNeeded.map((g) => `${g.generation} ${formatBytes(g.hbmBytesPerChip)}`).join(', ')}).`);
  return Object.freeze(lines);
}

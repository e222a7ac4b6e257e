import type * as aq from 'arquero';
import type { LookupCostResult } from './measure-lookup-cost';
import { rowsTable } from './rows-table';

/**
 * One row per measurement: the configuration, the engine's lookup / update time (ms), the dense baseline's step
 * (ms, '' when not measured), the lookup's bytes moved per second (GB/s, read + written) and its ratio to this
 * machine's copy bandwidth (the engine issue's target for 1e6 × 64 with 65,536 uniform ids: ≥ 0.35), and the
 * sparse-vs-dense step speedup.
 *
 * @param results - measurements (`measureLookupCost`).
 * @param copyBandwidth - bytes/s (read + written), measured in the same run.
 * @returns an arquero table for `showTable`.
 * @throws ConfigError `invalid_option` when results is empty.
 * @example showTable(lookupCostTable(results, measureCopyBandwidth()))
 */
export function lookupCostTable(results: readonly LookupCostResult[], copyBandwidth: number): aq.ColumnTable {
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return rowsTable(
    results.map((r) => ({
      vocabulary: r.vocabularySize,
      dim: r.dim,
      'ids/step': r.idsPerStep,
      skew: r.skew,
      'unique ids': r.uniqueIds,
      'lookup ms': r3(r.lookupMs),
      'update ms': r3(r.updateMs),
      'dense step ms': r.dense ? r3(r.dense.stepMs) : '',
      'sparse vs dense ×': r.dense ? Math.round((10 * r.dense.stepMs) / r.stepMs) / 10 : '',
      'lookup GB/s': r3(r.lookupBytesPerS / 1e9),
      '÷ copy bandwidth': r3(r.lookupBytesPerS / copyBandwidth),
    })),
  );
}

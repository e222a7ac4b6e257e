import * as aq from 'arquero';
import { InputError } from '../errors';

/** A test RMSE on MovieLens 100K to compare with: published, or measured with this library. */
export interface RmseAnchor {
  /** What produced it, e.g. `'TF tutorial (printed)'`. */
  readonly name: string;
  /** Test RMSE in stars. */
  readonly rmse: number;
  /** Which test ratings: `'tutorial split'` (80/20, seed 42), `'10 eval batches'`, `'u1.test'`, … */
  readonly split: string;
  /** Where the number comes from. */
  readonly source: string;
}

/**
 * Test RMSEs on MovieLens 100K to read a result against (stars; lower is better). The published ones use other
 * splits or evaluation sizes than ours, so they are reference points, not exact comparisons.
 */
export const RMSE_ANCHORS: readonly RmseAnchor[] = Object.freeze([
  Object.freeze({ name: 'TF "TPU embeddings" tutorial (printed)', rmse: 1.1339, split: '10 eval batches', source: 'TensorFlow tutorial output' }),
  Object.freeze({ name: 'mean predictor (training mean 3.53)', rmse: 1.126, split: 'tutorial split', source: 'measured here (bench/training.ts)' }),
  Object.freeze({ name: 'TFRS basic ranking tutorial', rmse: 1.1, split: 'TFRS 80/20 split', source: 'TFRS tutorial output (~1.10)' }),
  Object.freeze({ name: 'full protocol (this library, v4-8)', rmse: 0.9485, split: 'tutorial split', source: 'measured here (bench/training.ts)' }),
  Object.freeze({ name: 'full protocol (this library, v4-8)', rmse: 0.9618, split: 'u1.test', source: 'measured here (bench/training.ts)' }),
  Object.freeze({ name: 'GC-MC', rmse: 0.91, split: 'u1.test', source: 'Berg et al. 2017' }),
  Object.freeze({ name: 'GLocal-K', rmse: 0.889, split: 'u1.test', source: 'Han et al. 2021' }),
]);

/** A result to put beside the anchors. */
export interface MeasuredRmse {
  readonly name: string;
  readonly rmse: number;
  /** @default 'tutorial split' */
  readonly split?: string;
}

/**
 * The measured RMSEs and the anchors in one table, best (lowest RMSE) first, with a `source` column that says
 * which rows were measured in this run (`'this run'`).
 *
 * @param measured results of this run, e.g. `[{ name: 'tutorial protocol', rmse: r.test.rmse, split: '10 eval batches' }]`.
 * @param anchors @default {@link RMSE_ANCHORS}
 * @returns an arquero table with columns `model`, `split`, `rmse` (4 decimals), `source`.
 * @throws InputError `not_finite` for an RMSE that is not a finite non-negative number.
 * @example showTable(rmseComparisonTable([{ name: 'full protocol', rmse: 0.95 }]), { limit: 20 });
 */
export function rmseComparisonTable(measured: readonly MeasuredRmse[], anchors: readonly RmseAnchor[] = RMSE_ANCHORS): aq.ColumnTable {
  const rows = [
    ...measured.map((m) => ({ model: m.name, split: m.split ?? 'tutorial split', rmse: m.rmse, source: 'this run' })),
    ...anchors.map((a) => ({ model: a.name, split: a.split, rmse: a.rmse, source: a.source })),
  ];
  rows.forEach((r, i) => {
    if (typeof r.rmse !== 'number' || !Number.isFinite(r.rmse) || r.rmse < 0) {
      throw new InputError('not_finite', `rmseComparisonTable: expected row ${i} ('${r.model}') to have a finite RMSE ≥ 0, but got ${String(r.rmse)}.`);
    }
  });
  rows.sort((a, b) => a.rmse - b.rmse);
  return aq.from(rows.map((r) => ({ ...r, rmse: Number(r.rmse.toFixed(4)) })));
}

import * as aq from 'arquero';
import { InputError } from '../errors';

/**
 * A **published** test RMSE on MovieLens 100K to compare with, with its source and its split. Numbers measured with
 * this library are never anchors: they come from the run (e.g. `GlobalMean` / `BaselineOnly` from `src/baseline`,
 * a model's `evaluate`) and go in as {@link MeasuredRmse} rows.
 */
export interface RmseAnchor {
  /** What produced it, e.g. `'TF tutorial (printed)'`. */
  readonly name: string;
  /** Test RMSE in stars. */
  readonly rmse: number;
  /** Which test ratings: `'u1.test'`, `'Surprise 5-fold 80/20 (mean)'`, `'10 eval batches'`, … */
  readonly split: string;
  /** Where the number is published. */
  readonly source: string;
}

/** Surprise's benchmark table of MovieLens 100K (README "Benchmarks", 5-fold cross-validation, RMSE mean over the folds). */
const SURPRISE = 'Surprise README, Benchmarks (github.com/NicolasHug/Surprise)';
/** Split of the Surprise rows: 5 folds, each 80/20 of the 100,000 ratings; the mean over the folds. */
const SURPRISE_SPLIT = 'Surprise 5-fold 80/20 (mean)';

/**
 * Published test RMSEs on MovieLens 100K to read a result against (stars; lower is better), each with its source and
 * split. Their splits differ from ours (another 80/20 draw, fewer test ratings), so they are reference points, not
 * exact comparisons: compare a mean over several random 80/20 splits (`randomSplits`, `meanAndSd`) with the
 * Surprise rows, and a `u1.test` result with the `u1.test` rows.
 */
export const RMSE_ANCHORS: readonly RmseAnchor[] = Object.freeze([
  Object.freeze({ name: 'TF "TPU embeddings" tutorial (printed)', rmse: 1.1339, split: '10 eval batches', source: 'TensorFlow tutorial output' }),
  Object.freeze({ name: 'TFRS basic ranking tutorial', rmse: 1.1, split: 'TFRS 80/20 split', source: 'TFRS tutorial output (~1.10)' }),
  Object.freeze({ name: 'BaselineOnly (Surprise)', rmse: 0.944, split: SURPRISE_SPLIT, source: SURPRISE }),
  Object.freeze({ name: 'SVD (Surprise)', rmse: 0.934, split: SURPRISE_SPLIT, source: SURPRISE }),
  Object.freeze({ name: 'KNNBaseline (Surprise)', rmse: 0.931, split: SURPRISE_SPLIT, source: SURPRISE }),
  Object.freeze({ name: 'SVD++ (Surprise)', rmse: 0.92, split: SURPRISE_SPLIT, source: SURPRISE }),
  Object.freeze({ name: 'GC-MC', rmse: 0.91, split: 'u1.test', source: 'Berg, Kipf & Welling 2017, "Graph Convolutional Matrix Completion"' }),
  Object.freeze({ name: 'IGMC', rmse: 0.905, split: 'u1.test', source: 'Zhang & Chen 2020, "Inductive Matrix Completion Based on Graph Neural Networks" (ICLR)' }),
  Object.freeze({ name: 'GLocal-K', rmse: 0.889, split: 'u1.test', source: 'Han et al. 2021, "GLocal-K: Global and Local Kernels for Recommender Systems" (CIKM)' }),
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

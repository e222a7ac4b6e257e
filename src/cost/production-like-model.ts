import type { SyntheticTableSpec } from './synthetic-lookup-stats';

/** A modelled recommender: its tables and its dense part. Plain data, input of `speedupSparseCoreVsCpu`. */
export interface SyntheticModel {
  readonly name: string;
  readonly description: string;
  readonly tables: readonly SyntheticTableSpec[];
  /** Widths of the dense MLP, input first (input = Σ table dims: the pooled embeddings concatenated). */
  readonly denseLayerSizes: readonly number[];
  /** Training FLOPs per sample of the dense MLP: 3 (forward + 2× backward) · 2 · Σ fan_in · fan_out. */
  readonly denseFlopsPerSample: number;
}

function group(count: number, first: number, spec: Omit<SyntheticTableSpec, 'name'>): SyntheticTableSpec[] {
  return Array.from({ length: count }, (_, i) => Object.freeze({ name: `table_${first + i}`, ...spec }));
}

/**
 * A production-like ranking model (DLRM/Criteo-shaped, sized to fit a v4-8 with Adagrad): 26 tables,
 * 1e6 to 1e8 rows, dims 16 to 128, 100 ids per sample of which most come from multivalent features,
 * ids Zipf(1.05)-distributed (the skew the benchmarks use), and a 4-layer MLP on the 2,336 pooled dims.
 *
 * | tables | rows  | dim | ids/sample | float32 bytes per table |
 * |--------|-------|-----|------------|-------------------------|
 * | 2      | 1e8   | 16  | 1          | 6.4 GB                  |
 * | 4      | 3e7   | 32  | 10         | 3.84 GB                 |
 * | 6      | 1e7   | 64  | 5          | 2.56 GB                 |
 * | 14     | 1e6   | 128 | 2          | 0.512 GB                |
 *
 * Tables 50.7 GB (+ 50.7 GB of Adagrad accumulators) < 4 × 32 GiB = 137 GB of v4-8 HBM.
 * Dense: 2336 → 1024 → 512 → 256 → 1: Σ fan_in·fan_out = 2,392,064 + 524,288 + 131,072 + 256 = 3,047,680 MACs,
 * × 2 FLOPs × 3 (forward + backward) = 18,286,080 FLOPs per sample.
 *
 * @returns a frozen {@link SyntheticModel}.
 * @example productionLikeModel().tables.length // 26
 */
export function productionLikeModel(): SyntheticModel {
  const zipf = Object.freeze({ zipf: 1.05 });
  const tables = [
    ...group(2, 0, { vocabularySize: 1e8, dim: 16, idsPerSample: 1, skew: zipf }),
    ...group(4, 2, { vocabularySize: 3e7, dim: 32, idsPerSample: 10, skew: zipf }),
    ...group(6, 6, { vocabularySize: 1e7, dim: 64, idsPerSample: 5, skew: zipf }),
    ...group(14, 12, { vocabularySize: 1e6, dim: 128, idsPerSample: 2, skew: zipf }),
  ];
  const inputWidth = tables.reduce((sum, t) => sum + t.dim, 0);
  const denseLayerSizes = [inputWidth, 1024, 512, 256, 1];
  let macs = 0;
  for (let i = 1; i < denseLayerSizes.length; i++) macs += denseLayerSizes[i - 1] * denseLayerSizes[i];
  return Object.freeze({
    name: 'production-like',
    description:
      '26 tables (1e6–1e8 rows, dims 16–128), 100 ids/sample, Zipf(1.05) ids, MLP 2336→1024→512→256→1',
    tables: Object.freeze(tables),
    denseLayerSizes: Object.freeze(denseLayerSizes),
    denseFlopsPerSample: 3 * 2 * macs,
  });
}

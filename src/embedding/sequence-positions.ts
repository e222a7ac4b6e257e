import type { NormalizedInput } from './feature-input';

/**
 * End (exclusive index into `values`) of sample `b`'s values that a sequence feature of length `L` keeps: those at
 * positions < L. Positions rise within a row, so they are a prefix of the row.
 *
 * ```
 * ragged  row [7, 8, 9, 4], L = 3   → keeps 7, 8, 9 (positions 0, 1, 2)
 * sparse  row {1: 7, 4: 8}, L = 3   → keeps 7 (position 1); 8 sits at position 4 ≥ L
 * ```
 * @param input the normalized ids.
 * @param b the sample.
 * @param L `maxSequenceLength` (> 0).
 * @returns an index in `[rowSplits[b], rowSplits[b + 1]]`.
 * @example sequenceEnd({ batchSize: 1, values, rowSplits: Int32Array.of(0, 4), weights: null }, 0, 3) // 3
 */
export function sequenceEnd(input: NormalizedInput, b: number, L: number): number {
  const ps = input.rowSplits[b];
  const pe = input.rowSplits[b + 1];
  const pos = input.positions;
  if (!pos) return Math.min(pe, ps + L);
  let p = ps;
  while (p < pe && pos[p] < L) p++;
  return p;
}

/**
 * The sequence position of value `p` of a sample whose values start at `ps`: its sparse column, else `p − ps`.
 * @example sequencePosition(input, 5, 4) // 1 for ragged input
 */
export function sequencePosition(input: NormalizedInput, p: number, ps: number): number {
  return input.positions ? input.positions[p] : p - ps;
}

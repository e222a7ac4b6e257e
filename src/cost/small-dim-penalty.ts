import { FULL_BLOCK_DIM, SMALL_DIM_PENALTY_64_TO_127, SMALL_DIM_PENALTY_BELOW_64 } from './hardware-constants';

/**
 * TorchRec's small-dim penalty: ×1.75 for dim < 64, ×1.15 for 64 ≤ dim < 128, ×1 from 128.
 * @param dim - embedding dimension (positive integer).
 * @returns the multiplier applied to row-granular memory traffic.
 * @example smallDimPenalty(32) // 1.75
 */
export function smallDimPenalty(dim: number): number {
  if (dim >= FULL_BLOCK_DIM) return 1;
  return dim >= 64 ? SMALL_DIM_PENALTY_64_TO_127 : SMALL_DIM_PENALTY_BELOW_64;
}

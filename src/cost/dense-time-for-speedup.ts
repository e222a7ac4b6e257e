import { ConfigError } from '../errors';
import type { SpeedupPoint } from './speedup-sparsecore-vs-cpu';

/**
 * How long the dense part of a step would have to take for the whole-step SparseCore-vs-CPU speedup to fall to
 * `target`: with E_sc, E_cpu the embedding parts of the two steps (total − denseCompute) and D the dense time added to
 * both, (E_cpu + D) / (E_sc + D) = target ⇔ D = (E_cpu − target · E_sc) / (target − 1).
 * It reads the modelled 27–33× (dense compute ≈ the SparseCore embedding time) against the TPU v4 paper's 5–7× for
 * whole embedding-heavy models: the paper's models would need a dense part ≈ 10× longer.
 *
 * @param point - one `speedupSparseCoreVsCpu` result.
 * @param target - the whole-step speedup, > 1.
 * @returns D in seconds (0 when the embedding speedup alone is at most `target`).
 * @throws ConfigError `invalid_option` for a target ≤ 1 or not finite.
 * @example denseTimeForSpeedup(speedupSparseCoreVsCpu({ model, topology: 'v4-8', batchSizes: [16384] })[0], 6) // seconds
 */
export function denseTimeForSpeedup(point: SpeedupPoint, target: number): number {
  if (!(Number.isFinite(target) && target > 1)) {
    throw new ConfigError('invalid_option', `denseTimeForSpeedup: expected target to be a finite speedup > 1, but got ${target}.`);
  }
  const sc = point.sparseCore.total() - point.sparseCore.denseCompute;
  const cpu = point.cpu.total() - point.cpu.denseCompute;
  return Math.max(0, (cpu - target * sc) / (target - 1));
}

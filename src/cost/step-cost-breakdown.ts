import { ConfigError } from '../errors';
import { finiteNumber, where } from '../validation';

/** The parts of one training step's modelled time, in seconds. */
export interface StepCostParts {
  /** Reading embedding rows (and writing pooled activations): HBM for SparseCore, host DRAM for CPU. */
  readonly gather: number;
  /** Inter-chip all-to-all (ids out, rows back, gradients out) over ICI. */
  readonly comms: number;
  /** Sparse optimizer: reading gradients, reading + writing touched rows and their slots. */
  readonly optimizerUpdate: number;
  /** Host ↔ TPU traffic over PCIe (activations in, activation gradients out) for CPU-hosted tables. */
  readonly hostTransfer: number;
  /** The dense model's forward + backward on the TensorCores. */
  readonly denseCompute: number;
}

/** A step-time breakdown, seconds; `total()` is the sum of the parts (no overlap assumed). */
export interface StepCostBreakdown extends StepCostParts {
  /** Sum of all parts, seconds. */
  total(): number;
}

/** The names of the parts, in display order. */
export const STEP_COST_PARTS = ['gather', 'comms', 'optimizerUpdate', 'hostTransfer', 'denseCompute'] as const;

/**
 * Builds a frozen breakdown from its parts.
 * @param parts - seconds per part, each finite and ≥ 0.
 * @returns a frozen {@link StepCostBreakdown}.
 * @throws ConfigError `invalid_cost` when a part is negative or not finite.
 * @example stepCostBreakdown({ gather: 1e-3, comms: 0, optimizerUpdate: 2e-3, hostTransfer: 0, denseCompute: 0 }).total() // 0.003
 */
export function stepCostBreakdown(parts: StepCostParts): StepCostBreakdown {
  for (const key of STEP_COST_PARTS) {
    finiteNumber(parts[key], where(ConfigError, 'invalid_cost', 'stepCostBreakdown')(key), { min: 0, unit: 'seconds' });
  }
  const { gather, comms, optimizerUpdate, hostTransfer, denseCompute } = parts;
  return Object.freeze({
    gather,
    comms,
    optimizerUpdate,
    hostTransfer,
    denseCompute,
    total: () => gather + comms + optimizerUpdate + hostTransfer + denseCompute,
  });
}

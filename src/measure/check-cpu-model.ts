import { ConfigError } from '../errors';
import { cpuHostProfile } from '../cost/cpu-host-profile';
import { estimateStep } from '../cost/estimate-step';
import { hardwareProfile } from '../cost/hardware-profile';
import type { StepCostBreakdown } from '../cost/step-cost-breakdown';
import type { LookupCostResult } from './measure-lookup-cost';

/** Input of {@link checkCpuModel}. */
export interface CheckCpuModelInput {
  /** A `measureLookupCost` result measured with `placement: 'cpu'` (one unsharded table, as a CPU host holds it). */
  readonly measured: LookupCostResult;
  /** This machine's copy bandwidth, bytes/s read + written (`measureCopyBandwidth()`), measured in the same run. */
  readonly copyBandwidth: number;
  /** Optimizer slots per row (Adagrad 1). @default 1 */
  readonly slotsPerRow?: number;
  /** Apply TorchRec's small-dim penalty. Turn it off when `copyBandwidth` is a random-row bandwidth measured on
   * the same row size (`measureGatherBandwidth`), which already contains it. @default true */
  readonly smallDimPenalty?: boolean;
}

/** The cost model's CPU-host figure next to this machine's measurement of the same work. */
export interface CpuModelCheck {
  /** The full modelled breakdown (a TPU v4-8 fed by a host with this machine's bandwidth), seconds. */
  readonly predicted: StepCostBreakdown;
  /** Modelled host work, ms: gather + optimizerUpdate (the parts that run on the host's DRAM; hostTransfer and
   * comms need a TPU and a network, which this machine does not have). */
  readonly predictedMs: number;
  readonly predictedLookupMs: number;
  readonly predictedUpdateMs: number;
  /** Measured lookup + update, ms. */
  readonly measuredMs: number;
  readonly measuredLookupMs: number;
  readonly measuredUpdateMs: number;
  /** measured / predicted (1 = exact; > 1: the engine is slower than the bandwidth bound). */
  readonly ratio: number;
  readonly lookupRatio: number;
  readonly updateRatio: number;
  /** ratio within [0.5, 2]. */
  readonly withinFactor2: boolean;
}

/**
 * Checks the cost model's CPU-host figure against a measurement: models a host whose DRAM bandwidth is this
 * machine's measured copy bandwidth (`cpuHostProfile({ measured })`), feeds `estimateStep` the engine's own
 * statistics of the measured step (placement 'cpu'), and compares the host-side parts (gather + optimizer update)
 * with the measured lookup + update time.
 *
 * @param input - see {@link CheckCpuModelInput}.
 * @returns a frozen {@link CpuModelCheck}.
 * @throws ConfigError `invalid_option` when the measurement is not placement 'cpu' or the bandwidth is not positive.
 * @example
 * const bw = measureCopyBandwidth();
 * const m = await measureLookupCost({ vocabularySize: 1e6, dim: 64, idsPerStep: 65536, placement: 'cpu', dense: false });
 * checkCpuModel({ measured: m, copyBandwidth: bw }).ratio
 */
export function checkCpuModel(input: CheckCpuModelInput): CpuModelCheck {
  const m = input.measured;
  if (m.placement !== 'cpu') {
    throw new ConfigError('invalid_option', `checkCpuModel: expected a measurement with placement 'cpu', but got '${m.placement}'; measure with measureLookupCost({ …, placement: 'cpu' }).`);
  }
  if (!(Number.isFinite(input.copyBandwidth) && input.copyBandwidth > 0)) {
    throw new ConfigError('invalid_option', `checkCpuModel: expected copyBandwidth to be a positive number of bytes/s, but got ${input.copyBandwidth}.`);
  }
  const profile = hardwareProfile('v4-8', { host: cpuHostProfile({ measured: input.copyBandwidth }) });
  const predicted = estimateStep(m.stats, profile, { slotsPerRow: input.slotsPerRow ?? 1, smallDimPenalty: input.smallDimPenalty ?? true });
  const predictedLookupMs = predicted.gather * 1000;
  const predictedUpdateMs = predicted.optimizerUpdate * 1000;
  const predictedMs = predictedLookupMs + predictedUpdateMs;
  const ratio = m.stepMs / predictedMs;
  return Object.freeze({
    predicted,
    predictedMs,
    predictedLookupMs,
    predictedUpdateMs,
    measuredMs: m.stepMs,
    measuredLookupMs: m.lookupMs,
    measuredUpdateMs: m.updateMs,
    ratio,
    lookupRatio: m.lookupMs / predictedLookupMs,
    updateRatio: m.updateMs / predictedUpdateMs,
    withinFactor2: ratio >= 0.5 && ratio <= 2,
  });
}

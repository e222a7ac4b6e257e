/**
 * The lookup of a table whose one pooled feature the native router combines while it routes (see
 * `fusedCombineApplies`): routing, gather and combine in one native call per replica, the activation tensor made
 * straight from the backend's memory.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ActivationOutput } from './activation-output';
import { combineLongBags } from './combine-feature';
import type { TableState } from './engine-state';
import type { NormalizedInput } from './feature-input';
import { activationShape, routeIds, type FusedCombine, type RouteSettings, type RoutedTable } from './route-ids';

/**
 * Routes `ts` (as {@link routeIds}) and combines its one pooled feature in the same native calls: the routed table and
 * the feature's activation tensor (the caller owns it). Bags longer than the SIMD chunk go to the JavaScript loop, as
 * on the other paths (bit-identical activations).
 * @param settings the engine's; `fusedCombineApplies(settings, ts)` must hold. @param threads native pool threads.
 * @throws what {@link routeIds} throws; the activation buffer is then freed.
 */
export function routeAndCombine(settings: RouteSettings, ts: TableState, inputs: Map<string, NormalizedInput>, batch: number, outputs: ActivationOutput, threads: number): { routed: RoutedTable; activations: tf.Tensor } {
  const fs = ts.features[0];
  const dim = ts.table.dim;
  const shape = activationShape(fs.config, batch, dim);
  const fused: FusedCombine = { out: outputs.buffer({ state: fs, shape }, batch * dim, false), threads, left: 0 };
  let routed: RoutedTable;
  try {
    routed = routeIds(settings, ts, inputs, batch, fused);
  } catch (e) {
    outputs.discard();
    throw e;
  }
  const pf = routed.features[0];
  if (fused.left > 0) combineLongBags(ts.table.storage, ts.uOffBuf, pf.slot, pf.scale, pf.input.rowSplits, pf.input.batchSize, dim, fused.out);
  return { routed, activations: outputs.tensor(fused.out, shape) };
}

/**
 * The hand-off of part of a large pooled lookup to the gather helper thread (`GatherHelper`): which feature and which
 * samples, and the job (ids, splits, scales) written into the table's shared memory for it.
 */
import type { NormalizedInput } from './feature-input';
import type { FeatureState, TableState } from './engine-state';
import { GatherHelper } from '../kernels/gather-helper';
import type { HelperArea } from '../kernels/simd-combiner';
import { kernelRoute } from '../kernels/wasm-id-dedup';
import { combinerScales } from './combiner-scales';

/**
 * Share of a large lookup's positions the gather helper combines (the main thread also deduplicates every id and
 * copies the helper's activations into the output tensor, so it keeps the smaller part).
 */
const HELPER_SHARE = 0.5;
/** Smallest feature (positions) and table (bytes) for which handing part of a lookup to the helper pays. */
const HELPER_MIN_POSITIONS = 16_384;
const HELPER_MIN_TABLE_BYTES = 8 * 2 ** 20;

/** A part of a lookup handed to the gather helper: samples `[split, B)` of `feature`. */
export interface HelperPart {
  readonly feature: FeatureState;
  readonly split: number;
  readonly helper: GatherHelper;
  readonly area: HelperArea;
}

/**
 * Hands the last {@link HELPER_SHARE} of the positions of the largest pooled feature to the gather helper thread
 * (`GatherHelper`), when its table is too big for the caches and the batch is large: the helper combines those
 * samples straight from their ids while this thread deduplicates and combines the rest.
 * @param tableStates every table, in order; @param inputs the lookup's ids per feature.
 * @param useSimd, useHelperThread the `TPUEmbedding` switches (either off: null).
 * @returns the part handed off, or null (no helper, kernels off, small work, or a lazy table: the helper routes ids
 *   through the dense layout).
 */
export function startHelperCombine(tableStates: readonly TableState[], inputs: Map<string, NormalizedInput>, useSimd: boolean, useHelperThread: boolean): HelperPart | null {
  if (!useSimd || !useHelperThread) return null;
  let best: FeatureState | null = null;
  let bestPositions = 0;
  for (const ts of tableStates) {
    for (const fs of ts.features) {
      const n = inputs.get(fs.name)!.values.length;
      if (fs.config.maxSequenceLength === 0 && n > bestPositions) {
        best = fs;
        bestPositions = n;
      }
    }
  }
  const simd = best?.table.table.simd;
  if (!best || !simd || !simd.shared || best.table.table.store.kind !== 'dense' || bestPositions < HELPER_MIN_POSITIONS || simd.storage.length * 4 < HELPER_MIN_TABLE_BYTES) return null;
  const helper = GatherHelper.get();
  if (!helper) return null;
  const input = inputs.get(best.name)!;
  const { rowSplits, batchSize: B } = input;
  // The helper's samples: [split, B), about HELPER_SHARE of the positions.
  const target = rowSplits[0] + Math.floor((1 - HELPER_SHARE) * bestPositions);
  let split = 0;
  let hi = B;
  while (split < hi) {
    const mid = (split + hi) >> 1;
    if (rowSplits[mid] < target) split = mid + 1;
    else hi = mid;
  }
  if (split <= 0 || split >= B) return null;
  const p0 = rowSplits[split];
  const p1 = rowSplits[B];
  helper.wait(); // the area may still be read by an unfinished earlier job (a lookup that threw)
  const area = simd.helperArea(p1 - p0, B - split);
  if (!area) return null;
  area.ids.set(input.values.subarray(p0, p1));
  for (let b = split; b <= B; b++) area.splits[b - split] = rowSplits[b] - p0;
  // The scales as combinerScales gives them when nothing is dropped (with drops, this part is redone here).
  if (best.helperScales.length < p1) {
    best.helperScales = new Float32Array(p1);
    best.helperSlots = new Int32Array(p1);
  }
  const part = { ...input, rowSplits: rowSplits.subarray(split), batchSize: B - split }; // positions stay absolute
  const scales = combinerScales(part, best.helperSlots, best.table.table.config.combiner, best.helperScales, true);
  area.scales.set(scales.subarray(p0, p1));
  const memoryId = helper.register(simd.memory, best.table.table);
  helper.start(memoryId, {
    idsPtr: area.idsPtr,
    scalesPtr: area.scalesPtr,
    splitsPtr: area.splitsPtr,
    samples: B - split,
    route: kernelRoute(best.table.routing),
    rowBytes: best.table.table.dim * 4,
    outPtr: area.outPtr,
  });
  return { feature: best, split, helper, area };
}

// AssemblyScript source of the helper thread's gather kernel (compiled by `npm run build:kernels` into
// row-gather.wasm.ts, importing a table's shared memory). It does what the engine's SIMD combiner does for one
// part of a batch, but starts from ids (routing each one inline with as-lib/shard-route.as.ts, as id-router.as.ts does) so that it can run while
// the main thread is still deduplicating: for each chunk of samples, read one word per cache line of every row
// (many misses in flight), then write `out[b] = Σ_p scale[p] · row(ids[p])` with f32x4 arithmetic.

/** Samples per chunk: their rows (≤ CHUNK_POSITIONS × 256 B at dim 64) stay in L2 between the touch and the sum. */
const CHUNK_SAMPLES: i32 = 512;
const CHUNK_POSITIONS: i32 = 1024;

import { routeId } from './as-lib/shard-route.as';

let sink: i32 = 0;

/**
 * Pooled combine of samples `[0, B)` whose positions are `splits[b] .. splits[b + 1]` (relative to `ids`):
 * `out[b × dim …] = Σ_p scales[p] · row(ids[p])`; `scales` 0 (null pointer) means every scale is 1. Rows are
 * `rowBytes` long (a multiple of 16) from address 0 (the table's storage).
 */
export function combineIds(
  ids: usize, scales: usize, splits: usize, B: i32,
  mode: i32, N: i32, rot: i32, rps: i32, q: i32, extras: i32,
  rowBytes: i32, out: usize,
): void {
  let acc: i32 = 0;
  let b0: i32 = 0;
  while (b0 < B) {
    // A chunk: up to CHUNK_SAMPLES samples and (beyond its first sample) CHUNK_POSITIONS positions.
    const p0 = load<i32>(splits + (<usize>b0 << 2));
    let b1 = b0 + 1;
    while (b1 < B && b1 - b0 < CHUNK_SAMPLES && load<i32>(splits + (<usize>(b1 + 1) << 2)) - p0 <= CHUNK_POSITIONS) b1++;
    const p1 = load<i32>(splits + (<usize>b1 << 2));
    for (let p = p0; p < p1; p++) {
      const a = <usize>(<u32>(routeId(load<i32>(ids + (<usize>p << 2)), mode, N, rot, rps, q, extras) * rowBytes));
      for (let c: i32 = 0; c < rowBytes; c += 64) acc += load<i32>(a + <usize>c);
    }
    for (let b = b0; b < b1; b++) {
      const o = out + <usize>b * <usize>rowBytes;
      const ps = load<i32>(splits + (<usize>b << 2));
      const pe = load<i32>(splits + (<usize>(b + 1) << 2));
      if (pe - ps == 1 && (scales == 0 || load<f32>(scales + (<usize>ps << 2)) == 1.0)) {
        const a = <usize>(<u32>(routeId(load<i32>(ids + (<usize>ps << 2)), mode, N, rot, rps, q, extras) * rowBytes));
        for (let c: i32 = 0; c < rowBytes; c += 16) v128.store(o + <usize>c, v128.load(a + <usize>c));
        continue;
      }
      for (let c: i32 = 0; c < rowBytes; c += 16) v128.store(o + <usize>c, f32x4.splat(0));
      for (let p = ps; p < pe; p++) {
        const a = <usize>(<u32>(routeId(load<i32>(ids + (<usize>p << 2)), mode, N, rot, rps, q, extras) * rowBytes));
        const s = f32x4.splat(scales == 0 ? <f32>1 : load<f32>(scales + (<usize>p << 2)));
        for (let c: i32 = 0; c < rowBytes; c += 16) {
          v128.store(o + <usize>c, f32x4.add(v128.load(o + <usize>c), f32x4.mul(s, v128.load(a + <usize>c))));
        }
      }
    }
    b0 = b1;
  }
  sink += acc;
}

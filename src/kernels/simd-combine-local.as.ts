// AssemblyScript source of the SIMD combiner's kernels on a non-shared (no threads) memory (compiled by `npm run build:kernels`
// into simd-combine-local.wasm.ts); the bodies are in as-lib/simd-combine.as.ts.
import { combineRows, gatherRows, touchRows } from './as-lib/simd-combine.as';

/** See `combineRows`. */
export function combine(offs: usize, scales: usize, splits: usize, B: i32, dimBytes: i32, out: usize): void {
  combineRows(offs, scales, splits, B, dimBytes, out);
}

/** See `touchRows`. */
export function touch(offs: usize, n: i32, dimBytes: i32): i32 {
  return touchRows(offs, n, dimBytes);
}

/** See `gatherRows`. */
export function gather(offs: usize, n: i32, dimBytes: i32, out: usize): void {
  gatherRows(offs, n, dimBytes, out);
}

// AssemblyScript bodies of the SIMD combiner's kernels (`SimdCombiner` in src/kernels/simd-combiner.ts), compiled
// twice: simd-combine.as.ts imports a shared memory (a table whose memory a helper thread also reads, and the
// row-update kernels' tables), simd-combine-local.as.ts a plain one (runtimes without threads). Rows live at byte
// offsets of the imported memory (i32 from JavaScript, read as unsigned: tables up to 4 GiB). Arithmetic is f32x4:
// out = out + s · row, in position order, as the native twin (native/row-combine.cc) and the JavaScript loop.

/**
 * combine: for b < B, `out[b] = Σ_{p ∈ [splits[b], splits[b+1])} scales[p] · row at offs[p]` (out row zeroed first);
 * output rows are `dimBytes` apart from `out`.
 */
export function combineRows(offs: usize, scales: usize, splits: usize, B: i32, dimBytes: i32, out: usize): void {
  let o = out;
  for (let b: i32 = 0; b < B; b++) {
    const ps = load<i32>(splits + (<usize>b << 2));
    const pe = load<i32>(splits + (<usize>(b + 1) << 2));
    for (let c: i32 = 0; c < dimBytes; c += 16) v128.store(o + <usize>c, f32x4.splat(0));
    for (let p = ps; p < pe; p++) {
      const a = <usize>(<u32>load<i32>(offs + (<usize>p << 2)));
      const s = f32x4.splat(load<f32>(scales + (<usize>p << 2)));
      for (let c: i32 = 0; c < dimBytes; c += 16) {
        v128.store(o + <usize>c, f32x4.add(v128.load(o + <usize>c), f32x4.mul(v128.load(a + <usize>c), s)));
      }
    }
    o += <usize>dimBytes;
  }
}

/**
 * touch: reads one word per 64-byte cache line of the rows at `offs[0 .. n)` and returns their sum (so the loads
 * stay): a tight loop of independent loads keeps many cache and TLB misses in flight before the combine.
 */
export function touchRows(offs: usize, n: i32, dimBytes: i32): i32 {
  let acc: i32 = 0;
  for (let i: i32 = 0; i < n; i++) {
    const a = <usize>(<u32>load<i32>(offs + (<usize>i << 2)));
    for (let c: i32 = 0; c < dimBytes; c += 64) acc += load<i32>(a + <usize>c);
  }
  return acc;
}

/** gather: out row i = the row at offs[i] (`dimBytes` bytes, v128 copies) for i < n. */
export function gatherRows(offs: usize, n: i32, dimBytes: i32, out: usize): void {
  let o = out;
  for (let i: i32 = 0; i < n; i++) {
    const a = <usize>(<u32>load<i32>(offs + (<usize>i << 2)));
    for (let c: i32 = 0; c < dimBytes; c += 16) v128.store(o + <usize>c, v128.load(a + <usize>c));
    o += <usize>dimBytes;
  }
}

// AssemblyScript source of the gradient-sum kernel (compiled by `npm run build:kernels` into gradient-sum.wasm.ts).
// The backward pass's transposed scatter (src/embedding/apply-table-gradients.ts, sumRows) with f32x4 arithmetic:
// for each unique row of a chunk, the sum of scale × activation gradient over the positions that looked it up.
// The JavaScript side (WasmGradientSums) lays the step's entries and gradients out in this module's memory.

/**
 * For rows `i` in `[i0, i1)`: `sums[(i − i0) × dim …] = Σ_e scales[e] · grads[offsets[e] …]` over the row's entries
 * `e ∈ [ends[i − 1], ends[i])` (`ends[−1]` = 0): the first entry is a product, each further one is added; a row
 * without entries gets zeros. `offsets` are float indices into `grads`; `dim` is a multiple of 4.
 */
export function sumRows(i0: i32, i1: i32, ends: usize, offsets: usize, scales: usize, grads: usize, dim: i32, sums: usize): void {
  const rowBytes = <usize>dim << 2;
  let e: i32 = i0 == 0 ? 0 : load<i32>(ends + (<usize>(i0 - 1) << 2));
  for (let i = i0; i < i1; i++) {
    const o = sums + <usize>(i - i0) * rowBytes;
    const ee = load<i32>(ends + (<usize>i << 2));
    if (e == ee) {
      for (let c: usize = 0; c < rowBytes; c += 16) v128.store(o + c, f32x4.splat(0));
      continue;
    }
    let g = grads + (<usize>load<i32>(offsets + (<usize>e << 2)) << 2);
    let s = f32x4.splat(load<f32>(scales + (<usize>e << 2)));
    for (let c: usize = 0; c < rowBytes; c += 16) v128.store(o + c, f32x4.mul(s, v128.load(g + c)));
    for (e++; e < ee; e++) {
      g = grads + (<usize>load<i32>(offsets + (<usize>e << 2)) << 2);
      s = f32x4.splat(load<f32>(scales + (<usize>e << 2)));
      for (let c: usize = 0; c < rowBytes; c += 16) v128.store(o + c, f32x4.add(v128.load(o + c), f32x4.mul(s, v128.load(g + c))));
    }
  }
}

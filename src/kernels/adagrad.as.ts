// AssemblyScript source of the Adagrad row-update kernel (compiled by `npm run build:kernels` into
// adagrad.wasm.ts, importing a table array's shared memory). A table's weights and its accumulator live in two
// WebAssembly memories (each may be up to 4 GiB), so one update takes two calls, one per memory:
//   accumulate (accumulator's memory): acc ← acc + g²; step ← lr·g / √acc
//   subtract   (weights' memory):      W ← W − step
// The JavaScript side (src/optimizers/row-kernels.ts) copies the rows' offsets, the gradients and the steps
// between the two memories' scratch areas. Each call first reads one word per cache line of its rows (many
// misses in flight), then updates them with f32x4 arithmetic.

/** Reads one word per 64-byte line of `count` rows at element offsets `rows[r]` from `base`; returns their sum. */
@inline
function touch(base: usize, rows: usize, count: i32, rowBytes: usize): i32 {
  let acc: i32 = 0;
  for (let r = 0; r < count; r++) {
    const a = base + (<usize>load<i32>(rows + (<usize>r << 2)) << 2);
    for (let c: usize = 0; c < rowBytes; c += 64) acc += load<i32>(a + c);
  }
  return acc;
}

/**
 * For each of `count` rows (element offsets `rows[r]` from byte address `base`, `dim` floats, a multiple of 4) and
 * its gradient `grads[r × dim …]`: `acc ← acc + g²` in place, `steps[r × dim …] = lr·g / √acc`.
 * @returns the touched words' sum (kept by the caller so the loads stay).
 */
export function accumulate(base: usize, rows: usize, count: i32, grads: usize, dim: i32, lr: f32, steps: usize): i32 {
  const rowBytes = <usize>dim << 2;
  const sum = touch(base, rows, count, rowBytes);
  const vlr = f32x4.splat(lr);
  for (let r = 0; r < count; r++) {
    const a = base + (<usize>load<i32>(rows + (<usize>r << 2)) << 2);
    const g = grads + <usize>r * rowBytes;
    const s = steps + <usize>r * rowBytes;
    for (let c: usize = 0; c < rowBytes; c += 16) {
      const gv = v128.load(g + c);
      const av = f32x4.add(v128.load(a + c), f32x4.mul(gv, gv));
      v128.store(a + c, av);
      v128.store(s + c, f32x4.div(f32x4.mul(vlr, gv), f32x4.sqrt(av)));
    }
  }
  return sum;
}

/** For each of `count` rows: `W ← W − steps[r × dim …]` (rows as in {@link accumulate}). @returns as accumulate. */
export function subtract(base: usize, rows: usize, count: i32, steps: usize, dim: i32): i32 {
  const rowBytes = <usize>dim << 2;
  const sum = touch(base, rows, count, rowBytes);
  for (let r = 0; r < count; r++) {
    const a = base + (<usize>load<i32>(rows + (<usize>r << 2)) << 2);
    const s = steps + <usize>r * rowBytes;
    for (let c: usize = 0; c < rowBytes; c += 16) v128.store(a + c, f32x4.sub(v128.load(a + c), v128.load(s + c)));
  }
  return sum;
}

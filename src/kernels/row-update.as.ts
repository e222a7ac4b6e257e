// AssemblyScript source of the row-update kernels (compiled by `npm run build:kernels` into row-update.wasm.ts,
// importing a table array's shared memory). A table's weights and each slot live in WebAssembly memories of their
// own (each may be up to 4 GiB), so one update takes one call per memory, each leaving what the next needs in its
// memory's scratch:
//   SGD:     sgd          (weights):     W ← W − lr·g
//   Adagrad: accumulate   (accumulator): acc ← acc + g²; step ← lr·g / √acc
//            subtract     (weights):     W ← W − step
//   Adam:    adamMoment   (momenta):     m ← β1·m + (1 − β1)·g
//            adamStep     (velocities):  v ← β2·v + (1 − β2)·g²; step ← lr·m / √(v + ε²)  (or / (√v + ε))
//            subtract     (weights):     W ← W − step
// The JavaScript side (src/kernels/row-kernels.ts) copies the rows' offsets, the gradients, the momenta and the
// steps between the memories' scratch areas. Each call first reads one word per cache line of its rows (many
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

/** For each of `count` rows: `W ← W − lr·g` (rows as in {@link accumulate}). @returns as accumulate. */
export function sgd(base: usize, rows: usize, count: i32, grads: usize, dim: i32, lr: f32): i32 {
  const rowBytes = <usize>dim << 2;
  const sum = touch(base, rows, count, rowBytes);
  const vlr = f32x4.splat(lr);
  for (let r = 0; r < count; r++) {
    const a = base + (<usize>load<i32>(rows + (<usize>r << 2)) << 2);
    const g = grads + <usize>r * rowBytes;
    for (let c: usize = 0; c < rowBytes; c += 16) v128.store(a + c, f32x4.sub(v128.load(a + c), f32x4.mul(vlr, v128.load(g + c))));
  }
  return sum;
}

/**
 * Adam's first moment for each of `count` rows: `m ← β1·m + c1·g` in place (`c1` = 1 − β1), and a copy of the new
 * m in `out[r × dim …]`. @returns as accumulate.
 */
export function adamMoment(base: usize, rows: usize, count: i32, grads: usize, dim: i32, b1: f32, c1: f32, out: usize): i32 {
  const rowBytes = <usize>dim << 2;
  const sum = touch(base, rows, count, rowBytes);
  const vb1 = f32x4.splat(b1);
  const vc1 = f32x4.splat(c1);
  for (let r = 0; r < count; r++) {
    const a = base + (<usize>load<i32>(rows + (<usize>r << 2)) << 2);
    const g = grads + <usize>r * rowBytes;
    const o = out + <usize>r * rowBytes;
    for (let c: usize = 0; c < rowBytes; c += 16) {
      const m = f32x4.add(f32x4.mul(vb1, v128.load(a + c)), f32x4.mul(vc1, v128.load(g + c)));
      v128.store(a + c, m);
      v128.store(o + c, m);
    }
  }
  return sum;
}

/**
 * Adam's second moment and step for each of `count` rows: `v ← β2·v + (c2·g)·g` in place (TF's order) (`c2` = 1 − β2), then
 * `steps[r × dim …] = lr·m / √(v + eps²)` when `inside` (TPU's sumInsideSqrt) else `lr·m / (√v + eps)`, with the
 * new momenta `m` at `moments[r × dim …]`. @returns as accumulate.
 */
export function adamStep(base: usize, rows: usize, count: i32, grads: usize, moments: usize, dim: i32, b2: f32, c2: f32, lr: f32, eps: f32, inside: i32, steps: usize): i32 {
  const rowBytes = <usize>dim << 2;
  const sum = touch(base, rows, count, rowBytes);
  const vb2 = f32x4.splat(b2);
  const vc2 = f32x4.splat(c2);
  const vlr = f32x4.splat(lr);
  const veps = f32x4.splat(eps);
  const veps2 = f32x4.splat(eps * eps);
  for (let r = 0; r < count; r++) {
    const a = base + (<usize>load<i32>(rows + (<usize>r << 2)) << 2);
    const g = grads + <usize>r * rowBytes;
    const m = moments + <usize>r * rowBytes;
    const s = steps + <usize>r * rowBytes;
    for (let c: usize = 0; c < rowBytes; c += 16) {
      const gv = v128.load(g + c);
      const v = f32x4.add(f32x4.mul(vb2, v128.load(a + c)), f32x4.mul(f32x4.mul(vc2, gv), gv));
      v128.store(a + c, v);
      const den = inside ? f32x4.sqrt(f32x4.add(v, veps2)) : f32x4.add(f32x4.sqrt(v), veps);
      v128.store(s + c, f32x4.div(f32x4.mul(vlr, v128.load(m + c)), den));
    }
  }
  return sum;
}

// AssemblyScript include (not a module of its own: build-kernels compiles only src/kernels/*.as.ts) shared by the
// kernels that route ids: id-router.as.ts and row-gather.as.ts. It is TableLayout's formula
// (src/embedding/table-layout.ts, the reference) in the parameters `kernelRoute` (src/embedding/wasm-id-dedup.ts)
// derives from a layout; the kernels' tests check them equal.

/** Modes of a route: mod with N = 2^q (shifts and masks), mod, div, table. */
export const MOD_POW2: i32 = 0;
export const MOD: i32 = 1;
export const DIV: i32 = 2;

/**
 * Shard of `id`: mod `(id % N + rot) % N`; div the first `extras` shards hold `q + 1` rows, the others `q`;
 * table `rot`.
 */
@inline
export function shardOf(id: i32, mode: i32, N: i32, rot: i32, q: i32, extras: i32): i32 {
  if (mode == MOD_POW2) return ((id & (N - 1)) + rot) & (N - 1);
  if (mode == MOD) return (id - (id / N) * N + rot) % N;
  if (mode == DIV) {
    const big = extras * (q + 1);
    return id < big ? id / (q + 1) : extras + (id - big) / q;
  }
  return rot;
}

/** Storage row of `id` on shard `s` (= shardOf(id)): `s × rps + local row`; table: `id`. */
@inline
export function storageRowOn(id: i32, s: i32, mode: i32, N: i32, rps: i32, q: i32, extras: i32): i32 {
  if (mode == MOD_POW2) return s * rps + <i32>(<u32>id >>> <u32>q);
  if (mode == MOD) return s * rps + id / N;
  if (mode == DIV) {
    const big = extras * (q + 1);
    return s * rps + (id < big ? id - s * (q + 1) : id - big - (s - extras) * q);
  }
  return id;
}

/** Storage row of `id`: {@link storageRowOn} on {@link shardOf}. */
@inline
export function storageRowOf(id: i32, mode: i32, N: i32, rot: i32, rps: i32, q: i32, extras: i32): i32 {
  return storageRowOn(id, shardOf(id, mode, N, rot, q, extras), mode, N, rps, q, extras);
}

// AssemblyScript include (not a module of its own: build-kernels compiles only src/kernels/*.as.ts) shared by the
// kernels that route ids: id-router.as.ts and row-gather.as.ts. It is TableLayout's formula
// (src/embedding/table-layout.ts, the reference) in the parameters `kernelRoute` (src/kernels/wasm-id-dedup.ts)
// derives from a layout; the kernels' tests check them equal.

/** Modes of a route: 0 mod with N = 2^q (shifts and masks), 1 mod, 2 div, 3 table. */
export const MOD_POW2: i32 = 0;
export const MOD: i32 = 1;
export const DIV: i32 = 2;

/** The shard of the id last routed by {@link routeId} (a module global: wasm functions return one value). */
export let routedShard: i32 = 0;

/**
 * Routes `id`: returns its storage row and leaves its shard in {@link routedShard}. Mod: shard `(id % N + rot) % N`,
 * row `shard × rps + id / N`; div: the first `extras` shards hold `q + 1` rows and the others `q`, row
 * `shard × rps + local`; table: shard `rot`, row `id`. One branch chain (kernels route in their inner loops; a
 * kernel that never reads `routedShard` has its store optimised away).
 */
@inline
export function routeId(id: i32, mode: i32, N: i32, rot: i32, rps: i32, q: i32, extras: i32): i32 {
  if (mode == MOD_POW2) {
    const s = ((id & (N - 1)) + rot) & (N - 1);
    routedShard = s;
    return s * rps + <i32>(<u32>id >>> <u32>q);
  }
  if (mode == MOD) {
    const qq = id / N;
    const s = (id - qq * N + rot) % N;
    routedShard = s;
    return s * rps + qq;
  }
  if (mode == DIV) {
    const big = extras * (q + 1);
    if (id < big) {
      const s = id / (q + 1);
      routedShard = s;
      return s * rps + id - s * (q + 1);
    }
    const j = (id - big) / q;
    routedShard = extras + j;
    return (extras + j) * rps + id - big - j * q;
  }
  routedShard = rot;
  return id;
}

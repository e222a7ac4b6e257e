// AssemblyScript source of the id router kernel (compiled by `npm run build:kernels` into id-router.wasm.ts).
// It is IdDedup.insertRouted (src/kernels/id-dedup.ts) without JavaScript's bounds checks and float conversions:
// deduplicate ids with an open-addressing hash table, route each new distinct id to its shard and storage row, and
// count ids and unique ids per shard for one replica. The JavaScript side (WasmIdDedup) owns the memory layout and
// hands every address in; the module keeps only the addresses of the per-step arrays, set by `configure`.

/** `[key, value]` i32 pairs; key −1 marks an empty slot. */
let hashTable: usize = 0;
let hashMask: u32 = 0;
let hashShift: u32 = 0;
/** Per distinct id (dedup order): the id, its shard, its storage row, `(last replica << 16) | shard`. */
let uniqueIds: usize = 0;
let uniqueShard: usize = 0;
let uniqueRow: usize = 0;
let uniqueTag: usize = 0;

/** Sets the addresses of the hash table (`2 × (mask + 1)` i32) and of the four per-distinct-id arrays. */
export function configure(table: usize, mask: u32, shift: u32, ids: usize, shard: usize, row: usize, tag: usize): void {
  hashTable = table;
  hashMask = mask;
  hashShift = shift;
  uniqueIds = ids;
  uniqueShard = shard;
  uniqueRow = row;
  uniqueTag = tag;
}

import { routeId, routedShard } from './as-lib/shard-route.as';

/**
 * Inserts the `n` ids at `ids`, writing each position's dense index (order of first appearance) to `slotOut` and
 * its row's byte offset (`storage row × rowBytes`, wrapping to the unsigned address above 2 GiB) to `posOut`;
 * counts per shard s `idsPS[s]++` for every position and `uniqPS[s]++` for the first position of each distinct id
 * from this replica. Returns the new number of distinct ids (`count` before the call plus the new ones).
 *
 * Routing of a new id: as-lib/shard-route.as.ts (modes 0 mod with N = 2^q, 1 mod, 2 div, 3 table).
 */
export function insertRouted(
  ids: usize, n: i32, slotOut: usize, posOut: usize, rowBytes: i32,
  mode: i32, N: i32, rot: i32, rps: i32, q: i32, extras: i32,
  replica: i32, idsPS: usize, uniqPS: usize, count: i32,
): i32 {
  const table = hashTable;
  const mask = hashMask;
  const shift = hashShift;
  const tagHi = replica << 16;
  for (let p: i32 = 0; p < n; p++) {
    const id = load<i32>(ids + (<usize>p << 2));
    let h = (<u32>id * 0x9e3779b1) >>> shift;
    let k = load<i32>(table + (<usize>h << 3));
    while (k != id && k != -1) {
      h = (h + 1) & mask;
      k = load<i32>(table + (<usize>h << 3));
    }
    if (k == id) {
      const u = load<i32>(table + (<usize>h << 3), 4);
      store<i32>(slotOut + (<usize>p << 2), u);
      store<i32>(posOut + (<usize>p << 2), load<i32>(uniqueRow + (<usize>u << 2)) * rowBytes);
      const tag = load<i32>(uniqueTag + (<usize>u << 2));
      const s = tag & 0xffff;
      const ip = idsPS + (<usize>s << 2);
      store<i32>(ip, load<i32>(ip) + 1);
      if (tag >>> 16 != replica) {
        store<i32>(uniqueTag + (<usize>u << 2), tagHi | s);
        const up = uniqPS + (<usize>s << 2);
        store<i32>(up, load<i32>(up) + 1);
      }
      continue;
    }
    const row = routeId(id, mode, N, rot, rps, q, extras);
    const s = routedShard;
    store<i32>(table + (<usize>h << 3), id);
    store<i32>(table + (<usize>h << 3), count, 4);
    store<i32>(uniqueIds + (<usize>count << 2), id);
    store<i32>(uniqueTag + (<usize>count << 2), tagHi | s);
    store<i32>(uniqueShard + (<usize>count << 2), s);
    store<i32>(uniqueRow + (<usize>count << 2), row);
    store<i32>(slotOut + (<usize>p << 2), count);
    store<i32>(posOut + (<usize>p << 2), row * rowBytes);
    const ip = idsPS + (<usize>s << 2);
    store<i32>(ip, load<i32>(ip) + 1);
    const up = uniqPS + (<usize>s << 2);
    store<i32>(up, load<i32>(up) + 1);
    count++;
  }
  return count;
}

/**
 * Clears the hash slots of the distinct ids `uniqueIds[0 .. count)` (probing as insert did, never stopping at an
 * already cleared slot): the cheap reset after a step with few distinct ids.
 */
export function clearUsed(count: i32): void {
  const table = hashTable;
  const mask = hashMask;
  const shift = hashShift;
  for (let i = count - 1; i >= 0; i--) {
    const id = load<i32>(uniqueIds + (<usize>i << 2));
    let h = (<u32>id * 0x9e3779b1) >>> shift;
    while (load<i32>(table + (<usize>h << 3)) != id) h = (h + 1) & mask;
    store<i32>(table + (<usize>h << 3), -1);
  }
}

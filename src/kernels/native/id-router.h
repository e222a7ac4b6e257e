// The id router's per-id step, shared by insertRouted (id-router.cc) and the fused route + combine
// (route-combine.cc): the routing formula (id → shard, storage row) and one insertion into the dedup hash table,
// the twins of src/kernels/id-router.as.ts (same hash, probing, order of first appearance, integer arithmetic).
#pragma once
#include <cstdint>

namespace tpu_native {

/** How new ids are placed (KernelRoute in src/embedding/wasm-id-dedup.ts): mode 0 mod 2^q, 1 mod N, 2 div, 3 table. */
struct Route {
  int mode, N, rot, rps, q, extras;
};

/** Shard `s` and storage row of `id` under `r`. */
inline void routeOf(const Route& r, int32_t id, int32_t& s, int32_t& row) {
  if (r.mode == 0) {
    s = ((id & (r.N - 1)) + r.rot) & (r.N - 1);
    row = s * r.rps + static_cast<int32_t>(static_cast<uint32_t>(id) >> r.q);
  } else if (r.mode == 1) {
    const int32_t qq = id / r.N;
    s = (id - qq * r.N + r.rot) % r.N;
    row = s * r.rps + qq;
  } else if (r.mode == 2) {
    const int32_t big = r.extras * (r.q + 1);
    int32_t local;
    if (id < big) {
      s = id / (r.q + 1);
      local = id - s * (r.q + 1);
    } else {
      const int32_t j = (id - big) / r.q;
      s = r.extras + j;
      local = id - big - j * r.q;
    }
    row = s * r.rps + local;
  } else {
    s = r.rot;
    row = id;
  }
}

/** The hash multiplier of the dedup table (Fibonacci hashing; the wasm kernel's). */
constexpr uint32_t kHashMul = 0x9e3779b1u;

/** The dedup state of one insertRouted call (the caller's arrays). */
struct Router {
  Route route;
  uint32_t rowBytes;
  int32_t* slotOut;
  int32_t* posOut;
  int32_t* ips;  // ids per shard of this replica
  int32_t* ups;  // unique ids per shard of this replica
  int32_t* table;
  uint32_t mask, shift;
  int32_t* uIds;
  int32_t* uShard;
  int32_t* uRow;
  int32_t* uTag;
  int32_t replica;
  int32_t tagHi;
  int count;
};

/**
 * Inserts the id at position p: its slot (distinct-id index) into slotOut[p], its row's byte offset into posOut[p],
 * counts. @returns false when a new id routes outside [0, N) (nothing written for it).
 */
inline bool insertOne(Router& d, int p, int32_t id) {
  uint32_t h = (static_cast<uint32_t>(id) * kHashMul) >> d.shift;
  int32_t k = d.table[2 * h];
  while (k != id && k != -1) {
    h = (h + 1) & d.mask;
    k = d.table[2 * h];
  }
  if (k == id) {
    const int32_t u = d.table[2 * h + 1];
    d.slotOut[p] = u;
    d.posOut[p] = static_cast<int32_t>(static_cast<uint32_t>(d.uRow[u]) * d.rowBytes);
    const int32_t tag = d.uTag[u];
    const int32_t s = tag & 0xffff;
    d.ips[s]++;
    if ((static_cast<uint32_t>(tag) >> 16) != static_cast<uint32_t>(d.replica)) {
      d.uTag[u] = d.tagHi | s;
      d.ups[s]++;
    }
    return true;
  }
  int32_t s, row;
  routeOf(d.route, id, s, row);
  if (s < 0 || s >= d.route.N) return false;
  d.table[2 * h] = id;
  d.table[2 * h + 1] = d.count;
  d.uIds[d.count] = id;
  d.uTag[d.count] = d.tagHi | s;
  d.uShard[d.count] = s;
  d.uRow[d.count] = row;
  d.slotOut[p] = d.count;
  d.posOut[p] = static_cast<int32_t>(static_cast<uint32_t>(row) * d.rowBytes);
  d.ips[s]++;
  d.ups[s]++;
  d.count++;
  return true;
}

/** Prefetches the hash slot of `id` (for an id some positions ahead). */
inline void prefetchSlot(const Router& d, int32_t id) {
  __builtin_prefetch(d.table + 2 * ((static_cast<uint32_t>(id) * kHashMul) >> d.shift), 1);
}

}  // namespace tpu_native

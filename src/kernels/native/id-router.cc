// Native twin of the id router (src/kernels/id-router.as.ts): deduplicate ids with an open-addressing hash table,
// route each new distinct id to its shard and storage row, count ids and unique ids per shard for one replica.
// The same hash, probing, order of first appearance and integer arithmetic (rows × rowBytes wrap to 32 bits), so
// the slots, offsets and counts are identical. The state lives in the caller's Int32Arrays (no copies); the
// kernel is sequential (its output depends on the order of the ids).
#include <cstdint>

#include "id-router.h"
#include "kernels.h"

namespace tpu_native {

// insertRouted(ids, start, end, slotOut, posOut, rowBytes, mode, N, rot, rps, q, extras, replica, idsPS, uniqPS,
//              base, hash, shift, uIds, uShard, uRow, uTag, count) → the new count of distinct ids.
Napi::Value InsertRouted(const Napi::CallbackInfo& info) {
  static const char* api = "nativeKernels.insertRouted";
  Napi::Env env = info.Env();
  if (info.Length() < 23) rangeError(env, api, "expected 23 arguments.");
  auto ids = viewArg<int32_t>(info, 0, api, "ids");
  const int start = intArg(info, 1, api, "start");
  const int end = intArg(info, 2, api, "end");
  auto slotOut = viewArg<int32_t>(info, 3, api, "slotOut");
  auto posOut = viewArg<int32_t>(info, 4, api, "posOut");
  const uint32_t rowBytes = static_cast<uint32_t>(intArg(info, 5, api, "rowBytes"));
  const int mode = intArg(info, 6, api, "mode");
  const int N = intArg(info, 7, api, "N");
  const int rot = intArg(info, 8, api, "rot");
  const int rps = intArg(info, 9, api, "rps");
  const int q = intArg(info, 10, api, "q");
  const int extras = intArg(info, 11, api, "extras");
  const int replica = intArg(info, 12, api, "replica");
  auto idsPS = viewArg<int32_t>(info, 13, api, "idsPS");
  auto uniqPS = viewArg<int32_t>(info, 14, api, "uniqPS");
  const int base = intArg(info, 15, api, "base");
  auto hash = viewArg<int32_t>(info, 16, api, "hash");
  const uint32_t shift = static_cast<uint32_t>(intArg(info, 17, api, "shift"));
  auto uIds = viewArg<int32_t>(info, 18, api, "uIds");
  auto uShard = viewArg<int32_t>(info, 19, api, "uShard");
  auto uRow = viewArg<int32_t>(info, 20, api, "uRow");
  auto uTag = viewArg<int32_t>(info, 21, api, "uTag");
  int count = intArg(info, 22, api, "count");
  const int n = end - start;
  if (n <= 0) return Napi::Number::New(env, count);
  const size_t hashCap = hash.length / 2;
  if (start < 0 || static_cast<size_t>(end) > ids.length || static_cast<size_t>(end) > slotOut.length || static_cast<size_t>(end) > posOut.length) {
    rangeError(env, api, "positions [" + std::to_string(start) + ", " + std::to_string(end) + ") exceed ids, slotOut or posOut.");
  }
  if (N < 1 || N > 65536 || base < 0 || static_cast<size_t>(base) + N > idsPS.length || static_cast<size_t>(base) + N > uniqPS.length) {
    rangeError(env, api, "expected 1 ≤ N ≤ 65536 counters at base " + std::to_string(base) + ", but got N " + std::to_string(N) + ".");
  }
  if (hashCap < 2 || (hashCap & (hashCap - 1)) != 0 || shift > 31 || (1ull << (32 - shift)) != hashCap) {
    rangeError(env, api, "expected hash to hold 2 × 2^k values with shift 32 − k.");
  }
  const size_t cap = std::min(std::min(uIds.length, uShard.length), std::min(uRow.length, uTag.length));
  if (count < 0 || static_cast<size_t>(count) + n > cap || static_cast<size_t>(count) + n > hashCap / 2) {
    rangeError(env, api, std::to_string(count + n) + " ids exceed the " + std::to_string(cap) + " reserved.");
  }
  Router d{Route{mode, N, rot, rps, q, extras}, rowBytes, slotOut.data, posOut.data, idsPS.data + base, uniqPS.data + base, hash.data,
           static_cast<uint32_t>(hashCap - 1), shift, uIds.data, uShard.data, uRow.data, uTag.data, replica,
           static_cast<int32_t>(static_cast<uint32_t>(replica) << 16), count};
  constexpr int AHEAD = 16;  // hash slots requested this many ids ahead: several cache misses in flight
  for (int i = 0; i < n; i++) {
    const int p = start + i;
    if (i + AHEAD < n) prefetchSlot(d, ids[p + AHEAD]);
    if (!insertOne(d, p, ids[p])) {
      int32_t s, row;
      routeOf(d.route, ids[p], s, row);
      rangeError(env, api, "id " + std::to_string(ids[p]) + " routes to shard " + std::to_string(s) + " outside [0, " + std::to_string(N) + ").");
    }
  }
  count = d.count;
  return Napi::Number::New(env, count);
}

// clearUsed(hash, shift, uIds, count): empties the hash slots of the distinct ids uIds[0 .. count).
Napi::Value ClearUsed(const Napi::CallbackInfo& info) {
  static const char* api = "nativeKernels.clearUsed";
  Napi::Env env = info.Env();
  if (info.Length() < 4) rangeError(env, api, "expected 4 arguments.");
  auto hash = viewArg<int32_t>(info, 0, api, "hash");
  const uint32_t shift = static_cast<uint32_t>(intArg(info, 1, api, "shift"));
  auto uIds = viewArg<int32_t>(info, 2, api, "uIds");
  const int count = intArg(info, 3, api, "count");
  const size_t hashCap = hash.length / 2;
  if (hashCap < 2 || shift > 31 || (1ull << (32 - shift)) != hashCap || count < 0 || static_cast<size_t>(count) > uIds.length) {
    rangeError(env, api, "expected a hash of 2 × 2^(32 − shift) values and count ≤ uIds.length.");
  }
  const uint32_t mask = static_cast<uint32_t>(hashCap - 1);
  for (int i = count - 1; i >= 0; i--) {
    const int32_t id = uIds[i];
    uint32_t h = (static_cast<uint32_t>(id) * kHashMul) >> shift;
    size_t probes = 0;
    while (hash[2 * h] != id) {
      h = (h + 1) & mask;
      if (++probes > hashCap) rangeError(env, api, "id " + std::to_string(id) + " is not in the hash table.");
    }
    hash[2 * h] = -1;
  }
  return env.Undefined();
}

}  // namespace tpu_native

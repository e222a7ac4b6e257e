// Native twin of the id router (src/kernels/id-router.as.ts): deduplicate ids with an open-addressing hash table,
// route each new distinct id to its shard and storage row, count ids and unique ids per shard for one replica.
// The same hash, probing, order of first appearance and integer arithmetic (rows × rowBytes wrap to 32 bits), so
// the slots, offsets and counts are identical. The state lives in the caller's Int32Arrays (no copies); the
// kernel is sequential (its output depends on the order of the ids).
#include <cstdint>

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
  const uint32_t mask = static_cast<uint32_t>(hashCap - 1);
  int32_t* table = hash.data;
  const int32_t tagHi = static_cast<int32_t>(static_cast<uint32_t>(replica) << 16);
  int32_t* ips = idsPS.data + base;
  int32_t* ups = uniqPS.data + base;
  constexpr int AHEAD = 16;  // hash slots requested this many ids ahead: several cache misses in flight
  for (int i = 0; i < n; i++) {
    const int p = start + i;
    if (i + AHEAD < n) __builtin_prefetch(table + 2 * ((static_cast<uint32_t>(ids[p + AHEAD]) * 0x9e3779b1u) >> shift), 1);
    const int32_t id = ids[p];
    uint32_t h = (static_cast<uint32_t>(id) * 0x9e3779b1u) >> shift;
    int32_t k = table[2 * h];
    while (k != id && k != -1) {
      h = (h + 1) & mask;
      k = table[2 * h];
    }
    if (k == id) {
      const int32_t u = table[2 * h + 1];
      slotOut[p] = u;
      posOut[p] = static_cast<int32_t>(static_cast<uint32_t>(uRow[u]) * rowBytes);
      const int32_t tag = uTag[u];
      const int32_t s = tag & 0xffff;
      ips[s]++;
      if ((static_cast<uint32_t>(tag) >> 16) != static_cast<uint32_t>(replica)) {
        uTag[u] = tagHi | s;
        ups[s]++;
      }
      continue;
    }
    int32_t s, row;
    if (mode == 0) {
      s = ((id & (N - 1)) + rot) & (N - 1);
      row = s * rps + static_cast<int32_t>(static_cast<uint32_t>(id) >> q);
    } else if (mode == 1) {
      const int32_t qq = id / N;
      s = (id - qq * N + rot) % N;
      row = s * rps + qq;
    } else if (mode == 2) {
      const int32_t big = extras * (q + 1);
      int32_t local;
      if (id < big) {
        s = id / (q + 1);
        local = id - s * (q + 1);
      } else {
        const int32_t j = (id - big) / q;
        s = extras + j;
        local = id - big - j * q;
      }
      row = s * rps + local;
    } else {
      s = rot;
      row = id;
    }
    if (s < 0 || s >= N) rangeError(env, api, "id " + std::to_string(id) + " routes to shard " + std::to_string(s) + " outside [0, " + std::to_string(N) + ").");
    table[2 * h] = id;
    table[2 * h + 1] = count;
    uIds[count] = id;
    uTag[count] = tagHi | s;
    uShard[count] = s;
    uRow[count] = row;
    slotOut[p] = count;
    posOut[p] = static_cast<int32_t>(static_cast<uint32_t>(row) * rowBytes);
    ips[s]++;
    ups[s]++;
    count++;
  }
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
    uint32_t h = (static_cast<uint32_t>(id) * 0x9e3779b1u) >> shift;
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

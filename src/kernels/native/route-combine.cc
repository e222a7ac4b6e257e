// The fused lookup of one pooled feature's ids on one replica: the id router's insert (id-router.h: dedup, route,
// counts; slots and row offsets for the backward pass) and the gather + combine (row-combine.h) of the same bags in
// one call: the caller routes every position in order (the dedup is sequential: slots follow the order of first
// appearance) while pool workers combine chunks of bags, reading each row at the offset the routing formula gives
// its id (the offset the router writes); the caller then takes the chunks left. One thread: route, then combine.
// Outputs are those of insertRouted followed by combine (bit-identical). (A single pass that routes and combines
// each bag in turn was slower here: the router's stores crowd out the row reads in flight.)
#include <string>

#include "id-router.h"
#include "kernels.h"
#include "row-combine.h"
#include "thread-pool.h"

namespace tpu_native {
namespace {

struct FusedJob {
  const int32_t* ids;
  const uint8_t* storage;
  size_t storageBytes;
  const float* scale;
  const int32_t* splits;
  int dim;
  float* out;
  int maxBag;
  bool unit;
  Route route;
  uint32_t rowBytes;
};

/** The byte offset of `id`'s row (the router's posOut value for it). */
inline size_t offsetOfId(const FusedJob& j, int32_t id) {
  int32_t s, row;
  routeOf(j.route, id, s, row);
  return static_cast<uint32_t>(static_cast<uint32_t>(row) * j.rowBytes);
}

/** Combines bags [b0, b1) from the ids (no routing state). @returns 1 when a row lay outside the storage. */
__attribute__((target_clones("avx512f", "avx2", "default"))) int combineByIds(const FusedJob& j, int b0, int b1) {
  const int dim = j.dim;
  int bad = 0;
  for (int b = b0; b < b1; b++) {
    const int ps = j.splits[b], pe = j.splits[b + 1];
    float* o = j.out + static_cast<size_t>(b) * dim;
    if (j.unit) bad |= copyRow(o, j.storage, j.storageBytes, dim, offsetOfId(j, j.ids[ps]));
    else if (pe - ps <= j.maxBag) bad |= combineBag(o, j.storage, j.storageBytes, dim, j.scale, ps, pe, [&](int p) { return offsetOfId(j, j.ids[p]); });
  }
  return bad;
}

}  // namespace

// routeCombine(ids, slotOut, posOut, rowBytes, mode, N, rot, rps, q, extras, replica, idsPS, uniqPS, base, hash, shift,
//              uIds, uShard, uRow, uTag, count, storage, scale, rowSplits, b0, b1, dim, out, maxBag, threads)
//   → [new count of distinct ids, bags longer than maxBag left to the caller]; see native-kernels.ts.
Napi::Value RouteCombine(const Napi::CallbackInfo& info) {
  static const char* api = "nativeKernels.routeCombine";
  Napi::Env env = info.Env();
  if (info.Length() < 30) rangeError(env, api, "expected 30 arguments.");
  auto ids = viewArg<int32_t>(info, 0, api, "ids");
  auto slotOut = viewArg<int32_t>(info, 1, api, "slotOut");
  auto posOut = viewArg<int32_t>(info, 2, api, "posOut");
  const uint32_t rowBytes = static_cast<uint32_t>(intArg(info, 3, api, "rowBytes"));
  const Route route{intArg(info, 4, api, "mode"), intArg(info, 5, api, "N"), intArg(info, 6, api, "rot"), intArg(info, 7, api, "rps"), intArg(info, 8, api, "q"), intArg(info, 9, api, "extras")};
  const int replica = intArg(info, 10, api, "replica");
  auto idsPS = viewArg<int32_t>(info, 11, api, "idsPS");
  auto uniqPS = viewArg<int32_t>(info, 12, api, "uniqPS");
  const int base = intArg(info, 13, api, "base");
  auto hash = viewArg<int32_t>(info, 14, api, "hash");
  const uint32_t shift = static_cast<uint32_t>(intArg(info, 15, api, "shift"));
  auto uIds = viewArg<int32_t>(info, 16, api, "uIds");
  auto uShard = viewArg<int32_t>(info, 17, api, "uShard");
  auto uRow = viewArg<int32_t>(info, 18, api, "uRow");
  auto uTag = viewArg<int32_t>(info, 19, api, "uTag");
  const int count = intArg(info, 20, api, "count");
  auto storage = viewArg<float>(info, 21, api, "storage");
  auto scale = viewArg<float>(info, 22, api, "scale");
  auto splits = viewArg<int32_t>(info, 23, api, "rowSplits");
  const int b0 = intArg(info, 24, api, "b0");
  const int b1 = intArg(info, 25, api, "b1");
  const int dim = intArg(info, 26, api, "dim");
  auto out = viewArg<float>(info, 27, api, "out");
  const int maxBag = intArg(info, 28, api, "maxBag");
  const int threads = intArg(info, 29, api, "threads");
  // The checks of insertRouted and combine, before anything is written.
  if (dim < 1 || static_cast<uint32_t>(dim) * 4 != rowBytes) rangeError(env, api, "expected dim ≥ 1 and rowBytes = 4 × dim, but got dim " + std::to_string(dim) + ", rowBytes " + std::to_string(rowBytes) + ".");
  if (b0 < 0 || b1 < b0 || splits.length < static_cast<size_t>(b1) + 1) rangeError(env, api, "expected 0 ≤ b0 ≤ b1 < rowSplits.length, but got b0 " + std::to_string(b0) + ", b1 " + std::to_string(b1) + ".");
  if (out.length < static_cast<size_t>(b1) * dim) rangeError(env, api, "out holds fewer than b1 × dim floats.");
  bool unit = b1 > b0;
  int left = 0;
  for (int b = b0; b < b1; b++) {
    const int ps = splits[b], pe = splits[b + 1];
    if (ps < 0 || pe < ps || static_cast<size_t>(pe) > ids.length || static_cast<size_t>(pe) > scale.length || static_cast<size_t>(pe) > slotOut.length || static_cast<size_t>(pe) > posOut.length) {
      rangeError(env, api, "rowSplits[" + std::to_string(b) + " .. " + std::to_string(b + 1) + "] = " + std::to_string(ps) + ", " + std::to_string(pe) + " is not an ascending range of ids, scale, slotOut and posOut.");
    }
    if (unit && (pe - ps != 1 || scale[ps] != 1.0f)) unit = false;
    left += pe - ps > maxBag;
  }
  if (unit) left = 0;
  const int n = b1 > b0 ? splits[b1] - splits[b0] : 0;
  if (route.N < 1 || route.N > 65536 || base < 0 || static_cast<size_t>(base) + route.N > idsPS.length || static_cast<size_t>(base) + route.N > uniqPS.length) {
    rangeError(env, api, "expected 1 ≤ N ≤ 65536 counters at base " + std::to_string(base) + ", but got N " + std::to_string(route.N) + ".");
  }
  const size_t hashCap = hash.length / 2;
  if (hashCap < 2 || (hashCap & (hashCap - 1)) != 0 || shift > 31 || (1ull << (32 - shift)) != hashCap) rangeError(env, api, "expected hash to hold 2 × 2^k values with shift 32 − k.");
  const size_t cap = std::min(std::min(uIds.length, uShard.length), std::min(uRow.length, uTag.length));
  if (count < 0 || static_cast<size_t>(count) + n > cap || static_cast<size_t>(count) + n > hashCap / 2) rangeError(env, api, std::to_string(count + n) + " ids exceed the " + std::to_string(cap) + " reserved.");
  Router d{route, rowBytes, slotOut.data, posOut.data, idsPS.data + base, uniqPS.data + base, hash.data, static_cast<uint32_t>(hashCap - 1), shift,
           uIds.data, uShard.data, uRow.data, uTag.data, replica, static_cast<int32_t>(static_cast<uint32_t>(replica) << 16), count};
  FusedJob job{ids.data, reinterpret_cast<const uint8_t*>(storage.data), storage.length * 4, scale.data, splits.data, dim, out.data, maxBag, unit, route, rowBytes};
  int32_t badId = 0;
  // Chunks of about 2,048 positions (at least 16 bags) for the workers; the caller routes every position first,
  // then takes the chunks left (with one thread: route, then combine).
  const long per = std::max<long>(16, std::min<long>(2048, n > 0 ? 2048L * (b1 - b0) / n : 2048));
  const int chunks = static_cast<int>((b1 - b0 + per - 1) / per);
  std::atomic<int> bad{0};
  const std::function<void()> routeAll = [&] {
    constexpr int AHEAD = 16;  // hash slots requested this many ids ahead (as insertRouted)
    const int p0 = splits[b0], p1 = splits[b1];
    for (int p = p0; p < p1; p++) {
      if (p + AHEAD < p1) prefetchSlot(d, ids[p + AHEAD]);
      if (!insertOne(d, p, ids[p])) {
        badId = ids[p];
        bad.fetch_or(2);
        return;
      }
    }
  };
  pool().run(chunks, threads, [&](int c) {
    const int c0 = b0 + static_cast<int>(c * per);
    if (combineByIds(job, c0, std::min<int>(b1, c0 + static_cast<int>(per)))) bad.fetch_or(1);
  }, &routeAll);
  const int status = bad.load();
  if (status & 2) {
    int32_t s, row;
    routeOf(route, badId, s, row);
    rangeError(env, api, "id " + std::to_string(badId) + " routes to shard " + std::to_string(s) + " outside [0, " + std::to_string(route.N) + ").");
  }
  if (status & 1) rangeError(env, api, "a row of an id lies outside storage (" + std::to_string(storage.length * 4) + " bytes).");
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, Napi::Number::New(env, d.count));
  result.Set(1u, Napi::Number::New(env, left));
  return result;
}

}  // namespace tpu_native

// Native twin of the SIMD combiner (src/embedding/simd-combiner.ts): pooled gather + combine
// `out[b] = Σ_p scale[p] · row(posOff[p])`, the output row zeroed and then each product added in position order in
// float32 (the same operations, in the same order, as the WebAssembly kernel: bit-identical results). A batch of
// one-id bags with scale 1 is a plain copy, as there. Built for AVX2 and AVX-512 beside the baseline, chosen at
// run time (GCC target_clones); -ffp-contract=off keeps multiply and add separate (no FMA).
#include <cstring>

#include "kernels.h"
#include "row-combine.h"
#include "thread-pool.h"

namespace tpu_native {
namespace {

struct CombineJob {
  const uint8_t* storage;
  size_t storageBytes;
  const int32_t* posOff;
  const float* scale;
  const int32_t* splits;  // [B + 1], absolute positions
  int dim;
  float* out;
  int maxBag;
  bool unit;
};

/** Samples [b0, b1) of `j`; returns 1 when a position's row lies outside the storage (the row is then skipped). */
__attribute__((target_clones("avx512f", "avx2", "default"))) int combineRange(const CombineJob& j, int b0, int b1) {
  const int dim = j.dim;
  int bad = 0;
  if (j.unit) {
    for (int b = b0; b < b1; b++) bad |= copyRow(j.out + static_cast<size_t>(b) * dim, j.storage, j.storageBytes, dim, static_cast<uint32_t>(j.posOff[j.splits[b]]));
    return bad;
  }
  for (int b = b0; b < b1; b++) {
    const int ps = j.splits[b];
    const int pe = j.splits[b + 1];
    if (pe - ps > j.maxBag) continue;  // left to the caller's fallback
    bad |= combineBag(j.out + static_cast<size_t>(b) * dim, j.storage, j.storageBytes, dim, j.scale, ps, pe, [&](int p) { return static_cast<size_t>(static_cast<uint32_t>(j.posOff[p])); });
  }
  return bad;
}

}  // namespace

// combine(storage, posOff, scale, rowSplits, B, dim, out, maxBag, threads) → samples left to the caller (bags longer
// than maxBag); see native-kernels.ts for the contract.
Napi::Value Combine(const Napi::CallbackInfo& info) {
  static const char* api = "nativeKernels.combine";
  Napi::Env env = info.Env();
  if (info.Length() < 9) rangeError(env, api, "expected 9 arguments.");
  auto storage = viewArg<float>(info, 0, api, "storage");
  auto posOff = viewArg<int32_t>(info, 1, api, "posOff");
  auto scale = viewArg<float>(info, 2, api, "scale");
  auto splits = viewArg<int32_t>(info, 3, api, "rowSplits");
  const int B = intArg(info, 4, api, "B");
  const int dim = intArg(info, 5, api, "dim");
  auto out = viewArg<float>(info, 6, api, "out");
  const int maxBag = intArg(info, 7, api, "maxBag");
  const int threads = intArg(info, 8, api, "threads");
  if (B < 0 || dim < 1) rangeError(env, api, "expected B ≥ 0 and dim ≥ 1, but got B " + std::to_string(B) + ", dim " + std::to_string(dim) + ".");
  if (splits.length < static_cast<size_t>(B) + 1) rangeError(env, api, "rowSplits holds fewer than B + 1 values.");
  if (out.length < static_cast<size_t>(B) * dim) rangeError(env, api, "out holds fewer than B × dim floats.");
  // The splits must be ascending inside posOff and scale; one pass also tells whether every bag is one id of scale 1.
  bool unit = B > 0;
  for (int b = 0; b < B; b++) {
    const int ps = splits[b], pe = splits[b + 1];
    if (ps < 0 || pe < ps || static_cast<size_t>(pe) > posOff.length || static_cast<size_t>(pe) > scale.length) {
      rangeError(env, api, "rowSplits[" + std::to_string(b) + " .. " + std::to_string(b + 1) + "] = " + std::to_string(ps) + ", " + std::to_string(pe) + " is not an ascending range of posOff and scale.");
    }
    if (unit && (pe - ps != 1 || scale[ps] != 1.0f)) unit = false;
  }
  int left = 0;
  if (!unit) {
    for (int b = 0; b < B; b++) left += splits[b + 1] - splits[b] > maxBag;
  }
  CombineJob job{reinterpret_cast<const uint8_t*>(storage.data), storage.length * 4, posOff.data, scale.data, splits.data, dim, out.data, maxBag, unit};
  // Chunks of about 2,048 positions (at least 16 samples): enough of them for a late worker to join.
  const long P = B > 0 ? static_cast<long>(splits[B]) - splits[0] : 0;
  const int per = static_cast<int>(std::max<long>(16, std::min<long>(2048, P > 0 ? 2048L * B / P : 2048)));
  const int chunks = (B + per - 1) / per;
  std::atomic<int> bad{0};
  pool().run(chunks, threads, [&](int c) {
    const int b0 = c * per;
    const int b1 = std::min(B, b0 + per);
    if (combineRange(job, b0, b1)) bad.store(1, std::memory_order_relaxed);
  });
  if (bad.load()) rangeError(env, api, "a row offset in posOff lies outside storage (" + std::to_string(storage.length * 4) + " bytes).");
  return Napi::Number::New(env, left);
}

}  // namespace tpu_native

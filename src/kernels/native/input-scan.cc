// The lookup's input checks over whole arrays, vectorized: the first id outside [0, vocabulary) and the first
// decrease of a row-splits array. Clean inputs (the common case) are scanned in blocks with one OR per element and
// no branch; a block with a bad element is searched again for its first one, so the index matches the JavaScript
// loops' (src/embedding/input-checks.ts, feature-input.ts).
#include <cstddef>
#include <cstdint>

#include "kernels.h"

namespace tpu_native {
namespace {

constexpr size_t kBlock = 4096;

__attribute__((target_clones("avx512f", "avx2", "default"))) long firstOutsideScan(const int32_t* v, size_t n, uint32_t hi) {
  for (size_t s = 0; s < n; s += kBlock) {
    const size_t e = std::min(n, s + kBlock);
    uint32_t any = 0;
    for (size_t i = s; i < e; i++) any |= static_cast<uint32_t>(v[i]) >= hi;  // unsigned: negatives are ≥ hi too
    if (!any) continue;
    for (size_t i = s; i < e; i++) {
      if (static_cast<uint32_t>(v[i]) >= hi) return static_cast<long>(i);
    }
  }
  return -1;
}

__attribute__((target_clones("avx512f", "avx2", "default"))) long firstDecreaseScan(const int32_t* a, size_t n) {
  for (size_t s = 1; s < n; s += kBlock) {
    const size_t e = std::min(n, s + kBlock);
    uint32_t any = 0;
    for (size_t i = s; i < e; i++) any |= a[i] < a[i - 1];
    if (!any) continue;
    for (size_t i = s; i < e; i++) {
      if (a[i] < a[i - 1]) return static_cast<long>(i);
    }
  }
  return -1;
}

}  // namespace

// firstOutside(values, vocab) → the first index whose value lies outside [0, vocab), or −1.
Napi::Value FirstOutside(const Napi::CallbackInfo& info) {
  static const char* api = "nativeKernels.firstOutside";
  Napi::Env env = info.Env();
  if (info.Length() < 2) rangeError(env, api, "expected 2 arguments.");
  auto v = viewArg<int32_t>(info, 0, api, "values");
  const double vocab = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : -1;
  if (!(vocab >= 1 && vocab <= 2147483647.0)) rangeError(env, api, "expected vocab to be an integer in [1, 2^31).");
  return Napi::Number::New(env, static_cast<double>(firstOutsideScan(v.data, v.length, static_cast<uint32_t>(vocab))));
}

// firstDecrease(a) → the first index i ≥ 1 with a[i] < a[i − 1], or −1.
Napi::Value FirstDecrease(const Napi::CallbackInfo& info) {
  static const char* api = "nativeKernels.firstDecrease";
  auto a = viewArg<int32_t>(info, 0, api, "a");
  return Napi::Number::New(info.Env(), static_cast<double>(firstDecreaseScan(a.data, a.length)));
}

}  // namespace tpu_native

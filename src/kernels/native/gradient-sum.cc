// Native twin of the gradient-sum kernel (src/kernels/gradient-sum.as.ts): for each unique row i of [i0, i1),
// sums[i − i0] = Σ_e scale[e] · grad(e) over its entries e ∈ [ends[i − 1], ends[i]) — the first entry a product, each
// further one added in order, in float32 (bit-identical to the WebAssembly kernel); a row without entries gets
// zeros. Rows are independent: chunks of rows run on the thread pool. Gradients stay in the caller's arrays (one
// per feature; entry e reads feature[e]'s array at goff[e]).
#include <vector>

#include "kernels.h"
#include "thread-pool.h"

namespace tpu_native {
namespace {

struct SumJob {
  const int32_t* ends;
  const int32_t* goff;
  const float* scale;
  const int32_t* feature;  // null: every entry reads grads[0]
  const float* const* grads;
  int dim;
  float* sums;
  int i0;
};

__attribute__((target_clones("avx512f", "avx2", "default"))) void sumRange(const SumJob& j, int r0, int r1) {
  const int dim = j.dim;
  for (int i = r0; i < r1; i++) {
    float* __restrict o = j.sums + static_cast<size_t>(i - j.i0) * dim;
    int e = i == 0 ? 0 : j.ends[i - 1];
    const int ee = j.ends[i];
    if (e == ee) {
      for (int k = 0; k < dim; k++) o[k] = 0.0f;
      continue;
    }
    const float* __restrict g = j.grads[j.feature ? j.feature[e] : 0] + j.goff[e];
    float s = j.scale[e];
    for (int k = 0; k < dim; k++) o[k] = s * g[k];
    for (e++; e < ee; e++) {
      g = j.grads[j.feature ? j.feature[e] : 0] + j.goff[e];
      s = j.scale[e];
      for (int k = 0; k < dim; k++) o[k] = o[k] + s * g[k];
    }
  }
}

}  // namespace

// sumRows(i0, i1, ends, goff, scale, feature | null, grads[], dim, sums, threads).
Napi::Value SumRows(const Napi::CallbackInfo& info) {
  static const char* api = "nativeKernels.sumRows";
  Napi::Env env = info.Env();
  if (info.Length() < 10) rangeError(env, api, "expected 10 arguments.");
  const int i0 = intArg(info, 0, api, "i0");
  const int i1 = intArg(info, 1, api, "i1");
  auto ends = viewArg<int32_t>(info, 2, api, "ends");
  auto goff = viewArg<int32_t>(info, 3, api, "goff");
  auto scale = viewArg<float>(info, 4, api, "scale");
  const bool hasFeature = !info[5].IsNull() && !info[5].IsUndefined();
  View<int32_t> feature;
  if (hasFeature) feature = viewArg<int32_t>(info, 5, api, "feature");
  if (!info[6].IsArray()) throw Napi::TypeError::New(env, std::string(api) + ": expected grads to be an array of Float32Array.");
  Napi::Array arr = info[6].As<Napi::Array>();
  const int dim = intArg(info, 7, api, "dim");
  auto sums = viewArg<float>(info, 8, api, "sums");
  const int threads = intArg(info, 9, api, "threads");
  const uint32_t F = arr.Length();
  std::vector<const float*> grads(F);
  std::vector<size_t> gradLen(F);
  for (uint32_t f = 0; f < F; f++) {
    napi_value v = arr.Get(f);
    bool is = false;
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    napi_value buffer;
    size_t offset = 0;
    if (napi_is_typedarray(env, v, &is) != napi_ok || !is || napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset) != napi_ok || type != napi_float32_array) {
      throw Napi::TypeError::New(env, std::string(api) + ": expected grads[" + std::to_string(f) + "] to be a Float32Array.");
    }
    grads[f] = static_cast<const float*>(data);
    gradLen[f] = length;
  }
  if (i0 < 0 || i1 < i0 || static_cast<size_t>(i1) > ends.length || dim < 1) rangeError(env, api, "expected 0 ≤ i0 ≤ i1 ≤ ends.length and dim ≥ 1.");
  if (sums.length < static_cast<size_t>(i1 - i0) * dim) rangeError(env, api, "sums holds fewer than (i1 − i0) × dim floats.");
  if (i1 == i0) return env.Undefined();
  if (F == 0) rangeError(env, api, "expected at least one gradient array.");
  // Validate every entry of the range once (ascending ends, feature and offset inside its gradient).
  int prev = i0 == 0 ? 0 : ends[i0 - 1];
  for (int i = i0; i < i1; i++) {
    const int ee = ends[i];
    if (prev < 0 || ee < prev || static_cast<size_t>(ee) > goff.length || static_cast<size_t>(ee) > scale.length || (hasFeature && static_cast<size_t>(ee) > feature.length)) {
      rangeError(env, api, "ends[" + std::to_string(i) + "] = " + std::to_string(ee) + " is not an ascending range of the entries.");
    }
    for (int e = prev; e < ee; e++) {
      const uint32_t f = hasFeature ? static_cast<uint32_t>(feature[e]) : 0;
      if (f >= F || goff[e] < 0 || static_cast<size_t>(goff[e]) + dim > gradLen[f]) {
        rangeError(env, api, "entry " + std::to_string(e) + " reads outside its gradient.");
      }
    }
    prev = ee;
  }
  SumJob job{ends.data, goff.data, scale.data, hasFeature ? feature.data : nullptr, grads.data(), dim, sums.data, i0};
  const int per = std::max(16, 4096 / dim);
  const int rows = i1 - i0;
  const int chunks = (rows + per - 1) / per;
  pool().run(chunks, threads, [&](int c) {
    const int r0 = i0 + c * per;
    sumRange(job, r0, std::min(i1, r0 + per));
  });
  return env.Undefined();
}

}  // namespace tpu_native

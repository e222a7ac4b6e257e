// Native twins of the WebAssembly row-update kernels (src/kernels/row-update.as.ts): SGD, Adagrad and lazy Adam
// without clipping or weight decay, in float32 with the same operations in the same order (bit-identical; no FMA),
// the hyper-parameters rounded to float32 as the wasm calls' f32 parameters are (Adam's v ← β2·v + (c2·g)·g, TF's order). Rows are distinct (one per unique
// id), so chunks of rows run on the thread pool. `rows[r]` is the element offset of row r in every array.
#include "kernels.h"
#include "thread-pool.h"

namespace tpu_native {
namespace {

enum class Kind { Sgd, Adagrad, Adam };

struct UpdateJob {
  Kind kind;
  float* w;
  float* s1;  // Adagrad: accumulators; Adam: momenta
  float* s2;  // Adam: velocities
  const int32_t* rows;
  const float* grads;
  int dim;
  float lr, b1, c1, b2, c2, eps, eps2;
  bool inside;
};

__attribute__((target_clones("avx512f", "avx2", "default"))) void updateRange(const UpdateJob& j, int r0, int r1) {
  const int dim = j.dim;
  for (int r = r0; r < r1; r++) {
    const size_t o = static_cast<size_t>(j.rows[r]);
    float* __restrict w = j.w + o;
    const float* __restrict g = j.grads + static_cast<size_t>(r) * dim;
    if (j.kind == Kind::Sgd) {
      for (int k = 0; k < dim; k++) w[k] = w[k] - j.lr * g[k];
    } else if (j.kind == Kind::Adagrad) {
      float* __restrict a = j.s1 + o;
      for (int k = 0; k < dim; k++) {
        const float acc = a[k] + g[k] * g[k];
        a[k] = acc;
        w[k] = w[k] - (j.lr * g[k]) / __builtin_sqrtf(acc);
      }
    } else {
      float* __restrict m = j.s1 + o;
      float* __restrict v = j.s2 + o;
      for (int k = 0; k < dim; k++) {
        const float mk = j.b1 * m[k] + j.c1 * g[k];
        m[k] = mk;
        const float vk = j.b2 * v[k] + (j.c2 * g[k]) * g[k];  // TF's order: (c2·g)·g
        v[k] = vk;
        const float den = j.inside ? __builtin_sqrtf(vk + j.eps2) : __builtin_sqrtf(vk) + j.eps;
        w[k] = w[k] - (j.lr * mk) / den;
      }
    }
  }
}

double numArg(const Napi::CallbackInfo& info, size_t i, const char* api, const char* what) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(api) + ": expected " + what + " to be a number.");
  return info[i].As<Napi::Number>().DoubleValue();
}

}  // namespace

// updateRows(kind 0 sgd | 1 adagrad | 2 adam, w, s1 | null, s2 | null, rows, count, grads, dim, lr, b1, b2, eps,
//            inside, threads).
Napi::Value UpdateRows(const Napi::CallbackInfo& info) {
  static const char* api = "nativeKernels.updateRows";
  Napi::Env env = info.Env();
  if (info.Length() < 14) rangeError(env, api, "expected 14 arguments.");
  const int kindArg = intArg(info, 0, api, "kind");
  if (kindArg < 0 || kindArg > 2) rangeError(env, api, "expected kind 0 (SGD), 1 (Adagrad) or 2 (Adam), but got " + std::to_string(kindArg) + ".");
  const Kind kind = static_cast<Kind>(kindArg);
  auto w = viewArg<float>(info, 1, api, "weights");
  View<float> s1, s2;
  if (kind != Kind::Sgd) s1 = viewArg<float>(info, 2, api, "the first slot");
  if (kind == Kind::Adam) s2 = viewArg<float>(info, 3, api, "the second slot");
  auto rows = viewArg<int32_t>(info, 4, api, "rowOffsets");
  const int count = intArg(info, 5, api, "count");
  auto grads = viewArg<float>(info, 6, api, "grads");
  const int dim = intArg(info, 7, api, "dim");
  const double lr = numArg(info, 8, api, "lr");
  const double b1 = numArg(info, 9, api, "b1");
  const double b2 = numArg(info, 10, api, "b2");
  const double eps = numArg(info, 11, api, "eps");
  const bool inside = info[12].ToBoolean().Value();
  const int threads = intArg(info, 13, api, "threads");
  if (count < 0 || dim < 1 || static_cast<size_t>(count) > rows.length || grads.length < static_cast<size_t>(count) * dim) {
    rangeError(env, api, "expected count ≤ rowOffsets.length and grads of count × dim floats.");
  }
  size_t limit = w.length;
  if (kind != Kind::Sgd) limit = std::min(limit, s1.length);
  if (kind == Kind::Adam) limit = std::min(limit, s2.length);
  for (int r = 0; r < count; r++) {
    if (rows[r] < 0 || static_cast<size_t>(rows[r]) + dim > limit) rangeError(env, api, "row offset " + std::to_string(rows[r]) + " + dim lies outside the arrays (" + std::to_string(limit) + " floats).");
  }
  // The wasm calls' f32 parameters: β1, β2, ε, lr rounded to float32, c1 = 1 − β1 and c2 = 1 − β2 in float32
  // (src/optimizers/row-kernels.ts), ε² in float32 (row-update.as.ts).
  const float eps32 = static_cast<float>(eps);
  const float b1f = static_cast<float>(b1), b2f = static_cast<float>(b2);
  UpdateJob job{kind, w.data, s1.data, s2.data, rows.data, grads.data, dim, static_cast<float>(lr), b1f, 1.0f - b1f, b2f, 1.0f - b2f, eps32, eps32 * eps32, inside};
  const int per = std::max(8, 4096 / dim);
  const int chunks = (count + per - 1) / per;
  pool().run(chunks, threads, [&](int c) {
    const int r0 = c * per;
    updateRange(job, r0, std::min(count, r0 + per));
  });
  return env.Undefined();
}

}  // namespace tpu_native

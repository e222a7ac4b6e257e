// Matrix products through the machine's BLAS (cblas_sgemm), found at run time: dlopen of OpenBLAS
// (`libopenblas.so.0`, Debian's libopenblas0-pthread) or else any `libblas.so.3` that exports the CBLAS interface;
// no build-time dependency, so the addon builds and loads without one (then `blas()` is empty and tfjs keeps its own
// kernels). OpenBLAS runs on one thread here (openblas_set_num_threads(1)): its pthreads would contend with the
// embedding kernels' pool for the same cores. Its run-time CPU detection does not know every CPU (on these EPYC
// hosts 0.3.21 falls back to its SSE3 `Prescott` kernels), so unless OPENBLAS_CORETYPE is set the process's
// environment gets `SkylakeX` (AVX-512) or `Haswell` (AVX2) as the CPU supports before the library loads.
// Row-major float32, `C = op(A) · op(B) (+ bias per column) (relu)`.
#include <dlfcn.h>

#include <cstdlib>

#include <string>

#include "kernels.h"

namespace tpu_native {
namespace {

using SgemmFn = void (*)(int order, int transA, int transB, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb, float beta, float* C, int ldc);
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

struct Blas {
  SgemmFn sgemm = nullptr;
  std::string name;
};

const Blas& blas() {
  static const Blas found = [] {
    Blas b;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (!std::getenv("OPENBLAS_CORETYPE")) {
      if (__builtin_cpu_supports("avx512f")) setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
      else if (__builtin_cpu_supports("avx2")) setenv("OPENBLAS_CORETYPE", "Haswell", 0);
    }
#endif
    for (const char* lib : {"libopenblas.so.0", "libblas.so.3", "libopenblas.dylib", "/System/Library/Frameworks/Accelerate.framework/Accelerate"}) {
      void* h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
      if (!h) continue;
      auto fn = reinterpret_cast<SgemmFn>(dlsym(h, "cblas_sgemm"));
      if (!fn) {
        dlclose(h);
        continue;
      }
      if (auto threads = reinterpret_cast<void (*)(int)>(dlsym(h, "openblas_set_num_threads"))) threads(1);
      b.sgemm = fn;
      b.name = lib;
      break;
    }
    return b;
  }();
  return found;
}

}  // namespace

// blas() → the BLAS library the matrix products use, or "" when none was found.
Napi::Value BlasName(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), blas().name); }

// sgemm(transA, transB, M, N, K, A, B, C, bias | null, relu): C [M, N] = op(A) · op(B) (+ bias [N] on every row) (then
// max(·, 0)), row-major; op(A) is [M, K] (A stored [K, M] when transA), op(B) [K, N] (B stored [N, K] when transB).
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  static const char* api = "nativeKernels.sgemm";
  Napi::Env env = info.Env();
  if (info.Length() < 10) rangeError(env, api, "expected 10 arguments.");
  const Blas& b = blas();
  if (!b.sgemm) rangeError(env, api, "no BLAS with cblas_sgemm was found (install libopenblas0-pthread).");
  const bool ta = info[0].ToBoolean().Value();
  const bool tb = info[1].ToBoolean().Value();
  const int M = intArg(info, 2, api, "M");
  const int N = intArg(info, 3, api, "N");
  const int K = intArg(info, 4, api, "K");
  auto A = viewArg<float>(info, 5, api, "A");
  auto B = viewArg<float>(info, 6, api, "B");
  auto C = viewArg<float>(info, 7, api, "C");
  View<float> bias;
  const bool hasBias = !info[8].IsNull() && !info[8].IsUndefined();
  if (hasBias) bias = viewArg<float>(info, 8, api, "bias");
  const bool relu = info[9].ToBoolean().Value();
  if (M < 0 || N < 0 || K < 0) rangeError(env, api, "expected M, N, K ≥ 0.");
  const size_t m = M, n = N, k = K;
  if (A.length < m * k || B.length < k * n || C.length < m * n || (hasBias && bias.length < n)) {
    rangeError(env, api, "an array is shorter than its matrix (A " + std::to_string(m * k) + ", B " + std::to_string(k * n) + ", C " + std::to_string(m * n) + " floats).");
  }
  if (M == 0 || N == 0) return env.Undefined();
  float beta = 0.0f;
  if (hasBias) {
    for (size_t i = 0; i < m; i++) std::copy(bias.data, bias.data + n, C.data + i * n);
    beta = 1.0f;
  }
  if (K == 0) {
    if (!hasBias) std::fill(C.data, C.data + m * n, 0.0f);
  } else {
    b.sgemm(kRowMajor, ta ? kTrans : kNoTrans, tb ? kTrans : kNoTrans, M, N, K, 1.0f, A.data, ta ? M : K, B.data, tb ? K : N, beta, C.data, N);
  }
  if (relu) {
    for (size_t i = 0; i < m * n; i++) C.data[i] = C.data[i] > 0.0f ? C.data[i] : 0.0f;
  }
  return env.Undefined();
}

}  // namespace tpu_native

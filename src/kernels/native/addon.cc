// The tpu-embeddings native addon (node-addon-api): registers the kernels and joins the thread pool when the
// environment shuts down. Loaded by src/kernels/native-kernels.ts.
#include "kernels.h"
#include "thread-pool.h"

namespace tpu_native {
namespace {

Napi::Value PoolThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), pool().workers() + 1);
}

Napi::Value PoolStats(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("chunks", pool().lastChunks());
  o.Set("workerChunks", pool().lastWorkerChunks());
  return o;
}

Napi::Value Isa(const Napi::CallbackInfo& info) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const char* isa = __builtin_cpu_supports("avx512f") ? "avx512f" : __builtin_cpu_supports("avx2") ? "avx2" : "baseline";
#else
  const char* isa = "baseline";
#endif
  return Napi::String::New(info.Env(), isa);
}

Napi::Object InitKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("combine", Napi::Function::New(env, Combine));
  exports.Set("insertRouted", Napi::Function::New(env, InsertRouted));
  exports.Set("clearUsed", Napi::Function::New(env, ClearUsed));
  exports.Set("routeCombine", Napi::Function::New(env, RouteCombine));
  exports.Set("sumRows", Napi::Function::New(env, SumRows));
  exports.Set("updateRows", Napi::Function::New(env, UpdateRows));
  exports.Set("updateRowsExact", Napi::Function::New(env, UpdateRowsExact));
  exports.Set("adviseHugePages", Napi::Function::New(env, AdviseHugePages));
  exports.Set("blas", Napi::Function::New(env, BlasName));
  exports.Set("firstOutside", Napi::Function::New(env, FirstOutside));
  exports.Set("firstDecrease", Napi::Function::New(env, FirstDecrease));
  exports.Set("sgemm", Napi::Function::New(env, Sgemm));
  exports.Set("poolThreads", Napi::Function::New(env, PoolThreads));
  exports.Set("isa", Napi::Function::New(env, Isa));
  exports.Set("poolStats", Napi::Function::New(env, PoolStats));
  retainPool();
  napi_add_env_cleanup_hook(env, [](void*) { releasePool(); }, nullptr);
  return exports;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) { return InitKernels(env, exports); }

}  // namespace tpu_native

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return tpu_native::Init(env, exports); }

NODE_API_MODULE(tpu_embeddings_native, InitAddon)

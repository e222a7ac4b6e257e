// Transparent huge pages for a table's memory: random row reads miss the TLB on nearly every row of a table far
// larger than the TLB's reach with 4 KiB pages (a 256 MB table spans 65,536 of them); with 2 MiB pages the page
// walks mostly hit the cache. madvise(MADV_HUGEPAGE) marks the 2 MiB-aligned interior of an array for huge pages
// (where THP is in `madvise` mode) and MADV_COLLAPSE (Linux ≥ 6.1) turns its already-written pages into huge
// pages now. Contents are unchanged; where the kernel refuses (no THP, not enough free huge pages), nothing happens.
#include <cerrno>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "kernels.h"

namespace tpu_native {

// adviseHugePages(array, collapse) → bytes now backed by huge pages as far as the kernel said yes (0: refused or
// not Linux; the 2 MiB-aligned interior only).
Napi::Value AdviseHugePages(const Napi::CallbackInfo& info) {
  static const char* api = "nativeKernels.adviseHugePages";
  Napi::Env env = info.Env();
  auto a = viewArg<float>(info, 0, api, "array");
  const bool collapse = info.Length() > 1 && info[1].ToBoolean().Value();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const uintptr_t huge = uintptr_t(2) << 20;
  const uintptr_t start = (reinterpret_cast<uintptr_t>(a.data) + huge - 1) & ~(huge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(a.data) + a.length * 4) & ~(huge - 1);
  if (end <= start) return Napi::Number::New(env, 0);
  void* p = reinterpret_cast<void*>(start);
  const size_t len = end - start;
  if (madvise(p, len, MADV_HUGEPAGE) != 0) return Napi::Number::New(env, 0);
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
  if (collapse && madvise(p, len, MADV_COLLAPSE) != 0) return Napi::Number::New(env, -errno);
  return Napi::Number::New(env, static_cast<double>(len));
#else
  return Napi::Number::New(env, 0);
#endif
}

}  // namespace tpu_native

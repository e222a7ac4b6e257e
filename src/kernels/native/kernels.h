// The native kernels' entry points (one file each), registered by addon.cc.
#pragma once
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <string>

#include "typed-array.h"

namespace tpu_native {
Napi::Value Combine(const Napi::CallbackInfo& info);
Napi::Value InsertRouted(const Napi::CallbackInfo& info);
Napi::Value ClearUsed(const Napi::CallbackInfo& info);
Napi::Value RouteCombine(const Napi::CallbackInfo& info);
Napi::Value SumRows(const Napi::CallbackInfo& info);
Napi::Value UpdateRows(const Napi::CallbackInfo& info);
Napi::Value UpdateRowsExact(const Napi::CallbackInfo& info);
Napi::Value AdviseHugePages(const Napi::CallbackInfo& info);
Napi::Value BlasName(const Napi::CallbackInfo& info);
Napi::Value FirstOutside(const Napi::CallbackInfo& info);
Napi::Value FirstDecrease(const Napi::CallbackInfo& info);
Napi::Value Sgemm(const Napi::CallbackInfo& info);
}  // namespace tpu_native

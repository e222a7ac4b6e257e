// Typed-array access for the native kernels through the C API's napi_get_typedarray_info, which (unlike
// node-addon-api's TypedArray::ArrayBuffer()) accepts views of a SharedArrayBuffer as well as of a plain one.
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace tpu_native {

/** A typed array's data pointer and length in elements. */
template <typename T>
struct View {
  T* data = nullptr;
  size_t length = 0;
  T& operator[](size_t i) const { return data[i]; }
};

template <typename T>
struct TypedArrayKind;
template <>
struct TypedArrayKind<float> {
  static constexpr napi_typedarray_type type = napi_float32_array;
  static constexpr const char* name = "Float32Array";
};
template <>
struct TypedArrayKind<int32_t> {
  static constexpr napi_typedarray_type type = napi_int32_array;
  static constexpr const char* name = "Int32Array";
};
template <>
struct TypedArrayKind<uint8_t> {
  static constexpr napi_typedarray_type type = napi_uint8_array;
  static constexpr const char* name = "Uint8Array";
};

/** The view of argument `i` of `info`, a T typed array; throws a TypeError naming `api` and `what` otherwise. */
template <typename T>
View<T> viewArg(const Napi::CallbackInfo& info, size_t i, const char* api, const char* what) {
  napi_env env = info.Env();
  napi_value v = info[i];
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) {
    throw Napi::TypeError::New(env, std::string(api) + ": expected " + what + " to be a " + TypedArrayKind<T>::name + ".");
  }
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset) != napi_ok || type != TypedArrayKind<T>::type) {
    throw Napi::TypeError::New(env, std::string(api) + ": expected " + what + " to be a " + TypedArrayKind<T>::name + ".");
  }
  View<T> out;
  out.data = static_cast<T*>(data);
  out.length = length;
  return out;
}

/** Argument `i` as an int32; throws a TypeError naming `api` and `what` when it is not a number. */
inline int32_t intArg(const Napi::CallbackInfo& info, size_t i, const char* api, const char* what) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(api) + ": expected " + what + " to be a number.");
  return info[i].As<Napi::Number>().Int32Value();
}

/** Throws a RangeError `api: message`. */
[[noreturn]] inline void rangeError(const Napi::Env& env, const char* api, const std::string& message) {
  throw Napi::RangeError::New(env, std::string(api) + ": " + message);
}

}  // namespace tpu_native

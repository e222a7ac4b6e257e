// One bag of the pooled gather + combine, shared by combine (row-combine.cc) and the fused route + combine
// (route-combine.cc): `out = Σ_p scale[p] · row(p)`, the output row zeroed and then each product added in position
// order in float32 (the WebAssembly kernel's operations and order: bit-identical); a one-id bag of scale 1 is a copy.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tpu_native {

/**
 * Combines positions [ps, pe) into `out` (dim floats); `offsetOf(p)` is the byte offset of position p's row in
 * `storage`. A row outside the storage is skipped. @returns true when one was.
 */
template <typename OffsetOf>
inline bool combineBag(float* __restrict out, const uint8_t* storage, size_t storageBytes, int dim, const float* scale, int ps, int pe, OffsetOf offsetOf) {
  const size_t rowBytes = static_cast<size_t>(dim) * 4;
  bool bad = false;
  for (int k = 0; k < dim; k++) out[k] = 0.0f;
  for (int p = ps; p < pe; p++) {
    const size_t a = offsetOf(p);
    if (a + rowBytes > storageBytes) {
      bad = true;
      continue;
    }
    const float* __restrict r = reinterpret_cast<const float*>(storage + a);
    const float s = scale[p];
    for (int k = 0; k < dim; k++) out[k] = out[k] + s * r[k];
  }
  return bad;
}

/** Copies the row at byte offset `a` into `out` (a one-id bag of scale 1). @returns true when it lies outside. */
inline bool copyRow(float* out, const uint8_t* storage, size_t storageBytes, int dim, size_t a) {
  const size_t rowBytes = static_cast<size_t>(dim) * 4;
  if (a + rowBytes > storageBytes) return true;
  std::memcpy(out, storage + a, rowBytes);
  return false;
}

}  // namespace tpu_native

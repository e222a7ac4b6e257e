// Native twins of the optimizers' JavaScript row loops (src/optimizers/*.ts `updateRows`): SGD, Adagrad, Adam,
// AdagradMomentum and FTRL with gradient clipping, weight decay and weight clipping, in float64 with the same
// operations in the same order and float32 rounding at the same points as the JavaScript (`Math.fround`, stores
// into Float32Arrays): bit-identical (x86-64 SSE2 double arithmetic, no FMA, sqrt correctly rounded). Only the
// square-root forms (AdagradMomentum exponent 2, FTRL learningRatePower −0.5): `Math.pow` is not libm's pow, so the
// other exponents stay in JavaScript. Rows are distinct: chunks of rows run on the thread pool.
#include <cmath>

#include "kernels.h"
#include "thread-pool.h"

namespace tpu_native {
namespace {

enum class Opt { Sgd = 0, Adagrad = 1, Adam = 2, AdagradMomentum = 3, Ftrl = 4 };

/** Hyper-parameters, in the order of the `params` Float64Array (see UpdateRowsExact). */
struct P {
  double lr, decay, gMin, gMax, wMin, wMax, a, b, c, d, e, f;
};

struct ExactJob {
  Opt opt;
  float* w;
  float* s1;
  float* s2;
  const int32_t* rows;
  const float* grads;
  int dim;
  P p;
};

inline double clamp(double x, double lo, double hi) {
  if (x < lo) return lo;
  if (x > hi) return hi;
  return x;
}

void exactRange(const ExactJob& j, int r0, int r1) {
  const P& p = j.p;
  const int dim = j.dim;
  for (int r = r0; r < r1; r++) {
    const size_t o = static_cast<size_t>(j.rows[r]);
    const float* g32 = j.grads + static_cast<size_t>(r) * dim;
    for (int k = 0; k < dim; k++) {
      const size_t i = o + k;
      const double g = clamp(static_cast<double>(g32[k]), p.gMin, p.gMax);
      double x = j.w[i];
      switch (j.opt) {
        case Opt::Sgd: {
          x -= p.decay * x;
          x -= p.lr * g;
          break;
        }
        case Opt::Adagrad: {
          const float a = static_cast<float>(static_cast<double>(j.s1[i]) + g * g);
          j.s1[i] = a;
          x -= p.decay * x;
          x -= (p.lr * g) / std::sqrt(static_cast<double>(a));
          break;
        }
        case Opt::Adam: {  // a b1, b b2, c eps, d inside
          const double b1 = p.a, b2 = p.b, eps = p.c;
          const float m = static_cast<float>(b1 * j.s1[i] + (1 - b1) * g);
          const float v = static_cast<float>(b2 * j.s2[i] + (1 - b2) * g * g);
          j.s1[i] = m;
          j.s2[i] = v;
          x -= p.decay * x;
          x -= p.d != 0 ? (p.lr * m) / std::sqrt(static_cast<double>(v) + eps * eps) : (p.lr * m) / (std::sqrt(static_cast<double>(v)) + eps);
          break;
        }
        case Opt::AdagradMomentum: {  // a momentum, b nesterov, c beta2, d epsilon
          const double mu = p.a, b2 = p.c, eps = p.d;
          const float a = static_cast<float>(b2 == 1 ? j.s1[i] + g * g : b2 * j.s1[i] + (1 - b2) * g * g);
          j.s1[i] = a;
          const double scale = 1 / std::sqrt(static_cast<double>(a) + eps);
          const double gHat = scale * g;
          const float m = static_cast<float>(mu * j.s2[i] + gHat);
          j.s2[i] = m;
          x -= p.decay * x;
          x -= p.lr * (p.b != 0 ? mu * m + gHat : static_cast<double>(m));
          break;
        }
        case Opt::Ftrl: {  // a multiplyLinearByLearningRate, b l2, c beta, d t, e allowZeroAccumulator
          const bool mlr = p.a != 0;
          const double l2 = p.b, beta = p.c, t = p.d, lr = p.lr;
          const double a = j.s1[i];
          const float aNew = static_cast<float>(a + g * g);
          const double pOld = std::sqrt(a);
          const double pNew = std::sqrt(static_cast<double>(aNew));
          x -= p.decay * x;
          const float l = static_cast<float>(mlr ? j.s2[i] + lr * g - (pNew - pOld) * x : j.s2[i] + g - ((pNew - pOld) / lr) * x);
          const double q = mlr ? pNew + beta + 2 * lr * l2 : (pNew + beta) / lr + 2 * l2;
          j.s1[i] = aNew;
          j.s2[i] = l;
          if (l > t) x = (t - l) / q;
          else if (l < -t) x = (-t - l) / q;
          else x = 0;
          if (p.e != 0 && !(q > 0)) x = 0;
          break;
        }
      }
      j.w[i] = static_cast<float>(clamp(x, p.wMin, p.wMax));
    }
  }
}

}  // namespace

// updateRowsExact(optimizer 0 SGD | 1 Adagrad | 2 Adam | 3 AdagradMomentum | 4 FTRL, w, s1 | null, s2 | null,
//                 rows, count, grads, dim, params Float64Array [lr, decay, gMin, gMax, wMin, wMax, a, b, c, d, e, f],
//                 threads).
Napi::Value UpdateRowsExact(const Napi::CallbackInfo& info) {
  static const char* api = "nativeKernels.updateRowsExact";
  Napi::Env env = info.Env();
  if (info.Length() < 10) rangeError(env, api, "expected 10 arguments.");
  const int optArg = intArg(info, 0, api, "optimizer");
  if (optArg < 0 || optArg > 4) rangeError(env, api, "expected optimizer 0–4, but got " + std::to_string(optArg) + ".");
  const Opt opt = static_cast<Opt>(optArg);
  const int slots = opt == Opt::Sgd ? 0 : opt == Opt::Adagrad ? 1 : 2;
  auto w = viewArg<float>(info, 1, api, "weights");
  View<float> s1, s2;
  if (slots >= 1) s1 = viewArg<float>(info, 2, api, "the first slot");
  if (slots >= 2) s2 = viewArg<float>(info, 3, api, "the second slot");
  auto rows = viewArg<int32_t>(info, 4, api, "rowOffsets");
  const int count = intArg(info, 5, api, "count");
  auto grads = viewArg<float>(info, 6, api, "grads");
  const int dim = intArg(info, 7, api, "dim");
  napi_value pv = info[8];
  bool isTa = false;
  napi_typedarray_type type;
  size_t plen = 0;
  void* pdata = nullptr;
  napi_value pbuf;
  size_t poff = 0;
  if (napi_is_typedarray(env, pv, &isTa) != napi_ok || !isTa || napi_get_typedarray_info(env, pv, &type, &plen, &pdata, &pbuf, &poff) != napi_ok || type != napi_float64_array || plen < 12) {
    throw Napi::TypeError::New(env, std::string(api) + ": expected params to be a Float64Array of 12 values.");
  }
  const int threads = intArg(info, 9, api, "threads");
  if (count < 0 || dim < 1 || static_cast<size_t>(count) > rows.length || grads.length < static_cast<size_t>(count) * dim) {
    rangeError(env, api, "expected count ≤ rowOffsets.length and grads of count × dim floats.");
  }
  size_t limit = w.length;
  if (slots >= 1) limit = std::min(limit, s1.length);
  if (slots >= 2) limit = std::min(limit, s2.length);
  for (int r = 0; r < count; r++) {
    if (rows[r] < 0 || static_cast<size_t>(rows[r]) + dim > limit) rangeError(env, api, "row offset " + std::to_string(rows[r]) + " + dim lies outside the arrays (" + std::to_string(limit) + " floats).");
  }
  const double* q = static_cast<const double*>(pdata);
  ExactJob job{opt, w.data, s1.data, s2.data, rows.data, grads.data, dim, P{q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8], q[9], q[10], q[11]}};
  const int per = std::max(8, 2048 / dim);
  const int chunks = (count + per - 1) / per;
  pool().run(chunks, threads, [&](int c) {
    const int r0 = c * per;
    exactRange(job, r0, std::min(count, r0 + per));
  });
  return env.Undefined();
}

}  // namespace tpu_native

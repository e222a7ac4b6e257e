// Native twins of the optimizers' JavaScript row loops (src/optimizers/*.ts `updateRows`): SGD, Adagrad, Adam,
// AdagradMomentum and FTRL with gradient clipping, weight decay and weight clipping, in TensorFlow's float32 math
// (sparse_core_xla_ops.cc) exactly as the JavaScript computes it: float32 hyper-parameters and derived constants
// (`Math.fround`), every operation rounded to float32 (`f32`) where the JavaScript rounds (`Math.fround`), in the
// same order: bit-identical (x86-64 SSE arithmetic, no FMA: -ffp-contract=off; sqrt correctly rounded). In float
// where lr and λ are float32 values (always through applyRows), else in double rounded at each step as JavaScript
// does (see exactRange). Only the square-root forms (AdagradMomentum exponent 2, FTRL learningRatePower −0.5):
// `Math.pow` is not libm's pow, so the other exponents stay in JavaScript. Rows are distinct: chunks of rows run on
// the thread pool.
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

/** `Math.fround`: the nearest float32 (ties to even), in x's type (a no-op on a float). */
template <typename T>
inline T f32(T x) {
  return static_cast<T>(static_cast<float>(x));
}

/** The JavaScript loops' clamp: below lo → lo, above hi → hi, NaN kept. */
template <typename T>
inline T clamp(T x, T lo, T hi) {
  if (x < lo) return lo;
  if (x > hi) return hi;
  return x;
}

/**
 * The rows [r0, r1) in arithmetic T: double (each operation rounded by f32 as the JavaScript's Math.fround) for any
 * lr and λ, or float when lr and λ are float32 values (as applyRows passes them): then every operand is a float32
 * and each double operation rounded to float32 is the float32 operation (+ − × ÷ √, correctly rounded, 53 ≥ 2·24 + 2),
 * the same bits with fewer conversions.
 */
template <typename T>
void exactRange(const ExactJob& j, int r0, int r1) {
  const P& p = j.p;
  const int dim = j.dim;
  const T lr = static_cast<T>(p.lr), decay = static_cast<T>(p.decay);
  // Clip limits in float32, as TF.
  const T gMin = f32(static_cast<T>(p.gMin)), gMax = f32(static_cast<T>(p.gMax)), wMin = f32(static_cast<T>(p.wMin)), wMax = f32(static_cast<T>(p.wMax));
  // Float32 hyper-parameters and derived constants, as each optimizer's updateRows computes them.
  // Adam: a β1, b β2, c ε, d sumInsideSqrt.
  const T adB1 = f32(static_cast<T>(p.a)), adB2 = f32(static_cast<T>(p.b)), adC1 = f32(T(1) - adB1), adC2 = f32(T(1) - adB2), adEps = f32(static_cast<T>(p.c));
  const T adEps2 = f32(adEps * adEps);
  const bool adInside = p.d != 0;
  // AdagradMomentum: a momentum, b useNesterov, c β2, d ε.
  const T amMu = f32(static_cast<T>(p.a)), amB2 = f32(static_cast<T>(p.c)), amC2 = f32(T(1) - amB2), amEps = f32(static_cast<T>(p.d));
  const bool amNesterov = p.b != 0, amPlainSum = amB2 == 1;
  // FTRL: a multiplyLinearByLearningRate, b l2, c β, d l1, e allowZeroAccumulator.
  const bool ftMlr = p.a != 0, ftZeroOk = p.e != 0;
  const T ftL2 = f32(static_cast<T>(p.b)), ftBeta = f32(static_cast<T>(p.c)), ftL1 = f32(static_cast<T>(p.d));
  const T ftT = ftMlr ? f32(lr * ftL1) : ftL1;
  for (int r = r0; r < r1; r++) {
    const size_t o = static_cast<size_t>(j.rows[r]);
    const float* g32 = j.grads + static_cast<size_t>(r) * dim;
    for (int k = 0; k < dim; k++) {
      const size_t i = o + k;
      const T g = clamp<T>(static_cast<T>(g32[k]), gMin, gMax);
      T x = j.w[i];
      switch (j.opt) {
        case Opt::Sgd: {
          x = f32(x - f32(decay * x));
          x = f32(x - f32(lr * g));
          break;
        }
        case Opt::Adagrad: {  // lr·g / √acc
          const T a = f32(j.s1[i] + f32(g * g));
          j.s1[i] = static_cast<float>(a);
          x = f32(x - f32(decay * x));
          x = f32(x - f32(f32(lr * g) / f32(std::sqrt(a))));
          break;
        }
        case Opt::Adam: {  // m = β1·m + (1−β1)·g; v = β2·v + ((1−β2)·g)·g
          const T m = f32(f32(adB1 * j.s1[i]) + f32(adC1 * g));
          const T v = f32(f32(adB2 * j.s2[i]) + f32(f32(adC2 * g) * g));
          j.s1[i] = static_cast<float>(m);
          j.s2[i] = static_cast<float>(v);
          const T den = adInside ? f32(std::sqrt(f32(v + adEps2))) : f32(f32(std::sqrt(v)) + adEps);
          x = f32(x - f32(decay * x));
          x = f32(x - f32(f32(lr * m) / den));
          break;
        }
        case Opt::AdagradMomentum: {  // exponent 2: (acc + ε)^(−1/2) as 1/√
          const T a = amPlainSum ? f32(j.s1[i] + f32(g * g)) : f32(f32(amB2 * j.s1[i]) + f32(f32(amC2 * g) * g));
          j.s1[i] = static_cast<float>(a);
          const T ae = f32(a + amEps);
          const T scale = f32(T(1) / f32(std::sqrt(ae)));
          const T gHat = f32(scale * g);
          const T m = f32(f32(amMu * j.s2[i]) + gHat);
          j.s2[i] = static_cast<float>(m);
          x = f32(x - f32(decay * x));
          x = f32(x - f32(lr * (amNesterov ? f32(f32(amMu * m) + gHat) : m)));
          break;
        }
        case Opt::Ftrl: {  // learningRatePower −0.5
          const T a = j.s1[i];
          const T aNew = f32(a + f32(g * g));
          const T pOld = f32(std::sqrt(a));
          const T pNew = f32(std::sqrt(aNew));
          const T dp = f32(pNew - pOld);
          x = f32(x - f32(decay * x));
          const T l = ftMlr ? f32(f32(j.s2[i] + f32(lr * g)) - f32(dp * x)) : f32(f32(j.s2[i] + g) - f32(f32(dp * x) / lr));
          const T q = ftMlr ? f32(f32(pNew + f32(f32(T(2) * lr) * ftL2)) + ftBeta) : f32(f32(f32(pNew + ftBeta) / lr) + f32(T(2) * ftL2));
          j.s1[i] = static_cast<float>(aNew);
          j.s2[i] = static_cast<float>(l);
          if (l > ftT) x = f32(f32(ftT - l) / q);
          else if (l < -ftT) x = f32(f32(-ftT - l) / q);
          else x = 0;
          if (ftZeroOk && !(q > 0)) x = 0;
          break;
        }
      }
      j.w[i] = static_cast<float>(clamp<T>(x, wMin, wMax));
    }
  }
}

}  // namespace

// updateRowsExact(optimizer 0 SGD | 1 Adagrad | 2 Adam | 3 AdagradMomentum | 4 FTRL, w, s1 | null, s2 | null,
//                 rows, count, grads, dim, params Float64Array [lr, decay, gMin, gMax, wMin, wMax, a, b, c, d, e, f]
//                 (lr and λ used as given, the others as the options hold them: rounded here as in JavaScript),
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
  const bool floatLrDecay = static_cast<double>(static_cast<float>(job.p.lr)) == job.p.lr && static_cast<double>(static_cast<float>(job.p.decay)) == job.p.decay;
  const int per = std::max(8, 2048 / dim);
  const int chunks = (count + per - 1) / per;
  pool().run(chunks, threads, [&](int c) {
    const int r0 = c * per;
    if (floatLrDecay) exactRange<float>(job, r0, std::min(count, r0 + per));
    else exactRange<double>(job, r0, std::min(count, r0 + per));
  });
  return env.Undefined();
}

}  // namespace tpu_native

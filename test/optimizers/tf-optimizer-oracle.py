"""TensorFlow oracle for the sparse row optimizers (test/optimizers/tf-oracle.test.ts).

Reads one JSON document on stdin: {"cases": [case, ...]}, each case
  {"optimizer": "SGD"|"Adagrad"|"AdagradMomentum"|"Adam"|"FTRL", "params": {...camelCase, as the TS optimizers},
   "weights": [[...]], "slots": [[[...]], ...] (in slotSpecs() order), "steps": [{"ids": [...], "grads": [[...]]}]}
and writes {"results": [{"weights": [[...]], "slots": [...]}]} on stdout.

The per-row math is TensorFlow's SparseCore optimizer update (tensorflow/core/tpu/kernels/sparse_core_xla_ops.cc,
the XlaSparseCore{Sgd,Adagrad,AdagradMomentum,Adam,Ftrl} ops that run on the TPU), evaluated op by op with float32
TensorFlow tensors on CPU: those ops are registered for TPU only (XLA_CPU_JIT refuses them), so each XLA op of the
kernel is one TF op here, hyper-parameters as float32 scalars (so `1 - beta_1` is `1 - f32(beta_1)`, as on TPU).
Adagrad uses TF's own CPU kernel `ResourceSparseApplyAdagradV2` (epsilon 0), which is the same formula
(accum += g^2; var -= lr * g / sqrt(accum)). Gradient clipping / weight decay / weight clipping follow the order of
the TPU embedding optimizer proto (clip g, W -= lambda*W, update, clip W). Non-lazy Adam applies the same formula to
every row with a zero gradient for rows without one (TF's use_non_lazy_adam).
"""
import json
import sys

import numpy as np
import tensorflow as tf

F = tf.float32


def c(x):
    return tf.constant(x, F)


def run_case(case):
    p = case["params"]
    name = case["optimizer"]
    w = tf.Variable(np.array(case["weights"], np.float32))
    slots = [tf.Variable(np.array(s, np.float32)) for s in case["slots"]]
    vocab = w.shape[0]
    lr = c(p.get("learningRate", 0.01))
    for step in case["steps"]:
        ids = tf.constant(step["ids"], tf.int32)
        g = tf.constant(np.array(step["grads"], np.float32))
        lazy = not (name == "Adam" and p.get("lazyAdam", True) is False)
        if not lazy:
            dense = np.zeros(w.shape, np.float32)
            dense[np.array(step["ids"])] = np.array(step["grads"], np.float32)
            ids = tf.range(vocab, dtype=tf.int32)
            g = tf.constant(dense)
        cv = p.get("clipValue")
        if cv is not None:
            lo, hi = (-cv, cv) if not isinstance(cv, list) else cv
            g = tf.clip_by_value(g, c(-3.4e38 if lo is None else lo), c(3.4e38 if hi is None else hi))
        table_old = tf.gather(w, ids)
        wd = p.get("weightDecayFactor") or 0
        if wd:
            lam = c(wd) * lr if p.get("multiplyWeightDecayFactorByLearningRate") else c(wd)
            table_old = table_old - lam * table_old
        if name == "SGD":
            new = table_old - lr * g
        elif name == "Adagrad":
            if wd:
                acc_new = tf.gather(slots[0], ids) + g * g
                slots[0].scatter_nd_update(ids[:, None], acc_new)
                new = table_old - lr * g / tf.sqrt(acc_new)
            else:
                tf.raw_ops.ResourceSparseApplyAdagradV2(var=w.handle, accum=slots[0].handle, lr=lr, epsilon=c(0.0), grad=g, indices=ids)
                new = tf.gather(w, ids)
        elif name == "Adam":
            b1, b2, eps = c(p.get("beta1", 0.9)), c(p.get("beta2", 0.999)), c(p.get("epsilon", 1e-7))
            one, zero = c(1.0), c(0.0)
            inside = p.get("sumInsideSqrt", True)
            e1 = eps * eps if inside else zero
            e2 = zero if inside else eps
            m_new = b1 * tf.gather(slots[0], ids) + (one - b1) * g
            v_new = b2 * tf.gather(slots[1], ids) + (one - b2) * g * g
            new = table_old - lr * m_new / (tf.sqrt(v_new + e1) + e2)
            slots[0].scatter_nd_update(ids[:, None], m_new)
            slots[1].scatter_nd_update(ids[:, None], v_new)
        elif name == "AdagradMomentum":
            mu, b2, eps = c(p.get("momentum", 0.0)), p.get("beta2", 1.0), c(p.get("epsilon", 1e-10))
            exponent = c(1.0) / c(p.get("exponent", 2.0))
            a_old = tf.gather(slots[0], ids)
            if np.float32(b2) == np.float32(1.0):
                a_new = a_old + g * g
            else:
                a_new = c(b2) * a_old + (c(1.0) - c(b2)) * g * g
            # exponent 2: XLA's algebraic simplifier turns pow(x, -0.5) into rsqrt on TPU; 1/sqrt here (correctly
            # rounded float32 ops; CPU Eigen's pow/rsqrt are approximations a few ulps off).
            ae = a_new + eps
            scaled = (c(1.0) / tf.sqrt(ae) if float(exponent) == 0.5 else tf.pow(ae, -exponent)) * g
            m_new = mu * tf.gather(slots[1], ids) + scaled
            upd = mu * m_new + scaled if p.get("useNesterov") else m_new
            new = table_old - lr * upd
            slots[0].scatter_nd_update(ids[:, None], a_new)
            slots[1].scatter_nd_update(ids[:, None], m_new)
        elif name == "FTRL":
            lrp = c(p.get("learningRatePower", -0.5))
            l1 = c(p.get("l1RegularizationStrength", 0.0))
            l2 = c(p.get("l2RegularizationStrength", 0.0))
            beta = c(p.get("beta", 0.0))
            a_old = tf.gather(slots[0], ids)
            lin_old = tf.gather(slots[1], ids)
            a_new = a_old + g * g
            # power -0.5: XLA's algebraic simplifier turns pow(x, 0.5) into sqrt on TPU (CPU Eigen's pow is a few ulps off).
            sq = float(lrp) == -0.5
            p_old = tf.sqrt(a_old) if sq else tf.pow(a_old, -lrp)
            p_new = tf.sqrt(a_new) if sq else tf.pow(a_new, -lrp)
            dp = p_new - p_old
            if p.get("multiplyLinearByLearningRate"):
                lin_new = lin_old + lr * g - dp * table_old
                numer = tf.clip_by_value(lin_new, -lr * l1, lr * l1) - lin_new
                denom = p_new + c(2.0) * lr * l2 + beta
            else:
                lin_new = lin_old + g - dp * table_old / lr
                numer = tf.clip_by_value(lin_new, -l1, l1) - lin_new
                denom = (p_new + beta) / lr + c(2.0) * l2
            new = numer / denom
            slots[0].scatter_nd_update(ids[:, None], a_new)
            slots[1].scatter_nd_update(ids[:, None], lin_new)
        else:
            raise ValueError(name)
        lo = p.get("clipWeightMin")
        hi = p.get("clipWeightMax")
        if lo is not None or hi is not None:
            new = tf.clip_by_value(new, c(-3.4e38 if lo is None else lo), c(3.4e38 if hi is None else hi))
        w.scatter_nd_update(ids[:, None], new)
    return {"weights": w.numpy().tolist(), "slots": [s.numpy().tolist() for s in slots]}


def main():
    doc = json.load(sys.stdin)
    json.dump({"results": [run_case(x) for x in doc["cases"]]}, sys.stdout)


if __name__ == "__main__":
    main()

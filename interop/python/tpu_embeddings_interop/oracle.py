"""Test driver: TensorFlow as the oracle. `python3 -m tpu_embeddings_interop.oracle <request.json>` prints one JSON object.

Request keys (all optional; one process answers all of them, TF is imported once):
  slotNames: true                       -> {"SGD": [...], "Adagrad": ["accumulators"], ...} from TF's `_slot_names()`
  lookups: [{tables: [{name, vocabularySize, dim, combiner, weights: flat}], features: [{name, table, maxSequenceLength,
            outputShape}], inputs: {feature: {kind: dense|ragged|sparse, ...}}}]
                                        -> [{feature: {shape, values}}] from TPUEmbeddingForServing
  restore: {checkpoint, user_id, movie_id, tfCheckpoint?}
                                        -> predictions of the TF model rebuilt from a tpu-embeddings checkpoint
  reverse: {tfPrefix, outRoot, movieVocabularySize, userVocabularySize, dim, units, seed, step, optimizer, user_id, movie_id}
                                        -> a fresh TF model (TF's initializers) saved as a TF checkpoint, converted to a
                                           tpu-embeddings checkpoint; its predictions and the new directory
  roundTrip: {checkpoint, tfPrefix, outRoot}
                                        -> convert to-tensorflow, then to-tpu-embeddings (the optimizer from the manifest)
  savedModel: {dir, user_id, movie_id}  -> `output_0` of tf.saved_model.load(dir).signatures['serving'], per pair
  emitted: [{file}]                     -> exec each emitted TF config; what TF built from it
  pyChecks: [{file, module}]            -> py_compile each emitted file; every call's keywords (by ast); the Keras
                                           optimizers/initializers in it built with Keras; whether `module` imports
"""
import json
import sys

import numpy as np
import tensorflow as tf

from . import convert
from .predict_saved_model import saved_model_predictions
from .ranking_model import RankingModel, model_from_checkpoint, tf_optimizer


def _slot_names():
  emb = tf.tpu.experimental.embedding
  return {n: getattr(emb, n)(learning_rate=0.1)._slot_names() for n in ("SGD", "Adagrad", "AdagradMomentum", "Adam", "FTRL")}


def _input(spec):
  kind = spec["kind"]
  w = spec.get("weights")
  if kind == "dense":
    return tf.constant(np.array(spec["values"], dtype=np.int64).reshape(spec["shape"])), None
  if kind == "ragged":
    ids = tf.RaggedTensor.from_row_splits(np.array(spec["values"], dtype=np.int64), np.array(spec["rowSplits"], dtype=np.int64))
    wt = None if w is None else tf.RaggedTensor.from_row_splits(np.array(w, dtype=np.float32), np.array(spec["rowSplits"], dtype=np.int64))
    return ids, wt
  if kind == "sparse":
    idx = np.array(spec["indices"], dtype=np.int64).reshape(-1, 2)
    ids = tf.SparseTensor(idx, np.array(spec["values"], dtype=np.int64), spec["denseShape"])
    wt = None if w is None else tf.SparseTensor(idx, np.array(w, dtype=np.float32), spec["denseShape"])
    return ids, wt
  raise ValueError(f"oracle: unknown input kind {kind!r}")


def _lookup(case):
  emb = tf.tpu.experimental.embedding
  tables = {t["name"]: emb.TableConfig(vocabulary_size=t["vocabularySize"], dim=t["dim"], combiner=t["combiner"], name=t["name"]) for t in case["tables"]}
  features = {}
  for f in case["features"]:
    kw = {"max_sequence_length": f.get("maxSequenceLength", 0)}
    if f.get("outputShape"):
      kw["output_shape"] = f["outputShape"]
    features[f["name"]] = emb.FeatureConfig(table=tables[f["table"]], name=f["name"], **kw)
  layer = emb.TPUEmbeddingForServing(feature_config=features, optimizer=None)
  layer.build()
  for t in case["tables"]:
    layer.embedding_tables[tables[t["name"]]].assign(np.array(t["weights"], dtype=np.float32).reshape(t["vocabularySize"], t["dim"]))
  ids, weights = {}, {}
  for name, spec in case["inputs"].items():
    ids[name], weights[name] = _input(spec)
  has_w = any(v is not None for v in weights.values())
  out = layer(ids, weights if has_w else None)
  return {k: {"shape": list(v.shape), "values": v.numpy().reshape(-1).tolist()} for k, v in out.items()}


def _predict(model, users, movies):
  return model({"movie_id": tf.constant(movies, tf.int32), "user_id": tf.constant(users, tf.int32)}).numpy().reshape(-1).tolist()


def _reverse(r):
  tf.keras.utils.set_random_seed(r.get("seed", 0))
  opt = r.get("optimizer") or {"className": "Adagrad", "learningRate": 0.1, "initialAccumulatorValue": 0.1}
  model = RankingModel(r["movieVocabularySize"], r["userVocabularySize"], r["dim"], tuple(r["units"]), optimizer=tf_optimizer(opt))
  prefix = tf.train.Checkpoint(model=model).write(r["tfPrefix"])
  out, converted = convert.tf_to_tpu_embeddings(prefix, r["outRoot"], step=r.get("step", 0), optimizer_config=opt)
  return {"checkpoint": out, "predictions": _predict(model, r["user_id"], r["movie_id"]),
          "convertedPredictions": _predict(converted, r["user_id"], r["movie_id"])}


def _emitted(e):
  scope = {}
  with open(e["file"], encoding="utf-8") as f:
    exec(compile(f.read(), e["file"], "exec"), scope)
  emb = tf.tpu.experimental.embedding
  features = scope["feature_config"]
  flat = features.items() if isinstance(features, dict) else [(f.name, f) for f in features]
  out = {"features": {}, "optimizer": type(scope["optimizer"]).__name__, "learningRate": float(scope["optimizer"].learning_rate)}
  for name, f in flat:
    t = f.table
    out["features"][name] = {"table": t.name, "vocabularySize": t.vocabulary_size, "dim": t.dim, "combiner": t.combiner,
                             "maxSequenceLength": f.max_sequence_length, "tableOptimizer": None if t.optimizer is None else type(t.optimizer).__name__}
  layer = emb.TPUEmbeddingForServing(feature_config=features, optimizer=scope["optimizer"])
  layer.build()
  out["built"] = sorted({t.name: 1 for t in layer.embedding_tables})
  sc = scope.get("sparse_core_config")
  if sc is not None:
    out["sparseCore"] = {k: getattr(sc, k) for k in ("max_ids_per_table", "max_unique_ids_per_table", "allow_id_dropping") if hasattr(sc, k)}
  return out


def _py_check(e):
  import ast
  import py_compile
  py_compile.compile(e["file"], doraise=True)
  with open(e["file"], encoding="utf-8") as f:
    tree = ast.parse(f.read())
  calls, built = [], []
  for node in ast.walk(tree):
    if isinstance(node, ast.Call):
      callee = ast.unparse(node.func)
      calls.append({"callee": callee, "keywords": [k.arg for k in node.keywords]})
      if callee.startswith(("keras.optimizers.", "keras.initializers.")):
        import keras  # pylint: disable=import-outside-toplevel
        built.append(type(eval(ast.unparse(node), {"keras": keras})).__name__)  # pylint: disable=eval-used
  try:
    __import__(e["module"])
    importable = True
  except ImportError as x:
    importable = str(x)
  return {"calls": calls, "kerasBuilt": built, "import": importable}


def main(argv):
  with open(argv[0], encoding="utf-8") as f:
    req = json.load(f)
  res = {"tensorflow": tf.__version__}
  if req.get("slotNames"):
    res["slotNames"] = _slot_names()
  if "lookups" in req:
    res["lookups"] = [_lookup(c) for c in req["lookups"]]
  if "restore" in req:
    r = req["restore"]
    model, manifest = model_from_checkpoint(r["checkpoint"])
    res["restore"] = {"step": manifest["step"], "predictions": _predict(model, r["user_id"], r["movie_id"])}
  if "reverse" in req:
    res["reverse"] = _reverse(req["reverse"])
  if "roundTrip" in req:
    r = req["roundTrip"]
    prefix, _ = convert.tpu_embeddings_to_tf(r["checkpoint"], r["tfPrefix"])
    manifest = model_from_checkpoint(r["checkpoint"])[1]
    opt = (manifest.get("configs", {}).get("optimizer") or {}).get("config")
    out, _ = convert.tf_to_tpu_embeddings(prefix, r["outRoot"], step=manifest["step"], optimizer_config=opt)
    res["roundTrip"] = {"tfCheckpoint": prefix, "checkpoint": out}
  if "savedModel" in req:
    s = req["savedModel"]
    predictions, outputs = saved_model_predictions(s["dir"], s["user_id"], s["movie_id"])
    res["savedModel"] = {"outputs": outputs, "predictions": predictions}
  if "emitted" in req:
    res["emitted"] = [_emitted(e) for e in req["emitted"]]
  if "pyChecks" in req:
    res["pyChecks"] = [_py_check(e) for e in req["pyChecks"]]
  print(json.dumps(res))
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv[1:]))

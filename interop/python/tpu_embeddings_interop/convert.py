"""CLI: convert between a TensorFlow checkpoint of the ranking model and a tpu-embeddings checkpoint.

  python3 -m tpu_embeddings_interop.convert to-tpu-embeddings <tf checkpoint prefix> <out root> [--step N] [--optimizer JSON]
  python3 -m tpu_embeddings_interop.convert to-tensorflow <tpu-embeddings checkpoint dir> <tf checkpoint prefix>

A TensorFlow checkpoint here is `tf.train.Checkpoint(model=RankingModel(...)).save(prefix)` (ranking_model.py):
keys `model/embedding/<table>`, `model/embedding/<table>.S<slot>` (TF escapes the `/` of `<table>/<slot>`),
`model/dense_layers/<i>/_kernel`, `…/bias`. Prints one JSON line describing what was written.
"""
import argparse
import json
import re
import sys

import tensorflow as tf

from .ranking_model import RankingModel, model_from_checkpoint, save_as_tpu_embeddings_checkpoint, tf_optimizer

# Which optimizer keeps which slots (tpu_embedding_v2_utils.py, `_slot_names()`); default hyper-parameters are TF's.
_OPTIMIZER_OF_SLOTS = {
    (): "SGD", ("accumulators",): "Adagrad", ("accumulators", "momenta"): "AdagradMomentum",
    ("momenta", "velocities"): "Adam", ("accumulators", "linears"): "FTRL",
}
_DEFAULT_LR = {"SGD": 0.01, "Adagrad": 0.001, "AdagradMomentum": 0.001, "Adam": 0.001, "FTRL": 0.001}


def _layout(prefix):
  shapes = dict(tf.train.list_variables(prefix))
  tables, slots, units = {}, {}, []
  for key, shape in shapes.items():
    m = re.fullmatch(r"model/embedding/([^/]+?)(?:\.S([a-z]+))?/\.ATTRIBUTES/VARIABLE_VALUE", key)
    if m and m.group(2):
      slots.setdefault(m.group(1), set()).add(m.group(2))
    elif m:
      tables[m.group(1)] = shape
  i = 0
  while f"model/dense_layers/{i}/_kernel/.ATTRIBUTES/VARIABLE_VALUE" in shapes:
    units.append(shapes[f"model/dense_layers/{i}/_kernel/.ATTRIBUTES/VARIABLE_VALUE"][1])
    i += 1
  if len(tables) != 2 or not units:
    raise ValueError(f"convert: expected a TensorFlow checkpoint of the ranking model (two tables under model/embedding, dense layers under model/dense_layers) at {prefix}, but found tables {sorted(tables)} and {len(units)} dense layers.")
  return tables, slots, units


def tf_to_tpu_embeddings(prefix, out_root, step=0, optimizer_config=None):
  """Restores a TF checkpoint of the ranking model and writes it as `<out_root>/ckpt-<step>`; returns that directory."""
  tables, slots, units = _layout(prefix)
  movie, user = sorted(tables)  # the tutorial's order: table_0 movies, table_1 users
  kept = tuple(sorted(slots.get(movie, ()), key=lambda s: ["accumulators", "momenta", "velocities", "linears"].index(s)))
  if optimizer_config is None:
    name = _OPTIMIZER_OF_SLOTS.get(kept)
    if name is None:
      raise ValueError(f"convert: slots {kept} match no optimizer; pass --optimizer '{{\"className\": …}}'.")
    optimizer_config = {"className": name, "learningRate": _DEFAULT_LR[name]}
  model = RankingModel(tables[movie][0], tables[user][0], tables[movie][1], tuple(units), optimizer=tf_optimizer(optimizer_config), table_names=(movie, user))
  tf.train.Checkpoint(model=model).read(prefix).assert_existing_objects_matched()
  return save_as_tpu_embeddings_checkpoint(model, out_root, step=step, optimizer_config=optimizer_config), model


def tpu_embeddings_to_tf(ckpt, prefix):
  """Loads a tpu-embeddings checkpoint into the TF model and saves `tf.train.Checkpoint(model=…)`; returns the path."""
  model, _ = model_from_checkpoint(ckpt)
  return tf.train.Checkpoint(model=model).write(prefix), model


def main(argv):
  p = argparse.ArgumentParser(prog="python3 -m tpu_embeddings_interop.convert")
  sub = p.add_subparsers(dest="cmd", required=True)
  a = sub.add_parser("to-tpu-embeddings")
  a.add_argument("prefix")
  a.add_argument("out_root")
  a.add_argument("--step", type=int, default=0)
  a.add_argument("--optimizer", type=json.loads, default=None)
  b = sub.add_parser("to-tensorflow")
  b.add_argument("checkpoint")
  b.add_argument("prefix")
  args = p.parse_args(argv)
  try:
    if args.cmd == "to-tpu-embeddings":
      out, _ = tf_to_tpu_embeddings(args.prefix, args.out_root, args.step, args.optimizer)
      print(json.dumps({"checkpoint": out}))
    else:
      out, _ = tpu_embeddings_to_tf(args.checkpoint, args.prefix)
      print(json.dumps({"tfCheckpoint": out}))
  except (ValueError, OSError) as e:
    print(f"convert: {e}", file=sys.stderr)
    return 1
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv[1:]))

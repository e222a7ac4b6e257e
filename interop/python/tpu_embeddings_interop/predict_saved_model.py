"""CLI: python3 -m tpu_embeddings_interop.predict_saved_model <saved model dir> <request.json>

Loads a SavedModel written by `export_saved_model` with `tf.saved_model.load` and predicts with its `serving`
signature (int32 [1] `movie_id`, `user_id` -> `output_0`), one call per pair. request.json holds
{"user_id": [...], "movie_id": [...]}. Prints one JSON line: {"signature": "serving", "outputs": [...],
"predictions": [...], "tensorflow": version}.
"""
import json
import sys

import tensorflow as tf

SIGNATURE = "serving"


def saved_model_predictions(saved_model_dir, user_ids, movie_ids):
  """`output_0` of the SavedModel's `serving` signature for each (user_id, movie_id), and its output names."""
  serve = tf.saved_model.load(saved_model_dir).signatures[SIGNATURE]
  predictions = [float(serve(movie_id=tf.constant([m], tf.int32), user_id=tf.constant([u], tf.int32))["output_0"].numpy().reshape(-1)[0])
                 for u, m in zip(user_ids, movie_ids)]
  return predictions, sorted(serve.structured_outputs.keys())


def main(argv):
  if len(argv) != 2:
    print("usage: python3 -m tpu_embeddings_interop.predict_saved_model <saved model dir> <request.json>", file=sys.stderr)
    return 2
  saved_model_dir, request_file = argv
  with open(request_file, encoding="utf-8") as f:
    req = json.load(f)
  try:
    predictions, outputs = saved_model_predictions(saved_model_dir, req["user_id"], req["movie_id"])
  except (OSError, KeyError) as e:
    print(f"predict_saved_model: cannot use the SavedModel in {saved_model_dir}: {e}", file=sys.stderr)
    return 1
  print(json.dumps({"signature": SIGNATURE, "outputs": outputs, "predictions": predictions, "tensorflow": tf.__version__}))
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv[1:]))

"""CLI: python3 -m tpu_embeddings_interop.export_saved_model <checkpoint dir> <out dir>

Rebuilds the ranking model in TensorFlow from a tpu-embeddings checkpoint (a `ckpt-<step>` directory or a root
holding them: the newest is used) and writes the seed's SavedModel: signature `serving` taking int32 [1] `movie_id`
and `user_id`, returning `output_0`. Prints one JSON line: {"savedModel": out, "checkpoint": dir, "step": n}.
"""
import json
import sys

from . import checkpoint_io
from .ranking_model import export_saved_model, model_from_checkpoint


def main(argv):
  if len(argv) != 2:
    print("usage: python3 -m tpu_embeddings_interop.export_saved_model <checkpoint dir> <out dir>", file=sys.stderr)
    return 2
  ckpt, out = argv
  try:
    model, manifest = model_from_checkpoint(ckpt)
  except (ValueError, OSError) as e:
    print(f"export_saved_model: {e}", file=sys.stderr)
    return 1
  export_saved_model(model, out)
  print(json.dumps({"savedModel": out, "checkpoint": checkpoint_io.resolve_checkpoint_dir(ckpt), "step": manifest["step"]}))
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv[1:]))

"""Bridge between tpu-embeddings (TypeScript) and real TensorFlow 2.21.

Modules:
  checkpoint_io       read/write tpu-embeddings checkpoints (checkpoint.json + safetensors), hashes checked.
  ranking_model       the tutorial's ranking model in TensorFlow: TPUEmbeddingForServing + Keras Dense layers,
                      loaded from / saved to a tpu-embeddings checkpoint by TensorFlow's variable names.
  export_saved_model  CLI: tpu-embeddings checkpoint -> the seed's SavedModel (`serving` signature, `output_0`).
  convert             CLI: tpu-embeddings checkpoint <-> TensorFlow checkpoint of the ranking model.
  oracle              test driver: TensorFlow as the forward oracle, JSON in, JSON out.
"""
import os

# Reproducible float results (oneDNN may reorder sums) and a quiet import.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

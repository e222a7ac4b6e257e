"""The tutorial's ranking model in TensorFlow, with the weights of a tpu-embeddings checkpoint.

    user_id  [B] -- TPUEmbeddingForServing (table_1, users)  --+
                                                               concat [B, 2*dim] -> Dense(256, relu) -> Dense(64, relu) -> Dense(1)
    movie_id [B] -- TPUEmbeddingForServing (table_0, movies) --+

Names are TensorFlow's: table `<table>`, slots `<table>/accumulators` (…/momenta, /velocities, /linears), dense
`ratings/layer_with_weights-<i>/kernel` [in, out] and `…/bias` [out] (src/models/ranking-model.ts).
"""
import numpy as np
import tensorflow as tf
import keras

from . import checkpoint_io

DENSE_PREFIX = "ratings/layer_with_weights-"
TABLES_FILE, DENSE_FILE, OPTIMIZER_FILE = "tables.safetensors", "dense.safetensors", "optimizer.safetensors"
FEATURES = ("movie_id", "user_id")


def tf_optimizer(config):
  """tf.tpu.experimental.embedding optimizer for a tpu-embeddings optimizer config ({className, learningRate, …})."""
  emb = tf.tpu.experimental.embedding
  if not config:
    return None
  c = dict(config)
  name = c.get("className")
  lr = c.get("learningRate")
  if not isinstance(lr, (int, float)):
    raise ValueError(f"tf_optimizer: expected a numeric learningRate, but got {lr!r}; a schedule cannot be carried over, pass a number.")
  if name == "SGD":
    return emb.SGD(learning_rate=lr)
  if name == "Adagrad":
    return emb.Adagrad(learning_rate=lr, initial_accumulator_value=c.get("initialAccumulatorValue", 0.1))
  if name == "AdagradMomentum":
    return emb.AdagradMomentum(learning_rate=lr, momentum=c.get("momentum", 0.0), use_nesterov=c.get("useNesterov", False),
                               exponent=c.get("exponent", 2), beta2=c.get("beta2", 1), epsilon=c.get("epsilon", 1e-10))
  if name == "Adam":
    return emb.Adam(learning_rate=lr, beta_1=c.get("beta1", 0.9), beta_2=c.get("beta2", 0.999), epsilon=c.get("epsilon", 1e-7),
                    lazy_adam=c.get("lazyAdam", True), sum_inside_sqrt=c.get("sumInsideSqrt", True))
  if name == "FTRL":
    return emb.FTRL(learning_rate=lr, learning_rate_power=c.get("learningRatePower", -0.5),
                    l1_regularization_strength=c.get("l1RegularizationStrength", 0.0), l2_regularization_strength=c.get("l2RegularizationStrength", 0.0),
                    beta=c.get("beta", 0.0), initial_accumulator_value=c.get("initialAccumulatorValue", 0.1))
  raise ValueError(f"tf_optimizer: unknown className {name!r}; expected SGD, Adagrad, AdagradMomentum, Adam or FTRL.")


class RankingModel(tf.Module):
  """TPUEmbeddingForServing + Keras Dense layers; call with {'movie_id': int [B], 'user_id': int [B]} -> [B, 1]."""

  def __init__(self, movie_vocab, user_vocab, dim, units=(256, 64, 1), optimizer=None, table_names=("table_0", "table_1"), combiner="mean"):
    super().__init__(name="ranking_model")
    emb = tf.tpu.experimental.embedding
    self.movie_table = emb.TableConfig(vocabulary_size=movie_vocab, dim=dim, name=table_names[0], combiner=combiner)
    self.user_table = emb.TableConfig(vocabulary_size=user_vocab, dim=dim, name=table_names[1], combiner=combiner)
    self.feature_config = {
        "movie_id": emb.FeatureConfig(table=self.movie_table, name="movie_id"),
        "user_id": emb.FeatureConfig(table=self.user_table, name="user_id"),
    }
    self.embedding = emb.TPUEmbeddingForServing(feature_config=self.feature_config, optimizer=optimizer)
    self.embedding.build()
    self.dense_layers = []
    width = 2 * dim
    for i, u in enumerate(units):
      layer = keras.layers.Dense(u, activation="relu" if i < len(units) - 1 else None, name=f"dense_{i}")
      layer.build((None, width))
      self.dense_layers.append(layer)
      width = u

  def __call__(self, features):
    acts = self.embedding({"movie_id": features["movie_id"], "user_id": features["user_id"]})
    x = tf.concat([acts["user_id"], acts["movie_id"]], axis=1)
    for layer in self.dense_layers:
      x = layer(x)
    return x

  def tables(self):
    """{table name: {'parameters': var, '<slot>': var}} in TensorFlow's names."""
    return {(t if isinstance(t, str) else t.name): slots for t, slots in self.embedding.variables.items()}

  def named_weights(self):
    """Every weight by its tpu-embeddings checkpoint name: (tables with slots, dense)."""
    tables = {}
    for name, slots in self.tables().items():
      for slot, var in slots.items():
        tables[name if slot == "parameters" else f"{name}/{slot}"] = var
    dense = {}
    for i, layer in enumerate(self.dense_layers):
      dense[f"{DENSE_PREFIX}{i}/kernel"] = layer.kernel
      dense[f"{DENSE_PREFIX}{i}/bias"] = layer.bias
    return tables, dense


def _feature_tables(manifest):
  """(movie table name, user table name, combiner) from the manifest's embedding config, or the tutorial's defaults."""
  feats = (manifest.get("configs", {}).get("embedding") or {}).get("features") or {}
  names = tuple((feats.get(f) or {}).get("table", {}).get("name") or d for f, d in zip(FEATURES, ("table_0", "table_1")))
  combiner = (feats.get("movie_id") or {}).get("table", {}).get("combiner") or "mean"
  return names, combiner


def model_from_checkpoint(path):
  """Rebuilds the ranking model in TensorFlow from a tpu-embeddings checkpoint; every tensor is assigned by name.

  Returns (model, manifest). Raises ValueError naming a missing or mis-shaped tensor.
  """
  manifest, tensors, _ = checkpoint_io.read_checkpoint(path)
  (movie_name, user_name), combiner = _feature_tables(manifest)
  for n in (movie_name, user_name):
    if n not in tensors:
      raise ValueError(f"model_from_checkpoint: expected table tensor '{n}' in {path}, but it holds {sorted(tensors)}.")
  units, i = [], 0
  while f"{DENSE_PREFIX}{i}/kernel" in tensors:
    units.append(tensors[f"{DENSE_PREFIX}{i}/kernel"].shape[1])
    i += 1
  opt_config = (manifest.get("configs", {}).get("optimizer") or {}).get("config")
  model = RankingModel(tensors[movie_name].shape[0], tensors[user_name].shape[0], tensors[movie_name].shape[1], tuple(units),
                       optimizer=tf_optimizer(opt_config), table_names=(movie_name, user_name), combiner=combiner)
  tables, dense = model.named_weights()
  for name, var in {**tables, **dense}.items():
    if name not in tensors:
      raise ValueError(f"model_from_checkpoint: TensorFlow's model needs '{name}', but {path} has no such tensor (it holds {sorted(tensors)}). "
                       "A checkpoint written before TensorFlow's slot names (…/accumulator) must be loaded and saved again with tpu-embeddings first.")
    if tuple(var.shape) != tensors[name].shape:
      raise ValueError(f"model_from_checkpoint: expected '{name}' of shape {tuple(var.shape)}, but {path} has {tensors[name].shape}.")
    var.assign(tensors[name].astype(np.float32))
  return model, manifest


def save_as_tpu_embeddings_checkpoint(model, root, step=0, optimizer_config=None):
  """Writes the TF model as a tpu-embeddings checkpoint (`<root>/ckpt-<step>`): tables + slots, dense, iteration count.

  The dense optimizer's slots are not carried (this model serves; tpu-embeddings starts fresh dense slots).
  """
  tables, dense = model.named_weights()
  groups = [
      (TABLES_FILE, {k: v.numpy().astype(np.float32) for k, v in tables.items()}),
      (DENSE_FILE, {k: np.asarray(v.numpy(), dtype=np.float32) for k, v in dense.items()}),
      (OPTIMIZER_FILE, {"optimizer/iter": np.array(step, dtype=np.int64)}),
  ]
  m, u = model.movie_table, model.user_table
  table = lambda t: {"vocabularySize": t.vocabulary_size, "dim": t.dim, "combiner": t.combiner, "name": t.name}
  configs = {
      "model": {"movieVocabularySize": m.vocabulary_size, "userVocabularySize": u.vocabulary_size, "embeddingDim": m.dim,
                "hiddenUnits": [int(l.units) for l in model.dense_layers[:-1]], "source": "tensorflow"},
      "embedding": {"features": {"movie_id": {"table": table(m)}, "user_id": {"table": table(u)}}},
  }
  if optimizer_config:
    configs["optimizer"] = {"className": optimizer_config["className"], "config": optimizer_config}
  return checkpoint_io.write_checkpoint(root, step, groups, configs=configs, topology={"name": "cpu", "source": "tensorflow"})


def serving_function(model):
  """The seed's serving function: int32 [1] `movie_id` and `user_id` -> `output_0` [1, 1]."""
  @tf.function(input_signature=[tf.TensorSpec([1], tf.int32, name="movie_id"), tf.TensorSpec([1], tf.int32, name="user_id")])
  def serve(movie_id, user_id):
    return model({"movie_id": movie_id, "user_id": user_id})
  return serve


def export_saved_model(model, out_dir):
  """`tf.saved_model.save(model, out_dir, signatures={'serving': …})`; returns out_dir."""
  tf.saved_model.save(model, out_dir, signatures={"serving": serving_function(model)})
  return out_dir

"""Reads and writes tpu-embeddings checkpoints: `checkpoint.json` + `.safetensors` files (src/checkpoint)."""
import datetime
import hashlib
import json
import os
import struct
import tempfile

import numpy as np
from safetensors.numpy import save_file

MANIFEST_FILE = "checkpoint.json"
FORMAT_VERSION = 1
DIR_PREFIX = "ckpt-"
_DTYPES = {"F32": "float32", "I32": "int32", "F64": "float64", "I64": "int64", "U8": "uint8", "BOOL": "bool"}
_NUMPY = {"float32": np.float32, "int32": np.int32, "float64": np.float64, "int64": np.int64, "uint8": np.uint8, "bool": np.bool_}


class CheckpointFormatError(ValueError):
  """A checkpoint directory that is not a valid tpu-embeddings checkpoint (message says which file and why)."""


def _sha256(path):
  h = hashlib.sha256()
  with open(path, "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
      h.update(chunk)
  return h.hexdigest()


def _header(path):
  with open(path, "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    return 8 + n, json.loads(f.read(n))


def resolve_checkpoint_dir(path):
  """A checkpoint directory, or the newest `ckpt-<step>` inside a root directory."""
  if os.path.isfile(os.path.join(path, MANIFEST_FILE)):
    return path
  steps = []
  if os.path.isdir(path):
    for name in os.listdir(path):
      if name.startswith(DIR_PREFIX) and name[len(DIR_PREFIX):].isdigit() and os.path.isfile(os.path.join(path, name, MANIFEST_FILE)):
        steps.append(int(name[len(DIR_PREFIX):]))
  if not steps:
    raise CheckpointFormatError(f"read_checkpoint: expected {path} to hold {MANIFEST_FILE} or ckpt-<step> directories, but it has none. Pass a directory written by saveCheckpoint.")
  return os.path.join(path, f"{DIR_PREFIX}{max(steps)}")


def read_checkpoint(path):
  """Reads a checkpoint: returns (manifest dict, {name: numpy array}, {name: file}). Checks every file's sha256."""
  path = resolve_checkpoint_dir(path)
  with open(os.path.join(path, MANIFEST_FILE), encoding="utf-8") as f:
    manifest = json.load(f)
  if manifest.get("formatVersion") != FORMAT_VERSION:
    raise CheckpointFormatError(f"read_checkpoint: expected formatVersion {FORMAT_VERSION} in {path}, but got {manifest.get('formatVersion')!r}.")
  for entry in manifest["files"]:
    got = _sha256(os.path.join(path, entry["file"]))
    if got != entry["sha256"]:
      raise CheckpointFormatError(f"read_checkpoint: {entry['file']} in {path} has sha256 {got}, but the manifest says {entry['sha256']}: the file is damaged.")
  tensors, files = {}, {}
  raw = {}
  for entry in manifest["files"]:
    with open(os.path.join(path, entry["file"]), "rb") as f:
      raw[entry["file"]] = f.read()
  for t in manifest["tensors"]:
    begin, end = t["byteRange"]
    dtype = _NUMPY[t["dtype"]]
    arr = np.frombuffer(raw[t["file"]][begin:end], dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype)
    tensors[t["name"]] = arr.reshape(t["shape"])
    files[t["name"]] = t["file"]
  return manifest, tensors, files


def write_checkpoint(root, step, groups, configs=None, topology=None):
  """Writes `<root>/ckpt-<step>` as saveCheckpoint does (temporary directory, fsync, rename).

  groups: list of (file name, {tensor name: numpy array}). Returns the new directory.
  """
  os.makedirs(root, exist_ok=True)
  final = os.path.join(root, f"{DIR_PREFIX}{step}")
  if os.path.exists(final):
    raise FileExistsError(f"write_checkpoint: {final} already exists; pass another root or step.")
  tmp = tempfile.mkdtemp(prefix=f".tmp-ckpt-{step}-{os.getpid()}-", dir=root)
  files, tensors = [], []
  for file, named in groups:
    p = os.path.join(tmp, file)
    # np.array(order='C'), not np.ascontiguousarray, which makes a 0-d array (the int64 step) 1-d.
    save_file({k: np.array(v, order="C") for k, v in named.items()}, p, metadata={"format": "tpu-embeddings", "step": str(step)})
    with open(p, "rb+") as f:
      os.fsync(f.fileno())
    sha, size = _sha256(p), os.path.getsize(p)
    start, header = _header(p)
    files.append({"file": file, "bytes": size, "sha256": sha})
    entries = [(k, v) for k, v in header.items() if k != "__metadata__"]
    entries.sort(key=lambda kv: kv[1]["data_offsets"][0])
    for name, e in entries:
      b, en = e["data_offsets"]
      tensors.append({"name": name, "dtype": _DTYPES[e["dtype"]], "shape": e["shape"], "file": file, "byteRange": [start + b, start + en], "sha256": sha})
  manifest = {
      "formatVersion": FORMAT_VERSION,
      "step": int(step),
      "createdAt": datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z"),
      "configs": configs or {},
      "topology": topology or {},
      "files": files,
      "tensors": tensors,
  }
  with open(os.path.join(tmp, MANIFEST_FILE), "w", encoding="utf-8") as f:
    f.write(json.dumps(manifest, indent=2) + "\n")
    f.flush()
    os.fsync(f.fileno())
  os.rename(tmp, final)
  return final

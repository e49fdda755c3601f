"""The model registry and the shipped weights.

`build(name, **config)` makes a fresh model; `load(name, quality)` makes one
with shipped weights and range-coding tables, ready to compress. Shipped
weights live in `tfcodec/weights/<name>-q<quality>/` (config.json, the
variables in float16 `weights.npz`, the coding tables `coders.npz`, and
MODEL_CARD.md); they are found by
scanning that folder, so adding a quality needs no code change.
"""

import functools
import io
import json
import os
from typing import Dict, List, Optional

from tfcodec.errors import ModelError, UnknownModelError

__all__ = ["DEFAULT_MODEL", "register_model", "names", "build", "load",
           "model_class",
           "qualities", "default_quality", "weights_dir", "WEIGHTS_ROOT"]

DEFAULT_MODEL = "hyperprior"
WEIGHTS_ROOT = os.path.join(os.path.dirname(__file__), "weights")
MAX_NAME_LENGTH = 32

_REGISTRY: Dict[str, type] = {}


def register_model(name: str):
  """Class decorator: registers a `CompressionModel` under `name`."""
  if not name or len(name) > MAX_NAME_LENGTH or not name.isascii():
    raise ValueError(f"invalid model name {name!r}")

  def wrap(cls):
    _REGISTRY[name] = cls
    cls.zoo_name = name
    return cls
  return wrap


def _ensure_registered():
  if not _REGISTRY:
    from tfcodec.models import comcnn, conv_gru, factorized, hyperprior  # pylint: disable=g-import-not-at-top
    register_model("factorized")(factorized.FactorizedPrior)
    register_model("hyperprior")(hyperprior.ScaleHyperprior)
    register_model("hyperprior_vr")(hyperprior.GainHyperprior)
    register_model("comcnn")(comcnn.ComCNN)
    register_model("comcnn_full")(comcnn.ComCNNFull)
    register_model("conv_gru")(conv_gru.ConvGRUCodec)


def names() -> List[str]:
  """Names of all registered models."""
  _ensure_registered()
  return sorted(_REGISTRY)


def is_known(name: str) -> bool:
  return name in names()


def _check_name(name):
  if not is_known(name):
    raise UnknownModelError(f"unknown model '{name}'; the zoo has "
                            f"{', '.join(names())}")


def model_class(name: str):
  """The class registered under `name`."""
  _check_name(name)
  return _REGISTRY[name]


def build(name: str, **config):
  """A freshly initialised model of the named family."""
  _check_name(name)
  try:
    return _REGISTRY[name](**config)
  except TypeError as e:
    raise ModelError(f"model '{name}': bad configuration ({e})") from None


@functools.lru_cache(maxsize=None)
def _shipped() -> Dict[str, Dict[int, str]]:
  found: Dict[str, Dict[int, str]] = {}
  if not os.path.isdir(WEIGHTS_ROOT):
    return found
  for entry in sorted(os.listdir(WEIGHTS_ROOT)):
    folder = os.path.join(WEIGHTS_ROOT, entry)
    if os.path.isfile(os.path.join(folder, "config.json")):
      meta = read_config(folder)
      for quality in _meta_qualities(meta):
        found.setdefault(meta["model"], {})[quality] = folder
  return found


def _meta_qualities(meta: dict) -> List[int]:
  # One set of weights may serve several qualities, when the quality is a
  # constructor argument (`quality_argument`, e.g. a JPEG quality or the
  # number of iterations).
  return sorted(int(q) for q in meta.get("qualities") or [meta["quality"]])


def dir_qualities(path: str) -> List[int]:
  """The qualities a weights folder serves (see `load_from_dir`)."""
  return _meta_qualities(read_config(path))


def qualities(name: str) -> List[int]:
  """The qualities with shipped weights for a model (may be empty)."""
  _check_name(name)
  return sorted(_shipped().get(name, {}))


def default_quality(name: str) -> Optional[int]:
  """The quality used when none is given: the middle shipped one."""
  q = qualities(name)
  return q[(len(q) - 1) // 2] if q else None


def weights_dir(name: str, quality: int) -> str:
  _check_name(name)
  available = _shipped().get(name, {})
  if quality not in available:
    have = ", ".join(map(str, sorted(available))) or "none"
    raise ModelError(f"model '{name}' has no shipped weights for quality "
                     f"{quality} (shipped qualities: {have})")
  return available[quality]


def read_config(path: str) -> dict:
  with open(os.path.join(path, "config.json")) as f:
    return json.load(f)


WEIGHTS_FILE = "weights.npz"


def write_weights(model, path: str) -> None:
  """Writes every model variable to `path/weights.npz`, floats as float16.

  float16 halves the shipped size. Whoever writes weights this way must
  build the coding tables from the rounded weights (see
  `training.save_weights`), so that the tables match what decoders load.
  """
  import numpy as np  # pylint: disable=g-import-not-at-top

  from tfcodec import io as tio  # pylint: disable=g-import-not-at-top
  arrays = {}
  for i, v in enumerate(model.weights):
    value = v.numpy()
    if value.dtype.kind == "f":
      value = value.astype(np.float16)
    arrays[f"{i:04d}"] = value
  names = np.array([v.name for v in model.weights])
  buffer = io.BytesIO()
  np.savez_compressed(buffer, names=names, **arrays)
  tio.atomic_write(os.path.join(path, WEIGHTS_FILE), buffer.getvalue())


def read_weights(model, path: str) -> None:
  """Loads `path/weights.npz` (or a TF checkpoint `path/weights.*`)."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  npz = os.path.join(path, WEIGHTS_FILE)
  if not os.path.isfile(npz):
    status = tf.train.Checkpoint(model=model).read(os.path.join(path, "weights"))
    status.expect_partial().assert_existing_objects_matched()
    return
  with np.load(npz) as data:
    # Variables are stored in the model's order; names vary with the context
    # a model was built in, so shapes are what is checked.
    arrays = [data[f"{i:04d}"] for i in range(len(data.files) - 1)]
  shapes = [tuple(v.shape) for v in model.weights]
  if [a.shape for a in arrays] != shapes:
    raise ModelError(f"{npz}: the weights do not fit the model "
                     f"({len(arrays)} arrays for {len(shapes)} variables)")
  model.set_weights([a.astype(v.dtype.as_numpy_dtype)
                     for a, v in zip(arrays, model.weights, strict=True)])


def round_weights(model) -> None:
  """Rounds the model's float variables to float16 precision, in place, as
  `write_weights` stores them."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  model.set_weights([w.astype(np.float16).astype(w.dtype)
                     if w.dtype.kind == "f" else w
                     for w in model.get_weights()])


def load_from_dir(path: str, quality: Optional[int] = None):
  """Builds a model from a weights folder (config.json, weights, tables).

  `quality` sets the constructor argument named by the model class's
  `quality_argument`, for weights that serve several qualities.
  """
  meta = read_config(path)
  config = dict(meta["config"])
  argument = getattr(model_class(meta["model"]), "quality_argument", None)
  if quality is not None and argument:
    config[argument] = int(quality)
  model = build(meta["model"], **config)
  read_weights(model, path)
  model.update(_read_coder_state(path, meta))
  return model


def _read_coder_state(path: str, meta: dict):
  """The shipped range-coding tables, or None to compute them."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  tables = os.path.join(path, "coders.npz")
  if not meta.get("coders") or not os.path.isfile(tables):
    return None
  with np.load(tables) as arrays:
    return {key: (config, [arrays[f"{key}/{i}"] for i in range(
        sum(1 for k in arrays.files if k.startswith(key + "/")))])
            for key, config in meta["coders"].items()}


@functools.lru_cache(maxsize=8)
def load(name: str, quality: Optional[int] = None):
  """A model with shipped weights, ready for `compress`/`decompress`."""
  _check_name(name)
  if quality is None:
    quality = default_quality(name)
    if quality is None:
      raise ModelError(f"model '{name}' has no shipped weights")
  return load_from_dir(weights_dir(name, int(quality)), int(quality))

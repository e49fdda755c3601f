"""TFLite decoders: convert a model's synthesis, run it under LiteRT.

Decoding a tfcodec file on a device splits in two:

* entropy decoding (`model.entropy_decode`: range decoding, and for the
  hyperprior its integer hyper-synthesis) runs in TensorFlow with
  tensorflow-compression's ops; its results are integers, identical on every
  machine;
* the synthesis transform (`model.synthesis`: latents -> uint8 image) runs in
  TFLite, converted with builtin ops only (no Flex, no custom ops), under the
  standalone LiteRT runtime (`ai_edge_litert`).

`convert_saved_model` and `convert_model` return the .tflite bytes;
`Synthesis` runs them.

Quantization:

* "none": float32 weights and arithmetic;
* "fp16": float16 weights, dequantized to float32 when loaded (half size);
* "int8": int8 weights with per-channel scales ("dynamic range"): LiteRT
  quantizes activations on the fly and runs integer kernels (quarter size).
"""

import hashlib
import os
from typing import Dict, Optional

import numpy as np

__all__ = ["QUANTIZATIONS", "convert_saved_model", "convert_model",
           "Synthesis", "cached_synthesis", "builtin_only"]

QUANTIZATIONS = ("none", "fp16", "int8")
SIGNATURE = "synthesis"


def _configure(converter, quantization: str):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if quantization not in QUANTIZATIONS:
    raise ValueError(f"unknown quantization '{quantization}'; use one of "
                     f"{', '.join(QUANTIZATIONS)}")
  converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
  converter.allow_custom_ops = False
  if quantization != "none":
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
  if quantization == "fp16":
    converter.target_spec.supported_types = [tf.float16]
  return converter


def convert_saved_model(saved_model_dir: str, quantization: str = "none",
                        signature: str = SIGNATURE) -> bytes:
  """Converts the `synthesis` signature of a stock SavedModel (the `stock/`
  folder `export.saved_model` writes) into .tflite bytes."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if not os.path.isfile(os.path.join(saved_model_dir, "saved_model.pb")):
    raise ValueError(f"{saved_model_dir}: not a SavedModel (no saved_model.pb)")
  converter = tf.lite.TFLiteConverter.from_saved_model(
      saved_model_dir, signature_keys=[signature])
  return _configure(converter, quantization).convert()


def convert_model(model, quantization: str = "none") -> bytes:
  """Converts a zoo model's `synthesis` into .tflite bytes."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from absl import logging  # pylint: disable=g-import-not-at-top
  function = model.synthesis.get_concrete_function(*model.synthesis_spec())
  # Without a trackable object the converter freezes the function's
  # variables directly: 0.4 s here. With the model as the trackable object
  # it saves the whole model first (15 s, tracing every tf.function), and
  # warns that this path is deprecated; with TensorFlow pinned at 2.14 it
  # stays.
  verbosity = logging.get_verbosity()
  logging.set_verbosity(logging.ERROR)
  try:
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function])
  finally:
    logging.set_verbosity(verbosity)
  return _configure(converter, quantization).convert()


def builtin_only(model_bytes: bytes) -> bool:
  """True if the model uses only TFLite builtin operators."""
  from ai_edge_litert.interpreter import Interpreter  # pylint: disable=g-import-not-at-top
  interpreter = Interpreter(model_content=model_bytes)
  ops = interpreter._get_ops_details()  # pylint: disable=protected-access
  return all(not op["op_name"].startswith(("Flex", "Custom")) and
             op["op_name"] != "CUSTOM" for op in ops)


class Synthesis:
  """Runs a converted synthesis under LiteRT: (latents, image shape) -> image.

  Args:
    model_bytes: the .tflite flatbuffer.
    num_threads: LiteRT's CPU threads (default: all cores).
  """

  def __init__(self, model_bytes: bytes, num_threads: Optional[int] = None):
    from ai_edge_litert.interpreter import Interpreter  # pylint: disable=g-import-not-at-top
    self._interpreter = Interpreter(model_content=model_bytes,
                                    num_threads=num_threads or os.cpu_count())
    inputs = self._interpreter.get_input_details()
    if len(inputs) != 2:
      raise ValueError(f"TFLite synthesis has {len(inputs)} inputs, expected "
                       "2 (latents, image_shape)")
    # The converter keeps the TensorSpec names, with a prefix.
    by_rank = sorted(inputs, key=lambda d: len(d["shape"]))
    self._shape_input, self._latents_input = by_rank
    self._output = self._interpreter.get_output_details()[0]["index"]
    self._allocated = None

  def __call__(self, latents, image_shape) -> np.ndarray:
    latents = np.asarray(latents, np.float32)
    if self._allocated != latents.shape:
      self._interpreter.resize_tensor_input(self._latents_input["index"],
                                            latents.shape, strict=True)
      self._interpreter.allocate_tensors()
      self._allocated = latents.shape
    self._interpreter.set_tensor(self._latents_input["index"], latents)
    self._interpreter.set_tensor(self._shape_input["index"],
                                 np.asarray(image_shape, np.int32))
    self._interpreter.invoke()
    return self._interpreter.get_tensor(self._output)


_CACHE: Dict[tuple, Synthesis] = {}


def cache_dir() -> str:
  root = os.environ.get("XDG_CACHE_HOME") or os.path.join(
      os.path.expanduser("~"), ".cache")
  return os.path.join(root, "tfcodec", "tflite")


def _weights_digest(path: str) -> str:
  digest = hashlib.sha256()
  for name in sorted(os.listdir(path)):
    if name.startswith("weights."):
      with open(os.path.join(path, name), "rb") as f:
        digest.update(f.read())
  return digest.hexdigest()[:16]


def cached_synthesis(name: str, quality: int, quantization: str = "none",
                     model=None) -> Synthesis:
  """The TFLite synthesis of a shipped model, converted once and cached on
  disk (keyed by a digest of the weights) and in memory."""
  from tfcodec import io, zoo  # pylint: disable=g-import-not-at-top
  key = (name, int(quality), quantization)
  if key not in _CACHE:
    weights = zoo.weights_dir(name, quality)
    path = os.path.join(cache_dir(), f"{name}-q{quality}-{quantization}-"
                        f"{_weights_digest(weights)}.tflite")
    if os.path.isfile(path):
      with open(path, "rb") as f:
        data = f.read()
    else:
      data = convert_model(model or zoo.load(name, quality), quantization)
      os.makedirs(os.path.dirname(path), exist_ok=True)
      io.atomic_write(path, data)
    _CACHE[key] = Synthesis(data)
  return _CACHE[key]

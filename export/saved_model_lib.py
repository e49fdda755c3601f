"""SavedModel export of zoo models, for TF Serving and other loaders.

Each model becomes two SavedModels, each in a version folder as TF Serving
expects (`<dir>/codec/1/`, `<dir>/stock/1/`):

* `codec/`: signatures `encode` (uint8 image [H, W, 3] -> the tensors of the
  bitstream, named by the model's `tensor_names`) and `decode` (those tensors
  -> {"image": uint8 [H, W, 3]}). They contain tensorflow-compression's
  range-coding ops, so they load only where those ops are registered
  (`import tensorflow_compression`, or a model server built with them).
  `tfcodec.coding.pack_encoded(name, quality, image.shape, outputs)` turns
  `encode`'s outputs into exactly the bytes `tfcodec compress` writes.
* `stock/`: signatures `analysis` (image -> quantized latents) and
  `synthesis` (latents -> image), with stock TensorFlow ops only, for servers
  built without tensorflow-compression.

Tensors whose names end in "_bytes" follow TF Serving's REST convention
(base64 in JSON).
"""

import json
import os
from typing import Dict, Optional, Sequence, Tuple

import tensorflow as tf

__all__ = ["CodecModule", "StockModule", "export_model", "export_zoo",
           "serving_config", "VERSION"]

#: The version folder TF Serving loads (it serves the highest number).
VERSION = 1


class CodecModule(tf.Module):
  """encode/decode signatures around a model's compress/decompress."""

  def __init__(self, model):
    super().__init__(name="codec")
    self.model = model
    # Track the range-coding tables so that the SavedModel carries them.
    self.coders = model.coders()
    names = model.tensor_names
    decode_spec = [tf.TensorSpec(s.shape, s.dtype, name=n) for s, n in zip(
        model.decompress.input_signature, names, strict=True)]

    @tf.function(input_signature=[
        tf.TensorSpec((None, None, 3), tf.uint8, name="image")])
    def encode(image):
      return dict(zip(names, model.compress(image), strict=True))

    @tf.function(input_signature=decode_spec)
    def decode(*tensors):
      return {"image": model.decompress(*tensors)}

    self.encode = encode
    self.decode = decode


class StockModule(tf.Module):
  """analysis/synthesis signatures with stock TensorFlow ops only."""

  def __init__(self, model):
    super().__init__(name="stock")
    # Only the weights: tracking the Keras model would also save its traced
    # compress/decompress, which need tensorflow-compression's ops.
    self.weights = list(model.variables)


def export_model(model, name: str, quality: int, output_dir: str,
                 ) -> Dict[str, str]:
  """Writes `output_dir/codec/1` and `output_dir/stock/1`; returns their
  paths (the SavedModel folders)."""
  paths = {kind: os.path.join(output_dir, kind, str(VERSION))
           for kind in ("codec", "stock")}
  codec = CodecModule(model)
  tf.saved_model.save(codec, paths["codec"], signatures={
      "encode": codec.encode.get_concrete_function(),
      "decode": codec.decode.get_concrete_function()})
  stock = StockModule(model)
  tf.saved_model.save(stock, paths["stock"], signatures={
      "analysis": model.analysis.get_concrete_function(),
      "synthesis": model.synthesis.get_concrete_function(
          *model.synthesis_spec())})
  meta = {"model": name, "quality": int(quality),
          "tensor_names": list(model.tensor_names),
          "multiple": model.multiple}
  for path in paths.values():
    with open(os.path.join(path, "tfcodec.json"), "w") as f:
      json.dump(meta, f, indent=1)
  return paths


def serving_config(entries: Sequence[Tuple[str, int]], base_path: str) -> str:
  """A TF Serving models.config (text proto) for exported zoo models.

  Each (name, quality) serves as `<name>-q<quality>` (encode, decode; needs
  a model server with tensorflow-compression's ops) and
  `<name>-q<quality>-stock` (analysis, synthesis; any model server).
  """
  configs = []
  for name, quality in entries:
    for kind, suffix in (("codec", ""), ("stock", "-stock")):
      configs.append(
          "  config {\n"
          f'    name: "{name}-q{quality}{suffix}"\n'
          f'    base_path: "{base_path}/{name}-q{quality}/{kind}"\n'
          '    model_platform: "tensorflow"\n'
          "  }\n")
  return "model_config_list {\n" + "".join(configs) + "}\n"


def export_zoo(name: str, quality: Optional[int], output_dir: str
               ) -> Dict[str, str]:
  """Exports shipped weights: `output_dir/<name>-q<quality>/{codec,stock}/1`."""
  from tfcodec import zoo  # pylint: disable=g-import-not-at-top
  quality = zoo.default_quality(name) if quality is None else quality
  model = zoo.load(name, quality)
  return export_model(model, name, quality,
                      os.path.join(output_dir, f"{name}-q{quality}"))

"""Images <-> tfcodec files: a zoo model, the container, and the payload.

`compress_image` and `decompress_bytes` are what the CLI, the benchmark and
the export clients use, so every path writes byte-identical files.
"""

from typing import Callable, Optional, Sequence, Tuple

import numpy as np

from tfcodec import bitstream, zoo
from tfcodec.errors import CorruptedError

__all__ = ["compress_image", "check_refinable", "encode_tensors",
           "decompress_bytes", "pack_encoded", "decode_tensors",
           "payload_spec", "unpack_encoded", "read_file", "decompress_file",
           "is_progressive"]


def is_progressive(model_name: str) -> bool:
  """Whether the model's files hold one string per iteration, in chunks
  that can be cut (see `tfcodec.bitstream.pack_progressive`)."""
  return bool(getattr(zoo.model_class(model_name), "progressive", False))


def pack_encoded(model_name: str, quality: int, image_shape: Sequence[int],
                 tensors: Sequence) -> bytes:
  """Packs the outputs of a model's `compress` (or a SavedModel's `encode`
  signature) into the bytes `tfcodec compress` writes.

  A progressive model's first tensor holds one string per iteration; each
  becomes a chunk after the container, and the header's quality is their
  number, whatever `quality` says (a progressive model's quality is its
  number of iterations).
  """
  if is_progressive(model_name):
    chunks = [bytes(c) for c in np.reshape(np.asarray(
        tensors[0].numpy() if hasattr(tensors[0], "numpy") else tensors[0],
        dtype=object), -1)]
    header = bitstream.Header(model_name, len(chunks), int(image_shape[0]),
                              int(image_shape[1]))
    return bitstream.pack_progressive(
        header, bitstream.pack_tensors(tensors[1:]), chunks)
  header = bitstream.Header(model_name, int(quality), int(image_shape[0]),
                            int(image_shape[1]))
  return bitstream.pack(header, bitstream.pack_tensors(tensors))


class FileTensors(tuple):
  """`read_file`'s answer: (header, tensors), plus for progressive files
  `iterations` (decoded), `stored` (whole iterations in the file) and
  `cut_bytes` (bytes of an iteration cut short, left out)."""
  iterations = stored = cut_bytes = 0


def read_file(data: bytes, iterations: Optional[int] = None) -> FileTensors:
  """Checks a tfcodec file and unpacks its tensors (TensorFlow tensors).

  Args:
    data: the file's bytes.
    iterations: for progressive models, decode only the first this many
      iterations (at most those the file holds).
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if len(data) >= 6 and data[:4] == bitstream.MAGIC:
    header = bitstream.peek_header(data)
  else:
    header = None
  if header is None or not zoo.is_known(header.model) or not is_progressive(
      header.model):
    if iterations is not None:
      raise ValueError("--iterations applies only to progressive models "
                       "(conv_gru)")
    header, payload = bitstream.unpack(data, known_models=zoo.names())
    dtypes = [d for _, d in payload_spec(header.model)]
    return FileTensors((header, bitstream.unpack_tensors(payload, dtypes)))
  found = bitstream.unpack_progressive(data, known_models=zoo.names())
  if not found.chunks:
    raise CorruptedError("file holds no whole iteration")
  k = found.iterations if iterations is None else int(iterations)
  if not 1 <= k <= found.iterations:
    raise ValueError(f"--iterations {k} is outside 1..{found.iterations} "
                     f"(the file holds {found.iterations} of "
                     f"{found.header.quality})")
  dtypes = [d for _, d in payload_spec(header.model)]
  rest = bitstream.unpack_tensors(found.payload, dtypes[1:])
  result = FileTensors((found.header, [tf.constant(list(found.chunks[:k]),
                                                   tf.string), *rest]))
  result.iterations, result.stored, result.cut_bytes = (
      k, found.iterations, found.cut_bytes)
  return result


def payload_spec(model_name: str):
  """[(tensor name, dtype)] of a model's bitstream tensors, in order: the
  outputs of the `encode` signature and the inputs of `decode`."""
  cls = zoo.model_class(model_name)
  return [(name, spec.dtype) for name, spec in zip(
      cls.tensor_names, cls.decompress.input_signature, strict=True)]


def unpack_encoded(data: bytes):
  """Inverse of `pack_encoded`: (header, {tensor name: numpy array}), e.g. to
  send a file's tensors to a served `decode` signature."""
  header, tensors = read_file(data)
  spec = payload_spec(header.model)
  return header, {name: t.numpy() for (name, _), t in zip(spec, tensors,
                                                          strict=True)}


def check_refinable(model, name: str) -> None:
  """Raises ValueError unless `model` (a zoo model or its class, called
  `name` in the message) can refine its latents (`encode_tensors`)."""
  if not hasattr(model, "refine_latents"):
    raise ValueError(f"model {name} cannot refine its latents (refine "
                     "steps need a hyperprior model)")


def encode_tensors(model, image: np.ndarray, refine_steps: int = 0,
                   progress: Optional[Callable[[], None]] = None):
  """A model's `compress` tensors for a uint8 `[H, W, 3]` image, and the
  latents they code when `refine_steps` > 0 (else None).

  With `refine_steps`, the model's latents are first refined for this image
  (`refine_latents`; hyperprior models): a slower encode whose files any
  decoder reads. `progress` is called after each refinement step.
  """
  steps = int(refine_steps)
  if steps < 0:
    raise ValueError(f"refine steps must be 0 or more, not {steps}")
  if not steps:
    return model.compress(image), None
  check_refinable(model, type(model).__name__)
  latents = model.refine_latents(image, steps, progress=progress)
  return model.compress_latents(latents, np.asarray(image.shape[:2],
                                                    np.int32)), latents


def compress_image(image: np.ndarray, model_name: str = zoo.DEFAULT_MODEL,
                   quality: Optional[int] = None, model=None,
                   refine_steps: int = 0,
                   progress: Optional[Callable[[], None]] = None) -> bytes:
  """Compresses a uint8 `[H, W, 3]` image into tfcodec file bytes (with
  `refine_steps`, from latents refined for it: see `encode_tensors`)."""
  if quality is None:
    quality = zoo.default_quality(model_name)
  model = model or zoo.load(model_name, quality)
  tensors, _ = encode_tensors(model, image, refine_steps, progress)
  return pack_encoded(model_name, quality or 0, image.shape, tensors)


def decode_tensors(model, tensors: Sequence, header: bitstream.Header,
                   synthesis: Optional[Callable] = None):
  """Runs the model's `decompress` on a file's tensors (from `read_file`).

  With `synthesis` (e.g. a `tfcodec.tflite.Synthesis`), only the entropy
  decoding runs in TensorFlow (`model.entropy_decode`), and `synthesis`
  turns its latents into the image.
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  _check_shapes(model, tensors, header)
  try:
    if synthesis is None:
      image = model.decompress(*tensors).numpy()
    else:
      decoded = model.entropy_decode(*tensors)
      image = np.asarray(synthesis(decoded["latents"].numpy(),
                                   decoded["image_shape"].numpy()))
  except (tf.errors.InvalidArgumentError, ValueError) as e:
    raise CorruptedError("payload does not decode with model "
                         f"'{header.model}' ({type(e).__name__})") from None
  if image.shape != (header.height, header.width, 3):
    raise CorruptedError(f"decoded image is {image.shape[1]}x{image.shape[0]}, "
                         f"the header says {header.width}x{header.height}")
  return image


def _check_shapes(model, tensors, header: bitstream.Header) -> None:
  """Bounds every shape the payload carries by the header's image size.

  Shapes inside the payload (image, latent and hyper-latent sizes) decide
  how much the decoder allocates, so a crafted file could otherwise claim a
  huge latent behind a small header. Latents are never larger than the
  padded image.
  """
  limit = max(header.height, header.width) + model.multiple
  for i, (tensor, spec) in enumerate(zip(tensors, model.decompress.input_signature,
                                         strict=True)):
    if tensor.shape.rank != spec.shape.rank or not spec.shape.is_compatible_with(
        tensor.shape):
      raise CorruptedError(f"payload tensor {i} has shape {tensor.shape}, the "
                           f"model expects {spec.shape}")
    if tensor.dtype.is_integer:
      values = tensor.numpy().reshape(-1)
      if values.size and (values.min() < 1 or values.max() > limit):
        raise CorruptedError(f"payload shape {values.tolist()} does not fit "
                             f"a {header.width}x{header.height} image")


def decompress_bytes(data: bytes, model=None, backend: str = "tf",
                     quantization: str = "none", tflite_model: Optional[bytes]
                     = None, iterations: Optional[int] = None
                     ) -> Tuple[np.ndarray, bitstream.Header]:
  """Decodes tfcodec file bytes into (uint8 image, header).

  Args:
    data: the file's bytes.
    model: the zoo model (default: the shipped one the header names).
    backend: "tf" decodes in TensorFlow; "tflite" runs the synthesis under
      LiteRT (`tfcodec.tflite`), converted from the shipped weights with
      `quantization` (cached), or `tflite_model` if given.
    iterations: progressive models only: decode the first this many
      iterations (default: all the file holds).
  """
  return decompress_file(read_file(data, iterations), model, backend,
                         quantization, tflite_model)


def decompress_file(found: FileTensors, model=None, backend: str = "tf",
                    quantization: str = "none",
                    tflite_model: Optional[bytes] = None
                    ) -> Tuple[np.ndarray, bitstream.Header]:
  """`decompress_bytes` for a file already read by `read_file`."""
  header, tensors = found
  model = model or zoo.load(header.model, header.quality)
  synthesis = None
  if backend == "tflite":
    from tfcodec import tflite  # pylint: disable=g-import-not-at-top
    if tflite_model is not None:
      synthesis = tflite.Synthesis(tflite_model)
    else:
      synthesis = tflite.cached_synthesis(header.model, header.quality,
                                          quantization, model=model)
  elif backend != "tf":
    raise ValueError(f"unknown backend '{backend}' (tf or tflite)")
  return decode_tensors(model, tensors, header, synthesis), header

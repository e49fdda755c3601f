"""Classical codecs for comparisons, behind one `Codec` interface.

Every codec turns a uint8 RGB image into bytes and back; bpp always comes
from those real bytes.
"""

import io
from typing import Tuple

import numpy as np
from PIL import Image

__all__ = ["Codec", "PillowCodec", "JPEG420", "JPEG444", "WebP", "get_codec"]


class Codec:
  """A lossy image codec with an integer quality knob."""
  name = "codec"
  description = ""

  def encode(self, image: np.ndarray, quality: int) -> bytes:
    raise NotImplementedError

  def decode(self, data: bytes) -> np.ndarray:
    raise NotImplementedError

  def round_trip(self, image: np.ndarray, quality: int
                 ) -> Tuple[bytes, np.ndarray]:
    data = self.encode(image, quality)
    return data, self.decode(data)


class PillowCodec(Codec):
  """A codec through Pillow's encoder and decoder."""
  format = ""
  options: dict = {}

  def encode(self, image, quality):
    buf = io.BytesIO()
    Image.fromarray(image, "RGB").save(buf, self.format, quality=int(quality),
                                       **self.options)
    return buf.getvalue()

  def decode(self, data):
    with Image.open(io.BytesIO(data)) as img:
      return np.asarray(img.convert("RGB"), np.uint8)


class JPEG420(PillowCodec):
  name = "jpeg420"
  description = "Pillow JPEG (libjpeg), 4:2:0 chroma subsampling, optimized Huffman"
  format = "JPEG"
  options = {"subsampling": 2, "optimize": True}


class JPEG444(PillowCodec):
  name = "jpeg444"
  description = "Pillow JPEG (libjpeg), 4:4:4, optimized Huffman"
  format = "JPEG"
  options = {"subsampling": 0, "optimize": True}


class WebP(PillowCodec):
  name = "webp"
  description = "Pillow WebP (libwebp), method 6"
  format = "WEBP"
  options = {"method": 6}


_CODECS = {c.name: c for c in (JPEG420, JPEG444, WebP)}


def get_codec(name: str) -> Codec:
  if name not in _CODECS:
    raise ValueError(f"unknown codec '{name}'; have {', '.join(_CODECS)}")
  return _CODECS[name]()

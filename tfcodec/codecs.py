"""Classical codecs for benchmarks, all behind one `Codec` base class.

* Pillow: JPEG 4:2:0 and 4:4:4 (libjpeg), WebP (libwebp), JPEG 2000
  (OpenJPEG), AVIF (libavif).
* External encoders when their binaries are on PATH: cjxl/djxl (JPEG XL),
  avifenc/avifdec, bpgenc/bpgdec. `available_codecs()` says which are missing.

Every codec turns a uint8 RGB image into bytes and back. bpp always comes from
those real bytes. `quality` is the codec's own knob (for JPEG 2000, the target
PSNR in dB passed to OpenJPEG).
"""

import io
import os
import shutil
import subprocess
import tempfile
from typing import Dict, List, Sequence, Tuple

import numpy as np
from PIL import Image, features

from tfcodec.errors import TfcodecError

__all__ = ["Codec", "CodecError", "PillowCodec", "ExternalCodec", "JPEG420", "JPEG444",
           "WebP", "JPEG2000", "AVIF", "JPEGXL", "AVIFEnc", "BPG",
           "CODECS", "get_codec", "available_codecs"]


class CodecError(TfcodecError):
  """An external encoder or decoder failed."""


class Codec:
  """A lossy image codec with an integer quality knob.

  Subclasses set `name`, `description`, `qualities` (the default sweep, from
  low to high rate) and implement `encode` and `decode`.
  """
  name = "codec"
  description = ""
  qualities: Sequence[int] = ()

  def available(self) -> Tuple[bool, str]:
    """(True, "") or (False, why not)."""
    return True, ""

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
  feature = ""
  options: Dict = {}

  def available(self):
    if self.feature and not features.check(self.feature):
      return False, f"Pillow was built without {self.feature}"
    return True, ""

  def save_options(self, quality: int) -> Dict:
    return dict(self.options, quality=int(quality))

  def encode(self, image, quality):
    buf = io.BytesIO()
    Image.fromarray(np.asarray(image, np.uint8), "RGB").save(
        buf, self.format, **self.save_options(quality))
    return buf.getvalue()

  def decode(self, data):
    with Image.open(io.BytesIO(data)) as img:
      return np.asarray(img.convert("RGB"), np.uint8)


class JPEG420(PillowCodec):
  name = "jpeg420"
  description = "Pillow JPEG (libjpeg), 4:2:0, optimized Huffman tables"
  format = "JPEG"
  options = {"subsampling": 2, "optimize": True}
  qualities = (5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90)


class JPEG444(JPEG420):
  name = "jpeg444"
  description = "Pillow JPEG (libjpeg), 4:4:4, optimized Huffman tables"
  options = {"subsampling": 0, "optimize": True}


class WebP(PillowCodec):
  name = "webp"
  description = "Pillow WebP (libwebp), lossy, method 6"
  format = "WEBP"
  feature = "webp"
  options = {"method": 6}
  qualities = (5, 10, 20, 30, 40, 50, 60, 70, 80, 90)


class JPEG2000(PillowCodec):
  name = "jpeg2000"
  description = ("Pillow JPEG 2000 (OpenJPEG), irreversible, RGB->YCbCr "
                 "(mct=1); quality = target PSNR in dB")
  format = "JPEG2000"
  feature = "jpg_2000"
  qualities = (24, 26, 28, 30, 32, 34, 36, 38, 40)

  def save_options(self, quality):
    return {"quality_mode": "dB", "quality_layers": [float(quality)],
            "irreversible": True, "mct": 1}


class AVIF(PillowCodec):
  name = "avif"
  description = "Pillow AVIF (libavif), 4:2:0"
  format = "AVIF"
  feature = "avif"
  qualities = (10, 20, 30, 40, 50, 60, 70, 80, 90)


class ExternalCodec(Codec):
  """A codec run through an encoder and a decoder binary on PATH."""
  encoder = ""
  decoder = ""
  suffix = ""

  def available(self):
    missing = [b for b in (self.encoder, self.decoder) if not shutil.which(b)]
    if missing:
      return False, f"{' and '.join(missing)} not on PATH"
    return True, ""

  def encode_args(self, src: str, dst: str, quality: int) -> List[str]:
    raise NotImplementedError

  def decode_args(self, src: str, dst: str) -> List[str]:
    return [self.decoder, src, dst]

  @staticmethod
  def _run(args):
    result = subprocess.run(args, capture_output=True, check=False)
    if result.returncode != 0:
      message = (result.stderr or result.stdout).decode(errors="replace")
      last = message.strip().splitlines()[-1:] or ["no message"]
      raise CodecError(f"{args[0]} failed (exit {result.returncode}): "
                       f"{last[0]}")

  def encode(self, image, quality):
    with tempfile.TemporaryDirectory() as tmp:
      src, dst = os.path.join(tmp, "in.png"), os.path.join(tmp, "out" + self.suffix)
      Image.fromarray(np.asarray(image, np.uint8), "RGB").save(src)
      self._run(self.encode_args(src, dst, quality))
      with open(dst, "rb") as f:
        return f.read()

  def decode(self, data):
    with tempfile.TemporaryDirectory() as tmp:
      src, dst = os.path.join(tmp, "in" + self.suffix), os.path.join(tmp, "out.png")
      with open(src, "wb") as f:
        f.write(data)
      self._run(self.decode_args(src, dst))
      with Image.open(dst) as img:
        return np.asarray(img.convert("RGB"), np.uint8)


class JPEGXL(ExternalCodec):
  name = "jpegxl"
  description = "JPEG XL (libjxl cjxl/djxl); quality = cjxl -q"
  encoder, decoder, suffix = "cjxl", "djxl", ".jxl"
  qualities = (10, 20, 30, 40, 50, 60, 70, 80, 90)

  def encode_args(self, src, dst, quality):
    return [self.encoder, src, dst, "-q", str(quality), "--quiet"]


class AVIFEnc(ExternalCodec):
  name = "avifenc"
  description = ("AVIF (libavif avifenc/avifdec, 4:4:4, speed 6); quantizer "
                 "= round(63 * (100 - quality) / 100)")
  encoder, decoder, suffix = "avifenc", "avifdec", ".avif"
  qualities = (10, 20, 30, 40, 50, 60, 70, 80, 90)

  def encode_args(self, src, dst, quality):
    q = str(round(63 * (100 - int(quality)) / 100))
    return [self.encoder, "--min", q, "--max", q, "-y", "444", "-s", "6",
            src, dst]


class BPG(ExternalCodec):
  name = "bpg"
  description = "BPG (bpgenc/bpgdec, 4:4:4); quality = 51 - QP"
  encoder, decoder, suffix = "bpgenc", "bpgdec", ".bpg"
  qualities = (11, 15, 19, 23, 27, 31, 35)

  def encode_args(self, src, dst, quality):
    return [self.encoder, "-q", str(51 - int(quality)), "-f", "444",
            "-o", dst, src]

  def decode_args(self, src, dst):
    return [self.decoder, "-o", dst, src]


CODECS = {c.name: c for c in (JPEG420, JPEG444, WebP, JPEG2000, AVIF, JPEGXL,
                              AVIFEnc, BPG)}


def get_codec(name: str) -> Codec:
  if name not in CODECS:
    raise ValueError(f"unknown codec '{name}'; have {', '.join(CODECS)}")
  return CODECS[name]()


def available_codecs() -> Tuple[List[str], Dict[str, str]]:
  """(names of usable codecs, {name: why not} for the others)."""
  ok, missing = [], {}
  for name, cls in CODECS.items():
    usable, why = cls().available()
    if usable:
      ok.append(name)
    else:
      missing[name] = why
  return ok, missing

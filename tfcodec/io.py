"""Reading and writing images as uint8 RGB `[H, W, 3]` arrays, and atomic writes.

`read_image` applies EXIF orientation, expands grey to RGB, and reduces alpha
and 16-bit input to 8-bit RGB with a one-line warning saying exactly what was
done. It refuses images over `max_pixels` before decoding them.
"""

import os
import sys
import tempfile
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from tfcodec.errors import ImageError

__all__ = ["DEFAULT_MAX_PIXELS", "read_image", "write_image", "encode_image", "atomic_write",
           "WRITE_FORMATS"]

#: Images with more pixels than this are refused (decompression bombs).
DEFAULT_MAX_PIXELS = 100_000_000

#: File extension -> (Pillow format, save options).
WRITE_FORMATS = {
    ".png": ("PNG", {}),
    ".jpg": ("JPEG", {"quality": 95}),
    ".jpeg": ("JPEG", {"quality": 95}),
    ".webp": ("WEBP", {"lossless": True}),
    ".bmp": ("BMP", {}),
    ".tif": ("TIFF", {}),
    ".tiff": ("TIFF", {}),
}


def _warn(message, quiet):
  if not quiet:
    print(f"tfcodec: warning: {message}", file=sys.stderr)


def _png_bit_depth(path):
  try:
    with open(path, "rb") as f:
      head = f.read(25)
  except OSError:
    return None
  if head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) == 25:
    return head[24]
  return None


def read_image(path: str, max_pixels: int = DEFAULT_MAX_PIXELS,
               quiet: bool = False) -> np.ndarray:
  """Reads an image file as a uint8 RGB array of shape `[H, W, 3]`.

  Args:
    path: PNG, JPEG, WebP, TIFF, BMP or any other format Pillow reads.
    max_pixels: refuse images with more pixels than this.
    quiet: suppress the one-line warnings about reductions.

  Raises:
    ImageError: with the file name and the problem.
  """
  try:
    with warnings.catch_warnings():
      warnings.simplefilter("error", Image.DecompressionBombWarning)
      img = Image.open(path)
  except FileNotFoundError:
    raise ImageError(f"{path}: no such file") from None
  except IsADirectoryError:
    raise ImageError(f"{path}: is a folder, not an image") from None
  except (Image.DecompressionBombError, Image.DecompressionBombWarning):
    raise ImageError(f"{path}: image is too large (decompression bomb "
                     f"check)") from None
  except UnidentifiedImageError:
    raise ImageError(f"{path}: not an image file Pillow can read") from None
  except OSError as e:
    raise ImageError(f"{path}: cannot open image ({e})") from None
  with img:
    width, height = img.size
    if width * height > max_pixels:
      raise ImageError(f"{path}: {width}x{height} is {width * height} pixels, "
                       f"over the limit of {max_pixels}")
    if width < 1 or height < 1:
      raise ImageError(f"{path}: image has no pixels")
    try:
      img.load()
      img = ImageOps.exif_transpose(img)
      return _to_rgb(img, path, quiet)
    except ImageError:
      raise
    except (OSError, ValueError, SyntaxError) as e:
      raise ImageError(f"{path}: image data is corrupt or truncated "
                       f"({e})") from None


def _to_rgb(img, path, quiet):
  mode = img.mode
  if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
    a = np.asarray(img)
    if mode == "F":
      raise ImageError(f"{path}: floating-point images are not supported")
    if a.max(initial=0) > 65535 or a.min(initial=0) < 0:
      raise ImageError(f"{path}: 32-bit integer images are not supported")
    _warn(f"{path}: 16-bit grey reduced to 8 bits (value >> 8) and expanded "
          f"to RGB", quiet)
    a = (a.astype(np.uint32) >> 8).astype(np.uint8)
    return np.ascontiguousarray(np.repeat(a[..., None], 3, axis=-1))
  if mode == "P":
    img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    mode = img.mode
  if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
    rgba = img.convert("RGBA")
    if rgba.getextrema()[3][0] < 255:
      _warn(f"{path}: alpha channel dropped (image composited over white)",
            quiet)
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    img = Image.alpha_composite(background, rgba).convert("RGB")
  elif mode in ("1", "L"):
    img = img.convert("RGB")
  elif mode == "RGB":
    if _png_bit_depth(path) == 16:
      _warn(f"{path}: 16-bit RGB reduced to 8 bits per channel", quiet)
  else:
    _warn(f"{path}: {mode} image converted to RGB", quiet)
    img = img.convert("RGB")
  return np.ascontiguousarray(np.asarray(img, dtype=np.uint8))


def atomic_write(path: str, data: bytes) -> None:
  """Writes `data` to `path` through a temporary file and a rename."""
  folder = os.path.dirname(os.path.abspath(path))
  fd, tmp = tempfile.mkstemp(prefix=".tfcodec-", dir=folder)
  try:
    with os.fdopen(fd, "wb") as f:
      f.write(data)
    # mkstemp makes the file private (0600); give it the usual permissions.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)
  except BaseException:
    if os.path.exists(tmp):
      os.unlink(tmp)
    raise


def encode_image(array: np.ndarray, extension: str) -> bytes:
  """Encodes a uint8 `[H, W, 3]` array in the format named by `extension`."""
  import io  # pylint: disable=g-import-not-at-top
  ext = extension.lower()
  if ext not in WRITE_FORMATS:
    raise ImageError(f"cannot write '{ext}' files; use one of "
                     f"{', '.join(sorted(WRITE_FORMATS))}")
  fmt, options = WRITE_FORMATS[ext]
  buf = io.BytesIO()
  Image.fromarray(np.asarray(array, np.uint8), "RGB").save(buf, fmt, **options)
  return buf.getvalue()


def write_image(path: str, array: np.ndarray) -> None:
  """Writes a uint8 RGB array atomically, in the format of `path`'s extension."""
  ext = os.path.splitext(path)[1]
  try:
    data = encode_image(array, ext)
  except ImageError as e:
    raise ImageError(f"{path}: {e}") from None
  atomic_write(path, data)

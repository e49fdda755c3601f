"""Measuring codecs and zoo models over a folder of images.

Results use CompressAI's JSON layout::

  {"name": ..., "description": ...,
   "results": {"quality": [...], "bpp": [...], "psnr-rgb": [...],
               "ms-ssim-rgb": [...], "ms-ssim-rgb-db": [...],
               "encoding_time": [...], "decoding_time": [...]},
   "per_image": {...}}

where each list has one entry per quality (means over images).
"""

import os
import time
from typing import Dict, List, Optional, Sequence

import numpy as np
from tqdm import tqdm

from tfcodec import coding, io as tio, metrics, zoo
from tfcodec.codecs import Codec

__all__ = ["list_images", "measure_model", "measure_codec", "to_results",
           "interpolate"]


def list_images(folder: str) -> List[str]:
  from tfcodec.data import IMAGE_EXTENSIONS  # pylint: disable=g-import-not-at-top
  files = sorted(os.path.join(folder, f) for f in os.listdir(folder)
                 if f.lower().endswith(IMAGE_EXTENSIONS))
  if not files:
    raise FileNotFoundError(f"{folder}: no images")
  return files


def _row(path, image, data, decoded, t_enc, t_dec, **extra):
  h, w = image.shape[:2]
  ms = metrics.ms_ssim(image, decoded)
  row = {"image": os.path.basename(path), "bytes": len(data),
         "bpp": metrics.bpp(len(data), h, w),
         "psnr-rgb": metrics.psnr(image, decoded), "ms-ssim-rgb": ms,
         "ms-ssim-rgb-db": metrics.ms_ssim_db(ms),
         "encoding_time": t_enc, "decoding_time": t_dec}
  row.update(extra)
  return row


def measure_model(name: str, quality: int, files: Sequence[str],
                  model=None, progress: bool = True) -> List[Dict]:
  """Compresses every file to real tfcodec bytes; one row per image.

  Rows also hold `estimate_bpp` (the model's own rate estimate),
  `coded_bpp` (the range-coded strings alone) and `overhead_bytes` (the
  container header and tensor packing), so that the range coder can be
  checked against the estimate.
  """
  model = model or zoo.load(name, quality)
  rows = []
  for path in tqdm(files, desc=f"{name} q{quality}", disable=not progress):
    image = tio.read_image(path)
    t = time.perf_counter()
    tensors = model.compress(image)
    data = coding.pack_encoded(name, quality, image.shape, tensors)
    t_enc = time.perf_counter() - t
    string_bytes = sum(len(s) for t in tensors if t.dtype.name == "string"
                       for s in t.numpy().reshape(-1))
    t = time.perf_counter()
    decoded, _ = coding.decompress_bytes(data, model=model)
    t_dec = time.perf_counter() - t
    h, w = image.shape[:2]
    rows.append(_row(path, image, data, decoded, t_enc, t_dec,
                     estimate_bpp=model.estimate_bits(image) / (h * w),
                     coded_bpp=8 * string_bytes / (h * w),
                     overhead_bytes=len(data) - string_bytes))
  return rows


def measure_codec(codec: Codec, quality: int, files: Sequence[str],
                  images: Optional[Dict[str, np.ndarray]] = None) -> List[Dict]:
  rows = []
  for path in files:
    image = images[path] if images else tio.read_image(path)
    t = time.perf_counter()
    data = codec.encode(image, quality)
    t_enc = time.perf_counter() - t
    t = time.perf_counter()
    decoded = codec.decode(data)
    t_dec = time.perf_counter() - t
    rows.append(_row(path, image, data, decoded, t_enc, t_dec))
  return rows


_KEYS = ("bpp", "psnr-rgb", "ms-ssim-rgb", "ms-ssim-rgb-db", "encoding_time",
         "decoding_time")


def to_results(name: str, description: str,
               per_quality: Dict[int, List[Dict]]) -> Dict:
  """Means over images per quality, in the CompressAI JSON layout."""
  qualities = sorted(per_quality)
  results = {"quality": qualities}
  for key in _KEYS:
    results[key] = [float(np.mean([r[key] for r in per_quality[q]]))
                    for q in qualities]
  return {"name": name, "description": description, "results": results,
          "per_image": {str(q): per_quality[q] for q in qualities}}


def interpolate(bpp: float, curve_bpp: Sequence[float],
                curve_value: Sequence[float]) -> float:
  """Value of a rate curve at `bpp` (linear in bpp between points)."""
  order = np.argsort(curve_bpp)
  x = np.asarray(curve_bpp)[order]
  y = np.asarray(curve_value)[order]
  if not x[0] <= bpp <= x[-1]:
    return float("nan")
  return float(np.interp(bpp, x, y))

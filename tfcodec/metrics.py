"""Quality and rate metrics: PSNR (RGB, 8 bit), MS-SSIM (tf.image), bpp.

MS-SSIM uses `tf.image.ssim_multiscale`. Its five scales need images of at
least 161 px on the short side (11 px filter at the coarsest of 5 scales);
smaller images use as many scales as fit, with the standard power factors
truncated and renormalised, and a single-scale SSIM with a smaller filter
below 11 px.
"""

import math

import numpy as np

__all__ = ["psnr", "ms_ssim", "ms_ssim_db", "bpp", "mse"]

_POWER_FACTORS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
_FILTER = 11


def mse(a: np.ndarray, b: np.ndarray) -> float:
  a = np.asarray(a, np.float64)
  b = np.asarray(b, np.float64)
  if a.shape != b.shape:
    raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
  return float(np.mean((a - b) ** 2))


def psnr(a: np.ndarray, b: np.ndarray, max_value: float = 255.0) -> float:
  """PSNR in dB over all RGB values; `inf` for identical images."""
  m = mse(a, b)
  return math.inf if m == 0 else 10.0 * math.log10(max_value ** 2 / m)


def ms_ssim(a: np.ndarray, b: np.ndarray, max_value: float = 255.0) -> float:
  """MS-SSIM on RGB `[H, W, 3]` images (mean over channels, as tf.image)."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  a = np.asarray(a, np.float32)
  b = np.asarray(b, np.float32)
  if a.shape != b.shape:
    raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
  short = min(a.shape[:2])
  scales = 1
  while scales < 5 and short // 2 ** scales >= _FILTER:
    scales += 1
  if short < _FILTER:
    size = short if short % 2 else max(short - 1, 1)
    return float(tf.image.ssim(a, b, max_value, filter_size=size))
  if scales == 5:
    return float(tf.image.ssim_multiscale(a, b, max_value))
  factors = _POWER_FACTORS[:scales]
  factors = tuple(f / sum(factors) for f in factors)
  return float(tf.image.ssim_multiscale(a, b, max_value,
                                        power_factors=factors))


def ms_ssim_db(value: float) -> float:
  """MS-SSIM expressed in dB: -10 log10(1 - MS-SSIM)."""
  return math.inf if value >= 1 else -10.0 * math.log10(1.0 - value)


def bpp(num_bytes: int, height: int, width: int) -> float:
  """Bits per pixel from a real byte count."""
  return 8.0 * num_bytes / (height * width)

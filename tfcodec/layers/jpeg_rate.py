"""A differentiable estimate of the size of a baseline JPEG.

JPEG's rate has no gradient: `tf.io.encode_jpeg` is a black box. This module
follows the encoder's own steps in differentiable form, so that a network that
feeds JPEG (ComCNN) can learn what its output costs:

1. RGB to JFIF YCbCr, and for 4:2:0 a 2x2 average of the chroma planes;
2. the orthonormal 8x8 DCT-II of each block (JPEG's DCT is this transform);
3. division by the quality's quantization tables (IJG/libjpeg's scaling of
   the standard tables, the ones `encode_jpeg` and Pillow use);
4. `log2(1 + |coefficient|)` summed over every coefficient, the DC terms taken
   as differences along each row of blocks as JPEG codes them.

Step 4 stands in for Huffman coding: a coefficient of magnitude v costs about
`ceil(log2(v + 1))` magnitude bits plus its code, and zeros cost little. The
sum tracks real file sizes closely but not in scale;
`python -m models.jpeg_rate_fit` measures how closely and fits the scale.
"""

import numpy as np
import tensorflow as tf

from tfcodec.layers.dct_conv import dct_basis

__all__ = ["quantization_tables", "rgb_to_ycbcr", "block_dct",
           "jpeg_rate_proxy"]

# ITU-T T.81 Annex K, tables K.1 and K.2, in row-major (not zigzag) order.
_LUMA = np.array([
    16, 11, 10, 16, 24, 40, 51, 61,
    12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77,
    24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101,
    72, 92, 95, 98, 112, 100, 103, 99], np.float64)
_CHROMA = np.array([
    17, 18, 24, 47, 99, 99, 99, 99,
    18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99], np.float64)


def quantization_tables(quality: int) -> np.ndarray:
  """The luma and chroma tables libjpeg uses at `quality`: `[2, 64]`, row-major
  8x8, baseline (each entry clipped to 1..255)."""
  quality = int(quality)
  if not 1 <= quality <= 100:
    raise ValueError(f"JPEG quality {quality} is outside 1..100")
  scale = 5000 // quality if quality < 50 else 200 - 2 * quality
  tables = np.floor((np.stack([_LUMA, _CHROMA]) * scale + 50) / 100)
  return np.clip(tables, 1, 255).astype(np.float32)


def rgb_to_ycbcr(rgb):
  """JFIF's full-range RGB -> YCbCr on the 0..255 scale, with the level shift
  (128) taken off every plane, as JPEG codes them: `[..., 3]`."""
  m = tf.constant([[0.299, -0.168736, 0.5],
                   [0.587, -0.331264, -0.418688],
                   [0.114, 0.5, -0.081312]], rgb.dtype)
  ycc = tf.tensordot(rgb, m, 1)
  return ycc - tf.constant([128.0, 0.0, 0.0], rgb.dtype)


def block_dct(plane):
  """Orthonormal 8x8 DCT-II of each block of `[B, H, W]` (H and W multiples
  of 8): `[B, H/8, W/8, 64]`, coefficients row-major like the tables."""
  shape = tf.shape(plane)
  blocks = tf.reshape(plane, [shape[0], shape[1] // 8, 8, shape[2] // 8, 8])
  blocks = tf.reshape(tf.transpose(blocks, [0, 1, 3, 2, 4]),
                      [shape[0], shape[1] // 8, shape[2] // 8, 64])
  # dct_basis: kernel.ravel() = basis @ coefficients, so coefficients =
  # basis^T @ block (the basis is orthonormal).
  basis = tf.constant(dct_basis(8, 8), plane.dtype)
  return tf.tensordot(blocks, basis, 1)


def _pad_to(x, multiple):
  """Pads `[B, H, W, C]` at the bottom and right to multiples of `multiple`
  by repeating the last row and column, as libjpeg does."""
  shape = tf.shape(x)
  pad_h = (-shape[1]) % multiple
  pad_w = (-shape[2]) % multiple
  x = tf.concat([x, tf.repeat(x[:, -1:], pad_h, axis=1)], axis=1)
  return tf.concat([x, tf.repeat(x[:, :, -1:], pad_w, axis=2)], axis=2)


def _plane_cost(plane, table):
  """Sum of log2(1 + |quantized coefficient|) of one plane `[B, H, W]` with
  one table per image `[B, 64]`: `[B]`."""
  coefficients = block_dct(plane) / table[:, None, None, :]
  dc = coefficients[..., 0]
  dc_diff = tf.concat([dc[:, :, :1], dc[:, :, 1:] - dc[:, :, :-1]], axis=2)
  cost = tf.reduce_sum(tf.math.log1p(tf.abs(coefficients[..., 1:])), [1, 2, 3])
  cost += tf.reduce_sum(tf.math.log1p(tf.abs(dc_diff)), [1, 2])
  return cost / np.log(2.0)


def jpeg_rate_proxy(rgb, tables, chroma_downsampling=True):
  """The rate proxy of each image: `rgb` `[B, H, W, 3]` on the 0..255 scale,
  `tables` `[B, 2, 64]` (each image's `quantization_tables`). Returns `[B]`,
  about proportional to the JPEG file's bits (not equal to them)."""
  rgb = tf.cast(rgb, tf.float32)
  tables = tf.cast(tables, tf.float32)
  ycc = rgb_to_ycbcr(_pad_to(rgb, 16 if chroma_downsampling else 8))
  cost = _plane_cost(ycc[..., 0], tables[:, 0])
  chroma = ycc[..., 1:]
  if chroma_downsampling:
    chroma = tf.nn.avg_pool2d(chroma, 2, 2, "VALID")
  for k in range(2):
    cost += _plane_cost(chroma[..., k], tables[:, 1])
  return cost

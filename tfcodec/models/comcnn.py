"""ComCNN/RecCNN around JPEG: Jiang, Tao, Liu, Ren, Zhao 2017.

"An End-to-End Compression Framework Based on Convolutional Neural
Networks", IEEE TCSVT 2018, https://arxiv.org/abs/1708.00838.

* ComCNN turns the image into a compact image at half the resolution
  (`scale` 2, the paper; `scale` 1 keeps the full resolution, see
  `ComCNNFull`);
* JPEG codes the compact image (TensorFlow's own `encode_jpeg` and
  `decode_jpeg`, stock ops), at the zoo quality as its JPEG quality;
* RecCNN upsamples the decoded compact image (fixed bicubic, a stock
  convolution and depth-to-space, see `BicubicUpsample`) and adds the
  residual it predicts.

JPEG is not differentiable, so the two networks are trained in turns, as
in the paper (`train_part`): RecCNN on the real JPEG outputs of a frozen
ComCNN, and ComCNN through a frozen RecCNN with JPEG replaced by its
straight-through approximation: the forward pass uses the real codec
output, the backward pass treats the codec as the identity (`call`). JPEG's
rate can reach ComCNN's gradient through a differentiable proxy
(`rate_proxy_scale`, `tfcodec.layers.jpeg_rate`).

Departures from the paper, each measured in the model card: colour rather
than grey (`color`); ComCNN predicts the compact image as a residual on
top of a 2x2 average of the image (`compact_skip`), which starts training
from a sensible compact image; and RecCNN's layers work at the compact
image's resolution, ending in depth-to-space (`rec_resolution`).
"""

from typing import Sequence

import numpy as np
import tensorflow as tf

from tfcodec.layers import jpeg_rate
from tfcodec.models.base import CompressionModel

__all__ = ["ComCNN", "ComCNNFull", "BicubicUpsample", "bicubic_phase_taps"]

_DECODE_SPEC = [
    tf.TensorSpec(shape=(1,), dtype=tf.string),
    tf.TensorSpec(shape=(2,), dtype=tf.int32),
]


def _keys_cubic(d: float, a: float = -0.5) -> float:
  d = abs(d)
  if d <= 1:
    return (a + 2) * d ** 3 - (a + 3) * d ** 2 + 1
  if d < 2:
    return a * d ** 3 - 5 * a * d ** 2 + 8 * a * d - 4 * a
  return 0.0


def bicubic_phase_taps() -> np.ndarray:
  """The 5-tap filters `[2, 5]` of 2x bicubic upsampling (Keys, a = -1/2,
  half-pixel centres, as `tf.image.resize(method="bicubic")`): output pixel
  2i + p samples the input at i - 1/4 + p/2, from inputs i-2..i+2."""
  taps = np.zeros([2, 5])
  for phase in range(2):
    position = -0.25 + 0.5 * phase
    for k, offset in enumerate(range(-2, 3)):
      taps[phase, k] = _keys_cubic(position - offset)
  return taps


class BicubicUpsample(tf.keras.layers.Layer):
  """2x bicubic upsampling as one fixed convolution and depth-to-space.

  Matches `tf.image.resize(..., method="bicubic")` away from the borders; at
  the borders the edge pixels are repeated (works down to 1x1 images).
  Written with builtin TFLite ops only (GATHER, CONV_2D, DEPTH_TO_SPACE),
  which a resize to bicubic is not.
  """

  def __init__(self, channels: int, **kwargs):
    super().__init__(trainable=False, **kwargs)
    self.channels = int(channels)
    taps = bicubic_phase_taps()
    kernel = np.zeros([5, 5, channels, 4 * channels], np.float32)
    for py in range(2):
      for px in range(2):
        block = np.outer(taps[py], taps[px])
        for c in range(channels):
          kernel[:, :, c, (py * 2 + px) * channels + c] = block
    self._kernel = tf.constant(kernel)

  def call(self, x):
    shape = tf.shape(x)
    for axis in (1, 2):
      n = shape[axis]
      x = tf.gather(x, tf.clip_by_value(tf.range(-2, n + 2), 0, n - 1),
                    axis=axis)
    x = tf.nn.conv2d(x, tf.cast(self._kernel, x.dtype), 1, "VALID")
    return tf.nn.depth_to_space(x, 2)

  def get_config(self):
    return {**super().get_config(), "channels": self.channels}


def _small_init():
  """Last layers start small, not zero: the networks start close to their
  skip connections, and Adam still moves the layers before (exact zeros
  would stop their gradients)."""
  return tf.keras.initializers.VarianceScaling(1e-4, "fan_in",
                                               "truncated_normal")


# Batch-norm statistics follow training within tens of steps (Keras' default
# momentum, 0.99, takes hundreds), so validation during short CPU runs
# measures the networks rather than their starting statistics.
_BN_MOMENTUM = 0.9


def _com_cnn(channels, filters, stride):
  conv = tf.keras.layers.Conv2D
  return tf.keras.Sequential([
      conv(filters, 3, padding="same", activation="relu"),
      conv(filters, 3, strides=stride, padding="same", use_bias=False),
      tf.keras.layers.BatchNormalization(momentum=_BN_MOMENTUM),
      tf.keras.layers.ReLU(),
      # Small at first: training starts from about the 2x2 average (the
      # image itself at scale 1).
      conv(channels, 3, padding="same", kernel_initializer=_small_init()),
  ], name="com_cnn")


def _rec_cnn(channels, filters, layers):
  """RecCNN's layers; `channels` outputs (4 per image channel when it works
  at the compact image's resolution and ends in depth-to-space)."""
  conv = tf.keras.layers.Conv2D
  stack = [conv(filters, 3, padding="same", activation="relu")]
  for _ in range(layers - 2):
    stack += [conv(filters, 3, padding="same", use_bias=False),
              tf.keras.layers.BatchNormalization(momentum=_BN_MOMENTUM),
              tf.keras.layers.ReLU()]
  # Small at first: training starts from about plain bicubic upsampling.
  stack.append(conv(channels, 3, padding="same",
                    kernel_initializer=_small_init()))
  return tf.keras.Sequential(stack, name="rec_cnn")


class ComCNN(CompressionModel):
  """ComCNN -> JPEG -> RecCNN (Jiang et al. 2017), in colour.

  Args:
    jpeg_quality: JPEG quality of the compact image (the zoo quality).
    train_qualities: JPEG qualities drawn at random, per sample, in training,
      so that one pair of networks serves every quality.
    filters: channels of both networks' hidden layers (64 in the paper).
    rec_layers: convolution layers of RecCNN (20 in the paper).
    color: "rgb", both networks see the three channels together; or
      "per_channel", one grey network (as the paper's) applied to R, G and B
      separately.
    chroma_downsampling: JPEG's 4:2:0 chroma subsampling of the compact
      image.
    optimize_huffman: JPEG with Huffman tables optimized for the image
      (`encode_jpeg`'s `optimize_size`), as the Pillow JPEG baseline codes
      with; lossless, so it changes the rate and never the pixels.
    compact_skip: ComCNN predicts a residual over the 2x2 average of the
      image (over the image itself at `scale` 1; else the compact image
      directly, as in the paper).
    scale: how much ComCNN's middle convolution downsamples: 2 (the paper),
      or 1, a compact image at full resolution, which JPEG codes at the
      rates where a half-size image cannot keep up (RecCNN then repairs
      JPEG's output directly, no upsampling; `ComCNNFull`).
    rec_resolution: where RecCNN's layers work: "half" (shipped), on the
      decoded compact image (at `scale` 1, on its space-to-depth), ending in
      depth-to-space to a full-resolution residual that is added to the
      bicubic upsampling (at `scale` 1, to the decoded image); or "full",
      on the bicubic-upsampled image itself (the paper). "half" costs about a
      quarter of the arithmetic and each layer sees twice as far (step
      times in BUILD_NOTES.md).
    train_part: which network training updates: "rec", "com" (the turns) or
      "both" (jointly, each through its own path).
    rate_proxy_scale: when ComCNN trains, JPEG's rate gets a gradient from
      `tfcodec.layers.jpeg_rate.jpeg_rate_proxy` times this (bits per proxy
      unit, measured by `python -m models.jpeg_rate_fit`); the rate's value
      stays the real JPEG's. 0 (the default): no rate gradient, ComCNN sees
      only the distortion, as in the paper.
    rate_weights: with the proxy, the weight of each `train_qualities`
      entry's rate in the loss (default 1 each). The loss is
      `lmbda * mse + sum(weight * bits) / pixels`; weights equal to the
      slope of the current MSE-rate curve at each quality (MSE per bpp) make
      ComCNN trade rate for distortion only where that beats changing the
      JPEG quality.
    lmbda: weight of the MSE in the loss (JPEG's rate has no gradient).
    **kwargs: passed to `tf.keras.Model`.
  """

  multiple = 2
  quality_argument = "jpeg_quality"
  latent_channels = 3
  tiny_config = {"filters": 16, "rec_layers": 4, "rec_resolution": "half"}
  tensor_names = ("jpeg_bytes", "image_shape")

  def __init__(self, jpeg_quality=50, train_qualities: Sequence[int] = (
      10, 20, 30, 40, 50, 60, 70, 80, 90), filters=64, rec_layers=20,
               color="rgb", chroma_downsampling=True, optimize_huffman=True,
               compact_skip=True, rec_resolution="half", scale=2,
               train_part="both",
               rate_proxy_scale=0.0, rate_weights=None, lmbda=1.0, **kwargs):
    super().__init__(lmbda=lmbda, **kwargs)
    if not 1 <= int(jpeg_quality) <= 100:
      raise ValueError(f"JPEG quality {jpeg_quality} is outside 1..100")
    if color not in ("rgb", "per_channel"):
      raise ValueError(f"color must be 'rgb' or 'per_channel', not {color!r}")
    if rec_resolution not in ("full", "half"):
      raise ValueError(f"rec_resolution must be 'full' or 'half', not "
                       f"{rec_resolution!r}")
    if int(scale) not in (1, 2):
      raise ValueError(f"scale must be 1 or 2, not {scale!r}")
    if train_part not in ("rec", "com", "both"):
      raise ValueError(f"train_part must be rec, com or both, not "
                       f"{train_part!r}")
    self.jpeg_quality = int(jpeg_quality)
    self.train_qualities = [int(q) for q in train_qualities]
    self.filters = int(filters)
    self.rec_layers = int(rec_layers)
    self.color = color
    self.chroma_downsampling = bool(chroma_downsampling)
    self.optimize_huffman = bool(optimize_huffman)
    self.compact_skip = bool(compact_skip)
    self.rec_resolution = rec_resolution
    self.scale = int(scale)
    self.train_part = train_part
    self.rate_proxy_scale = float(rate_proxy_scale)
    if rate_weights is None:
      rate_weights = [1.0] * len(self.train_qualities)
    self.rate_weights = [float(w) for w in rate_weights]
    if len(self.rate_weights) != len(self.train_qualities):
      raise ValueError(f"rate_weights has {len(self.rate_weights)} entries "
                       f"for {len(self.train_qualities)} train_qualities")
    net_channels = 3 if color == "rgb" else 1
    self.com_cnn = _com_cnn(net_channels, self.filters, self.scale)
    self.rec_cnn = _rec_cnn(
        net_channels * (4 if rec_resolution == "half" else 1), self.filters,
        self.rec_layers)
    self.upsample = BicubicUpsample(3, dtype="float32")
    self.com_cnn.trainable = train_part in ("com", "both")
    self.rec_cnn.trainable = train_part in ("rec", "both")
    self.build_eagerly()

  # -- the two networks ---------------------------------------------------------

  def _per_channel(self, net, x):
    """Applies `net` to the image's channels together or one by one."""
    if self.color == "rgb":
      return net(x)
    shape = tf.shape(x)
    grey = tf.reshape(tf.transpose(x, [0, 3, 1, 2]),
                      [-1, shape[1], shape[2], 1])
    y = net(grey)
    out_shape = tf.shape(y)
    y = tf.reshape(y, [shape[0], 3, out_shape[1], out_shape[2]])
    return tf.transpose(y, [0, 2, 3, 1])

  def compact(self, x, training=False):
    """ComCNN: float image `[B, H, W, 3]` (H, W even) -> float compact image
    `[B, H/s, W/s, 3]` (s = `scale`), on the 0..255 scale."""
    # The networks compute in the policy's dtype (bfloat16 under
    # mixed_bfloat16); the skip paths and the sums stay in float32.
    x = tf.cast(x, tf.float32) / 255.0 - 0.5
    c = tf.cast(self._per_channel(
        lambda t: self.com_cnn(t, training=training),
        tf.cast(x, self.compute_dtype)), tf.float32)
    if self.compact_skip:
      c = c + (tf.nn.avg_pool2d(x, 2, 2, "VALID") if self.scale == 2 else x)
    return (c + 0.5) * 255.0

  def reconstruct(self, d, training=False):
    """RecCNN: decoded compact image (0..255) -> reconstruction (0..255)."""
    d = tf.cast(d, tf.float32) / 255.0 - 0.5
    up = self.upsample(d) if self.scale == 2 else d
    if self.rec_resolution == "half":
      to_half = (lambda t: t) if self.scale == 2 else (
          lambda t: tf.nn.space_to_depth(t, 2))
      residual = self._per_channel(lambda t: tf.nn.depth_to_space(
          self.rec_cnn(to_half(t), training=training), 2),
                                   tf.cast(d, self.compute_dtype))
    else:
      residual = self._per_channel(
          lambda t: self.rec_cnn(t, training=training),
          tf.cast(up, self.compute_dtype))
    return (up + tf.cast(residual, tf.float32) + 0.5) * 255.0

  @staticmethod
  def to_uint8(c):
    return tf.cast(tf.minimum(tf.maximum(tf.round(c), 0.0), 255.0), tf.uint8)

  def _encode_jpeg(self, compact_uint8, quality: int):
    return tf.io.encode_jpeg(compact_uint8, quality=quality,
                             chroma_downsampling=self.chroma_downsampling,
                             optimize_size=self.optimize_huffman)

  def _jpeg_batch(self, c, training):
    """Real JPEG round trip of each compact image: (decoded, bytes each,
    index of each one's quality in the qualities used)."""
    c8 = self.to_uint8(c)
    qualities = self.train_qualities if training else [self.jpeg_quality]
    batch = tf.shape(c8)[0]
    if training and len(qualities) > 1:
      choice = self._per_sample_choice(batch, len(qualities), salt=3)
    else:
      choice = tf.zeros([batch], tf.int32)

    def one(args):
      image, k = args
      string = tf.switch_case(k, [
          (lambda q=q: self._encode_jpeg(image, q)) for q in qualities])
      return (tf.io.decode_jpeg(string, channels=3),
              tf.strings.length(string))

    decoded, nbytes = tf.map_fn(
        one, (c8, choice), fn_output_signature=(
            tf.TensorSpec([None, None, 3], tf.uint8),
            tf.TensorSpec([], tf.int32)))
    decoded = tf.ensure_shape(decoded, c8.shape)
    return tf.cast(decoded, tf.float32), nbytes, choice

  def call(self, x, training=False):
    c = self.compact(x, training=training)
    decoded, nbytes, choice = self._jpeg_batch(c, training)
    bits = 8.0 * tf.cast(tf.reduce_sum(nbytes), tf.float32)
    if training and self.train_part != "rec":
      # Straight through: the real codec output forward, the identity
      # backward, so ComCNN learns through the frozen (or joint) RecCNN.
      decoded = c + tf.stop_gradient(decoded - c)
      if self.rate_proxy_scale:
        # The real rate's value, the proxy's gradient.
        qualities = self.train_qualities
        tables = tf.gather(np.stack([
            jpeg_rate.quantization_tables(q) for q in qualities]), choice)
        weights = tf.gather(tf.constant(self.rate_weights, tf.float32),
                            choice)
        proxy = jpeg_rate.jpeg_rate_proxy(c, tables, self.chroma_downsampling)
        bits += self.rate_proxy_scale * tf.reduce_sum(
            weights * (proxy - tf.stop_gradient(proxy)))
    else:
      decoded = tf.stop_gradient(decoded)
    x_hat = self.reconstruct(decoded, training=training)
    return {"x_hat": x_hat, "bits": bits, "compact": c}

  # -- coding -------------------------------------------------------------------

  def build_coders(self, state=None):
    del state  # JPEG has no learned tables.

  @tf.function(input_signature=[
      tf.TensorSpec(shape=(None, None, 3), dtype=tf.uint8)])
  def compress(self, image):
    c = self.compact(self.prepare(image))
    string = self._encode_jpeg(self.to_uint8(c)[0], self.jpeg_quality)
    return tf.reshape(string, [1]), tf.shape(image)[:2]

  @tf.function(input_signature=_DECODE_SPEC)
  def entropy_decode(self, string, x_shape):
    compact = tf.io.decode_jpeg(string[0], channels=3)
    return {"latents": tf.cast(compact, tf.float32)[None],
            "image_shape": x_shape}

  @tf.function(input_signature=_DECODE_SPEC)
  def decompress(self, string, x_shape):
    latents = self.entropy_decode(string, x_shape)["latents"]
    return self.finish(self.reconstruct(latents), x_shape)

  @tf.function(reduce_retracing=True)
  def synthesis(self, latents, image_shape):
    return {"image": self.finish(self.reconstruct(latents), image_shape)}

  @tf.function(input_signature=[
      tf.TensorSpec(shape=(None, None, 3), dtype=tf.uint8)])
  def analysis(self, image):
    """The compact image through JPEG (what `synthesis` takes): ComCNN,
    `encode_jpeg` and `decode_jpeg`, all stock ops."""
    string, shape = self.compress(image)
    return self.entropy_decode(string, shape)

  def get_config(self):
    return {"jpeg_quality": self.jpeg_quality,
            "train_qualities": list(self.train_qualities),
            "filters": self.filters, "rec_layers": self.rec_layers,
            "color": self.color,
            "chroma_downsampling": self.chroma_downsampling,
            "optimize_huffman": self.optimize_huffman,
            "compact_skip": self.compact_skip,
            "rec_resolution": self.rec_resolution,
            "scale": self.scale,
            "train_part": self.train_part,
            "rate_proxy_scale": self.rate_proxy_scale,
            "rate_weights": list(self.rate_weights),
            "lmbda": self.lmbda}


class ComCNNFull(ComCNN):
  """ComCNN/RecCNN with a full-resolution compact image (`scale` 1).

  Jiang et al.'s half-size compact image caps quality: Kodak through a 2x2
  average and bicubic upsampling, with no JPEG at all, is 29.23 dB, which
  Pillow JPEG passes at about 0.45 bpp. At scale 1, ComCNN is a
  full-resolution pre-filter and RecCNN repairs JPEG's own output (at half
  resolution through space-to-depth, as the shipped half-size RecCNN), so
  the pair covers the rates above that. Same arguments as `ComCNN`; the
  defaults differ (JPEG qualities for the higher rates).
  """

  def __init__(self, jpeg_quality=20, train_qualities: Sequence[int] = (
      5, 10, 15, 20, 25, 30, 40, 50), scale=1, **kwargs):
    super().__init__(jpeg_quality=jpeg_quality,
                     train_qualities=train_qualities, scale=scale, **kwargs)

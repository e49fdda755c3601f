"""Factorized-prior model: Ballé, Laparra, Simoncelli 2017.

"End-to-end optimized image compression", ICLR 2017,
https://arxiv.org/abs/1611.01704. The latents are coded with a learned,
channel-wise factorized density (tfc.NoisyDeepFactorized) through
tfc.ContinuousBatchedEntropyModel.
"""

import tensorflow as tf
import tensorflow_compression as tfc

from tfcodec.layers import transforms
from tfcodec.models.base import CompressionModel

__all__ = ["FactorizedPrior"]

_DECODE_SPEC = [
    tf.TensorSpec(shape=(1,), dtype=tf.string),
    tf.TensorSpec(shape=(2,), dtype=tf.int32),
    tf.TensorSpec(shape=(2,), dtype=tf.int32),
]


class FactorizedPrior(CompressionModel):
  """Ballé et al. 2017 factorized-prior model.

  Args:
    num_filters: channels of the hidden layers.
    latent_channels: channels of the latent representation y.
    lmbda: rate-distortion trade-off (see `CompressionModel`).
    kernel_parameter: how convolution kernels are trained: "dct" (DCT
      coefficients, the default: fastest to train here), "plain" (Keras
      Conv2D) or "rdft" (tfc.SignalConv2D). All compute the same correlation.
    **kwargs: passed to `tf.keras.Model`.

  Example:
    >>> model = FactorizedPrior(num_filters=8, latent_channels=8)
    >>> model.update()
    >>> tensors = model.compress(tf.zeros([20, 30, 3], tf.uint8))
    >>> model.decompress(*tensors).shape
    TensorShape([20, 30, 3])
  """

  multiple = 16
  tiny_config = {"num_filters": 8, "latent_channels": 8}
  tensor_names = ("latents_bytes", "image_shape", "latent_shape")

  def __init__(self, num_filters=128, latent_channels=192, lmbda=0.01,
               kernel_parameter="dct", **kwargs):
    super().__init__(lmbda=lmbda, **kwargs)
    self.num_filters = int(num_filters)
    self.latent_channels = int(latent_channels)
    self.kernel_parameter = kernel_parameter
    kp = dict(kernel_parameter=kernel_parameter)
    self.analysis_transform = transforms.analysis_transform(
        self.num_filters, self.latent_channels, **kp)
    self.synthesis_transform = transforms.synthesis_transform(
        self.num_filters, **kp)
    self.prior = tfc.NoisyDeepFactorized(batch_shape=(self.latent_channels,))
    self.build_eagerly()

  def call(self, x, training=False):
    y = self.analysis_transform(x)
    if training:
      y_hat = self._perturb(y, 1)
      bits = self._bits(self.prior, y_hat)
    else:
      entropy_model = tfc.ContinuousBatchedEntropyModel(
          self.prior, coding_rank=3, compression=False)
      y_hat, bits = entropy_model(y, training=False)
    x_hat = self.synthesis_transform(y_hat)
    return {"x_hat": x_hat, "bits": tf.reduce_sum(bits)}

  def build_coders(self, state=None):
    self._coders.entropy_model = self._learned_coder("latents", self.prior,
                                                     state)

  @tf.function(input_signature=[
      tf.TensorSpec(shape=(None, None, 3), dtype=tf.uint8)])
  def compress(self, image):
    x = self.prepare(image)
    y = self.analysis_transform(x)
    string = self._coders.entropy_model.compress(y)
    return string, tf.shape(image)[:2], tf.shape(y)[1:-1]

  @tf.function(input_signature=_DECODE_SPEC)
  def decompress(self, string, x_shape, y_shape):
    y_hat = self._coders.entropy_model.decompress(string, y_shape)
    return self.finish(self.synthesis_transform(y_hat), x_shape)

  @tf.function(input_signature=_DECODE_SPEC)
  def entropy_decode(self, string, x_shape, y_shape):
    return {"latents": self._coders.entropy_model.decompress(string, y_shape),
            "image_shape": x_shape}

  @tf.function(input_signature=[
      tf.TensorSpec(shape=(None, None, 3), dtype=tf.uint8)])
  def analysis(self, image):
    """Stock TF ops only: image -> quantized latents (what `compress` codes)."""
    y = self.analysis_transform(self.prepare(image))
    return {"latents": self._stock_quantize(y, "latents"),
            "image_shape": tf.shape(image)[:2]}

  def get_config(self):
    return {"num_filters": self.num_filters,
            "latent_channels": self.latent_channels, "lmbda": self.lmbda,
            "kernel_parameter": self.kernel_parameter}

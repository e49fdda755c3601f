"""A 'same'-padded convolution whose kernel is trained in a DCT basis.

tfc.SignalConv2D's Fourier-domain ("rdft") kernels make these transforms train
faster per step, but on this CPU each of its layers costs 2-4x a Keras Conv2D
(`python -m models.conv_time`). This layer keeps the idea, a kernel stored as
its orthonormal 2-D DCT-II coefficients so that Adam adapts per spatial
frequency, at the cost of one small matmul per call. The forward computation
is an ordinary convolution with `kernel = basis @ coefficients`, so exports
see a plain CONV_2D.
"""

import numpy as np
import tensorflow as tf

__all__ = ["DCTConv2D", "dct_basis"]


def dct_basis(height: int, width: int) -> np.ndarray:
  """Orthonormal 2-D DCT-II basis: `kernel.ravel() = basis @ coefficients`."""

  def dct_1d(n):
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    m = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    m[0] /= np.sqrt(2.0)
    return m  # rows are basis vectors

  return np.kron(dct_1d(height), dct_1d(width)).T.astype(np.float32)


@tf.keras.utils.register_keras_serializable(package="tfcodec")
class DCTConv2D(tf.keras.layers.Layer):
  """Conv2D ('same' padding) with DCT-parameterized kernels.

  Args:
    filters: output channels.
    kernel_size: int or (height, width).
    strides: int stride.
    use_bias: add a bias.
    activation: Keras activation.
    **kwargs: passed to `tf.keras.layers.Layer`.

  Example:
    >>> conv = DCTConv2D(4, 3, strides=2)
    >>> conv(tf.zeros([1, 8, 8, 2])).shape
    TensorShape([1, 4, 4, 4])
  """

  def __init__(self, filters, kernel_size, strides=1, use_bias=True,
               activation=None, **kwargs):
    super().__init__(**kwargs)
    self.filters = int(filters)
    if isinstance(kernel_size, int):
      kernel_size = (kernel_size, kernel_size)
    self.kernel_size = tuple(int(k) for k in kernel_size)
    self.strides = int(strides)
    self.use_bias = bool(use_bias)
    self.activation = tf.keras.activations.get(activation)

  def build(self, input_shape):
    channels = int(input_shape[-1])
    kh, kw = self.kernel_size
    basis = dct_basis(kh, kw)
    self._basis = tf.constant(basis)

    def initializer(shape, dtype=None):
      kernel = tf.keras.initializers.GlorotUniform()(
          (kh, kw, channels, self.filters))
      flat = tf.reshape(kernel, (kh * kw, channels * self.filters))
      return tf.cast(tf.linalg.matmul(basis, flat, transpose_a=True), dtype)

    self.coefficients = self.add_weight(
        "coefficients", shape=(kh * kw, channels * self.filters),
        initializer=initializer, trainable=True)
    self.bias = self.add_weight(
        "bias", shape=(self.filters,), initializer="zeros",
        trainable=True) if self.use_bias else None
    self._channels = channels
    super().build(input_shape)

  @property
  def kernel(self):
    kh, kw = self.kernel_size
    flat = tf.linalg.matmul(self._basis, self.coefficients)
    return tf.reshape(flat, (kh, kw, self._channels, self.filters))

  def call(self, inputs):
    y = tf.nn.conv2d(inputs, tf.cast(self.kernel, inputs.dtype),
                     self.strides, "SAME")
    if self.bias is not None:
      y = tf.nn.bias_add(y, tf.cast(self.bias, y.dtype))
    return self.activation(y) if self.activation is not None else y

  def get_config(self):
    config = super().get_config()
    config.update(filters=self.filters, kernel_size=self.kernel_size,
                  strides=self.strides, use_bias=self.use_bias,
                  activation=tf.keras.activations.serialize(self.activation))
    return config

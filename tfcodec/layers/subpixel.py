"""Sub-pixel convolution: a convolution followed by depth-to-space.

Shi et al. 2016, "Real-Time Single Image and Video Super-Resolution Using an
Efficient Sub-Pixel Convolutional Neural Network". We use it in place of
transposed convolutions in every decoder: it is an ordinary Keras convolution
(fast under bfloat16 on AMX) and it converts to TFLite builtin ops
(CONV_2D + DEPTH_TO_SPACE), while tfc.SignalConv2D upsampling needs Flex ops.
"""

import tensorflow as tf
import tensorflow_compression as tfc

from tfcodec.layers.dct_conv import DCTConv2D

__all__ = ["SubPixelConv2D", "conv2d"]


def conv2d(filters, kernel_size, strides=1, use_bias=True, activation=None,
           kernel_parameter="dct", name=None):
  """A 'same'-padded correlation, optionally strided.

  kernel_parameter chooses how the kernel is trained: "dct" (DCTConv2D, DCT
  coefficients), "plain" (Keras Conv2D) or "rdft" (tfc.SignalConv2D with
  Fourier-domain kernels). The forward computation is the same.
  """
  if kernel_parameter == "dct":
    return DCTConv2D(filters, kernel_size, strides=strides, use_bias=use_bias,
                     activation=activation, name=name)
  if kernel_parameter == "plain":
    return tf.keras.layers.Conv2D(filters, kernel_size, strides=strides,
                                  padding="same", use_bias=use_bias,
                                  activation=activation, name=name)
  if isinstance(kernel_size, int):
    kernel_size = (kernel_size, kernel_size)
  return tfc.SignalConv2D(filters, kernel_size, corr=True,
                          strides_down=strides, padding="same_zeros",
                          use_bias=use_bias, activation=activation,
                          kernel_parameter=kernel_parameter, name=name)


@tf.keras.utils.register_keras_serializable(package="tfcodec")
class SubPixelConv2D(tf.keras.layers.Layer):
  """Upsamples by `factor` with a convolution to `filters * factor**2` channels.

  Args:
    filters: number of output channels after upsampling.
    kernel_size: size of the convolution kernel, applied at the low resolution.
    factor: the upsampling factor.
    use_bias: whether the convolution has a bias.
    activation: activation applied after depth-to-space (a Keras activation
      or layer, e.g. `tfc.GDN(inverse=True)`).
    kernel_parameter: how the kernel is trained (see `conv2d`).
    **kwargs: passed to `tf.keras.layers.Layer`.

  Example:
    >>> up = SubPixelConv2D(8, 3, factor=2)
    >>> up(tf.zeros([1, 4, 4, 16])).shape
    TensorShape([1, 8, 8, 8])
  """

  def __init__(self, filters, kernel_size=3, factor=2, use_bias=True,
               activation=None, kernel_parameter="dct", **kwargs):
    super().__init__(**kwargs)
    self.filters = int(filters)
    self.kernel_size = kernel_size
    self.factor = int(factor)
    self.use_bias = bool(use_bias)
    if isinstance(activation, dict):
      activation = tf.keras.layers.deserialize(activation)
    elif isinstance(activation, str):
      activation = tf.keras.activations.get(activation)
    self.activation = activation
    self.kernel_parameter = kernel_parameter
    self.conv = conv2d(self.filters * self.factor ** 2, kernel_size,
                       use_bias=use_bias, kernel_parameter=kernel_parameter,
                       name="conv")

  def call(self, x):
    y = tf.nn.depth_to_space(self.conv(x), self.factor)
    if self.activation is not None:
      y = self.activation(y)
    return y

  def get_config(self):
    config = super().get_config()
    activation = self.activation
    if isinstance(activation, tf.keras.layers.Layer):
      activation = tf.keras.layers.serialize(activation)
    elif activation is not None:
      activation = tf.keras.activations.serialize(activation)
    config.update(filters=self.filters, kernel_size=self.kernel_size,
                  factor=self.factor, use_bias=self.use_bias,
                  activation=activation, kernel_parameter=self.kernel_parameter)
    return config

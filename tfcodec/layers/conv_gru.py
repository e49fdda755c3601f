"""A convolutional GRU cell (as in Toderici et al. 2017).

The gates are convolutions of the input (optionally strided) and of the
hidden state:

  z = sigmoid(W_z * x + U_z * h)
  r = sigmoid(W_r * x + U_r * h)
  n = tanh(W_n * x + U_n * (r . h))
  h' = (1 - z) . n + z . h

The state is carried by the caller from one call to the next (one call per
coding iteration), so that the layer works inside any loop, Python or
`tf.while_loop`, and converts to TFLite builtin ops.
"""

import tensorflow as tf

__all__ = ["ConvGRU"]


@tf.keras.utils.register_keras_serializable(package="tfcodec")
class ConvGRU(tf.keras.layers.Layer):
  """One convolutional GRU cell: `(x, h) -> h'`.

  Args:
    filters: channels of the hidden state.
    kernel_size: kernel of the input convolutions.
    hidden_kernel_size: kernel of the hidden-state convolutions.
    strides: stride of the input convolutions; the state has the input's
      size divided by it.
    **kwargs: passed to `tf.keras.layers.Layer`.

  Example:
    >>> cell = ConvGRU(8, strides=2)
    >>> x = tf.zeros([1, 16, 16, 3])
    >>> h = cell(x, cell.initial_state(x))
    >>> h.shape
    TensorShape([1, 8, 8, 8])
  """

  def __init__(self, filters, kernel_size=3, hidden_kernel_size=1, strides=1,
               **kwargs):
    super().__init__(**kwargs)
    self.filters = int(filters)
    self.kernel_size = int(kernel_size)
    self.hidden_kernel_size = int(hidden_kernel_size)
    self.strides = int(strides)
    conv = tf.keras.layers.Conv2D
    self.input_conv = conv(3 * self.filters, self.kernel_size,
                           strides=self.strides, padding="same",
                           name="input")
    self.gate_conv = conv(2 * self.filters, self.hidden_kernel_size,
                          padding="same", use_bias=False, name="gates")
    self.candidate_conv = conv(self.filters, self.hidden_kernel_size,
                               padding="same", use_bias=False,
                               name="candidate")

  def initial_state(self, x):
    """Zeros: the state before the first call on an input shaped like `x`."""
    shape = tf.shape(x)
    size = (shape[1:3] + self.strides - 1) // self.strides
    return tf.zeros(tf.concat([shape[:1], size, [self.filters]], 0),
                    dtype=self.compute_dtype)

  def call(self, x, h):
    wz, wr, wn = tf.split(self.input_conv(x), 3, axis=-1)
    uz, ur = tf.split(self.gate_conv(h), 2, axis=-1)
    z = tf.sigmoid(wz + uz)
    r = tf.sigmoid(wr + ur)
    n = tf.tanh(wn + self.candidate_conv(r * h))
    return (1.0 - z) * n + z * h

  def get_config(self):
    return {**super().get_config(), "filters": self.filters,
            "kernel_size": self.kernel_size,
            "hidden_kernel_size": self.hidden_kernel_size,
            "strides": self.strides}

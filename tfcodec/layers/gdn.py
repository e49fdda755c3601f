"""GDN with one code path in every execution mode.

`tfc.GDN.call` picks its formula with Python `if`/`and` on tensors
(`self.alpha == 1`). In eager mode and under AutoGraph that picks
`norm = conv(|x|, gamma) + beta`; but in a `tf.function` traced after absl
has parsed flags (every absl binary), the same call falls through to the
generic branch and computes `x ** alpha`, i.e. signed `x` for alpha = 1: a
different function. A model trained by an absl binary and decoded by the
CLI would then disagree. This subclass keeps tfc's parameters, initializers
and checkpoint layout and fixes the formula in Python, at construction.

The formula (alpha = 1, epsilon = 1, the default of tfc.GDN):
  y = x / (beta + gamma |x|)          (GDN)
  y = x * (beta + gamma |x|)          (inverse GDN)
"""

import tensorflow as tf
import tensorflow_compression as tfc

__all__ = ["GDN"]


@tf.keras.utils.register_keras_serializable(package="tfcodec")
class GDN(tfc.GDN):
  """tfc.GDN (alpha = epsilon = 1) with a formula fixed at construction.

  Args:
    inverse: compute inverse GDN.
    rectify: apply a ReLU to the inputs first.
    **kwargs: passed to `tfc.GDN` (gamma/beta parameters and initializers,
      name, dtype). `alpha_parameter` and `epsilon_parameter` must be 1.

  Example:
    >>> GDN()(-tf.ones([1, 1, 1, 1])).numpy().item()  # -1 / (1 + 0.1)
    -0.9090909

  Reference: Ballé, Laparra, Simoncelli, "Density modeling of images using a
  generalized normalization transformation", ICLR 2016; the simplified form
  follows Johnston et al., "Computationally efficient neural image
  compression", 2019.
  """

  def __init__(self, inverse=False, rectify=False, **kwargs):
    for key in ("alpha_parameter", "epsilon_parameter"):
      if kwargs.get(key, 1) != 1:
        raise ValueError(f"tfcodec GDN supports {key}=1 only")
      kwargs.pop(key, None)
    super().__init__(inverse=inverse, rectify=rectify, **kwargs)

  def call(self, inputs):
    x = tf.nn.relu(inputs) if self.rectify else inputs
    channels = self.gamma.shape[0]
    gamma = tf.reshape(self.gamma, [1, 1, channels, channels])
    norm = tf.nn.bias_add(
        tf.nn.convolution(tf.abs(x), gamma, padding="VALID"), self.beta)
    return x * norm if self.inverse else x / norm

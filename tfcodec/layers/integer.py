"""Integer networks: transforms whose outputs cannot differ between machines.

An entropy decoder must compute exactly the probability tables the encoder
used, or the rest of the file decodes to garbage. The scale hyperprior picks
each latent's table by an index that its hyper-synthesis computes from the
side information. Computed in floating point, that index can come out
differently on two machines (another BLAS, thread count, CPU, or TFLite), and
a value near a rounding boundary then flips (Ballé, Johnston, Minnen,
"Integer networks for data compression with latent-variable models", ICLR
2019).

`IntegerNetwork` is a trained float network converted after training:

* inputs, weights, biases and activations are integers (fixed point with a
  power-of-two scale per tensor, per output channel for weights);
* rescaling between layers multiplies by powers of two and rounds with
  `floor(v + 1/2)`;
* every value is held in float64 and the conversion checks that no partial
  sum can reach 2**53, so every sum is exact in any order and the results are
  the same integers everywhere.

The integer weights are computed once, when the model's coding tables are
built, and shipped with them, so that no machine recomputes them from float
weights.
"""

from typing import Dict, List, Sequence, Tuple

import numpy as np
import tensorflow as tf

__all__ = ["IntegerNetwork"]

#: Magnitude of the largest integer weight.
WEIGHT_MAX = 2 ** 15 - 1
#: Fractional bits of inputs and hidden activations (a scale of 2**10).
ACTIVATION_BITS = 10
#: Hidden activations and inputs are clipped to [-2**20, 2**20].
ACTIVATION_MAX = 2 ** 20
#: Every partial sum must stay below this to be exact in float64.
EXACT_LIMIT = 2 ** 53


def _round(v):
  """Round half up, exactly, on integer-valued or dyadic float64 values."""
  return tf.floor(v + 0.5)


def _conv_layers(sequential) -> List[Tuple[np.ndarray, np.ndarray, int, str]]:
  """(kernel, bias, upsampling factor, activation) of each layer."""
  from tfcodec.layers.dct_conv import DCTConv2D  # pylint: disable=g-import-not-at-top
  from tfcodec.layers.subpixel import SubPixelConv2D  # pylint: disable=g-import-not-at-top
  out = []
  for layer in sequential.layers:
    factor, conv, activation = 1, layer, getattr(layer, "activation", None)
    if isinstance(layer, SubPixelConv2D):
      factor, conv = layer.factor, layer.conv
      if getattr(conv, "activation", None) not in (None,
                                                   tf.keras.activations.linear):
        raise ValueError(f"{layer.name}: activation inside the convolution")
    if not isinstance(conv, (DCTConv2D, tf.keras.layers.Conv2D)):
      raise ValueError(f"{layer.name}: {type(conv).__name__} has no integer "
                       "version")
    if getattr(conv, "strides", 1) not in (1, (1, 1)):
      raise ValueError(f"{layer.name}: strided convolutions are not supported")
    if activation in (None, tf.keras.activations.linear):
      kind = "linear"
    elif activation is tf.keras.activations.relu or activation is tf.nn.relu:
      kind = "relu"
    else:
      raise ValueError(f"{layer.name}: activation {activation} is not "
                       "supported (relu or none)")
    kernel = np.asarray(conv.kernel.numpy(), np.float64)
    bias = (np.zeros(kernel.shape[-1]) if conv.bias is None
            else np.asarray(conv.bias.numpy(), np.float64))
    out.append((kernel, bias, factor, kind))
  return out


class IntegerNetwork(tf.Module):
  """A stack of stride-1 'same' convolutions (optionally followed by
  depth-to-space) with ReLU or no activation, in exact integer arithmetic.

  Build one with `from_keras`; save and restore it with `get_config`,
  `arrays` and `from_state`.

  Args:
    kernels: integer kernels `[kh, kw, in, out]` (as float64 arrays).
    biases: integer biases `[out]`.
    shifts: per layer, per output channel, the power of two `s` such that the
      layer's output is `acc * 2**-s` before rounding.
    factors: per layer, the depth-to-space factor (1 for none).
    activations: per layer, "relu" or "linear".
    input_offset: per input channel, an integer added to the scaled inputs:
      the network sees `symbols * 2**input_scale_bits + input_offset`.
    input_scale_bits: the fixed-point scale of the inputs.
    output_range: the final output is floored (as tensorflow-compression
      floors float indexes) and clipped to `[0, output_range - 1]`.
  """

  def __init__(self, kernels: Sequence[np.ndarray], biases: Sequence[np.ndarray],
               shifts: Sequence[np.ndarray], factors: Sequence[int],
               activations: Sequence[str], input_offset: Sequence[float],
               input_scale_bits: int, output_range: int,
               name="integer_network"):
    super().__init__(name=name)
    self.input_offset = np.asarray(input_offset, np.float64)
    self.kernels = [np.asarray(k, np.float64) for k in kernels]
    self.biases = [np.asarray(b, np.float64) for b in biases]
    self.shifts = [np.asarray(s, np.float64) for s in shifts]
    self.factors = [int(f) for f in factors]
    self.activations = list(activations)
    self.input_scale_bits = int(input_scale_bits)
    self.output_range = int(output_range)
    self._check()

  def _check(self):
    if not np.array_equal(self.input_offset, np.round(self.input_offset)):
      raise ValueError("input offset is not integer")
    for i, (k, b, s) in enumerate(zip(self.kernels, self.biases, self.shifts,
                                      strict=True)):
      for name, a in (("kernel", k), ("bias", b), ("shift", s)):
        if not np.array_equal(a, np.round(a)):
          raise ValueError(f"layer {i}: {name} is not integer")
      bound = (np.abs(k).sum(axis=(0, 1, 2)) * ACTIVATION_MAX + np.abs(b))
      if bound.max() >= EXACT_LIMIT:
        raise ValueError(f"layer {i}: partial sums may reach {bound.max():.3g}"
                         ", beyond exact float64 integers")

  @classmethod
  def from_keras(cls, sequential, output_range: int, input_offset=0.0,
                 input_scale_bits: int = ACTIVATION_BITS):
    """Converts a trained Keras Sequential of convolutions.

    Args:
      sequential: the float network.
      output_range: the outputs are indexes in `[0, output_range)`.
      input_offset: per input channel, the float network's inputs are
        `symbols + input_offset` (e.g. an entropy model's quantization
        offsets).
      input_scale_bits: fixed-point bits of the inputs.
    """
    layers = _conv_layers(sequential)
    kernels, biases, shifts = [], [], []
    in_bits = input_scale_bits
    for i, (kernel, bias, _, _) in enumerate(layers):
      peak = np.maximum(np.abs(kernel).max(axis=(0, 1, 2)), 1e-30)
      weight_bits = np.floor(np.log2(WEIGHT_MAX / peak))
      kernels.append(np.round(kernel * 2.0 ** weight_bits))
      biases.append(np.round(bias * 2.0 ** (weight_bits + in_bits)))
      out_bits = ACTIVATION_BITS if i + 1 < len(layers) else 0
      # Repeat per output channel of the convolution (before depth-to-space).
      shifts.append(weight_bits + in_bits - out_bits)
      in_bits = out_bits
    channels = layers[0][0].shape[2]
    offset = np.round(np.broadcast_to(np.asarray(input_offset, np.float64),
                                      (channels,)) * 2.0 ** input_scale_bits)
    return cls(kernels, biases, shifts, [f for _, _, f, _ in layers],
               [a for _, _, _, a in layers], offset, input_scale_bits,
               output_range)

  def get_config(self) -> Dict:
    return {"factors": self.factors, "activations": self.activations,
            "input_scale_bits": self.input_scale_bits,
            "output_range": self.output_range}

  def arrays(self) -> List[np.ndarray]:
    """The integer tables, compactly typed (kernels fit in int16)."""
    out = [self.input_offset.astype(np.int64)]
    for k, b, s in zip(self.kernels, self.biases, self.shifts, strict=True):
      out += [k.astype(np.int16), b.astype(np.int64), s.astype(np.int64)]
    return out

  @classmethod
  def from_state(cls, config: Dict, arrays: Sequence[np.ndarray]):
    arrays = list(arrays)
    if len(arrays) != 1 + 3 * len(config["factors"]):
      raise ValueError("integer network: wrong number of arrays")
    return cls(arrays[1::3], arrays[2::3], arrays[3::3],
               input_offset=arrays[0], **config)

  def __call__(self, symbols):
    """Integer-valued symbols `[B, H, W, C]` (any dtype) -> int32 outputs."""
    x = tf.cast(symbols, tf.float64) * 2.0 ** self.input_scale_bits
    x = tf.clip_by_value(x + tf.constant(self.input_offset), -ACTIVATION_MAX,
                         ACTIVATION_MAX)
    last = len(self.kernels) - 1
    for i, (kernel, bias, shift, factor, activation) in enumerate(zip(
        self.kernels, self.biases, self.shifts, self.factors,
        self.activations, strict=True)):
      acc = tf.nn.conv2d(x, tf.constant(kernel), 1, "SAME") + tf.constant(bias)
      x = acc * tf.constant(2.0 ** -shift)
      # The outputs are floored, as tfc floors float indexes; hidden
      # activations are rounded.
      x = tf.floor(x) if i == last else _round(x)
      if factor > 1:
        x = tf.nn.depth_to_space(x, factor)
      if activation == "relu":
        x = tf.nn.relu(x)
      if i < last:
        x = tf.clip_by_value(x, -ACTIVATION_MAX, ACTIVATION_MAX)
    x = tf.clip_by_value(x, 0, self.output_range - 1)
    return tf.cast(x, tf.int32)

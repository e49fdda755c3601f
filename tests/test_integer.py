"""The integer hyper-synthesis: exact, portable, and close to the float one."""

import json

import numpy as np
import pytest
import tensorflow as tf

from tfcodec.layers import IntegerNetwork, SubPixelConv2D, integer
from tfcodec.layers.subpixel import conv2d


def _float_net(seed=0):
  tf.keras.utils.set_random_seed(seed)
  net = tf.keras.Sequential([
      SubPixelConv2D(6, 3, activation="relu"),
      SubPixelConv2D(6, 3, activation="relu", kernel_parameter="plain"),
      conv2d(5, 3),
  ])
  net(tf.zeros([1, 4, 4, 3]))
  # Spread the outputs over a range of indexes.
  for w in net.trainable_weights:
    w.assign(w * 3.0)
  return net


def _symbols(shape=(1, 5, 7, 3), seed=1):
  return np.random.RandomState(seed).randint(-6, 7, size=shape).astype(
      np.float32)


def _reference(net: IntegerNetwork, symbols):
  """The same computation in numpy int64 with integer shifts."""
  x = symbols.astype(np.int64) * 2 ** net.input_scale_bits
  x = np.clip(x + net.input_offset.astype(np.int64), -integer.ACTIVATION_MAX,
              integer.ACTIVATION_MAX)
  last = len(net.kernels) - 1
  for i, (k, b, s, f, a) in enumerate(zip(net.kernels, net.biases, net.shifts,
                                          net.factors, net.activations, strict=True)):
    k, b, s = k.astype(np.int64), b.astype(np.int64), s.astype(np.int64)
    kh, kw = k.shape[:2]
    p = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    acc = np.zeros(x.shape[:3] + (k.shape[-1],), np.int64)
    for dy in range(kh):
      for dx in range(kw):
        acc += np.einsum("bhwc,cd->bhwd",
                         p[:, dy:dy + x.shape[1], dx:dx + x.shape[2]], k[dy, dx])
    acc += b
    half = np.where(s > 0, np.left_shift(1, np.maximum(s - 1, 0)), 0)
    if i == last:
      half = 0 * half
    y = np.where(s >= 0, np.right_shift(acc + half, np.maximum(s, 0)),
                 np.left_shift(acc, np.maximum(-s, 0)))
    if f > 1:
      n, h, w, c = y.shape
      y = y.reshape(n, h, w, f, f, c // f // f).transpose(
          0, 1, 3, 2, 4, 5).reshape(n, h * f, w * f, c // f // f)
    if a == "relu":
      y = np.maximum(y, 0)
    if i < last:
      y = np.clip(y, -integer.ACTIVATION_MAX, integer.ACTIVATION_MAX)
    x = y
  return np.clip(x, 0, net.output_range - 1)


def test_integer_network_equals_an_int64_reference_exactly():
  net = IntegerNetwork.from_keras(_float_net(), 64,
                                  input_offset=[0.25, -0.1, 0.0])
  symbols = _symbols()
  got = net(symbols).numpy()
  np.testing.assert_array_equal(got, _reference(net, symbols))
  assert got.dtype == np.int32 and got.shape == (1, 20, 28, 5)
  assert len(np.unique(got)) > 5  # not all clipped to one value


def test_integer_network_follows_the_float_network():
  keras_net = _float_net()
  offset = np.array([0.25, -0.1, 0.0], np.float32)
  net = IntegerNetwork.from_keras(keras_net, 64, input_offset=offset)
  symbols = _symbols(seed=3)
  expected = np.clip(np.floor(keras_net(symbols + offset).numpy()), 0, 63)
  got = net(symbols).numpy()
  differ = got != expected
  assert differ.mean() < 0.01
  assert np.abs(got - expected).max() <= 1


def test_state_round_trip_gives_identical_outputs():
  net = IntegerNetwork.from_keras(_float_net(2), 64)
  config = json.loads(json.dumps(net.get_config()))
  copy = IntegerNetwork.from_state(config, net.arrays())
  symbols = _symbols(seed=4)
  np.testing.assert_array_equal(net(symbols), copy(symbols))
  assert net.arrays()[1].dtype == np.int16


def test_outputs_do_not_depend_on_tracing_or_threads():
  net = IntegerNetwork.from_keras(_float_net(3), 64)
  symbols = _symbols((2, 9, 6, 3), seed=5)
  eager = net(symbols).numpy()
  np.testing.assert_array_equal(eager, tf.function(net)(symbols))
  np.testing.assert_array_equal(eager[:1], net(symbols[:1]).numpy())


def test_kernels_that_could_overflow_exact_sums_are_refused():
  net = IntegerNetwork.from_keras(_float_net(), 64)
  kernels = [k.copy() for k in net.kernels]
  kernels[0] = np.full_like(kernels[0], 2.0 ** 40)
  with pytest.raises(ValueError, match="exact float64"):
    IntegerNetwork(kernels, net.biases, net.shifts, net.factors,
                   net.activations, net.input_offset, net.input_scale_bits, 64)


def test_fractional_tables_are_refused():
  net = IntegerNetwork.from_keras(_float_net(), 64)
  biases = [b + 0.5 for b in net.biases]
  with pytest.raises(ValueError, match="not integer"):
    IntegerNetwork(net.kernels, biases, net.shifts, net.factors,
                   net.activations, net.input_offset, net.input_scale_bits, 64)


def test_unsupported_layers_are_refused():
  net = tf.keras.Sequential([tf.keras.layers.Conv2D(4, 3, strides=2)])
  net(tf.zeros([1, 8, 8, 3]))
  with pytest.raises(ValueError, match="strided"):
    IntegerNetwork.from_keras(net, 64)


def test_hyperprior_codes_with_integer_indexes():
  from tfcodec import zoo  # pylint: disable=g-import-not-at-top
  model = zoo.build("hyperprior", num_filters=8, latent_channels=8)
  model.update()
  image = tf.constant(np.random.RandomState(0).randint(
      0, 256, (64, 64, 3)).astype(np.uint8))
  y = model.analysis_transform(model.prepare(image))
  z = model.hyper_analysis_transform(tf.abs(y))
  z_hat = model._coders.side_entropy_model.quantize(z)  # pylint: disable=protected-access
  indexes = model.coding_indexes(z_hat)
  assert indexes.dtype == tf.int32
  tensors = model.compress(image)
  y_hat = model.decode_latents(*tensors[:2], tensors[3], tensors[4])
  np.testing.assert_array_equal(y_hat, tf.round(y))
  # The tables are part of the shipped coder state.
  assert "index_net" in model.coder_state()

"""The differentiable JPEG rate proxy, and comcnn's use of it."""

import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tests.conftest import smooth_image
from tfcodec import zoo
from tfcodec.layers import jpeg_rate

TINY = zoo.model_class("comcnn").tiny_config


@pytest.mark.parametrize("quality", [5, 10, 50, 75, 90, 100])
def test_tables_are_those_in_tensorflows_jpeg_files(quality):
  data = tf.io.encode_jpeg(smooth_image(16, 16), quality=quality).numpy()
  found = Image.open(io.BytesIO(data)).quantization
  np.testing.assert_array_equal(jpeg_rate.quantization_tables(quality),
                                np.array([found[0], found[1]]))


def test_tables_reject_qualities_outside_1_to_100():
  for quality in (0, 101):
    with pytest.raises(ValueError, match="outside 1..100"):
      jpeg_rate.quantization_tables(quality)


def test_block_dct_is_orthonormal_per_block():
  x = tf.random.stateless_normal([2, 16, 24], [3, 4])
  c = jpeg_rate.block_dct(x)
  assert c.shape == (2, 2, 3, 64)
  np.testing.assert_allclose(tf.reduce_sum(c ** 2), tf.reduce_sum(x ** 2),
                             rtol=1e-5)
  # A flat block has only its DC term: 8 x its value.
  flat = jpeg_rate.block_dct(tf.fill([1, 8, 8], 3.0)).numpy()[0, 0, 0]
  np.testing.assert_allclose(flat[0], 24.0, rtol=1e-6)
  np.testing.assert_allclose(flat[1:], 0.0, atol=1e-5)


def test_ycbcr_is_jfifs_with_the_level_shift():
  ycc = jpeg_rate.rgb_to_ycbcr(tf.constant([[255.0, 255.0, 255.0],
                                            [128.0, 128.0, 128.0]])).numpy()
  np.testing.assert_allclose(ycc, [[127.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                             atol=1e-3)


def _bits(image, quality):
  return 8 * len(tf.io.encode_jpeg(image, quality=quality,
                                   optimize_size=True).numpy())


def test_proxy_follows_real_jpeg_sizes():
  # Images from flat to noisy, at two qualities: the proxy orders them as
  # the real files do, and grows with the quality.
  rng = np.random.RandomState(0)
  base = smooth_image(64, 64).astype(np.float32)
  images = [np.clip(base + rng.normal(0, s, base.shape), 0, 255).round()
            for s in (0, 16, 32, 64)]
  for quality in (20, 80):
    tables = np.repeat(jpeg_rate.quantization_tables(quality)[None],
                       len(images), 0)
    proxy = jpeg_rate.jpeg_rate_proxy(np.stack(images), tables).numpy()
    real = [_bits(i.astype(np.uint8), quality) for i in images]
    assert np.all(np.diff(proxy) > 0) and np.all(np.diff(real) > 0)
    assert np.corrcoef(proxy, real)[0, 1] > 0.95
  low, high = (jpeg_rate.jpeg_rate_proxy(
      images[2][None], jpeg_rate.quantization_tables(q)[None]) for q in (20, 80))
  assert float(low) < float(high)


def _com_gradient_norm(**config):
  tf.keras.utils.set_random_seed(0)
  model = zoo.build("comcnn", train_part="com", train_qualities=[30, 70],
                    lmbda=0.0, **config, **TINY)
  x = tf.constant(np.stack([smooth_image(32, 32, seed=s) for s in range(2)]),
                  tf.float32)
  with tf.GradientTape() as tape:
    out = model(x, training=True)
  grads = tape.gradient(out["bits"], model.com_cnn.trainable_variables)
  norm = sum(float(tf.reduce_sum(g ** 2)) for g in grads if g is not None)
  compact = model.to_uint8(model.compact(x, training=True))
  return norm, float(out["bits"]), compact


def test_rate_proxy_gives_comcnn_a_rate_gradient_and_keeps_real_bits():
  plain, bits_plain, _ = _com_gradient_norm()
  assert plain == 0.0  # JPEG's own rate has no gradient.
  norm, bits, compact = _com_gradient_norm(rate_proxy_scale=2.7)
  assert norm > 0.0
  # The rate's value is still the real files' (the proxy adds zero).
  assert bits == bits_plain
  possible = {_bits(compact[0], a) + _bits(compact[1], b)
              for a in (30, 70) for b in (30, 70)}
  assert bits in possible
  # Weights scale each quality's rate gradient: zero weights, no gradient.
  zero, _, _ = _com_gradient_norm(rate_proxy_scale=2.7,
                                  rate_weights=[0.0, 0.0])
  assert zero == 0.0


def test_rate_weights_need_one_per_training_quality():
  with pytest.raises(ValueError, match="2 entries for 3 train_qualities"):
    zoo.build("comcnn", train_qualities=[10, 50, 90], rate_weights=[1, 2],
              **TINY)


def test_proxy_pads_like_jpeg_by_repeating_edges():
  # 20x20 pads to 32x32 with copies of the last row and column, so a
  # 20x20 crop of a 32x32 image whose right and bottom edges repeat costs
  # what the full image costs.
  rng = np.random.RandomState(1)
  small = rng.uniform(0, 255, (1, 20, 20, 3)).astype(np.float32)
  big = np.pad(small, [(0, 0), (0, 12), (0, 12), (0, 0)], mode="edge")
  tables = jpeg_rate.quantization_tables(50)[None]
  np.testing.assert_allclose(jpeg_rate.jpeg_rate_proxy(small, tables),
                             jpeg_rate.jpeg_rate_proxy(big, tables), rtol=1e-5)
  # Tiny images (a model's 1x1 build) work too.
  assert jpeg_rate.jpeg_rate_proxy(small[:, :1, :1], tables).shape == (1,)


def test_rate_weights_are_the_mse_rate_slopes_of_an_evaluation():
  from models import jpeg_rate_fit
  # MSE = 300 - 200 * bpp exactly: every slope is 200 MSE per bpp.
  rows = {str(q): [{"bpp": b, "psnr-rgb": 10 * np.log10(255.0 ** 2 / m)}]
          for q, b, m in [(10, 0.1, 280.0), (50, 0.3, 240.0),
                          (90, 0.75, 150.0)]}
  evaluation = {"codecs": [{"name": "jpeg420", "per_image": {}},
                           {"name": "comcnn", "per_image": rows}]}
  qualities, weights = jpeg_rate_fit.rate_weights(evaluation)
  assert qualities == [10, 50, 90]
  np.testing.assert_allclose(weights, [200.0] * 3, rtol=1e-6)
  with pytest.raises(ValueError, match="no conv_gru"):
    jpeg_rate_fit.rate_weights(evaluation, "conv_gru")

"""Our layers against closed forms, in every execution mode."""

import os
import subprocess
import sys

import numpy as np
import tensorflow as tf

from tfcodec.layers import GDN, SubPixelConv2D

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
X = np.linspace(-3, 3, 24, dtype=np.float32).reshape(1, 2, 4, 3)


class GDNTest(tf.test.TestCase):

  def test_gdn_has_correct_output_at_initialization(self):
    # beta = 1 and gamma = 0.1 I at initialization.
    self.assertAllClose(GDN()(X), X / (1 + .1 * abs(X)))

  def test_inverse_gdn_has_correct_output_at_initialization(self):
    self.assertAllClose(GDN(inverse=True)(X), X * (1 + .1 * abs(X)))

  def test_rectified_gdn_has_correct_output(self):
    r = np.maximum(X, 0)
    self.assertAllClose(GDN(rectify=True)(X), r / (1 + .1 * r))

  def test_traced_and_eager_outputs_are_equal(self):
    layer = GDN()
    self.assertAllEqual(layer(X), tf.function(layer)(X))
    self.assertAllEqual(layer(X), tf.function(layer, autograph=False)(X))

  def test_traced_output_is_the_same_inside_an_absl_app(self):
    out = os.path.join(self.get_temp_dir(), "gdn.npy")
    subprocess.run([sys.executable, "-m", "tests.gdn_absl_worker", out],
                   check=True, cwd=ROOT)
    got = np.load(out)
    self.assertAllClose(got[0], X / (1 + .1 * abs(X)))
    self.assertAllClose(got[1], X * (1 + .1 * abs(X)))

  def test_other_exponents_are_refused(self):
    with self.assertRaises(ValueError):
      GDN(alpha_parameter=2)

  def test_checkpoint_layout_matches_tfc_gdn(self):
    import tensorflow_compression as tfc  # pylint: disable=g-import-not-at-top
    ours, theirs = GDN(), tfc.GDN()
    ours(X)
    theirs(X)
    self.assertEqual(sorted(v.name for v in ours.variables),
                     sorted(v.name.replace("gdn_1", "gdn") for v in theirs.variables))


class SubPixelConv2DTest(tf.test.TestCase):

  def test_output_is_depth_to_space_of_the_convolution(self):
    layer = SubPixelConv2D(5, 3, factor=2)
    x = tf.random.stateless_normal([2, 4, 6, 7], [1, 2])
    y = layer(x)
    self.assertEqual(y.shape, (2, 8, 12, 5))
    self.assertAllClose(y, tf.nn.depth_to_space(layer.conv(x), 2))

  def test_config_round_trip(self):
    layer = SubPixelConv2D(4, 3, factor=2, activation="relu", name="up")
    clone = SubPixelConv2D.from_config(layer.get_config())
    self.assertEqual(clone.get_config(), layer.get_config())

  def test_gdn_activation_serializes(self):
    layer = SubPixelConv2D(4, 3, activation=GDN(inverse=True))
    clone = SubPixelConv2D.from_config(layer.get_config())
    self.assertIsInstance(clone.activation, GDN)
    self.assertTrue(clone.activation.inverse)


class DCTConv2DTest(tf.test.TestCase):

  def test_basis_is_orthonormal(self):
    from tfcodec.layers.dct_conv import dct_basis  # pylint: disable=g-import-not-at-top
    for h, w in ((3, 3), (5, 5), (1, 3)):
      b = dct_basis(h, w)
      self.assertAllClose(b.T @ b, np.eye(h * w), atol=1e-5)

  def test_output_equals_keras_conv_with_the_same_kernel(self):
    from tfcodec.layers import DCTConv2D  # pylint: disable=g-import-not-at-top
    x = tf.random.stateless_normal([2, 9, 11, 3], [3, 4])
    for strides in (1, 2):
      ours = DCTConv2D(4, 5, strides=strides, activation="relu")
      y = ours(x)
      keras = tf.keras.layers.Conv2D(4, 5, strides, padding="same",
                                     activation="relu")
      keras.build(x.shape)
      keras.set_weights([ours.kernel.numpy(), ours.bias.numpy()])
      self.assertAllClose(y, keras(x))

  def test_initial_kernel_has_glorot_scale(self):
    from tfcodec.layers import DCTConv2D  # pylint: disable=g-import-not-at-top
    layer = DCTConv2D(64, 5)
    layer.build([None, None, None, 64])
    limit = np.sqrt(6 / (25 * 64 + 25 * 64))
    k = layer.kernel.numpy()
    self.assertLessEqual(np.abs(k).max(), limit + 1e-6)
    self.assertGreater(np.abs(k).max(), 0.9 * limit)

  def test_config_round_trip(self):
    from tfcodec.layers import DCTConv2D  # pylint: disable=g-import-not-at-top
    layer = DCTConv2D(4, (3, 5), strides=2, use_bias=False, name="c")
    self.assertEqual(DCTConv2D.from_config(layer.get_config()).get_config(),
                     layer.get_config())

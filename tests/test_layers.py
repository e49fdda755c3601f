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

"""The mean-head pilot starts as the scale hyperprior it loads, and trains."""

import numpy as np
import pytest
import tensorflow as tf

from models import mean_scale_pilot_lib
from tfcodec import zoo

CONFIG = {"num_filters": 8, "latent_channels": 8, "quantization": "mixed",
          "lmbda": 0.01}


def _pilot(tmp_path, monkeypatch, signed_hyper=False):
  # The pilot registers itself; keep that out of the other tests' zoo.
  zoo.names()  # Fills the registry with the zoo's own models.
  monkeypatch.setattr(zoo, "_REGISTRY", dict(zoo._REGISTRY))  # pylint: disable=protected-access
  scale = zoo.build("hyperprior", **CONFIG)
  zoo.write_weights(scale, str(tmp_path))
  zoo.read_weights(scale, str(tmp_path))  # The same float16 rounding.
  return scale, mean_scale_pilot_lib.build_pilot(
      dict(CONFIG, signed_hyper=signed_hyper), str(tmp_path))


@pytest.mark.parametrize("signed_hyper", [False, True])
def test_pilot_starts_as_the_scale_hyperprior(tmp_path, monkeypatch,
                                              signed_hyper):
  scale, pilot = _pilot(tmp_path, monkeypatch, signed_hyper)
  x = tf.random.stateless_uniform([1, 64, 128, 3], (1, 2), maxval=255.0)
  want, got = scale(x, training=False), pilot(x, training=False)
  np.testing.assert_allclose(got["bits"], want["bits"], rtol=1e-5)
  np.testing.assert_allclose(got["x_hat"], want["x_hat"], atol=1e-3)


@pytest.mark.parametrize("signed_hyper", [False, True])
def test_new_heads_get_gradients(tmp_path, monkeypatch, signed_hyper):
  _, pilot = _pilot(tmp_path, monkeypatch, signed_hyper)
  assert "hyperprior_mean_pilot" in zoo.names()
  x = tf.random.stateless_uniform([2, 64, 64, 3], (3, 4), maxval=255.0)
  with tf.GradientTape() as tape:
    outputs = pilot(x, training=True)
    loss = outputs["bits"] + tf.reduce_sum(tf.square(outputs["x_hat"] - x))
  heads = [pilot.mean_head] + ([pilot.sign_branch] if signed_hyper else [])
  variables = [v for head in heads for v in head.trainable_variables]
  grads = tape.gradient(loss, variables)
  assert grads and all(g is not None for g in grads)
  assert max(float(tf.reduce_max(tf.abs(g))) for g in grads) > 0.0


def test_the_zoo_does_not_keep_the_pilot():
  assert "hyperprior_mean_pilot" not in zoo.names()

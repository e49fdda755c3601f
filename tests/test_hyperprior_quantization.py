"""What the hyperprior's synthesis sees in training: noisy latents
("noise") or rounded ones with a straight-through gradient ("mixed")."""

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import smooth_image
from tfcodec import zoo

SHAPE = dict(num_filters=8, latent_channels=8)


def _model(quantization, name="hyperprior", **kwargs):
  """A tiny model whose latents are not all rounded to zero (as a fresh
  one's are): its analysis' last layer is scaled up."""
  tf.keras.utils.set_random_seed(3)
  model = zoo.build(name, quantization=quantization, **SHAPE, **kwargs)
  for v in model.analysis_transform.layers[-1].trainable_variables:
    v.assign(v * 30.0)
  return model


def _batch():
  return tf.cast(np.stack([smooth_image(64, 64, seed=s) for s in (1, 2)]),
                 tf.float32)


def test_mixed_training_decodes_the_rounded_latents():
  model = _model("mixed")
  x = _batch()
  y = model.analysis_transform(x)
  assert float(tf.reduce_mean(tf.abs(y))) > 1.0  # not all rounded to zero
  want = model.synthesis_transform(tf.round(y))
  got = model(x, training=True)["x_hat"]
  np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-3)


def test_mixed_training_of_the_variable_rate_model_rounds_the_gained_latents(
    monkeypatch):
  model = _model("mixed", "hyperprior_vr", lmbdas=[0.002, 0.01], quality=1)
  rate = tf.constant([0, 1])
  monkeypatch.setattr(model, "_training_rates", lambda batch: rate)
  x = _batch()
  # pylint: disable=protected-access
  want = model._synthesize(tf.round(model._analyze(x, rate)), rate)
  got = model(x, training=True)["x_hat"]
  np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-3)


def test_noise_training_does_not_decode_the_rounded_latents():
  model = _model("noise")
  x = _batch()
  rounded = model.synthesis_transform(tf.round(model.analysis_transform(x)))
  got = model(x, training=True)["x_hat"]
  assert float(tf.reduce_max(tf.abs(got - rounded))) > 1e-2


def test_mixed_training_keeps_the_noisy_rate_and_a_gradient_to_the_encoder():
  noisy, mixed = _model("noise"), _model("mixed")
  x = _batch()
  # The rate term is the same noisy estimate either way (the same noise).
  bits = []
  for model in (noisy, mixed):
    tf.keras.utils.set_random_seed(7)
    bits.append(float(model(x, training=True)["bits"]))
  assert bits[0] == pytest.approx(bits[1], rel=1e-6)
  # Rounding passes the distortion's gradient straight through to the
  # analysis transform.
  with tf.GradientTape() as tape:
    x_hat = mixed(x, training=True)["x_hat"]
    distortion = tf.reduce_mean(tf.math.squared_difference(x, x_hat))
  grads = tape.gradient(distortion,
                        mixed.analysis_transform.trainable_variables)
  assert all(g is not None for g in grads)
  assert float(tf.linalg.global_norm(grads)) > 0.0


def test_inference_is_the_same_either_way():
  noisy, mixed = _model("noise"), _model("mixed")
  x = _batch()
  np.testing.assert_array_equal(noisy(x)["x_hat"].numpy(),
                                mixed(x)["x_hat"].numpy())


def test_the_setting_round_trips_through_the_config():
  model = _model("mixed")
  assert model.get_config()["quantization"] == "mixed"
  again = zoo.build("hyperprior", **model.get_config())
  assert again.quantization == "mixed"
  # Configs written before the option existed load as "noise".
  config = dict(model.get_config())
  del config["quantization"]
  assert zoo.build("hyperprior", **config).quantization == "noise"


def test_an_unknown_setting_is_an_error():
  with pytest.raises(ValueError, match="quantization must be"):
    zoo.build("hyperprior", quantization="round", **SHAPE)

"""The variable-rate hyperprior (`hyperprior_vr`): gains, per-sample lambdas,
one set of weights for every quality, and starting from a single-rate one."""

import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import smooth_image
from tfcodec import training, zoo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHAPE = dict(num_filters=8, latent_channels=8)
LMBDAS = [0.002, 0.01, 0.05]


def _single_rate(lmbda):
  """A tiny hyperprior whose latents are not all rounded to zero (as a
  fresh one's are): its analysis' last layer is scaled up."""
  tf.keras.utils.set_random_seed(5)
  model = zoo.build("hyperprior", lmbda=lmbda, **SHAPE)
  last = model.analysis_transform.layers[-1]
  for v in last.trainable_variables:
    v.assign(v * 30.0)
  return model


def _image():
  return smooth_image(64, 64, seed=11)


def test_a_copy_of_a_single_rate_model_matches_it_at_its_lambda():
  source = _single_rate(0.01)
  model = zoo.build("hyperprior_vr", lmbdas=LMBDAS, quality=2, **SHAPE)
  x = tf.cast(_image()[None], tf.float32)
  before = model(x)["x_hat"]
  model.copy_single_rate(source)
  expected, got = source(x), model(x)
  assert float(tf.reduce_max(tf.abs(before - expected["x_hat"]))) > 1.0
  np.testing.assert_allclose(got["x_hat"], expected["x_hat"], atol=1e-4)
  np.testing.assert_allclose(got["bits"], expected["bits"], rtol=1e-5)
  # The other rates' gains: sqrt(lambda / 0.01).
  np.testing.assert_allclose(np.exp(model.log_gain.numpy()[:, 0]),
                             np.sqrt(np.array(LMBDAS) / 0.01), rtol=1e-5)


def test_each_quality_codes_at_its_own_rate_from_one_set_of_weights(tmp_path):
  model = zoo.build("hyperprior_vr", lmbdas=LMBDAS, quality=1, **SHAPE)
  model.copy_single_rate(_single_rate(0.01))
  training.save_weights(model, "hyperprior_vr", str(tmp_path))
  assert zoo.dir_qualities(str(tmp_path)) == [1, 2, 3]
  image = tf.constant(_image())
  x = tf.cast(image[None], tf.float32)
  sizes, errors = [], []
  for quality in (1, 2, 3):
    loaded = zoo.load_from_dir(str(tmp_path), quality)
    assert loaded.quality == quality
    tensors = loaded.compress(image)
    decoded = loaded.decompress(*tensors).numpy().astype(float)
    sizes.append(sum(len(s) for t in tensors if t.dtype == tf.string
                     for s in t.numpy().reshape(-1)))
    # Coding applies the gains as evaluation does.
    evaluated = np.clip(np.round(loaded(x)["x_hat"][0].numpy()), 0, 255)
    assert np.mean(np.abs(decoded - evaluated)) < 0.05
    # The error that quantization adds falls as the quality rises.
    unquantized = loaded.synthesis_transform(loaded.analysis_transform(x))
    unquantized = np.clip(unquantized[0].numpy(), 0, 255)
    errors.append(np.mean((decoded - unquantized) ** 2))
  assert sizes[0] < sizes[1] < sizes[2], sizes
  assert errors[0] > errors[1] > errors[2], errors


def test_training_weighs_each_sample_by_its_own_lambda():
  model = zoo.build("hyperprior_vr", lmbdas=LMBDAS, quality=2, **SHAPE)
  x = tf.cast(np.stack([smooth_image(64, 64, seed=s) for s in range(6)]),
              tf.float32)
  model._noise_keys.index = tf.range(6, dtype=tf.int64)  # pylint: disable=protected-access
  try:
    outputs = model(x, training=True)
    again = model(x, training=True)["lmbda"]
  finally:
    model._noise_keys.index = None  # pylint: disable=protected-access
  lmbda = outputs["lmbda"].numpy()
  np.testing.assert_array_equal(lmbda, again.numpy())  # keyed by sample
  assert set(lmbda.tolist()) <= set(np.float32(LMBDAS).tolist())
  assert len(set(lmbda.tolist())) > 1
  loss, bpp, mse = model.loss_terms(x, outputs)
  mse_each = np.mean((x.numpy() - outputs["x_hat"].numpy()) ** 2,
                     axis=(1, 2, 3))
  np.testing.assert_allclose(loss, bpp + np.mean(lmbda * mse_each), rtol=1e-5)
  np.testing.assert_allclose(mse, np.mean(mse_each), rtol=1e-5)
  # Evaluation is at the model's own quality, with its lambda.
  assert "lmbda" not in model(x)
  assert model.lmbda == LMBDAS[1]


def _keyed_outputs(model, x):
  model._noise_keys.index = tf.range(x.shape[0], dtype=tf.int64)  # pylint: disable=protected-access
  try:
    return model(x, training=True)
  finally:
    model._noise_keys.index = None  # pylint: disable=protected-access


def test_training_rates_are_counted_per_sample():
  model = zoo.build("hyperprior_vr", lmbdas=LMBDAS, quality=2, **SHAPE)
  model.copy_single_rate(_single_rate(0.01))
  images = [smooth_image(64, 64, seed=s) for s in range(4)]
  x = tf.cast(np.stack(images), tf.float32)
  outputs = _keyed_outputs(model, x)
  each = outputs["bits_each"].numpy()
  assert each.shape == (4,)
  np.testing.assert_allclose(each.sum(), outputs["bits"], rtol=1e-5)
  assert np.all(each > 0)
  # A sample's bits do not depend on the others in its batch.
  flat = np.full_like(images[3], 128)
  other = _keyed_outputs(model, tf.cast(np.stack(images[:3] + [flat]),
                                        tf.float32))
  np.testing.assert_allclose(other["bits_each"][:3], each[:3], rtol=1e-4)
  assert abs(float(other["bits_each"][3]) - each[3]) > 1.0


def test_log_balance_takes_the_mean_log_of_each_samples_loss():
  x = tf.cast(np.stack([smooth_image(64, 64, seed=s) for s in range(6)]),
              tf.float32)
  losses = {}
  for balance in ("none", "log"):
    model = zoo.build("hyperprior_vr", lmbdas=LMBDAS, quality=2,
                      balance=balance, **SHAPE)
    model.copy_single_rate(_single_rate(0.01))
    outputs = _keyed_outputs(model, x)
    losses[balance] = model.loss_terms(x, outputs)
  outputs = {k: v.numpy() for k, v in outputs.items()}
  mse_each = np.mean((x.numpy() - outputs["x_hat"]) ** 2, axis=(1, 2, 3))
  each = outputs["bits_each"] / (64 * 64) + outputs["lmbda"] * mse_each
  np.testing.assert_allclose(losses["log"][0], np.mean(np.log(each)),
                             rtol=1e-5)
  np.testing.assert_allclose(losses["none"][0], np.mean(each), rtol=1e-5)
  # bpp and MSE are reported the same way under either.
  np.testing.assert_allclose(losses["log"][1:], losses["none"][1:], rtol=1e-5)
  assert zoo.build("hyperprior_vr", lmbdas=LMBDAS, quality=2, balance="log",
                   **SHAPE).get_config()["balance"] == "log"


@pytest.mark.parametrize("config, message", [
    (dict(quality=4), "quality 4 is outside 1-3"),
    (dict(quality=0), "quality 0 is outside 1-3"),
    (dict(lmbda=0.02), "differs from lmbdas"),
    (dict(lmbdas=[0.01, 0.002]), "positive and increasing"),
    (dict(balance="sqrt"), "balance must be none or log"),
])
def test_bad_configurations_are_errors(config, message):
  config = {"lmbdas": LMBDAS, "quality": 2, **SHAPE, **config}
  with pytest.raises(ValueError, match=message):
    zoo.build("hyperprior_vr", **config)


def test_init_binary_starts_training_from_a_single_rate_model(tmp_path):
  source = _single_rate(0.01)
  training.save_weights(source, "hyperprior", str(tmp_path / "single"),
                        quality=3)
  out = tmp_path / "init"
  result = subprocess.run(
      [sys.executable, "-m", "models.hyperprior_vr_init",
       f"--source={tmp_path / 'single'}", f"--output_dir={out}",
       f"--model_config={{\"lmbdas\": {LMBDAS}, \"quality\": 2}}"],
      cwd=ROOT, capture_output=True, text=True, check=False)
  assert result.returncode == 0, result.stderr[-2000:]
  # What `models.train --init_from` reads.
  assert training.resolve_checkpoint(str(out)).endswith("weights.npz")
  model = zoo.build("hyperprior_vr", lmbdas=LMBDAS, quality=2, **SHAPE)
  zoo.read_weights(model, str(out))
  shipped = zoo.load_from_dir(str(tmp_path / "single"))
  x = tf.cast(_image()[None], tf.float32)
  np.testing.assert_allclose(model(x)["x_hat"], shipped(x)["x_hat"],
                             atol=1e-3)
  bad = subprocess.run(
      [sys.executable, "-m", "models.hyperprior_vr_init",
       f"--source={out}", f"--output_dir={tmp_path / 'again'}"],
      cwd=ROOT, capture_output=True, text=True, check=False)
  assert bad.returncode != 0
  assert "not a single-rate hyperprior" in bad.stderr

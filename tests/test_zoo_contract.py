"""The shared harness: every registered model passes the same checks.

A new model joins by being registered in the zoo with a `tiny_config`.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import smooth_image
from tfcodec import coding, training, zoo
from tfcodec.models import CompressionModel

MODELS = zoo.names()
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module", params=MODELS)
def tiny(request):
  cls = zoo._REGISTRY[request.param]  # pylint: disable=protected-access
  tf.keras.utils.set_random_seed(0)
  model = zoo.build(request.param, **cls.tiny_config)
  model.update()
  return request.param, model


def _quality(model):
  """The quality to file a model's output under: its quality argument's
  value (e.g. conv_gru's iterations), else 1."""
  argument = type(model).quality_argument
  return getattr(model, argument) if argument else 1


def _strings(tensors):
  """Every range-coded string a model's `compress` returned."""
  return [s for t in tensors if t.dtype == tf.string
          for s in t.numpy().reshape(-1)]


def _string_bits(tensors):
  return 8 * sum(len(s) for s in _strings(tensors))


def test_registry_lists_the_foundation_models():
  assert {"factorized", "hyperprior"} <= set(MODELS)


def test_model_is_a_compression_model(tiny):
  _, model = tiny
  assert isinstance(model, CompressionModel)
  assert model.multiple >= 1


def test_signatures(tiny):
  _, model = tiny
  (spec,) = model.compress.input_signature
  assert spec.dtype == tf.uint8 and spec.shape.as_list() == [None, None, 3]
  outputs = model.compress(smooth_image(20, 20))
  assert isinstance(outputs, tuple)
  dtypes = [s.dtype for s in model.decompress.input_signature]
  assert [t.dtype for t in outputs] == dtypes
  assert len(model.tensor_names) == len(outputs)
  for name, t in zip(model.tensor_names, outputs, strict=True):
    assert name.endswith("_bytes") == (t.dtype == tf.string), name


@pytest.mark.parametrize("shape", [(1, 1), (17, 33), (64, 64), (70, 45)])
def test_compress_decompress_shapes_and_dtypes(tiny, shape):
  _, model = tiny
  image = smooth_image(*shape)
  out = model.decompress(*model.compress(image))
  assert out.dtype == tf.uint8
  assert out.shape == (*shape, 3)


def test_call_returns_reconstruction_and_rate(tiny):
  _, model = tiny
  x = tf.cast(smooth_image(model.multiple, 2 * model.multiple)[None], tf.float32)
  outputs = model(x, training=True)
  assert outputs["x_hat"].shape == x.shape
  assert outputs["bits"].shape == () and float(outputs["bits"]) > 0


def test_rate_estimate_agrees_with_real_bytes(tiny):
  _, model = tiny
  image = smooth_image(128, 192, seed=3)
  tensors = model.compress(image)
  real = _string_bits(tensors)
  estimate = model.estimate_bits(image)
  strings = len(_strings(tensors))
  # Range coding costs a few bytes per string on top of the information.
  assert abs(real - estimate) <= 0.02 * estimate + 48 * strings, (real, estimate)


def test_file_round_trip_matches_model_decode(tiny):
  name, model = tiny
  image = smooth_image(40, 50)
  data = coding.compress_image(image, name, _quality(model), model=model)
  header, _ = coding.read_file(data)
  assert (header.model, header.quality, header.height, header.width) == (
      name, _quality(model), 40, 50)
  decoded, _ = coding.decompress_bytes(data, model=model)
  np.testing.assert_array_equal(
      decoded, model.decompress(*model.compress(image)).numpy())


def test_config_round_trip(tiny):
  name, model = tiny
  config = model.get_config()
  rebuilt = zoo.build(name, **config)
  assert rebuilt.get_config() == config
  assert type(rebuilt).from_config(config).get_config() == config


def test_training_steps_reduce_nothing_to_nan(tiny):
  name, _ = tiny
  cls = zoo._REGISTRY[name]  # pylint: disable=protected-access
  model = zoo.build(name, **cls.tiny_config)
  model.compile(optimizer=tf.keras.optimizers.Adam(1e-3))
  x = np.stack([smooth_image(64, 64, seed=s) for s in range(2)])
  logs = model.fit(x, batch_size=2, epochs=2, verbose=0).history
  for key in ("loss", "bpp", "mse", "psnr"):
    assert np.all(np.isfinite(logs[key])), key
  assert int(model.optimizer.iterations.numpy()) == 2


def test_saved_weights_reload_and_decode_identically_in_two_processes(
    tiny, tmp_path):
  name, model = tiny
  weights = os.path.join(tmp_path, "w")
  training.save_weights(model, name, weights, quality=1)
  reloaded = zoo.load_from_dir(weights)
  image = smooth_image(33, 65, seed=5)
  data = coding.compress_image(image, name, _quality(model), model=reloaded)
  assert coding.compress_image(image, name, _quality(model),
                               model=zoo.load_from_dir(weights)) == data
  # The shipped copy is the trained model rounded to float16.
  zoo.round_weights(model)
  model.update()
  assert coding.compress_image(image, name, _quality(model), model=model) == data
  path = os.path.join(tmp_path, "x.tfc")
  with open(path, "wb") as f:
    f.write(data)
  expected, _ = coding.decompress_bytes(data, model=reloaded)
  for i in range(2):
    out = os.path.join(tmp_path, f"out{i}.npy")
    subprocess.run([sys.executable, "-m", "tests.decode_worker", weights, path,
                    out], check=True, cwd=ROOT)
    np.testing.assert_array_equal(np.load(out), expected)


def test_payload_shapes_larger_than_the_header_are_refused(tiny):
  from tfcodec.errors import CorruptedError  # pylint: disable=g-import-not-at-top
  name, model = tiny
  tensors = list(model.compress(smooth_image(40, 50)))
  for i, t in enumerate(tensors):
    if t.dtype == tf.int32:
      forged = list(tensors)
      forged[i] = tf.constant([60000, 60000], tf.int32)
      data = coding.pack_encoded(name, _quality(model), (40, 50), forged)
      with pytest.raises(CorruptedError, match="does not fit"):
        coding.decompress_bytes(data, model=model)


def test_update_after_more_training_codes_with_the_new_tables(tiny):
  name, model = tiny
  image = smooth_image(32, 48, seed=11)
  before = coding.compress_image(image, name, _quality(model), model=model)
  # New weights, new tables: the traced compress must not keep the old ones.
  model.set_weights([w * 1.25 + 0.01 if w.dtype.kind == "f" else w
                     for w in model.get_weights()])
  model.update()
  after = coding.compress_image(image, name, _quality(model), model=model)
  fresh = zoo.build(name, **model.get_config())
  fresh.set_weights(model.get_weights())
  fresh.update(model.coder_state())
  assert after == coding.compress_image(image, name, _quality(model), model=fresh)
  assert after != before

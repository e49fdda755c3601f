"""TFLite decoders: builtin ops, LiteRT alone, and the decode path."""

import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from export import saved_model_lib
from tests.conftest import SAMPLE, smooth_image
from tfcodec import coding, metrics, tflite, zoo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module", params=zoo.names())
def tiny(request):
  name = request.param
  cls = zoo._REGISTRY[name]  # pylint: disable=protected-access
  tf.keras.utils.set_random_seed(2)
  model = zoo.build(name, **cls.tiny_config)
  model.update()
  image = smooth_image(45, 70, seed=5)
  return name, model, image


def _latents(model, image):
  decoded = model.entropy_decode(*model.compress(image))
  return decoded["latents"].numpy(), decoded["image_shape"].numpy()


@pytest.mark.parametrize("quantization", tflite.QUANTIZATIONS)
def test_synthesis_converts_with_builtin_ops_and_decodes(tiny, quantization):
  _, model, image = tiny
  data = tflite.convert_model(model, quantization)
  assert tflite.builtin_only(data)
  latents, shape = _latents(model, image)
  expected = model.synthesis(latents, shape)["image"].numpy()
  got = tflite.Synthesis(data)(latents, shape)
  assert got.dtype == np.uint8 and got.shape == image.shape
  diff = np.abs(got.astype(int) - expected)
  # float32 differs by rounding only; quantized weights a little more.
  assert diff.max() <= (1 if quantization != "int8" else 16)
  assert diff.mean() <= (0.01 if quantization == "none" else 1.0)


def test_quantization_shrinks_the_file(tiny):
  _, model, _ = tiny
  sizes = {q: len(tflite.convert_model(model, q)) for q in tflite.QUANTIZATIONS}
  assert sizes["int8"] < sizes["fp16"] < sizes["none"]


def test_one_interpreter_decodes_several_sizes(tiny):
  _, model, _ = tiny
  synthesis = tflite.Synthesis(tflite.convert_model(model))
  for h, w in ((45, 70), (64, 64), (20, 130)):
    image = smooth_image(h, w, seed=h)
    latents, shape = _latents(model, image)
    got = synthesis(latents, shape)
    assert got.shape == (h, w, 3)


def test_entropy_decode_then_synthesis_is_decompress(tiny):
  _, model, image = tiny
  tensors = model.compress(image)
  decoded = model.entropy_decode(*tensors)
  np.testing.assert_array_equal(
      model.synthesis(decoded["latents"], decoded["image_shape"])["image"],
      model.decompress(*tensors))


def test_tflite_backend_decodes_files(tiny):
  name, model, image = tiny
  data = coding.compress_image(image, name, 3, model=model)
  reference, _ = coding.decompress_bytes(data, model=model)
  got, header = coding.decompress_bytes(
      data, model=model, backend="tflite",
      tflite_model=tflite.convert_model(model))
  assert header.model == name
  assert np.abs(got.astype(int) - reference).max() <= 1


def test_saved_model_converts_and_runs_under_litert_alone(tiny, tmp_path):
  name, model, image = tiny
  paths = saved_model_lib.export_model(model, name, 3, str(tmp_path))
  out = tmp_path / "synthesis.tflite"
  subprocess.run([sys.executable, "-m", "export.tflite",
                  f"--saved_model_dir={tmp_path}", "--quantization=none",
                  f"--output={out}"], check=True, cwd=ROOT,
                 capture_output=True)
  assert os.path.isdir(paths["stock"]) and out.stat().st_size > 0
  latents, shape = _latents(model, image)
  np.savez(tmp_path / "in.npz", latents=latents, image_shape=shape)
  subprocess.run([sys.executable, "-m", "tests.litert_worker", str(out),
                  str(tmp_path / "in.npz"), str(tmp_path / "out.npy")],
                 check=True, cwd=ROOT)
  got = np.load(tmp_path / "out.npy")
  expected = model.synthesis(latents, shape)["image"].numpy()
  assert np.abs(got.astype(int) - expected).max() <= 1


def test_converter_refuses_a_folder_without_a_saved_model(tmp_path):
  with pytest.raises(ValueError, match="not a SavedModel"):
    tflite.convert_saved_model(str(tmp_path))


def test_export_binary_reports_a_bad_folder(tmp_path):
  result = subprocess.run(
      [sys.executable, "-m", "export.tflite", f"--saved_model_dir={tmp_path}",
       f"--output={tmp_path / 'x.tflite'}"], cwd=ROOT, capture_output=True,
      text=True)
  assert result.returncode != 0
  assert "not a SavedModel" in result.stderr
  assert not (tmp_path / "x.tflite").exists()


@pytest.mark.skipif(not zoo.qualities(zoo.DEFAULT_MODEL),
                    reason="no shipped weights")
def test_shipped_model_decodes_the_sample_within_a_tenth_of_a_db(
    tmp_path, monkeypatch):
  monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
  from tfcodec import io  # pylint: disable=g-import-not-at-top
  image = io.read_image(SAMPLE)
  data = coding.compress_image(image)
  reference, header = coding.decompress_bytes(data)
  got, _ = coding.decompress_bytes(data, backend="tflite")
  assert abs(metrics.psnr(image, got) - metrics.psnr(image, reference)) < 0.1
  cached = os.listdir(os.path.join(tmp_path, "tfcodec", "tflite"))
  assert cached == [next(n for n in cached if n.startswith(
      f"{header.model}-q{header.quality}-none-"))]

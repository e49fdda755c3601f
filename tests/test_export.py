"""SavedModel export of every zoo model, reloaded in fresh processes."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from export import saved_model_lib
from tests.conftest import smooth_image
from tfcodec import coding, zoo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module", params=zoo.names())
def exported(request, tmp_path_factory):
  name = request.param
  cls = zoo._REGISTRY[name]  # pylint: disable=protected-access
  tf.keras.utils.set_random_seed(1)
  model = zoo.build(name, **cls.tiny_config)
  model.update()
  folder = str(tmp_path_factory.mktemp(name))
  paths = saved_model_lib.export_model(model, name, 3, folder)
  image = smooth_image(37, 70, seed=4)
  np.save(os.path.join(folder, "image.npy"), image)
  return name, model, paths, image, folder


def _run(kind, path, folder):
  out = os.path.join(folder, f"{kind}.npz")
  subprocess.run([sys.executable, "-m", "tests.export_worker", kind, path,
                  os.path.join(folder, "image.npy"), out], check=True, cwd=ROOT)
  return np.load(out, allow_pickle=True)


def test_codec_signatures_reload_and_match_the_library(exported):
  name, model, paths, image, folder = exported
  got = _run("codec", paths["codec"], folder)
  outputs = [tf.constant(got[n]) for n in model.tensor_names]
  expected = coding.compress_image(image, name, 3, model=model)
  # What a client packs from `encode` is byte for byte what the CLI writes.
  assert coding.pack_encoded(name, 3, image.shape, outputs) == expected
  decoded, _ = coding.decompress_bytes(expected, model=model)
  np.testing.assert_array_equal(got["decoded"], decoded)


def test_stock_signatures_run_without_tensorflow_compression(exported):
  _, model, paths, image, folder = exported
  got = _run("stock", paths["stock"], folder)
  np.testing.assert_array_equal(
      got["decoded"], model.decompress(*model.compress(image)).numpy())


def test_export_writes_its_metadata(exported):
  name, model, paths, _, _ = exported
  for path in paths.values():
    meta = json.load(open(os.path.join(path, "tfcodec.json")))
    assert meta == {"model": name, "quality": 3,
                    "tensor_names": list(model.tensor_names),
                    "multiple": model.multiple}

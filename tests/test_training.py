"""The shared training library: data determinism, checkpoints and resume."""

import json
import os

import numpy as np
import pytest
from absl import logging as absl_logging
from PIL import Image

from tests.conftest import smooth_image
from tfcodec import data as tdata
from tfcodec import training, zoo
from tfcodec.errors import ImageError


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory):
  folder = tmp_path_factory.mktemp("images")
  for i in range(6):
    Image.fromarray(smooth_image(80 + 8 * i, 96, seed=i)).save(
        folder / f"img{i}.png")
  Image.fromarray(smooth_image(90, 100, seed=9)).save(folder / "photo.jpg",
                                                      quality=95)
  Image.fromarray(smooth_image(20, 20)).save(folder / "tiny.png")
  (folder / "broken.png").write_bytes(b"not a png")
  return str(folder)


def test_loading_skips_tiny_and_corrupt_files_naming_each(image_folder,
                                                          caplog):
  # The CLI quiets absl logging process-wide; this test needs warnings.
  verbosity = absl_logging.get_verbosity()
  absl_logging.set_verbosity(absl_logging.WARNING)
  try:
    files = tdata.list_images([image_folder])
    images = tdata.load_images(files, min_size=64)
  finally:
    absl_logging.set_verbosity(verbosity)
  assert len(images) == 7
  names = " ".join(r.getMessage() for r in caplog.records)
  assert "tiny.png" in names and "broken.png" in names


def test_empty_folder_is_an_error(tmp_path):
  with pytest.raises(ImageError, match="no image files"):
    tdata.list_images([str(tmp_path)])


def test_split_is_deterministic_and_disjoint(image_folder):
  files = tdata.list_images([image_folder])
  a = tdata.split_files(files, 0.3)
  assert a == tdata.split_files(files, 0.3)
  assert not set(a[0]) & set(a[1]) and len(a[0]) + len(a[1]) == len(files)


def test_crops_depend_only_on_the_step(image_folder):
  images = tdata.load_images(tdata.list_images([image_folder]), 64)
  full = list(tdata.train_dataset(images, 64, 2, seed=3).take(5))
  resumed = list(tdata.train_dataset(images, 64, 2, seed=3,
                                     start_step=3).take(2))
  for a, b in zip(full[3:], resumed, strict=True):
    np.testing.assert_array_equal(a["image"].numpy(), b["image"].numpy())
    np.testing.assert_array_equal(a["index"].numpy(), b["index"].numpy())
  first = full[0]["image"]
  assert first.shape == (2, 64, 64, 3) and first.dtype.name == "uint8"
  np.testing.assert_array_equal(full[4]["index"], [8, 9])
  other = next(iter(tdata.train_dataset(images, 64, 2, seed=4)))
  assert not np.array_equal(other["image"].numpy(), first.numpy())


def test_hard_crops_keep_the_candidate_largest_as_png():
  import io  # pylint: disable=g-import-not-at-top
  rng = np.random.default_rng(0)
  # Flat on the left, noise on the right: a random 32x32 crop may be either.
  image = np.full((64, 256, 3), 128, np.uint8)
  image[:, 128:] = rng.integers(0, 256, (64, 128, 3), dtype=np.uint8)
  images = tdata.make_image_set([image], ["half.png"], [False])

  def png_bytes(crop):
    buffer = io.BytesIO()
    Image.fromarray(crop).save(buffer, format="PNG")
    return len(buffer.getvalue())

  plain = next(iter(tdata.train_dataset(images, 32, 64)))["image"].numpy()
  hard = next(iter(tdata.train_dataset(images, 32, 64, hard_crops=4)))
  hard = hard["image"].numpy()
  plain_sizes = np.array([png_bytes(c) for c in plain])
  hard_sizes = np.array([png_bytes(c) for c in hard])
  # The plain crop is one of the candidates, so none is easier than it.
  assert np.all(hard_sizes >= plain_sizes - 64), (hard_sizes, plain_sizes)
  assert hard_sizes.mean() > 1.3 * plain_sizes.mean()
  # Still a function of the sample index alone (resume, distribution).
  again = next(iter(tdata.train_dataset(images, 32, 32, start_step=1,
                                        hard_crops=4)))["image"].numpy()
  np.testing.assert_array_equal(again, hard[32:])
  # 1 is the plain stream, crop for crop.
  one = next(iter(tdata.train_dataset(images, 32, 64, hard_crops=1)))
  np.testing.assert_array_equal(one["image"].numpy(), plain)
  with pytest.raises(ValueError, match="hard_crops must be at least 1"):
    tdata.train_dataset(images, 32, 8, hard_crops=0)


def _config(image_folder, checkpoint_dir, steps):
  return training.Config(
      model="hyperprior", model_config=dict(num_filters=8, latent_channels=8,
                                            lmbda=0.01),
      data_dirs=[image_folder], checkpoint_dir=checkpoint_dir, steps=steps,
      crop_size=64, batch_size=2, learning_rate=1e-3, log_every=2,
      checkpoint_minutes=0, validation_fraction=0.3, validation_crop=64,
      tfds_data_dir=os.path.join(checkpoint_dir, "tfds"))


def test_run_checkpoints_and_resumes_where_it_stopped(image_folder, tmp_path):
  ckpt = str(tmp_path / "run")
  model, _ = training.train(_config(image_folder, ckpt, 4))
  assert int(model.optimizer.iterations.numpy()) == 4
  saved = json.load(open(os.path.join(ckpt, "config.json")))
  assert saved["steps"] == 4
  # A second run with more steps resumes at step 4, not at 0.
  resumed, logs = training.train(_config(image_folder, ckpt, 6))
  assert int(resumed.optimizer.iterations.numpy()) == 6
  assert np.isfinite(logs["loss"])
  ckpts = sorted(f for f in os.listdir(os.path.join(ckpt, "ckpt"))
                 if f.endswith(".index"))
  assert ckpts[-1] == "ckpt-6.index"
  # The final weights package and reload as a zoo model.
  out = str(tmp_path / "weights")
  training.save_weights(resumed, "hyperprior", out, quality=3)
  size = os.path.getsize(os.path.join(out, "weights.npz"))
  params = sum(int(np.prod(v.shape)) for v in resumed.trainable_variables)
  # float16, and no optimizer slots.
  assert params < size < 2 * params * 1.2 + 20000
  loaded = zoo.load_from_dir(out)
  for a, b in zip(loaded.get_weights(), resumed.get_weights(), strict=True):
    np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
  zoo.round_weights(resumed)
  resumed.update()
  image = smooth_image(40, 40)
  np.testing.assert_array_equal(
      loaded.decompress(*loaded.compress(image)).numpy(),
      resumed.decompress(*resumed.compress(image)).numpy())


def test_tfds_builder_splits_and_drops_bad_files_naming_each(image_folder,
                                                              tmp_path, caplog):
  from tfcodec import tfds_local  # pylint: disable=g-import-not-at-top
  verbosity = absl_logging.get_verbosity()
  absl_logging.set_verbosity(absl_logging.WARNING)
  try:
    train = tfds_local.load_split("train", 64, folders=[image_folder],
                                  validation_fraction=0.3,
                                  data_dir=str(tmp_path))
    val = tfds_local.load_split("validation", 64, folders=[image_folder],
                                validation_fraction=0.3,
                                data_dir=str(tmp_path))
  finally:
    absl_logging.set_verbosity(verbosity)
  names = " ".join(r.getMessage() for r in caplog.records)
  assert "tiny.png" in names and "broken.png" in names
  # The same split and the same pixels as decoding the files directly.
  files = tdata.list_images([image_folder])
  expect_train, expect_val = tdata.split_files(files, 0.3)
  for got, expected in ((train, expect_train), (val, expect_val)):
    direct = tdata.load_images(
        [f for f in expected if not f.endswith(("tiny.png", "broken.png"))],
        64)
    assert got.files == direct.files
    np.testing.assert_array_equal(got.flat, direct.flat)
    np.testing.assert_array_equal(got.from_jpeg, direct.from_jpeg)
  assert len(train) + len(val) == 7 and len(val) > 0


def test_catalog_datasets_load_by_name(image_folder, tmp_path):
  from tfcodec import tfds_local  # pylint: disable=g-import-not-at-top
  builder = tfds_local.local_builder([image_folder], 64, 0.3, str(tmp_path))
  name = f"{builder.name}/{builder.builder_config.name}"
  # What --tfds_catalog does: tfds.builder(name), here read from the files
  # prepared in data_dir (a real catalog dataset downloads first).
  got = tfds_local.load_split("train", 64, catalog=name, data_dir=str(tmp_path))
  expected = tfds_local.load_split("train", 64, folders=[image_folder],
                                   validation_fraction=0.3,
                                   data_dir=str(tmp_path))
  assert got.files == expected.files
  np.testing.assert_array_equal(got.flat, expected.flat)


def test_an_unknown_catalog_dataset_is_an_error(tmp_path):
  from tfcodec import tfds_local  # pylint: disable=g-import-not-at-top
  with pytest.raises(Exception, match="no_such_dataset"):
    tfds_local.load_split("train", 64, catalog="no_such_dataset",
                          data_dir=str(tmp_path))


def test_logged_figures_are_per_image_means_whatever_the_batching():
  """Five images in batches of 2 (the last one short) log what one batch of
  five logs: each batch counts for its images, not as one batch."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  tf.keras.utils.set_random_seed(3)
  model = zoo.build("hyperprior", num_filters=8, latent_channels=8)
  model.build_eagerly()
  model.compile(optimizer=tf.keras.optimizers.Adam(1e-3))
  images = np.stack([smooth_image(64, 64, seed=30 + i) for i in range(5)])
  # Make the images unlike each other, so that a wrong weighting shows.
  images[4] = 255 - images[4] // 3
  per_image = [model.evaluate(images[i:i + 1], verbose=0, return_dict=True)
               for i in range(5)]
  expected = {k: np.mean([r[k] for r in per_image]) for k in ("mse", "bpp")}
  for batch in (5, 2):
    logs = model.evaluate(tf.data.Dataset.from_tensor_slices(images).batch(
        batch), verbose=0, return_dict=True)
    for key, value in expected.items():
      np.testing.assert_allclose(logs[key], value, rtol=1e-5,
                                 err_msg=f"{key}, batches of {batch}")
    np.testing.assert_allclose(
        logs["psnr"], 10 * np.log10(255.0 ** 2 / expected["mse"]), rtol=1e-5)

"""Encoder-side refinement of the hyperprior's latents (`refine_latents`):
a slower encode whose files every decoder reads."""

import numpy as np
import pytest

from tests.conftest import smooth_image
from tfcodec import bench, cli, coding, io, zoo

SAMPLE = "tests/data/sample.png"


@pytest.fixture(scope="module")
def model():
  return zoo.load("hyperprior", 3)


@pytest.fixture(scope="module")
def crop():
  # Not a multiple of the model's 64, so the padding is exercised.
  return io.read_image(SAMPLE)[:100, :150]


def _loss(model, image, data):
  """What refinement lowers, measured on the real file: bpp + lmbda * MSE."""
  decoded, _ = coding.decompress_bytes(data, model=model)
  h, w = image.shape[:2]
  mse = np.mean((decoded.astype(np.float64) - image) ** 2)
  return 8 * len(data) / (h * w) + model.lmbda * mse


def test_refined_files_decode_and_code_the_image_at_a_lower_loss(model, crop):
  plain = coding.compress_image(crop, "hyperprior", 3, model=model)
  refined = coding.compress_image(crop, "hyperprior", 3, model=model,
                                  refine_steps=30)
  assert refined != plain
  assert _loss(model, crop, refined) < _loss(model, crop, plain)


def test_refinement_is_deterministic_and_zero_steps_is_the_plain_encode(
    model, crop):
  plain = coding.compress_image(crop, "hyperprior", 3, model=model)
  assert coding.compress_image(crop, "hyperprior", 3, model=model,
                               refine_steps=0) == plain
  a = coding.compress_image(crop, "hyperprior", 3, model=model, refine_steps=3)
  b = coding.compress_image(crop, "hyperprior", 3, model=model, refine_steps=3)
  assert a == b


def test_zero_steps_gives_the_analysis_latents_and_their_estimate(model, crop):
  latents = model.refine_latents(crop, 0)
  assert latents.y.shape[1:3] == (8, 12)  # 100x150 padded to 128x192, /16.
  assert latents.z.shape[1:3] == (2, 3)  # and /4 again.
  assert model.estimate_latent_bits(latents) == pytest.approx(
      model.estimate_bits(crop), rel=1e-5)
  assert model.compress_latents(latents, np.int32(crop.shape[:2]))[0] == (
      model.compress(crop)[0])


def test_the_searched_side_information_codes_the_latents_in_fewer_bits(
    model, crop):
  """z is a variable of the search: for the refined y it beats the z the
  hyper-analysis would give, in real bytes (the decoded image is the same,
  since y is)."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  latents = model.refine_latents(crop, 30)
  derived = latents._replace(z=model.hyper_analysis_transform(
      tf.abs(latents.y)))
  assert not np.allclose(latents.z, derived.z, atol=0.05)
  shape = np.int32(crop.shape[:2])

  def file(latents):
    return coding.pack_encoded("hyperprior", 3, crop.shape,
                               model.compress_latents(latents, shape))
  searched, hyper = file(latents), file(derived)
  assert len(searched) < len(hyper)
  np.testing.assert_array_equal(
      coding.decompress_bytes(searched, model=model)[0],
      coding.decompress_bytes(hyper, model=model)[0])


def test_progress_is_called_once_per_step(model):
  calls = []
  coding.compress_image(smooth_image(64, 64), "hyperprior", 3, model=model,
                        refine_steps=4, progress=lambda: calls.append(1))
  assert len(calls) == 4


def test_a_model_without_refinement_is_a_clear_error(tmp_path, capsys):
  out = str(tmp_path / "o.tfc")
  assert cli.main(["compress", SAMPLE, out, "--model", "conv_gru",
                   "--refine-steps", "5"]) == 1
  err = capsys.readouterr().err
  assert "--refine-steps" in err and "conv_gru" in err
  assert not (tmp_path / "o.tfc").exists()
  io.write_image(str(tmp_path / "a.png"), smooth_image(32, 32))
  with pytest.raises(ValueError, match="cannot refine"):
    bench.run_bench(str(tmp_path), models=["conv_gru"],
                    refine_steps={"conv_gru": 5}, progress=False)


def test_the_cli_writes_a_refined_file_that_decompresses(tmp_path, capsys):
  image = smooth_image(64, 96, seed=4)
  source = str(tmp_path / "in.png")
  io.write_image(source, image)
  out = str(tmp_path / "o.tfc")
  assert cli.main(["compress", source, out, "--quality", "2",
                   "--refine-steps", "3"]) == 0
  plain = str(tmp_path / "p.tfc")
  assert cli.main(["compress", source, plain, "--quality", "2"]) == 0
  with open(out, "rb") as f, open(plain, "rb") as g:
    assert f.read() != g.read()
  decoded = str(tmp_path / "o.png")
  assert cli.main(["decompress", out, decoded]) == 0
  assert io.read_image(decoded).shape == image.shape


def test_bench_measures_refined_rows_apart_from_plain_ones(tmp_path):
  folder = tmp_path / "images"
  folder.mkdir()
  io.write_image(str(folder / "a.png"), smooth_image(64, 64, seed=5))
  cache = str(tmp_path / "cache")

  def run(steps):
    entry = bench.run_bench(str(folder), models=["hyperprior"],
                            qualities={"hyperprior": [2]}, cache_dir=cache,
                            refine_steps={"hyperprior": steps},
                            progress=False)["codecs"][0]
    return entry, entry["per_image"][2][0]

  plain_entry, plain = run(0)
  refined_entry, refined = run(5)
  assert refined_entry["refine_steps"] == 5 and plain_entry["refine_steps"] == 0
  assert "refined" in refined_entry["description"]
  assert (refined["bpp"], refined["psnr-rgb"]) != (plain["bpp"],
                                                   plain["psnr-rgb"])
  # The estimate is of the refined latents: it tracks the coded bits.
  assert refined["estimate_bpp"] == pytest.approx(refined["coded_bpp"],
                                                  rel=0.1)


def test_a_refining_model_can_still_be_freed():
  import gc  # pylint: disable=g-import-not-at-top
  import weakref  # pylint: disable=g-import-not-at-top

  from tfcodec.models import hyperprior  # pylint: disable=g-import-not-at-top
  tiny = zoo.build("hyperprior", num_filters=8, latent_channels=8)
  tiny.update()
  tiny.refine_latents(smooth_image(64, 64), 2)
  assert tiny in hyperprior._REFINE_STEPS  # pylint: disable=protected-access
  ref = weakref.ref(tiny)
  del tiny
  gc.collect()
  assert ref() is None


def test_annealed_rounding_is_soft_when_hot_and_rounds_when_cold():
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  from tfcodec.models import hyperprior  # pylint: disable=g-import-not-at-top
  rng = np.random.default_rng(0)
  # Away from halves, so that a cold sample has one right answer.
  frac = rng.choice([0.05, 0.2, 0.35, 0.65, 0.8, 0.95], size=(4, 6, 8))
  y = tf.constant(rng.integers(-5, 5, size=frac.shape) + frac, tf.float32)
  seed = tf.constant([3, 1], tf.int64)
  cold = hyperprior.annealed_rounding(y, tf.constant(0.01), seed)
  np.testing.assert_allclose(cold, np.round(y), atol=1e-4)
  with tf.GradientTape() as tape:
    tape.watch(y)
    hot = hyperprior.annealed_rounding(y, tf.constant(0.5), seed)
  grad = tape.gradient(hot, y).numpy()
  hot = hot.numpy()
  floor = np.floor(y.numpy())
  assert np.all(hot >= floor) and np.all(hot <= floor + 1)
  soft = (hot - floor > 0.01) & (hot - floor < 0.99)
  assert soft.mean() > 0.3  # Many elements are between their integers...
  assert np.any(grad != 0)  # ...and it passes gradients.
  # The same seed gives the same sample; another seed another.
  again = hyperprior.annealed_rounding(y, tf.constant(0.5), seed)
  np.testing.assert_array_equal(hot, again)
  other = hyperprior.annealed_rounding(y, tf.constant(0.5),
                                       tf.constant([4, 1], tf.int64))
  assert not np.array_equal(hot, other)

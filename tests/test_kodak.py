"""Kodak with the default shipped model (slow; skipped without ../shared)."""

import os

import numpy as np
import pytest

from tests.conftest import SHARED
from tfcodec import bench, zoo
from tfcodec import io as tio

KODAK = os.path.join(SHARED, "kodak")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.isdir(KODAK), reason="no ../shared/datasets/kodak"),
    pytest.mark.skipif(not zoo.qualities(zoo.DEFAULT_MODEL),
                       reason="no shipped default weights"),
]


def test_every_kodak_image_round_trips_at_the_estimated_rate():
  files = bench.list_images(KODAK)
  assert len(files) == 24
  quality = zoo.default_quality(zoo.DEFAULT_MODEL)
  model = zoo.load(zoo.DEFAULT_MODEL, quality)
  rows = [bench.measure_model(model, zoo.DEFAULT_MODEL, quality,
                              tio.read_image(f)) for f in files]
  # Every image decodes to its own size (a wrong size raises in
  # decompress_bytes). Over Kodak, the range-coded bits are within 2% of the
  # model's own estimate; single images within 3% (tfc's 12-bit tables make
  # rare symbols cheaper than the continuous estimate says).
  gaps = [(r["coded_bpp"] - r["estimate_bpp"]) / r["estimate_bpp"] for r in rows]
  assert abs(np.mean(gaps)) <= 0.02, gaps
  assert max(abs(g) for g in gaps) <= 0.03, gaps
  for row in rows:
    assert row["overhead_bytes"] < 200, row
  assert np.mean([r["psnr-rgb"] for r in rows]) > 25


def test_tflite_decode_of_kodak_is_within_a_tenth_of_a_db(tmp_path,
                                                          monkeypatch):
  from tfcodec import coding, metrics  # pylint: disable=g-import-not-at-top
  monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
  quality = zoo.default_quality(zoo.DEFAULT_MODEL)
  model = zoo.load(zoo.DEFAULT_MODEL, quality)
  tf_psnr, lite_psnr = [], []
  for path in bench.list_images(KODAK):
    image = tio.read_image(path)
    data = coding.compress_image(image, zoo.DEFAULT_MODEL, quality, model=model)
    decoded, _ = coding.decompress_bytes(data, model=model)
    lite, _ = coding.decompress_bytes(data, model=model, backend="tflite")
    tf_psnr.append(metrics.psnr(image, decoded))
    lite_psnr.append(metrics.psnr(image, lite))
  assert len(tf_psnr) == 24
  assert abs(np.mean(lite_psnr) - np.mean(tf_psnr)) < 0.1

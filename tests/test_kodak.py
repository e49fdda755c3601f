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
  for row in rows:
    # Decoded to the right size (a wrong size raises in decompress_bytes),
    # and the range-coded bits within 2% of the model's own estimate.
    assert abs(row["coded_bpp"] - row["estimate_bpp"]) <= 0.02 * row[
        "estimate_bpp"], row
    assert row["overhead_bytes"] < 200, row
  assert np.mean([r["psnr-rgb"] for r in rows]) > 25

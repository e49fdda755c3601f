"""What the package ships: the weights budget, model cards, every family."""

import os

import numpy as np
import pytest

from tests.conftest import smooth_image
from tfcodec import coding, zoo

FOLDERS = sorted(
    os.path.join(zoo.WEIGHTS_ROOT, d) for d in os.listdir(zoo.WEIGHTS_ROOT)
    if os.path.isfile(os.path.join(zoo.WEIGHTS_ROOT, d, "config.json")))


def test_shipped_weights_stay_under_60_mb():
  total = sum(os.path.getsize(os.path.join(root, f))
              for root, _, files in os.walk(zoo.WEIGHTS_ROOT) for f in files)
  assert total < 60_000_000, total


@pytest.mark.parametrize("folder", FOLDERS, ids=os.path.basename)
def test_every_shipped_folder_has_a_card_with_its_recipe_and_figures(folder):
  with open(os.path.join(folder, "MODEL_CARD.md")) as f:
    card = f.read()
  assert "python -m models.train" in card
  assert "## Kodak" in card and "| quality | bpp |" in card
  meta = zoo.read_config(folder)
  assert zoo.is_known(meta["model"])
  argument = zoo.model_class(meta["model"]).quality_argument
  # Weights serving several qualities exist only for families whose quality
  # is a constructor argument.
  assert bool(meta.get("qualities")) == bool(argument)


@pytest.mark.parametrize("name", [n for n in zoo.names() if zoo.qualities(n)])
def test_every_shipped_family_round_trips_its_default_quality(name):
  image = smooth_image(48, 64, seed=9)
  quality = zoo.default_quality(name)
  data = coding.compress_image(image, name, quality)
  decoded, header = coding.decompress_bytes(data)
  assert (header.model, header.quality) == (name, quality)
  assert decoded.shape == image.shape
  # Shipped models reconstruct the image, not just its shape.
  assert np.mean(np.abs(decoded.astype(float) - image)) < 40


def test_range_coded_latents_cost_what_the_integer_indexes_predict():
  # The coder codes with the integer scale indexes, so its length should be
  # their ideal cost (up to tfc's 12-bit probabilities and flush bytes); the
  # continuous estimate of `call` may differ by the indexes' rounding.
  from tfcodec import io  # pylint: disable=g-import-not-at-top
  image = io.read_image(os.path.join(os.path.dirname(__file__), "data",
                                     "sample.png"))
  r = zoo.load("hyperprior", 3).latent_bits(image)
  assert r["integer"] > 1000 and r["continuous"] > 1000
  assert abs(r["coded"] - r["integer"]) < 0.02 * r["integer"] + 64
  assert abs(r["integer"] / r["continuous"] - 1) < 0.05
  assert 0 <= r["below_0"] <= 1 and 0 < r["at_0"] < 1

"""Shared fixtures. Tests never need ../shared; those that use it skip."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # pylint: disable=g-import-not-at-top,wrong-import-position
import pytest  # pylint: disable=g-import-not-at-top,wrong-import-position

HERE = os.path.dirname(__file__)
SAMPLE = os.path.join(HERE, "data", "sample.png")
SHARED = os.path.abspath(os.path.join(HERE, "..", "..", "shared", "datasets"))


def pytest_configure(config):
  config.addinivalue_line("markers", "slow: long tests, not in the default run")


@pytest.fixture
def rng():
  return np.random.RandomState(1234)


def smooth_image(height, width, seed=0):
  """A deterministic photo-like uint8 image (smooth gradients plus texture)."""
  r = np.random.RandomState(seed)
  yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
  image = np.stack([
      128 + 100 * np.sin(xx / (7 + c) + yy / (11 + 2 * c) + c) for c in range(3)
  ], axis=-1)
  image += r.normal(0, 8, image.shape)
  return np.clip(np.round(image), 0, 255).astype(np.uint8)

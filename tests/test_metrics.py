"""Metrics against closed-form values."""

import math

import numpy as np
import pytest

from tests.conftest import smooth_image
from tfcodec import metrics


def test_psnr_closed_form():
  a = np.zeros((4, 4, 3), np.uint8)
  b = np.full((4, 4, 3), 10, np.uint8)
  assert metrics.psnr(a, b) == pytest.approx(10 * math.log10(255 ** 2 / 100))
  assert metrics.psnr(a, a) == math.inf


def test_psnr_does_not_wrap_around_in_uint8():
  a = np.zeros((2, 2, 3), np.uint8)
  b = np.full((2, 2, 3), 255, np.uint8)
  assert metrics.psnr(a, b) == pytest.approx(0.0)


def test_bpp_counts_real_bytes():
  assert metrics.bpp(1000, 100, 80) == pytest.approx(1.0)


@pytest.mark.parametrize("shape", [(256, 256), (64, 100), (20, 30), (5, 9),
                                   (1, 1)])
def test_ms_ssim_handles_every_size(shape):
  a = smooth_image(*shape)
  assert metrics.ms_ssim(a, a) == pytest.approx(1.0, abs=1e-5)
  b = np.clip(a.astype(int) + 40 * (np.indices(shape)[0] % 2)[..., None], 0,
              255).astype(np.uint8)
  if shape != (1, 1):
    assert metrics.ms_ssim(a, b) < 0.999


def test_ms_ssim_matches_tf_image_on_large_images():
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  a = smooth_image(192, 192, seed=1)
  b = smooth_image(192, 192, seed=2)
  expect = float(tf.image.ssim_multiscale(a.astype(np.float32),
                                          b.astype(np.float32), 255))
  assert metrics.ms_ssim(a, b) == pytest.approx(expect, rel=1e-6)


def test_ms_ssim_db():
  assert metrics.ms_ssim_db(0.99) == pytest.approx(20.0)

"""Image reading: every mode and size ends as uint8 RGB, or a clear error."""

import os

import numpy as np
import pytest
from PIL import Image

from tests.conftest import smooth_image
from tfcodec import io as tio
from tfcodec.errors import ImageError


def _save(tmp_path, name, img, **kw):
  path = os.path.join(tmp_path, name)
  img.save(path, **kw)
  return path


@pytest.mark.parametrize("ext", ["png", "jpg", "webp", "tiff", "bmp"])
def test_reads_every_format_as_uint8_rgb(tmp_path, ext):
  a = smooth_image(17, 23)
  path = _save(tmp_path, f"x.{ext}", Image.fromarray(a))
  out = tio.read_image(path)
  assert out.dtype == np.uint8 and out.shape == (17, 23, 3)
  if ext in ("png", "tiff", "bmp"):
    np.testing.assert_array_equal(out, a)


def test_grey_is_expanded_to_rgb(tmp_path):
  g = np.arange(12 * 5, dtype=np.uint8).reshape(12, 5)
  out = tio.read_image(_save(tmp_path, "g.png", Image.fromarray(g, "L")))
  assert out.shape == (12, 5, 3)
  for c in range(3):
    np.testing.assert_array_equal(out[..., c], g)


def test_palette_is_expanded_to_rgb(tmp_path):
  a = smooth_image(9, 9)
  p = Image.fromarray(a).convert("P", palette=Image.ADAPTIVE, colors=16)
  out = tio.read_image(_save(tmp_path, "p.png", p))
  np.testing.assert_array_equal(out, np.asarray(p.convert("RGB")))


def test_alpha_is_composited_over_white_with_a_warning(tmp_path, capsys):
  rgba = np.zeros((4, 4, 4), np.uint8)
  rgba[..., 0] = 200
  rgba[..., 3] = 0
  rgba[0, 0, 3] = 255
  path = _save(tmp_path, "a.png", Image.fromarray(rgba, "RGBA"))
  out = tio.read_image(path)
  assert tuple(out[0, 0]) == (200, 0, 0)
  assert tuple(out[1, 1]) == (255, 255, 255)
  err = capsys.readouterr().err.strip().splitlines()
  assert len(err) == 1 and "alpha channel dropped" in err[0] and path in err[0]


def test_opaque_alpha_gives_no_warning(tmp_path, capsys):
  rgba = np.full((3, 3, 4), 255, np.uint8)
  tio.read_image(_save(tmp_path, "o.png", Image.fromarray(rgba, "RGBA")))
  assert capsys.readouterr().err == ""


def test_16_bit_grey_is_reduced_with_a_warning(tmp_path, capsys):
  a = (np.arange(16, dtype=np.uint16) * 4000).reshape(4, 4)
  path = _save(tmp_path, "s.png", Image.fromarray(a))
  out = tio.read_image(path)
  np.testing.assert_array_equal(out[..., 1], (a >> 8).astype(np.uint8))
  err = capsys.readouterr().err
  assert "16-bit" in err and "value >> 8" in err


@pytest.mark.parametrize("shape", [(1, 1), (1, 1000), (1000, 1), (7, 13)])
def test_odd_and_tiny_sizes(tmp_path, shape):
  a = smooth_image(*shape)
  out = tio.read_image(_save(tmp_path, "t.png", Image.fromarray(a)))
  np.testing.assert_array_equal(out, a)


@pytest.mark.parametrize("orientation,expect", [
    (1, lambda a: a), (3, lambda a: a[::-1, ::-1]),
    (6, lambda a: np.rot90(a, -1)), (8, lambda a: np.rot90(a, 1))])
def test_exif_orientation_is_applied(tmp_path, orientation, expect):
  a = smooth_image(6, 10)
  exif = Image.Exif()
  exif[0x0112] = orientation
  path = _save(tmp_path, "e.png", Image.fromarray(a), exif=exif)
  np.testing.assert_array_equal(tio.read_image(path), expect(a))


def test_pixel_limit_refuses_large_images(tmp_path):
  path = _save(tmp_path, "big.png", Image.new("RGB", (200, 100)))
  with pytest.raises(ImageError, match="over the limit of 10000"):
    tio.read_image(path, max_pixels=10000)


@pytest.mark.parametrize("content,message", [
    (None, "no such file"), (b"not an image", "not an image"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "corrupt|cannot")])
def test_bad_files_name_the_file(tmp_path, content, message):
  path = os.path.join(tmp_path, "bad.png")
  if content is not None:
    with open(path, "wb") as f:
      f.write(content)
  with pytest.raises(ImageError, match=message) as e:
    tio.read_image(path)
  assert str(e.value).startswith(path)


def test_truncated_png_is_an_error(tmp_path):
  path = _save(tmp_path, "t.png", Image.fromarray(smooth_image(64, 64)))
  data = open(path, "rb").read()
  with open(path, "wb") as f:
    f.write(data[:len(data) // 2])
  with pytest.raises(ImageError, match="t.png"):
    tio.read_image(path)


def test_folder_is_an_error(tmp_path):
  with pytest.raises(ImageError, match="folder"):
    tio.read_image(str(tmp_path))


@pytest.mark.parametrize("ext", [".png", ".bmp", ".tif", ".webp"])
def test_write_is_lossless_for_lossless_formats(tmp_path, ext):
  a = smooth_image(11, 7)
  path = os.path.join(tmp_path, "o" + ext)
  tio.write_image(path, a)
  np.testing.assert_array_equal(tio.read_image(path), a)
  assert not [f for f in os.listdir(tmp_path) if f.startswith(".tfcodec-")]


def test_write_unknown_extension_fails_and_leaves_nothing(tmp_path):
  path = os.path.join(tmp_path, "o.xyz")
  with pytest.raises(ImageError, match="o.xyz"):
    tio.write_image(path, smooth_image(4, 4))
  assert os.listdir(tmp_path) == []


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
  path = os.path.join(tmp_path, "keep.bin")
  tio.atomic_write(path, b"old")

  def boom(*a):
    raise OSError("disk full")
  monkeypatch.setattr(os, "replace", boom)
  with pytest.raises(OSError):
    tio.atomic_write(path, b"new")
  assert open(path, "rb").read() == b"old"
  assert os.listdir(tmp_path) == ["keep.bin"]

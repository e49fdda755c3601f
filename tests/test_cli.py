"""The `tfcodec` command end to end, with the shipped default model."""

import os
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import SAMPLE
from tfcodec import bitstream, cli, metrics, zoo
from tfcodec import io as tio

pytestmark = pytest.mark.skipif(not zoo.qualities(zoo.DEFAULT_MODEL),
                                reason="no shipped default weights")


@pytest.fixture(scope="module")
def compressed(tmp_path_factory):
  folder = tmp_path_factory.mktemp("cli")
  out = str(folder / "sample.tfc")
  assert cli.main(["compress", SAMPLE, out]) == 0
  return out


def _error_line(capsys):
  err = capsys.readouterr().err.strip().splitlines()
  assert len(err) == 1, err
  assert err[0].startswith("tfcodec: error: ")
  return err[0]


def test_compress_writes_a_valid_file(compressed, capsys):
  data = open(compressed, "rb").read()
  header, _ = bitstream.unpack(data)
  image = tio.read_image(SAMPLE)
  assert header.model == zoo.DEFAULT_MODEL
  assert header.quality == zoo.default_quality(zoo.DEFAULT_MODEL)
  assert (header.height, header.width) == image.shape[:2]
  # At least 8x smaller than raw RGB: the file really is compressed.
  assert len(data) * 8 < image.size


def test_decompress_restores_the_image(compressed, tmp_path, capsys):
  out = str(tmp_path / "out.png")
  assert cli.main(["decompress", compressed, out, "--reference", SAMPLE]) == 0
  decoded = tio.read_image(out)
  original = tio.read_image(SAMPLE)
  assert decoded.shape == original.shape
  line = capsys.readouterr().out
  assert "PSNR" in line and "bpp" in line
  assert metrics.psnr(original, decoded) > 20


def test_info_prints_the_header(compressed, capsys):
  assert cli.main(["info", compressed]) == 0
  out = capsys.readouterr().out
  assert f"model:    {zoo.DEFAULT_MODEL}" in out
  size = os.path.getsize(compressed)
  assert f"bytes:    {size}" in out
  assert "size:     256x300" in out


def test_models_lists_the_zoo(capsys):
  assert cli.main(["models"]) == 0
  out = capsys.readouterr().out
  for name in zoo.names():
    assert name in out


def test_decompressing_twice_is_identical(compressed, tmp_path):
  a, b = str(tmp_path / "a.png"), str(tmp_path / "b.bmp")
  assert cli.main(["decompress", compressed, a]) == 0
  assert cli.main(["decompress", compressed, b]) == 0
  np.testing.assert_array_equal(tio.read_image(a), tio.read_image(b))


@pytest.mark.parametrize("cut", [3, 10, 30, -1])
def test_truncated_file_is_one_line_error(compressed, tmp_path, capsys, cut):
  data = open(compressed, "rb").read()
  bad = str(tmp_path / "bad.tfc")
  open(bad, "wb").write(data[:cut])
  out = str(tmp_path / "out.png")
  assert cli.main(["decompress", bad, out]) == 1
  line = _error_line(capsys)
  assert bad in line and "truncated" in line
  assert not os.path.exists(out)


@pytest.mark.parametrize("position", [0, 4, 5, 20, 60, -2])
def test_corrupted_file_is_one_line_error(compressed, tmp_path, capsys,
                                          position):
  data = bytearray(open(compressed, "rb").read())
  data[position] ^= 0xFF
  bad = str(tmp_path / "bad.tfc")
  open(bad, "wb").write(bytes(data))
  out = str(tmp_path / "out.png")
  assert cli.main(["decompress", bad, out]) == 1
  assert bad in _error_line(capsys)
  assert os.listdir(tmp_path) == ["bad.tfc"]


def test_file_from_an_unknown_model_is_refused(tmp_path, capsys):
  bad = str(tmp_path / "m.tfc")
  open(bad, "wb").write(bitstream.pack(
      bitstream.Header("nosuchmodel", 1, 8, 8), b""))
  assert cli.main(["decompress", bad, str(tmp_path / "o.png")]) == 1
  assert "nosuchmodel" in _error_line(capsys)


def test_missing_input_is_one_line_error(tmp_path, capsys):
  assert cli.main(["compress", str(tmp_path / "none.png"),
                   str(tmp_path / "x.tfc")]) == 1
  assert "none.png: no such file" in _error_line(capsys)


def test_non_image_input_is_one_line_error(tmp_path, capsys):
  bad = tmp_path / "notes.png"
  bad.write_text("hello")
  assert cli.main(["compress", str(bad), str(tmp_path / "x.tfc")]) == 1
  assert "notes.png" in _error_line(capsys)
  assert sorted(os.listdir(tmp_path)) == ["notes.png"]


def test_unknown_model_and_quality_are_one_line_errors(tmp_path, capsys):
  assert cli.main(["compress", SAMPLE, str(tmp_path / "x.tfc"),
                   "--model", "nope"]) == 1
  assert "unknown model 'nope'" in _error_line(capsys)
  assert cli.main(["compress", SAMPLE, str(tmp_path / "x.tfc"),
                   "--quality", "99"]) == 1
  assert "quality 99" in _error_line(capsys)


def test_output_never_overwrites_the_input(tmp_path, capsys, compressed):
  copy = tmp_path / "in.tfc"
  copy.write_bytes(open(compressed, "rb").read())
  assert cli.main(["decompress", str(copy), str(copy)]) == 1
  assert "overwrite the input" in _error_line(capsys)
  assert copy.read_bytes() == open(compressed, "rb").read()


def test_unwritable_extension_is_refused_before_work(compressed, tmp_path,
                                                     capsys):
  assert cli.main(["decompress", compressed, str(tmp_path / "o.xyz")]) == 1
  assert "o.xyz" in _error_line(capsys)
  assert os.listdir(tmp_path) == []


def test_missing_output_folder_is_one_line_error(tmp_path, capsys):
  assert cli.main(["compress", SAMPLE, str(tmp_path / "no" / "x.tfc")]) == 1
  assert "does not exist" in _error_line(capsys)


def test_console_script_exit_codes(compressed, tmp_path):
  exe = os.path.join(os.path.dirname(sys.executable), "tfcodec")
  ok = subprocess.run([exe, "info", compressed], capture_output=True,
                      text=True)
  assert ok.returncode == 0 and "model:" in ok.stdout
  bad = subprocess.run([exe, "info", SAMPLE], capture_output=True, text=True)
  assert bad.returncode == 1
  assert bad.stderr.strip().count("\n") == 0
  assert "bad magic" in bad.stderr and "Traceback" not in bad.stderr


def test_tflite_backend_decodes_close_to_tensorflow(compressed, tmp_path,
                                                    capsys, monkeypatch):
  monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
  ref = str(tmp_path / "tf.png")
  out = str(tmp_path / "tflite.png")
  assert cli.main(["decompress", compressed, ref]) == 0
  assert cli.main(["decompress", compressed, out, "--backend", "tflite",
                   "--quantization", "fp16", "--reference", SAMPLE]) == 0
  assert "TFLite synthesis" in capsys.readouterr().out
  diff = np.abs(tio.read_image(out).astype(int) - tio.read_image(ref))
  assert diff.max() <= 2 and diff.mean() < 0.05


def test_bad_tflite_model_is_one_line_error(compressed, tmp_path, capsys):
  bad = tmp_path / "bad.tflite"
  bad.write_bytes(b"not a flatbuffer" * 10)
  out = tmp_path / "out.png"
  assert cli.main(["decompress", compressed, str(out), "--backend", "tflite",
                   "--tflite-model", str(bad)]) == 1
  assert str(bad) in _error_line(capsys)
  assert not out.exists()
  assert cli.main(["decompress", compressed, str(out), "--tflite-model",
                   str(bad)]) == 1
  assert "--backend tflite" in _error_line(capsys)

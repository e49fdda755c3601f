"""Benchmark, codecs, plots and Bjøntegaard deltas."""

import inspect
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.conftest import smooth_image
from tfcodec import bench, cli, codecs, plot, zoo
from tfcodec import io as tio

PILLOW_CODECS = ["jpeg420", "jpeg444", "webp", "jpeg2000", "avif"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
  d = tmp_path_factory.mktemp("imgs")
  Image.fromarray(smooth_image(48, 64, seed=1)).save(d / "a.png")
  Image.fromarray(smooth_image(40, 56, seed=2)).save(d / "b.png")
  return str(d)


def test_bd_rate_of_a_rate_scaled_curve_is_exactly_the_factor():
  bpp = np.array([0.1, 0.25, 0.5, 1.0, 2.0])
  psnr = np.array([25.0, 28.0, 31.0, 34.5, 38.0])
  for factor in (0.8, 1.0, 1.25, 2.0):
    assert plot.bd_rate(bpp, psnr, bpp * factor, psnr) == pytest.approx(
        (factor - 1) * 100, abs=1e-9)


def test_bd_psnr_of_a_shifted_curve_is_exactly_the_shift():
  bpp = np.array([0.1, 0.25, 0.5, 1.0])
  psnr = np.array([25.0, 28.0, 31.0, 34.5])
  assert plot.bd_psnr(bpp, psnr, bpp, psnr + 0.7) == pytest.approx(0.7)


def test_bd_is_nan_without_overlap():
  assert np.isnan(plot.bd_rate([0.1, 0.2], [20, 21], [1, 2], [40, 41]))


def test_bd_rate_is_not_fooled_by_point_order():
  bpp = [0.5, 0.1, 1.0, 0.25]
  psnr = [31.0, 25.0, 34.5, 28.0]
  assert plot.bd_rate(bpp, psnr, [b * 1.5 for b in bpp], psnr) == \
      pytest.approx(50.0)


@pytest.mark.parametrize("name", PILLOW_CODECS)
def test_every_pillow_codec_round_trips_with_real_bytes(name):
  codec = codecs.get_codec(name)
  usable, why = codec.available()
  if not usable:
    pytest.skip(why)
  image = smooth_image(40, 56)
  for q in (codec.qualities[0], codec.qualities[-1]):
    data = codec.encode(image, q)
    decoded = codec.decode(data)
    assert decoded.shape == image.shape and decoded.dtype == np.uint8
    row = bench.measure(image, data, decoded, 0.0, 0.0)
    assert row["bpp"] == pytest.approx(8 * len(data) / (40 * 56))
    assert row["psnr-rgb"] > 15
  low = len(codec.encode(image, codec.qualities[0]))
  high = len(codec.encode(image, codec.qualities[-1]))
  assert low < high


@pytest.mark.parametrize("name", ["jpegxl", "avifenc", "bpg"])
def test_external_codecs_round_trip_when_installed(name):
  codec = codecs.get_codec(name)
  usable, why = codec.available()
  if not usable:
    pytest.skip(why)
  image = smooth_image(40, 56)
  data, decoded = codec.round_trip(image, codec.qualities[-1])
  assert decoded.shape == image.shape and len(data) > 0


def test_results_json_format(tmp_path, folder):
  results = bench.run_bench(folder, codec_names=["jpeg420"],
                            qualities={"jpeg420": [20, 60]}, progress=False)
  path = str(tmp_path / "r.json")
  bench.write_results(results, path)
  data = json.load(open(path))
  assert data["images"] == 2
  (entry,) = data["codecs"]
  assert entry["name"] == "jpeg420" and entry["description"]
  r = entry["results"]
  for key in ("quality", "bpp", "psnr-rgb", "ms-ssim-rgb", "ms-ssim-rgb-db",
              "encoding_time", "decoding_time"):
    assert len(r[key]) == 2, key
  # The means are the means of the per-image rows, which use real bytes.
  rows = entry["per_image"]["20"]
  assert [x["image"] for x in rows] == ["a.png", "b.png"]
  assert r["bpp"][0] == pytest.approx(np.mean([x["bpp"] for x in rows]))
  jpeg = codecs.JPEG420().encode(tio.read_image(os.path.join(folder, "a.png")), 20)
  assert rows[0]["bytes"] == len(jpeg)
  # plot reads it back.
  (curve,) = plot.load_results(path)
  assert curve.name == "jpeg420" and curve.bpp == sorted(r["bpp"])


def test_cache_makes_a_rerun_resume(tmp_path, folder, monkeypatch):
  cache = str(tmp_path / "cache")
  first = bench.run_bench(folder, codec_names=["webp"],
                          qualities={"webp": [30]}, cache_dir=cache,
                          progress=False)
  assert len(os.listdir(cache)) == 2

  def fail(*args, **kwargs):
    raise AssertionError("measured again despite the cache")
  monkeypatch.setattr(bench.concurrent.futures, "ProcessPoolExecutor", fail)
  second = bench.run_bench(folder, codec_names=["webp"],
                           qualities={"webp": [30]}, cache_dir=cache,
                           progress=False)
  assert second["codecs"][0]["results"] == first["codecs"][0]["results"]


def test_bench_and_plot_commands_end_to_end(tmp_path, folder, capsys):
  out = str(tmp_path / "res.json")
  assert cli.main(["bench", folder, "--out", out, "--models", "",
                   "--codecs", "jpeg420,webp", "--quality", "jpeg420=10,50",
                   "--quality", "webp=10,50"]) == 0
  printed = capsys.readouterr().out
  assert "jpeg420" in printed and "webp" in printed
  names = [e["name"] for e in json.load(open(out))["codecs"]]
  assert names == ["jpeg420", "webp"]
  png = str(tmp_path / "rd.png")
  assert cli.main(["plot", out, "--out", png, "--bd-rate", "jpeg420"]) == 0
  table = capsys.readouterr().out
  assert "| webp |" in table and "BD against jpeg420" in table
  with Image.open(png) as im:
    assert im.format == "PNG" and im.size[0] > 500
  svg = str(tmp_path / "rd.svg")
  assert cli.main(["plot", out, "--out", svg]) == 0
  assert open(svg).read().lstrip().startswith("<?xml")


def test_plot_errors_are_one_line(tmp_path, capsys):
  assert cli.main(["plot", str(tmp_path / "none.json"), "--out",
                   str(tmp_path / "x.png")]) == 1
  err = capsys.readouterr().err.strip().splitlines()
  assert len(err) == 1 and "none.json" in err[0]
  bad = tmp_path / "bad.json"
  bad.write_text("{}")
  assert cli.main(["plot", str(bad), "--out", str(tmp_path / "x.png")]) == 1
  assert "not a results file" in capsys.readouterr().err


def test_anchors_load_by_name(tmp_path):
  csv = tmp_path / "a.csv"
  csv.write_text("method,bpp,psnr_rgb,msssim_rgb,enc_s,dec_s,source\n"
                 "jpeg,0.2,24,0.8,,,x\njpeg,0.5,29,0.94,,,x\n"
                 "webp,0.3,29,0.93,,,y\n")
  assert plot.anchor_names(str(csv)) == ["jpeg", "webp"]
  (c,) = plot.load_anchors(["jpeg"], str(csv))
  assert c.name == "published:jpeg" and c.anchor
  assert c.bpp == [0.2, 0.5] and c.psnr == [24, 29]
  with pytest.raises(ValueError, match="no anchor named 'vtm'"):
    plot.load_anchors(["vtm"], str(csv))


def test_a_failing_external_encoder_is_a_one_line_codec_error(monkeypatch):
  codec = codecs.JPEGXL()
  monkeypatch.setattr(codec, "encode_args",
                      lambda src, dst, q: ["false", src, dst])
  with pytest.raises(codecs.CodecError, match="false failed"):
    codec.encode(smooth_image(8, 8), 50)


def test_a_codec_that_fails_is_skipped_with_a_note(folder, monkeypatch,
                                                  tmp_path):
  bin_dir = tmp_path / "bin"
  bin_dir.mkdir()
  for tool in ("cjxl", "djxl"):
    script = bin_dir / tool
    script.write_text("#!/bin/sh\necho 'broken encoder' >&2\nexit 3\n")
    script.chmod(0o755)
  monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
  results = bench.run_bench(folder, codec_names=["jpegxl", "jpeg420"],
                            qualities={"jpegxl": [50], "jpeg420": [50]},
                            workers=1, progress=False)
  assert [e["name"] for e in results["codecs"]] == ["jpeg420"]
  assert "cjxl failed (exit 3): broken encoder" in results["skipped"]["jpegxl"]


def test_a_models_cache_key_follows_its_familys_source(tmp_path, monkeypatch):
  quality = zoo.default_quality("comcnn")
  before = bench._weights_fingerprint("comcnn", quality)  # pylint: disable=protected-access
  assert bench._weights_fingerprint("comcnn", quality) == before  # pylint: disable=protected-access
  edited = tmp_path / "comcnn.py"
  edited.write_text("# the family's code, changed\n")
  monkeypatch.setattr(inspect, "getsourcefile", lambda obj: str(edited))
  assert bench._weights_fingerprint("comcnn", quality) != before  # pylint: disable=protected-access


def test_evaluate_weights_dir_measures_each_quality_it_is_asked_for(
    folder, tmp_path):
  # A folder that serves several qualities (conv_gru: the iteration count)
  # is measured at each --quality, not once at the quality it was saved at.
  root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  weights = zoo.weights_dir("conv_gru", 1)
  out = tmp_path / "eval.json"
  args = [sys.executable, "-m", "models.evaluate", "--model=conv_gru",
          f"--weights_dir={weights}", f"--data_dir={folder}",
          "--jpeg_qualities=30,60", "--webp_qualities=30,60", "--anchors=",
          "--cache=", f"--output={out}"]
  subprocess.run(args + ["--quality=1,3"], cwd=root, check=True,
                 capture_output=True)
  results = json.loads(out.read_text())["codecs"][0]["results"]
  assert results["quality"] == [1, 3]
  # 0.125 bpp per iteration before entropy coding.
  assert 2 < results["bpp"][1] / results["bpp"][0] < 4
  bad = subprocess.run(args + ["--quality=17"], cwd=root, capture_output=True,
                       text=True)
  assert bad.returncode != 0
  assert f"{weights}: no weights for quality 17" in bad.stderr


def test_an_earlier_output_seeds_a_fresh_cache(tmp_path, folder, monkeypatch):
  # The output keeps each row's cache key, so a committed evaluation spares
  # a fresh checkout from measuring again what has not changed.
  cache = tmp_path / "cache"
  first = bench.run_bench(folder, codec_names=["webp"],
                          qualities={"webp": [30]}, cache_dir=str(cache),
                          progress=False)
  out = str(tmp_path / "r.json")
  bench.write_results(first, out)
  fresh = tmp_path / "fresh"
  assert bench.seed_cache(out, str(fresh)) == 2
  assert sorted(os.listdir(fresh)) == sorted(os.listdir(cache))
  for name in os.listdir(cache):
    assert json.loads((fresh / name).read_text()) == json.loads(
        (cache / name).read_text())
  assert bench.seed_cache(out, str(fresh)) == 0  # nothing new to file

  def fail(*args, **kwargs):
    raise AssertionError("measured again despite the seeded cache")
  monkeypatch.setattr(bench.concurrent.futures, "ProcessPoolExecutor", fail)
  second = bench.run_bench(folder, codec_names=["webp"],
                           qualities={"webp": [30]}, cache_dir=str(fresh),
                           progress=False)
  assert second["codecs"][0]["results"] == first["codecs"][0]["results"]
  # What the earlier output did not measure still is.
  with pytest.raises(AssertionError, match="measured again"):
    bench.run_bench(folder, codec_names=["webp"], qualities={"webp": [30, 60]},
                    cache_dir=str(fresh), progress=False)


def test_evaluate_names_a_reuse_file_that_is_not_an_evaluation(tmp_path,
                                                               folder):
  root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  with pytest.raises(ValueError, match="no per-image rows"):
    odd = tmp_path / "odd.json"
    odd.write_text('{"codecs": [{"per_image": {"1": [3]}}]}')
    bench.seed_cache(str(odd), str(tmp_path / "cache"))
  bad = tmp_path / "bad.json"
  bad.write_text("[1, 2]")
  run = subprocess.run(
      [sys.executable, "-m", "models.evaluate", "--model=comcnn",
       f"--data_dir={folder}", f"--cache={tmp_path / 'cache'}",
       f"--reuse={bad}", f"--output={tmp_path / 'out.json'}"],
      cwd=root, capture_output=True, text=True)
  assert run.returncode != 0
  assert f"{bad}: not an earlier evaluation" in run.stderr
  assert not (tmp_path / "out.json").exists()

"""The residual ConvGRU codec: the cell, the coder and progressive files."""

import os

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import smooth_image
from tfcodec import bench, bitstream, cli, coding, training, zoo
from tfcodec.errors import CorruptedError
from tfcodec.layers import ConvGRU
from tfcodec.models import conv_gru

TINY = dict(zoo.model_class("conv_gru").tiny_config, iterations=3,
            train_iterations=3)


@pytest.fixture(scope="module")
def tiny():
  tf.keras.utils.set_random_seed(1)
  model = zoo.build("conv_gru", **TINY)
  model.update()
  return model


def test_conv_gru_cell_computes_the_gru_equations():
  cell = ConvGRU(4, kernel_size=1, hidden_kernel_size=1)
  x = tf.random.stateless_normal([1, 3, 3, 2], [1, 2])
  h = tf.random.stateless_normal([1, 3, 3, 4], [3, 4])
  out = cell(x, h).numpy()
  w, b = [v.numpy() for v in cell.input_conv.weights]
  (u,) = [v.numpy() for v in cell.gate_conv.weights]
  (c,) = [v.numpy() for v in cell.candidate_conv.weights]
  xn, hn = x.numpy()[0], h.numpy()[0]
  wx = xn @ w[0, 0] + b
  uh = hn @ u[0, 0]
  sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
  z = sig(wx[..., :4] + uh[..., :4])
  r = sig(wx[..., 4:8] + uh[..., 4:])
  n = np.tanh(wx[..., 8:] + (r * hn) @ c[0, 0])
  np.testing.assert_allclose(out[0], (1 - z) * n + z * hn, rtol=1e-5,
                             atol=1e-6)


def test_conv_gru_cell_strides_and_serializes():
  cell = ConvGRU(6, strides=2)
  x = tf.zeros([2, 9, 16, 3])
  assert cell(x, cell.initial_state(x)).shape == (2, 5, 8, 6)
  config = cell.get_config()
  clone = ConvGRU.from_config(config)
  assert clone.get_config() == config
  assert tf.keras.utils.get_registered_object("tfcodec>ConvGRU") is ConvGRU


def test_binary_tables_are_valid_cdfs_of_their_probabilities():
  tables = conv_gru.binary_tables()
  assert tables.shape == (conv_gru.NUM_TABLES + 1, 4)
  assert tables[-1, 2] == 1 << 15  # the flat table
  tables = tables[:-1]
  assert np.all(tables[:, 0] == 16) and np.all(tables[:, 1] == 0)
  assert np.all(tables[:, 3] == 1 << 16)
  below = tables[:, 2]
  assert np.all((below > 0) & (below < 1 << 16))
  assert np.all(np.diff(below) <= 0)  # higher index, likelier +1
  p_one = 1 - below / 65536.0
  logits = (np.arange(conv_gru.NUM_TABLES) + 0.5 - 32) / 4.0
  np.testing.assert_allclose(p_one, 1 / (1 + np.exp(-logits)), atol=2e-5)


def test_integer_context_model_agrees_with_the_float_one(tiny):
  codes = tf.sign(tf.random.stateless_normal([1, 5, 6, tiny.bits], [5, 6]))
  previous = tf.sign(tf.random.stateless_normal([1, 5, 6, tiny.bits], [7, 8]))
  floats = tiny.context_indexes(codes, previous, 2).numpy()
  size = tiny.bits // tiny.context_groups
  ints = np.concatenate([tiny._integer_indexes(codes, previous, 2, g).numpy()  # pylint: disable=protected-access
                         for g in range(tiny.context_groups)], -1)
  expected = np.clip(np.floor(floats), 0, conv_gru.NUM_TABLES - 1)
  assert ints.shape == expected.shape and size * tiny.context_groups == ints.shape[-1]
  assert np.mean(ints == expected) > 0.95


def test_each_iteration_is_one_string_and_decodes_alone(tiny):
  image = smooth_image(40, 50, seed=2)
  strings, shape = tiny.compress(image)
  assert strings.shape == (3,)
  codes = tiny.analysis(image)["latents"]
  assert codes.shape == (3, 3, 4, tiny.bits)
  assert set(np.unique(codes.numpy())) <= {-1.0, 1.0}
  for k in (1, 2, 3):
    decoded = tiny.entropy_decode(strings[:k], shape)["latents"]
    np.testing.assert_array_equal(decoded.numpy(), codes.numpy()[:k])
    np.testing.assert_array_equal(
        tiny.decompress(strings[:k], shape).numpy(),
        tiny.synthesis(codes[:k], shape)["image"].numpy())


def test_a_bad_context_model_falls_back_to_one_bit_per_bit():
  tf.keras.utils.set_random_seed(4)
  model = zoo.build("conv_gru", **TINY)
  last = model.context_model.layers[-1]
  # Sure of the wrong answer: every bit predicted at the far end.
  last.bias.assign(tf.fill(last.bias.shape, 200.0))
  model.update()
  image = smooth_image(64, 64, seed=5)
  strings, shape = model.compress(image)
  codes = model.analysis(image)["latents"].numpy()
  assert np.any(codes < 0)
  for string in strings.numpy():
    assert string[:1] == b"\x01"  # flat
    assert len(string) <= 1 + codes[0].size // 8 + 4
  np.testing.assert_array_equal(
      model.entropy_decode(strings, shape)["latents"].numpy(), codes)
  assert abs(8 * sum(len(s) for s in strings.numpy()) -
             model.estimate_bits(image)) <= 48 * len(strings)


def test_files_cut_at_every_iteration_boundary_decode(tiny):
  image = smooth_image(40, 50, seed=4)
  data = coding.compress_image(image, "conv_gru", 3, model=tiny)
  found = bitstream.unpack_progressive(data)
  assert found.iterations == 3 and found.cut_bytes == 0
  end = len(data)
  for k in (3, 2, 1):
    cut = data[:end]
    decoded, header = coding.decompress_bytes(cut, model=tiny)
    assert header.quality == 3
    expected, _ = coding.decompress_bytes(data, model=tiny, iterations=k)
    np.testing.assert_array_equal(decoded, expected)
    end -= len(found.chunks[k - 1]) + 8
  with pytest.raises(CorruptedError, match="no whole iteration"):
    coding.decompress_bytes(data[:end], model=tiny)


def test_a_chunk_cut_short_is_left_out_and_reported(tiny):
  data = coding.compress_image(smooth_image(40, 50), "conv_gru", 3, model=tiny)
  found = bitstream.unpack_progressive(data)
  cut = data[:len(data) - 3]
  partial = bitstream.unpack_progressive(cut)
  assert partial.iterations == 2
  assert partial.cut_bytes == len(found.chunks[2]) + 8 - 3
  decoded, _ = coding.decompress_bytes(cut, model=tiny)
  expected, _ = coding.decompress_bytes(data, model=tiny, iterations=2)
  np.testing.assert_array_equal(decoded, expected)


def test_corrupted_chunks_and_bad_iteration_counts_are_refused(tiny):
  data = bytearray(coding.compress_image(smooth_image(40, 50), "conv_gru", 3,
                                         model=tiny))
  with pytest.raises(ValueError, match="outside 1..3"):
    coding.decompress_bytes(bytes(data), model=tiny, iterations=4)
  data[-6] ^= 0xFF
  with pytest.raises(CorruptedError, match="iteration 3: CRC32"):
    coding.decompress_bytes(bytes(data), model=tiny)
  extra = bytes(coding.compress_image(smooth_image(40, 50), "conv_gru", 3,
                                      model=tiny))
  found = bitstream.unpack_progressive(extra)
  doubled = extra + extra[len(extra) - len(found.chunks[2]) - 8:]
  with pytest.raises(CorruptedError, match="4 iterations"):
    bitstream.unpack_progressive(doubled)


def test_more_iterations_reconstruct_better_after_a_little_training(tmp_path):
  """The residual loop works: trained briefly on one image, every
  iteration lowers the error of the one before."""
  tf.keras.utils.set_random_seed(2)
  model = zoo.build("conv_gru", **dict(TINY, encoder_filters=(16, 16, 16, 16),
                                       decoder_filters=(16, 16, 16, 16)))
  model.compile(optimizer=tf.keras.optimizers.Adam(3e-3))
  x = np.stack([smooth_image(32, 32, seed=s) for s in range(4)])
  model.fit(x, batch_size=4, epochs=150, verbose=0)
  model.update()
  image = x[0]
  strings, shape = model.compress(image)
  errors = [np.mean(np.abs(model.decompress(strings[:k], shape).numpy()
                           .astype(float) - image)) for k in (1, 2, 3)]
  assert errors[2] < errors[1] < errors[0], errors
  # And the weights reload into a model that codes the same bytes.
  training.save_weights(model, "conv_gru", str(tmp_path), quality=3,
                        qualities=[1, 2, 3])
  reloaded = zoo.load_from_dir(str(tmp_path), 2)
  assert reloaded.iterations == 2
  assert [s for s in reloaded.compress(image)[0].numpy()] == list(
      strings.numpy()[:2])


def test_cli_info_and_iterations(tiny, tmp_path, monkeypatch, capsys):
  monkeypatch.setattr(zoo, "load", lambda name, quality=None: tiny)
  image_path = os.path.join(tmp_path, "in.png")
  from PIL import Image  # pylint: disable=g-import-not-at-top
  Image.fromarray(smooth_image(40, 50)).save(image_path)
  tfc_path = os.path.join(tmp_path, "x.tfc")
  assert cli.main(["compress", image_path, tfc_path, "--model", "conv_gru",
                   "--quality", "3"]) == 0
  with open(tfc_path, "rb") as f:
    data = f.read()
  found = bitstream.unpack_progressive(data)
  cut_path = os.path.join(tmp_path, "cut.tfc")
  with open(cut_path, "wb") as f:
    f.write(data[:len(data) - len(found.chunks[2]) - 8 + 2])
  capsys.readouterr()
  assert cli.main(["info", cut_path]) == 0
  out = capsys.readouterr().out
  assert "iterations: 2 of 3" in out and "cut short" in out
  out_path = os.path.join(tmp_path, "out.png")
  assert cli.main(["decompress", tfc_path, out_path, "--iterations", "1"]) == 0
  assert "1 of 3 iterations" in capsys.readouterr().out
  expected, _ = coding.decompress_bytes(data, model=tiny, iterations=1)
  np.testing.assert_array_equal(np.asarray(Image.open(out_path)), expected)
  assert cli.main(["decompress", tfc_path, out_path, "--iterations", "5"]) == 1
  err = capsys.readouterr().err
  assert err.count("\n") == 1 and "x.tfc" in err and "outside 1..3" in err


@pytest.fixture(scope="module")
def tiny_dir(tiny, tmp_path_factory):
  path = str(tmp_path_factory.mktemp("tiny_conv_gru"))
  training.save_weights(tiny, "conv_gru", path, quality=3,
                        qualities=[1, 2, 3])
  return path


def test_a_cut_file_measures_as_the_file_coded_with_fewer_iterations(
    tiny_dir, tmp_path, monkeypatch):
  image = smooth_image(48, 40, seed=7)
  full = zoo.load_from_dir(tiny_dir, 3)
  one = zoo.load_from_dir(tiny_dir, 1)
  data = coding.compress_image(image, "conv_gru", 3, model=full)
  coded = coding.compress_image(image, "conv_gru", 1, model=one)
  cut = bitstream.cut_progressive(data, 1)
  assert len(cut) == len(coded)
  assert bitstream.unpack_progressive(cut).chunks == (
      bitstream.unpack_progressive(coded).chunks)
  np.testing.assert_array_equal(coding.decompress_bytes(cut, model=full)[0],
                                coding.decompress_bytes(coded, model=one)[0])
  with pytest.raises(ValueError, match="holds 1..3"):
    bitstream.cut_progressive(data, 4)
  # A file already cut short mid-chunk cuts at a whole iteration.
  assert bitstream.cut_progressive(data[:-3], 2) == bitstream.cut_progressive(
      data, 2)

  # One encode measures each count as the file coded with that many.
  rows = bench.measure_progressive(full, "conv_gru", [1, 3], image)
  assert sorted(rows) == [1, 3]
  for k, model in ((1, one), (3, full)):
    alone = bench.measure_model(model, "conv_gru", k, image)
    for key in ("bytes", "bpp", "psnr-rgb", "ms-ssim-rgb", "coded_bpp",
                "overhead_bytes"):
      assert rows[k][key] == alone[key], key
    assert rows[k]["estimate_bpp"] == pytest.approx(alone["estimate_bpp"],
                                                    rel=1e-5)
    assert rows[k]["encoded_iterations"] == 3
  assert rows[1]["bytes"] < rows[3]["bytes"]

  # run_bench takes that path for several counts of a progressive model.
  from PIL import Image  # pylint: disable=g-import-not-at-top
  Image.fromarray(image).save(tmp_path / "a.png")
  loaded = []
  monkeypatch.setattr(zoo, "load_from_dir",
                      lambda path, quality=None: loaded.append(quality) or full)
  results = bench.run_bench(str(tmp_path), models=["conv_gru"],
                            qualities={"conv_gru": [1, 3]}, progress=False,
                            weights_dirs={"conv_gru": tiny_dir})
  assert loaded == [3]
  (entry,) = results["codecs"]
  assert entry["results"]["quality"] == [1, 3]
  assert entry["results"]["bpp"] == [rows[1]["bpp"], rows[3]["bpp"]]
  assert entry["per_image"][1][0]["encoded_iterations"] == 3

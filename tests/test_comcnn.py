"""ComCNN/RecCNN around JPEG: upsampling, the JPEG payload, training turns."""

import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tests.conftest import smooth_image
from tfcodec import training, zoo
from tfcodec.models.comcnn import BicubicUpsample, bicubic_phase_taps

TINY = zoo.model_class("comcnn").tiny_config


def test_bicubic_taps_sum_to_one_and_mirror():
  taps = bicubic_phase_taps()
  np.testing.assert_allclose(taps.sum(1), 1.0)
  np.testing.assert_allclose(taps[0], taps[1][::-1])


def test_bicubic_upsample_matches_tf_image_resize_inside():
  x = tf.random.stateless_uniform([2, 11, 14, 3], [1, 2])
  ours = BicubicUpsample(3)(x).numpy()
  theirs = tf.image.resize(x, [22, 28], method="bicubic").numpy()
  np.testing.assert_allclose(ours[:, 4:-4, 4:-4], theirs[:, 4:-4, 4:-4],
                             atol=1e-5)
  # Edges repeat the border pixels: a constant image stays constant.
  flat = BicubicUpsample(3)(tf.fill([1, 1, 1, 3], 7.0)).numpy()
  np.testing.assert_allclose(flat, 7.0, atol=1e-5)


def test_payload_is_a_jpeg_of_the_half_size_compact_image():
  tf.keras.utils.set_random_seed(0)
  model = zoo.build("comcnn", jpeg_quality=60, **TINY)
  image = smooth_image(37, 50)
  string, shape = model.compress(image)
  compact = np.asarray(Image.open(io.BytesIO(string.numpy()[0])))
  assert compact.shape == (19, 25, 3)
  assert shape.numpy().tolist() == [37, 50]
  # Decoding is JPEG decoding, bicubic upsampling and RecCNN.
  # (Pillow's and TensorFlow's JPEG decoders differ by about one level:
  # measured max 3, mean 0.97-1.01 over six seeds.)
  latents = model.entropy_decode(string, shape)["latents"].numpy()[0]
  assert np.abs(latents - compact).max() <= 4
  assert np.abs(latents - compact).mean() < 1.5


def test_jpeg_quality_is_the_zoo_quality_and_sets_the_rate(tmp_path):
  model = zoo.build("comcnn", **TINY)
  training.save_weights(model, "comcnn", str(tmp_path), quality=50,
                        qualities=[10, 50, 90])
  sizes = []
  for quality in (10, 50, 90):
    loaded = zoo.load_from_dir(str(tmp_path), quality)
    assert loaded.jpeg_quality == quality
    sizes.append(len(loaded.compress(smooth_image(64, 64))[0].numpy()[0]))
  assert sizes[0] < sizes[1] < sizes[2]


def _changed(before, after):
  return [not np.array_equal(a, b) for a, b in zip(before, after, strict=True)]


@pytest.mark.parametrize("part", ["rec", "com"])
def test_training_turns_update_only_their_network(part):
  tf.keras.utils.set_random_seed(0)
  model = zoo.build("comcnn", train_part=part, **TINY)
  model.compile(optimizer=tf.keras.optimizers.Adam(1e-2))
  com = [w.numpy() for w in model.com_cnn.weights]
  rec = [w.numpy() for w in model.rec_cnn.weights]
  x = np.stack([smooth_image(32, 32, seed=s) for s in range(2)])
  model.fit(x, batch_size=2, epochs=2, verbose=0)
  com_changed = _changed(com, [w.numpy() for w in model.com_cnn.weights])
  rec_changed = _changed(rec, [w.numpy() for w in model.rec_cnn.weights])
  if part == "rec":
    assert not any(com_changed) and any(rec_changed)
  else:
    # ComCNN learns through JPEG's straight-through approximation.
    assert any(com_changed) and not any(rec_changed)


def test_training_bits_are_the_real_jpeg_bytes():
  model = zoo.build("comcnn", train_qualities=[30], **TINY)
  x = np.stack([smooth_image(32, 48, seed=s) for s in range(2)]).astype(
      np.float32)
  out = model(x, training=True)
  compact = model.to_uint8(model.compact(x, training=True))
  expected = sum(len(tf.io.encode_jpeg(c, quality=30, optimize_size=True)
                     .numpy()) for c in compact)
  assert float(out["bits"]) == 8 * expected


@pytest.mark.parametrize("resolution", ["half", "full"])
def test_reccnn_adds_its_residual_to_bicubic(resolution):
  tf.keras.utils.set_random_seed(0)
  model = zoo.build("comcnn", **{**TINY, "rec_resolution": resolution})
  last = model.rec_cnn.layers[-1]
  # At half resolution: 4 pixel phases x RGB, then depth-to-space.
  assert last.filters == (12 if resolution == "half" else 3)
  decoded = tf.cast(smooth_image(9, 13)[None], tf.float32)
  up = (model.upsample(decoded / 255.0 - 0.5) + 0.5) * 255.0
  # A zero last layer leaves plain bicubic upsampling ...
  last.set_weights([np.zeros_like(w) for w in last.get_weights()])
  np.testing.assert_allclose(model.reconstruct(decoded), up, atol=1e-3)
  # ... and a bias on one output channel lands on its colour (and, at half
  # resolution, its pixel phase: depth-to-space order, row phase 0, column
  # phase 1, green is channel 4).
  kernel, bias = last.get_weights()
  channel = 4 if resolution == "half" else 1
  bias[channel] = 0.1
  last.set_weights([kernel, bias])
  delta = (model.reconstruct(decoded) - up).numpy()[0]
  phase = (slice(0, None, 2), slice(1, None, 2)) if resolution == "half" else (
      slice(None), slice(None))
  np.testing.assert_allclose(delta[phase + (1,)], 0.1 * 255, rtol=1e-4)
  delta[phase + (1,)] = 0
  np.testing.assert_allclose(delta, 0, atol=1e-3)


def test_weights_folder_serves_training_in_the_other_turn(tmp_path):
  """`--init_from` a shipped folder saved in one training turn, for the
  other turn, puts each array in its own variable (the arrays are matched
  by position, which the turns leave unchanged)."""
  tf.keras.utils.set_random_seed(1)
  saved = zoo.build("comcnn", train_part="rec", **TINY)
  saved.compile(optimizer=tf.keras.optimizers.Adam(1e-2))
  saved.fit(np.stack([smooth_image(32, 32, seed=s) for s in range(2)]),
            batch_size=2, epochs=2, verbose=0)  # moves the BN statistics
  training.save_weights(saved, "comcnn", str(tmp_path), quality=50)
  fresh = zoo.build("comcnn", train_part="com", **TINY)
  zoo.read_weights(fresh, str(tmp_path))
  for net in ("com_cnn", "rec_cnn"):
    for a, b in zip(getattr(saved, net).weights, getattr(fresh, net).weights,
                    strict=True):
      np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-3, atol=1e-3)


def test_optimized_huffman_tables_shrink_the_payload_not_the_pixels():
  tf.keras.utils.set_random_seed(0)
  image = smooth_image(96, 128)
  strings, decoded = [], []
  for optimize in (True, False):
    tf.keras.utils.set_random_seed(0)
    model = zoo.build("comcnn", jpeg_quality=30, optimize_huffman=optimize,
                      **TINY)
    assert model.get_config()["optimize_huffman"] is optimize
    string, shape = model.compress(image)
    strings.append(string.numpy()[0])
    decoded.append(model.decompress(string, shape).numpy())
  assert len(strings[0]) < len(strings[1])
  np.testing.assert_array_equal(decoded[0], decoded[1])


def test_full_resolution_payload_is_a_jpeg_of_the_full_size_image():
  tf.keras.utils.set_random_seed(0)
  model = zoo.build("comcnn_full", jpeg_quality=40, **TINY)
  assert model.scale == 1 and model.get_config()["scale"] == 1
  image = smooth_image(37, 50)
  string, shape = model.compress(image)
  compact = np.asarray(Image.open(io.BytesIO(string.numpy()[0])))
  # Padded to the model's multiple (RecCNN's space-to-depth), not halved.
  assert compact.shape == (38, 50, 3)
  # ComCNN starts close to its skip, the image itself: the compact image
  # is about the image (edge padding aside), before JPEG.
  c = model.compact(tf.cast(image[None], tf.float32)).numpy()[0]
  assert np.abs(c - image).mean() < 2.0
  decoded = model.decompress(string, shape).numpy()
  assert decoded.shape == (37, 50, 3)


def test_full_resolution_reccnn_adds_its_residual_to_the_decoded_image():
  tf.keras.utils.set_random_seed(0)
  model = zoo.build("comcnn_full", **TINY)
  last = model.rec_cnn.layers[-1]
  assert last.filters == 12  # space-to-depth: 4 pixel phases x RGB
  decoded = tf.cast(smooth_image(10, 14)[None], tf.float32)
  last.set_weights([np.zeros_like(w) for w in last.get_weights()])
  np.testing.assert_allclose(model.reconstruct(decoded), decoded, atol=1e-3)
  kernel, bias = last.get_weights()
  bias[4] = 0.1  # row phase 0, column phase 1, green
  last.set_weights([kernel, bias])
  delta = (model.reconstruct(decoded) - decoded).numpy()[0]
  np.testing.assert_allclose(delta[0::2, 1::2, 1], 0.1 * 255, rtol=1e-4)
  delta[0::2, 1::2, 1] = 0
  np.testing.assert_allclose(delta, 0, atol=1e-3)


@pytest.mark.parametrize("color", ["rgb", "per_channel"])
def test_full_resolution_trains_in_both_colour_modes(color):
  tf.keras.utils.set_random_seed(0)
  model = zoo.build("comcnn_full", train_part="rec", color=color, **TINY)
  x = np.stack([smooth_image(32, 48, seed=s) for s in range(2)]).astype(
      np.float32)
  out = model(x, training=True)
  assert out["x_hat"].shape == x.shape and out["compact"].shape == x.shape


def test_scale_must_be_one_or_two():
  with pytest.raises(ValueError, match="scale must be 1 or 2"):
    zoo.build("comcnn", scale=4, **TINY)

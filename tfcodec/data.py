"""Input pipelines for training: local image folders -> random crops.

Images are decoded once into memory. Every training example is a pure function
of (seed, example index), using stateless random ops, so a resumed run sees
exactly the crops it would have seen had it never stopped: the pipeline simply
starts at `start_step * batch_size`.
"""

import dataclasses
import os
import zlib
from typing import List, Optional, Sequence, Tuple

import numpy as np
from absl import logging

from tfcodec import io as tio
from tfcodec.errors import ImageError

__all__ = ["IMAGE_EXTENSIONS", "list_images", "split_files", "load_images",
           "read_training_image",
           "ImageSet", "make_image_set", "train_dataset",
           "validation_dataset"]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")


def list_images(folders: Sequence[str]) -> List[str]:
  """All image files below the given folders, sorted."""
  files = []
  for folder in folders:
    if not os.path.isdir(folder):
      raise ImageError(f"{folder}: not a folder")
    for root, _, names in os.walk(folder):
      files += [os.path.join(root, n) for n in names
                if n.lower().endswith(IMAGE_EXTENSIONS)]
  if not files:
    raise ImageError(f"{', '.join(folders)}: no image files found")
  return sorted(files)


def split_files(files: Sequence[str], validation_fraction: float
                ) -> Tuple[List[str], List[str]]:
  """Deterministic train/validation split by a hash of each file name."""
  train, val = [], []
  for f in files:
    h = zlib.crc32(os.path.basename(f).encode()) % 10000
    (val if h < validation_fraction * 10000 else train).append(f)
  return train, val


@dataclasses.dataclass
class ImageSet:
  """Decoded images: one flat uint8 buffer plus per-image geometry."""
  flat: np.ndarray
  offsets: np.ndarray
  heights: np.ndarray
  widths: np.ndarray
  from_jpeg: np.ndarray
  files: List[str]

  def __len__(self):
    return len(self.files)


def read_training_image(path: str, min_size: int) -> Optional[np.ndarray]:
  """The decoded image, or None (with a warning naming the file) if it is
  corrupt or its shorter side is below `min_size`."""
  try:
    image = tio.read_image(path, quiet=True)
  except ImageError as e:
    logging.warning("skipping %s", e)
    return None
  if min(image.shape[:2]) < min_size:
    logging.warning("skipping %s: %dx%d is smaller than the %d px crop",
                    path, image.shape[1], image.shape[0], min_size)
    return None
  return image


def load_images(files: Sequence[str], min_size: int) -> ImageSet:
  """Decodes images; skips (with a warning naming each) corrupt or tiny ones."""
  arrays, kept, jpeg = [], [], []
  for f in files:
    a = read_training_image(f, min_size)
    if a is None:
      continue
    arrays.append(a)
    kept.append(f)
    jpeg.append(f.lower().endswith((".jpg", ".jpeg")))
  if not arrays:
    raise ImageError(f"no usable training images among {len(files)} files")
  return make_image_set(arrays, kept, jpeg)


def make_image_set(arrays: Sequence[np.ndarray], names: Sequence[str],
                   from_jpeg: Sequence[bool]) -> ImageSet:
  """Packs decoded uint8 [H, W, 3] images into one `ImageSet`."""
  if not arrays:
    raise ImageError("no usable training images")
  sizes = np.array([a.size for a in arrays], np.int64)
  offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
  return ImageSet(
      flat=np.concatenate([a.reshape(-1) for a in arrays]),
      offsets=offsets,
      heights=np.array([a.shape[0] for a in arrays], np.int32),
      widths=np.array([a.shape[1] for a in arrays], np.int32),
      from_jpeg=np.array(from_jpeg, bool), files=list(names))


def train_dataset(images: ImageSet, crop_size: int, batch_size: int,
                  seed: int = 0, start_step: int = 0,
                  jpeg_scale: Tuple[float, float] = (0.5, 0.9),
                  hard_crops: int = 1):
  """An endless, deterministic dataset of random uint8 crops, batched.

  Elements are {"image": uint8 [B, crop, crop, 3], "index": int64 [B]}: the
  index of each sample in the stream, `step * batch_size + i`, which decides
  its crop and (in the models) its quantization noise. `start_step` resumes
  the stream where a run stopped.

  JPEG-sourced images are first downscaled by a random factor in `jpeg_scale`
  with an area filter, so the models do not learn JPEG's 8x8 block grid.

  `hard_crops` > 1 draws that many candidate crops from the sample's image
  and keeps the one whose PNG file is largest: a bias towards the textured
  crops that are hard to compress (Toderici et al. 2017 trained on the
  patches with the worst PNG compression ratio). 1 gives the plain stream,
  crop for crop.
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  flat = tf.constant(images.flat)
  offsets = tf.constant(images.offsets)
  heights = tf.constant(images.heights)
  widths = tf.constant(images.widths)
  from_jpeg = tf.constant(images.from_jpeg)
  count = len(images)
  lo, hi = jpeg_scale
  if hard_crops < 1:
    raise ValueError(f"hard_crops must be at least 1, not {hard_crops}")

  def sample(index):
    s = tf.stack([tf.cast(seed, tf.int64), index])
    j = tf.random.stateless_uniform([], s, 0, count, dtype=tf.int32)
    h, w = heights[j], widths[j]
    image = tf.reshape(flat[offsets[j]:offsets[j] + tf.cast(h * w * 3, tf.int64)],
                       [h, w, 3])

    def downscale():
      short = tf.cast(tf.minimum(h, w), tf.float32)
      low = tf.maximum(lo, (crop_size + 1) / short)
      scale = tf.random.stateless_uniform([], s + 1, low, tf.maximum(low, hi))
      size = tf.cast(tf.round(tf.cast(tf.stack([h, w]), tf.float32) * scale),
                     tf.int32)
      size = tf.maximum(size, crop_size)
      out = tf.image.resize(image, size, method="area")
      return tf.saturate_cast(tf.round(out), tf.uint8)

    image = tf.cond(from_jpeg[j], downscale, lambda: image)
    crop = tf.image.stateless_random_crop(image, [crop_size, crop_size, 3],
                                          s + 2)
    if hard_crops > 1:
      candidates = [crop] + [tf.image.stateless_random_crop(
          image, [crop_size, crop_size, 3], s + 10 + k)
                             for k in range(hard_crops - 1)]
      sizes = tf.stack([tf.strings.length(tf.io.encode_png(c))
                        for c in candidates])
      crop = tf.gather(tf.stack(candidates), tf.argmax(sizes))
    return {"image": tf.image.stateless_random_flip_left_right(crop, s + 3),
            "index": index}

  ds = tf.data.Dataset.range(start_step * batch_size, 2 ** 62)
  ds = ds.map(sample, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
  ds = ds.batch(batch_size, drop_remainder=True)
  return ds.prefetch(tf.data.AUTOTUNE)


def validation_dataset(images: ImageSet, crop_size: int, batch_size: int):
  """Fixed centre crops of the held-out images, batched."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  crops = []
  for i in range(len(images)):
    h, w = int(images.heights[i]), int(images.widths[i])
    a = images.flat[images.offsets[i]:images.offsets[i] + h * w * 3]
    a = a.reshape(h, w, 3)
    top, left = (h - crop_size) // 2, (w - crop_size) // 2
    crops.append(a[top:top + crop_size, left:left + crop_size])
  return tf.data.Dataset.from_tensor_slices(np.stack(crops)).batch(batch_size)

"""tensorflow-datasets sources: local image folders and catalog datasets.

`LocalImages` is a tfds dataset builder over local folders of images. It
decodes every file once (EXIF orientation, grey, palette, alpha and 16-bit
handled by `tfcodec.io`), drops corrupt files and files smaller than the
crop with a warning that names each, and splits "train"/"validation" by a
hash of the file name, so a file never changes sides. Images are stored
losslessly (PNG in tfds' TFRecords) under tfds' data folder, keyed by a
digest of the folders' listing and the options, so changed folders are
prepared afresh.

`load_split(...)` returns a split as a `tfcodec.data.ImageSet`, from either
source, for the deterministic crop pipeline in `tfcodec.data`. Catalog
datasets (e.g. "clic") are downloaded by tfds, on machines that are online.
"""

import fcntl
import hashlib
import os
from typing import Optional, Sequence

import numpy as np
from absl import logging

from tfcodec import data as tdata

__all__ = ["local_builder", "load_split"]


def _tfds():
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  return tfds


def _digest(folders, files, min_size, validation_fraction):
  h = hashlib.sha1()
  h.update(repr((sorted(os.path.abspath(f) for f in folders), min_size,
                 validation_fraction)).encode())
  for f in files:
    st = os.stat(f)
    h.update(f"{f}\0{st.st_size}\0{int(st.st_mtime)}\n".encode())
  return h.hexdigest()[:12]


def _builder_class():
  tfds = _tfds()
  if "LocalImages" in globals():
    return globals()["LocalImages"]

  class LocalImagesConfig(tfds.core.BuilderConfig):
    """Which folders, and what to drop."""

    def __init__(self, *, folders: Sequence[str], min_size: int,
                 validation_fraction: float, **kwargs):
      super().__init__(**kwargs)
      self.folders = list(folders)
      self.min_size = int(min_size)
      self.validation_fraction = float(validation_fraction)

  class LocalImages(tfds.core.GeneratorBasedBuilder):
    """Local image folders as a tfds dataset (train/validation splits)."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Local folders, hash split, drops tiny files."}

    def _info(self):
      return self.dataset_info_from_configs(
          description="Images from local folders, decoded by tfcodec.io.",
          features=tfds.features.FeaturesDict({
              "image": tfds.features.Image(shape=(None, None, 3),
                                           encoding_format="png"),
              "filename": tfds.features.Text(),
              "from_jpeg": tfds.features.Scalar(dtype=np.bool_),
          }))

    def _split_generators(self, dl_manager):
      del dl_manager
      config = self.builder_config
      files = tdata.list_images(config.folders)
      train, validation = tdata.split_files(files, config.validation_fraction)
      return {"train": self._generate_examples(train),
              "validation": self._generate_examples(validation)}

    def _generate_examples(self, files):
      for path in files:
        image = tdata.read_training_image(path, self.builder_config.min_size)
        if image is None:
          continue
        yield path, {"image": image, "filename": path,
                     "from_jpeg": path.lower().endswith((".jpg", ".jpeg"))}

  LocalImages.Config = LocalImagesConfig
  globals()["LocalImages"] = LocalImages
  return LocalImages


def local_builder(folders: Sequence[str], min_size: int,
                  validation_fraction: float,
                  data_dir: Optional[str] = None):
  """A prepared `LocalImages` builder for these folders and options."""
  cls = _builder_class()
  files = tdata.list_images(folders)
  config = cls.Config(
      name="f" + _digest(folders, files, min_size, validation_fraction),
      folders=folders, min_size=min_size,
      validation_fraction=validation_fraction,
      description=", ".join(folders))
  # Workers of one job on one machine would prepare the same folder at once;
  # the first prepares, the others wait and then read it.
  root = data_dir or os.environ.get("TFDS_DATA_DIR") or os.path.join(
      os.path.expanduser("~"), "tensorflow_datasets")
  os.makedirs(root, exist_ok=True)
  with open(os.path.join(root, ".tfcodec-local-images.lock"), "w") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX)
    builder = cls(config=config, data_dir=data_dir)
    builder.download_and_prepare()
  return builder


def _image_set(dataset, min_size, jpeg_default=False) -> tdata.ImageSet:
  arrays, names, jpeg = [], [], []
  for example in _tfds().as_numpy(dataset):
    image = example["image"]
    name = example.get("filename", b"")
    name = name.decode() if isinstance(name, bytes) else str(name)
    if min(image.shape[:2]) < min_size:
      logging.warning("skipping %s: %dx%d is smaller than the %d px crop",
                      name or "an image", image.shape[1], image.shape[0],
                      min_size)
      continue
    if image.shape[-1] == 1:
      image = np.repeat(image, 3, axis=-1)
    arrays.append(image)
    names.append(name or f"#{len(names):08d}")
    jpeg.append(bool(example.get("from_jpeg", jpeg_default)))
  # tfds stores examples in hash order; sort by name so that sample i is
  # the same image however the dataset was prepared.
  order = sorted(range(len(names)), key=names.__getitem__)
  return tdata.make_image_set([arrays[i] for i in order],
                              [names[i] for i in order],
                              [jpeg[i] for i in order])


def load_split(split: str, min_size: int, *, folders: Sequence[str] = (),
               validation_fraction: float = 0.05,
               catalog: Optional[str] = None, data_dir: Optional[str] = None,
               builder_min_size: Optional[int] = None) -> tdata.ImageSet:
  """A split ("train" or "validation") as decoded images in memory.

  Args:
    split: "train" or "validation" (for a catalog dataset, any tfds split).
    min_size: images with a smaller side are dropped with a warning.
    folders: local image folders (when `catalog` is None).
    validation_fraction: the local validation share.
    catalog: a tfds catalog name, e.g. "clic"; its "image" feature is used.
    data_dir: tfds' data folder (default ~/tensorflow_datasets).
    builder_min_size: the local builder's own size threshold (default
      `min_size`); pass the smallest size any split needs.
  """
  if catalog:
    builder = _tfds().builder(catalog, data_dir=data_dir)
    builder.download_and_prepare()
  else:
    builder = local_builder(folders, builder_min_size or min_size,
                            validation_fraction, data_dir)
  return _image_set(builder.as_dataset(split=split, shuffle_files=False),
                    min_size)

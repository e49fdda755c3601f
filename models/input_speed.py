r"""Input pipeline throughput, to compare with the training step time.

  python -m models.input_speed --data_dir=../shared/datasets/train \
      --crop_size=128 --batch_size=8 --batches=300

Builds the training input exactly as `tfcodec.training` does (tfds builder,
in-memory images, deterministic crops with JPEG downscaling) and times how
fast it yields batches on its own. The pipeline runs on tf.data's threads
while the step runs, so it must produce a batch well within one step.
"""

import json
import time

from absl import app, flags

flags.DEFINE_multi_string("data_dir", ["../shared/datasets/train"],
                          "Training folders.")
flags.DEFINE_integer("crop_size", 128, "Crop size.")
flags.DEFINE_integer("batch_size", 8, "Batch size.")
flags.DEFINE_integer("batches", 300, "Timed batches.")
flags.DEFINE_integer("hard_crops", 1, "Candidate crops per sample, as "
                     "models.train's --hard_crops.")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  from tfcodec import data as tdata  # pylint: disable=g-import-not-at-top
  from tfcodec import training  # pylint: disable=g-import-not-at-top
  config = training.Config(data_dirs=FLAGS.data_dir, crop_size=FLAGS.crop_size,
                           batch_size=FLAGS.batch_size)
  start = time.perf_counter()
  images, _ = training.load_data(config)
  load_s = time.perf_counter() - start
  dataset = tdata.train_dataset(images, FLAGS.crop_size, FLAGS.batch_size,
                                hard_crops=FLAGS.hard_crops)
  batches = iter(dataset)
  next(batches)
  start = time.perf_counter()
  for _ in range(FLAGS.batches):
    next(batches)
  seconds = (time.perf_counter() - start) / FLAGS.batches
  print(json.dumps({
      "images": len(images), "load_s": round(load_s, 1),
      "batch": FLAGS.batch_size, "crop": FLAGS.crop_size,
      "hard_crops": FLAGS.hard_crops,
      "ms_per_batch": round(1000 * seconds, 2),
      "mpix_per_s": round(FLAGS.batch_size * FLAGS.crop_size ** 2 / seconds
                          / 1e6, 2)}))


if __name__ == "__main__":
  app.run(main)

r"""Measures training step time of a zoo model on this machine.

  python -m models.step_time --model=hyperprior --precision=float32 \
      --model_config='{"num_filters": 96, "latent_channels": 128}'

Prints seconds per step and megapixels per second (median over --steps after
--warmup steps), on random crops so that input speed does not enter.
"""

import json
import time

from absl import app, flags

flags.DEFINE_string("model", "hyperprior", "Zoo model name.")
flags.DEFINE_string("model_config", "{}", "JSON constructor arguments.")
flags.DEFINE_enum("precision", "float32", ["float32", "mixed_bfloat16"],
                  "Keras mixed-precision policy.")
flags.DEFINE_bool("jit_compile", False, "XLA-compile the train step.")
flags.DEFINE_integer("crop_size", 128, "Crop size.")
flags.DEFINE_integer("batch_size", 8, "Batch size.")
flags.DEFINE_integer("steps", 20, "Timed steps.")
flags.DEFINE_integer("warmup", 3, "Untimed steps first.")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  from tfcodec import zoo  # pylint: disable=g-import-not-at-top
  if FLAGS.precision != "float32":
    tf.keras.mixed_precision.set_global_policy(FLAGS.precision)
  model = zoo.build(FLAGS.model, **json.loads(FLAGS.model_config))
  model.compile(optimizer=tf.keras.optimizers.Adam(1e-4),
                jit_compile=FLAGS.jit_compile)
  x = tf.constant(np.random.RandomState(0).randint(
      0, 256, (FLAGS.batch_size, FLAGS.crop_size, FLAGS.crop_size, 3)),
                  tf.uint8)
  step = model.make_train_function()
  # Batches as tfcodec.data makes them: images and sample indexes (which key
  # the per-sample quantization noise).
  ds = iter(tf.data.Dataset.from_tensors(
      {"image": x, "index": tf.range(FLAGS.batch_size, dtype=tf.int64)}
  ).repeat())
  times = []
  for _ in range(FLAGS.warmup + FLAGS.steps):
    t = time.perf_counter()
    step(ds)
    times.append(time.perf_counter() - t)
  med = float(np.median(times[FLAGS.warmup:]))
  mpix = FLAGS.batch_size * FLAGS.crop_size ** 2 / 1e6
  print(json.dumps({"model": FLAGS.model, "config": json.loads(FLAGS.model_config),
                    "precision": FLAGS.precision, "jit_compile": FLAGS.jit_compile,
                    "batch": FLAGS.batch_size, "crop": FLAGS.crop_size,
                    "s_per_step": round(med, 4),
                    "mpix_per_s": round(mpix / med, 3)}))


if __name__ == "__main__":
  app.run(main)

r"""Measures comcnn's colour choice: joint RGB networks or one grey network
per channel, trained the same number of steps from the same start.

  python -m models.comcnn_colour --steps=60 --data_dir=../shared/datasets/train

Trains RecCNN alone (ComCNN frozen at its start, near a 2x2 average) for
--steps steps on the same crops, then prints, for each choice, the step time
and PSNR and bpp on Kodak centre crops at JPEG quality --quality.
"""

import time

from absl import app, flags

flags.DEFINE_integer("steps", 60, "Training steps per choice.")
flags.DEFINE_integer("batch_size", 8, "Batch size.")
flags.DEFINE_integer("crop_size", 64, "Training crop size.")
flags.DEFINE_float("learning_rate", 1e-4, "Adam learning rate.")
flags.DEFINE_integer("quality", 50, "JPEG quality of the evaluation.")
flags.DEFINE_multi_string("data_dir", ["../shared/datasets/train"],
                          "Training images.")
flags.DEFINE_string("kodak_dir", "../shared/datasets/kodak", "Test images.")
flags.DEFINE_integer("eval_crop", 256, "Centre crop of each test image.")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  from tfcodec import bench, data, metrics, zoo  # pylint: disable=g-import-not-at-top
  from tfcodec import io as tio

  images = data.load_images(data.list_images(FLAGS.data_dir), FLAGS.crop_size)
  crops = np.concatenate([
      np.reshape(b["image"].numpy(), (-1, FLAGS.crop_size, FLAGS.crop_size, 3))
      for b in data.train_dataset(images, FLAGS.crop_size, FLAGS.batch_size,
                                  seed=0).take(FLAGS.steps)])
  tests = []
  for path in bench.list_images(FLAGS.kodak_dir):
    image = tio.read_image(path)
    h, w = image.shape[:2]
    c = FLAGS.eval_crop
    tests.append(image[(h - c) // 2:(h + c) // 2, (w - c) // 2:(w + c) // 2])
  print(f"{len(images)} training images, {FLAGS.steps} steps of batch "
        f"{FLAGS.batch_size} at {FLAGS.crop_size}px; {len(tests)} test crops")
  print("| colour | s/step | PSNR (dB) | MS-SSIM | bpp |\n|---|---|---|---|---|")
  for colour in ("rgb", "per_channel"):
    tf.keras.utils.set_random_seed(0)
    model = zoo.build("comcnn", color=colour, train_part="rec",
                      jpeg_quality=FLAGS.quality)
    model.compile(optimizer=tf.keras.optimizers.Adam(FLAGS.learning_rate))
    first = FLAGS.batch_size
    model.fit(crops[:first], batch_size=first, verbose=0)
    start = time.perf_counter()
    model.fit(crops[first:], batch_size=first, shuffle=False, verbose=0)
    step = (time.perf_counter() - start) / max(1, FLAGS.steps - 1)
    psnr, ms, bpp = [], [], []
    for image in tests:
      string, shape = model.compress(image)
      out = model.decompress(string, shape).numpy()
      psnr.append(metrics.psnr(image, out))
      ms.append(metrics.ms_ssim(image, out))
      bpp.append(8 * len(string.numpy()[0]) / image.shape[0] / image.shape[1])
    print(f"| {colour} | {step:.2f} | {np.mean(psnr):.2f} | {np.mean(ms):.4f}"
          f" | {np.mean(bpp):.4f} |")


if __name__ == "__main__":
  app.run(main)

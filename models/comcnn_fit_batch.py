r"""Measures how RecCNN's settings train: fits one fixed batch of Kodak crops.

  python -m models.comcnn_fit_batch --learning_rate=1e-4,3e-4,1e-3

For each setting (learning rate x start of the last layer x batch norm x
precision) RecCNN alone is trained --steps steps on the same four crops
(ComCNN at its start, near a 2x2 average; JPEG at --quality), and the MSE
of the first and last steps and the PSNR in inference mode are printed as a
Markdown table. A setting that cannot fit one batch will not learn from the
whole training set either.
"""

import itertools

from absl import app, flags

flags.DEFINE_list("learning_rate", ["1e-4"], "Adam learning rates.")
flags.DEFINE_list("last_layer", ["small"],
                  "Start of RecCNN's last layer: small (shipped) or glorot.")
flags.DEFINE_list("batch_norm", ["on"], "RecCNN's batch norm: on or off.")
flags.DEFINE_list("precision", ["float32"],
                  "Keras precision policies, e.g. float32,mixed_bfloat16.")
flags.DEFINE_string("rec_resolution", "half", "RecCNN's resolution.")
flags.DEFINE_integer("steps", 100, "Steps per setting.")
flags.DEFINE_integer("quality", 50, "JPEG quality of the compact image.")
flags.DEFINE_integer("crop", 128, "Crop size.")
flags.DEFINE_string("kodak_dir", "../shared/datasets/kodak", "Images.")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  from tfcodec import bench, zoo  # pylint: disable=g-import-not-at-top
  from tfcodec import io as tio
  from tfcodec.models import comcnn

  paths = bench.list_images(FLAGS.kodak_dir)[:4]
  c = FLAGS.crop
  x = np.stack([tio.read_image(p)[100:100 + c, 100:100 + c]
                for p in paths]).astype(np.float32)
  print(f"{len(paths)} crops of {c}x{c} from {FLAGS.kodak_dir}, JPEG quality "
        f"{FLAGS.quality}, {FLAGS.steps} steps, RecCNN at "
        f"{FLAGS.rec_resolution} resolution")
  print("| learning rate | last layer | batch norm | precision | MSE first "
        "-> last step | PSNR after (dB) |\n|---|---|---|---|---|---|")
  small_init, batch_norm = comcnn._small_init, tf.keras.layers.BatchNormalization  # pylint: disable=protected-access
  for lr, last, bn, precision in itertools.product(
      FLAGS.learning_rate, FLAGS.last_layer, FLAGS.batch_norm,
      FLAGS.precision):
    comcnn._small_init = (small_init if last == "small"  # pylint: disable=protected-access
                          else lambda: "glorot_uniform")
    tf.keras.layers.BatchNormalization = (
        batch_norm if bn == "on" else
        lambda **_: tf.keras.layers.Lambda(lambda t: t))
    tf.keras.mixed_precision.set_global_policy(precision)
    tf.keras.utils.set_random_seed(0)
    try:
      model = zoo.build("comcnn", train_part="rec",
                        rec_resolution=FLAGS.rec_resolution,
                        jpeg_quality=FLAGS.quality)
    finally:
      comcnn._small_init = small_init  # pylint: disable=protected-access
      tf.keras.layers.BatchNormalization = batch_norm
      tf.keras.mixed_precision.set_global_policy("float32")
    decoded, _, _ = model._jpeg_batch(model.compact(x), False)  # pylint: disable=protected-access
    optimizer = tf.keras.optimizers.Adam(float(lr))
    variables = model.rec_cnn.trainable_variables
    optimizer.build(variables)  # its slots, outside the traced step

    step = _train_step(model, decoded, x, optimizer, variables)
    losses = [float(step()) for _ in range(FLAGS.steps)]
    y = model.reconstruct(decoded).numpy()
    psnr = 10 * np.log10(255.0 ** 2 / np.mean((y - x) ** 2))
    print(f"| {lr} | {last} | {bn} | {precision} | {losses[0]:.1f} -> "
          f"{losses[-1]:.1f} | {psnr:.2f} |", flush=True)



def _train_step(model, decoded, x, optimizer, variables):
  """One traced RecCNN step on the fixed batch (decoded -> x)."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  @tf.function
  def step():
    with tf.GradientTape() as tape:
      loss = tf.reduce_mean((model.reconstruct(decoded, training=True) - x)
                            ** 2)
    optimizer.apply_gradients(
        zip(tape.gradient(loss, variables), variables, strict=True))
    return loss

  return step


if __name__ == "__main__":
  app.run(main)

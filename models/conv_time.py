r"""Times single convolution layers, forward and backward, on this CPU.

  python -m models.conv_time

Compares Keras Conv2D with tfc.SignalConv2D (rdft and plain kernels) for the
two convolution shapes of the hyperprior transforms (batch 8). This is the
measurement behind the choice of Keras convolutions in BUILD_NOTES.md.
"""

import time

from absl import app, flags

flags.DEFINE_integer("repeats", 10, "Timed repeats per layer.")
FLAGS = flags.FLAGS


def _time(layer, shape, repeats):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  x = tf.random.stateless_normal(shape, [0, 1])
  layer(x)

  @tf.function
  def step(x):
    with tf.GradientTape() as tape:
      y = layer(x)
      loss = tf.reduce_sum(y * y)
    return tape.gradient(loss, layer.trainable_variables)

  step(x)
  t = time.perf_counter()
  for _ in range(repeats):
    step(x)
  return (time.perf_counter() - t) / repeats


def main(argv):
  del argv
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  import tensorflow_compression as tfc  # pylint: disable=g-import-not-at-top
  down = [8, 64, 64, 96]
  up = [8, 32, 32, 96]
  cases = [
      ("Keras 5x5 stride 2, 96->96", lambda: tf.keras.layers.Conv2D(
          96, 5, 2, padding="same"), down),
      ("SignalConv2D rdft 5x5 stride 2", lambda: tfc.SignalConv2D(
          96, (5, 5), corr=True, strides_down=2, padding="same_zeros"), down),
      ("SignalConv2D plain 5x5 stride 2", lambda: tfc.SignalConv2D(
          96, (5, 5), corr=True, strides_down=2, padding="same_zeros",
          kernel_parameter="variable"), down),
      ("Keras 3x3, 96->384", lambda: tf.keras.layers.Conv2D(
          384, 3, padding="same"), up),
      ("SignalConv2D rdft 3x3, 96->384", lambda: tfc.SignalConv2D(
          384, (3, 3), corr=True, padding="same_zeros"), up),
      ("SignalConv2D plain 3x3, 96->384", lambda: tfc.SignalConv2D(
          384, (3, 3), corr=True, padding="same_zeros",
          kernel_parameter="variable"), up),
  ]
  print("| layer | input | ms (forward + backward) |\n|---|---|---|")
  for name, make, shape in cases:
    ms = 1000 * _time(make(), shape, FLAGS.repeats)
    print(f"| {name} | {'x'.join(map(str, shape))} | {ms:.1f} |")


if __name__ == "__main__":
  app.run(main)

r"""Transposed convolution against sub-pixel convolution, in TF and TFLite.

  python -m export.upsampling_bench

Times one decoder upsampling layer at the size of the hyperprior's first
synthesis layer on a Kodak image (latents 32x48x128 -> 64x96x96), and the
whole four-layer stack of shapes up to 512x768x3, as Keras
`Conv2DTranspose` (5x5, stride 2) and as `SubPixelConv2D` (3x3 to 4N
channels, then depth-to-space), each in TensorFlow and converted to TFLite
(float32, builtin ops, run by LiteRT). Median of --repeats runs.
"""

from absl import app, flags

from export.timing import median_seconds

flags.DEFINE_integer("repeats", 20, "Timed runs.")
flags.DEFINE_integer("threads", 2, "Threads for both runtimes.")
FLAGS = flags.FLAGS


def _stack(kind, channels):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  from tfcodec.layers import SubPixelConv2D  # pylint: disable=g-import-not-at-top
  layers = []
  for i, filters in enumerate(channels):
    activation = "relu" if i + 1 < len(channels) else None
    if kind == "transposed":
      layers.append(tf.keras.layers.Conv2DTranspose(
          filters, 5, strides=2, padding="same", activation=activation))
    else:
      layers.append(SubPixelConv2D(filters, 3, activation=activation,
                                   kernel_parameter="plain"))
  return tf.keras.Sequential(layers)


def main(argv):
  del argv
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from ai_edge_litert.interpreter import Interpreter  # pylint: disable=g-import-not-at-top
  tf.config.threading.set_intra_op_parallelism_threads(FLAGS.threads)
  x = np.random.RandomState(0).normal(size=(1, 32, 48, 128)).astype(np.float32)
  print("| layers | kind | TF (s) | TFLite (s) | TFLite / TF |\n|---|---|---|---|---|")
  for label, channels in (("one (128->96)", [96]),
                          ("four (128->96->96->96->3)", [96, 96, 96, 3])):
    for kind in ("transposed", "sub-pixel"):
      model = _stack(kind, channels)
      model(x)
      function = tf.function(model)
      concrete = function.get_concrete_function(
          tf.TensorSpec(x.shape, tf.float32))
      tf_s = median_seconds(lambda: function(x).numpy(), FLAGS.repeats)  # noqa: B023
      converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete])
      interpreter = Interpreter(model_content=converter.convert(),
                                num_threads=FLAGS.threads)
      interpreter.allocate_tensors()
      index = interpreter.get_input_details()[0]["index"]

      def run(interpreter=interpreter, index=index):
        interpreter.set_tensor(index, x)
        interpreter.invoke()
      lite_s = median_seconds(run, FLAGS.repeats)
      print(f"| {label} | {kind} | {tf_s:.4f} | {lite_s:.4f} | "
            f"{lite_s / tf_s:.2f} |", flush=True)


if __name__ == "__main__":
  app.run(main)

"""Run as a separate process: GDN outputs inside an absl app, traced."""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import app  # pylint: disable=g-import-not-at-top,wrong-import-position


def main(argv):
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  from tfcodec.layers import GDN  # pylint: disable=g-import-not-at-top
  x = tf.constant(np.linspace(-3, 3, 24, dtype=np.float32).reshape(1, 2, 4, 3))
  outs = []
  for inverse in (False, True):
    layer = GDN(inverse=inverse)
    layer.build(x.shape)
    outs.append(tf.function(layer)(x).numpy())
  np.save(argv[1], np.stack(outs))


if __name__ == "__main__":
  app.run(main, argv=sys.argv)

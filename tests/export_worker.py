"""Run as a fresh process: load exported SavedModels and call signatures.

  codec DIR IMAGE.npy OUT.npz  (imports tensorflow_compression for its ops)
  stock DIR IMAGE.npy OUT.npz  (never imports tensorflow_compression)
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(kind, folder, image_path, out_path):
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  image = tf.constant(np.load(image_path))
  if kind == "codec":
    import tensorflow_compression  # noqa: F401  pylint: disable=g-import-not-at-top,unused-import
    loaded = tf.saved_model.load(folder)
    encoded = loaded.signatures["encode"](image=image)
    decoded = loaded.signatures["decode"](**encoded)["image"]
    np.savez(out_path, decoded=decoded.numpy(),
             **{k: v.numpy() for k, v in encoded.items()})
  else:
    loaded = tf.saved_model.load(folder)
    latents = loaded.signatures["analysis"](image=image)
    decoded = loaded.signatures["synthesis"](
        latents=latents["latents"], image_shape=latents["image_shape"])["image"]
    assert "tensorflow_compression" not in sys.modules
    np.savez(out_path, decoded=decoded.numpy())


if __name__ == "__main__":
  main(*sys.argv[1:])

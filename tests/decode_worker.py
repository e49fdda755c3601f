"""Run as a separate process: decode a tfcodec file with a weights folder."""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(weights_dir, tfc_path, out_npy):
  import numpy as np  # pylint: disable=g-import-not-at-top

  from tfcodec import coding, zoo  # pylint: disable=g-import-not-at-top
  model = zoo.load_from_dir(weights_dir)
  with open(tfc_path, "rb") as f:
    image, _ = coding.decompress_bytes(f.read(), model=model)
  np.save(out_npy, image)


if __name__ == "__main__":
  main(*sys.argv[1:])

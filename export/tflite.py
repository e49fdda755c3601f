r"""Converts a model's decoder (its `synthesis`) to TFLite, builtin ops only.

  python -m export.saved_model --model=hyperprior --output_dir=exported
  python -m export.tflite --saved_model_dir=exported/hyperprior-q2/stock \
      --quantization=fp16 --output=hyperprior-q2-fp16.tflite

--saved_model_dir is the `stock/` SavedModel (or its parent folder). The
library function is `tfcodec.tflite.convert_saved_model`, which returns the
bytes. `tfcodec decompress --backend tflite --tflite-model FILE` decodes with
the result.
"""

import os
import sys

from absl import app, flags

flags.DEFINE_string("saved_model_dir", None,
                    "The stock SavedModel (or the folder holding stock/).")
flags.DEFINE_enum("quantization", "none", ["none", "fp16", "int8"],
                  "Weight quantization: none, fp16, or int8 (dynamic range).")
flags.DEFINE_string("output", None, "The .tflite file to write.")
flags.mark_flags_as_required(["saved_model_dir", "output"])
FLAGS = flags.FLAGS


def main(argv):
  del argv
  from tfcodec import io, tflite  # pylint: disable=g-import-not-at-top
  path = FLAGS.saved_model_dir
  if os.path.isdir(os.path.join(path, "stock")):
    path = os.path.join(path, "stock")
  try:
    data = tflite.convert_saved_model(path, FLAGS.quantization)
  except (ValueError, OSError) as e:
    sys.exit(f"error: {e}")
  if not tflite.builtin_only(data):
    sys.exit(f"error: {path}: the converted model needs non-builtin ops")
  io.atomic_write(FLAGS.output, data)
  print(f"{FLAGS.output}: {len(data) / 1e6:.2f} MB, {FLAGS.quantization}, "
        "builtin ops only")


if __name__ == "__main__":
  app.run(main)

r"""Converts a model's decoder (its `synthesis`) to TFLite, builtin ops only.

  python -m export.saved_model --model=hyperprior --output_dir=exported
  python -m export.tflite --saved_model_dir=exported/hyperprior-q2/stock/1 \
      --quantization=fp16 --output=hyperprior-q2-fp16.tflite

--saved_model_dir is the stock SavedModel (or a folder above it: the model's
export folder or its `stock/`). The
library function is `tfcodec.tflite.convert_saved_model`, which returns the
bytes. `tfcodec decompress --backend tflite --tflite-model FILE` decodes with
the result.
"""

import os
import sys

from absl import app, flags

flags.DEFINE_string("saved_model_dir", None,
                    "The stock SavedModel (or the export folder above it).")
flags.DEFINE_enum("quantization", "none", ["none", "fp16", "int8"],
                  "Weight quantization: none, fp16, or int8 (dynamic range).")
flags.DEFINE_string("output", None, "The .tflite file to write.")
flags.mark_flags_as_required(["saved_model_dir", "output"])
FLAGS = flags.FLAGS


def main(argv):
  del argv
  from tfcodec import io, tflite  # pylint: disable=g-import-not-at-top
  path = FLAGS.saved_model_dir
  for sub in ("stock/1", "stock", "1"):
    if os.path.isfile(os.path.join(path, sub, "saved_model.pb")):
      path = os.path.join(path, sub)
      break
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

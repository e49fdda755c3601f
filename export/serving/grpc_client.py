r"""Compresses and decompresses a file through TF Serving's gRPC API (PredictionService, tensorflow-serving-api).

  python -m export.serving.grpc_client compress photo.png photo.tfc \
      --server=localhost:8500 --model=hyperprior --quality=2
  python -m export.serving.grpc_client decompress photo.tfc photo.png \
      --server=localhost:8500

The server serves export/serving/models.config. The .tfc file is byte for
byte what `tfcodec compress` writes, and `tfcodec decompress` reads it (and
this client reads files that `tfcodec compress` wrote).
"""

import sys

from absl import app, flags

flags.DEFINE_string("server", "localhost:8500", "The model server.")
flags.DEFINE_string("model", "hyperprior", "Zoo model (compress).")
flags.DEFINE_integer("quality", 2, "Quality (compress).")
FLAGS = flags.FLAGS


def main(argv):
  if len(argv) != 4 or argv[1] not in ("compress", "decompress"):
    raise app.UsageError("usage: compress|decompress INPUT OUTPUT")
  from export.serving import client_lib  # pylint: disable=g-import-not-at-top
  from tfcodec import errors, io  # pylint: disable=g-import-not-at-top
  command, source, target = argv[1:]
  try:
    if command == "compress":
      data = client_lib.compress(io.read_image(source), FLAGS.model,
                                 FLAGS.quality, FLAGS.server, "grpc")
      io.atomic_write(target, data)
      print(f"{target}: {len(data)} bytes")
    else:
      with open(source, "rb") as f:
        image, header = client_lib.decompress(f.read(), FLAGS.server, "grpc")
      io.write_image(target, image)
      print(f"{target}: {header.width}x{header.height}")
  except (errors.TfcodecError, OSError, RuntimeError) as e:
    sys.exit(f"error: {source}: {e}")


if __name__ == "__main__":
  app.run(main)

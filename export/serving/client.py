r"""Compresses and decompresses a file through TF Serving (REST or gRPC).

  python -m export.serving.client --protocol=rest compress photo.png \
      photo.tfc --server=http://localhost:8501 --model=hyperprior --quality=4
  python -m export.serving.client --protocol=grpc decompress photo.tfc \
      photo.png --server=localhost:8500

`rest_client` and `grpc_client` are this binary with the protocol fixed. The
server serves export/serving/models.config. The .tfc file is byte for byte
what `tfcodec compress` writes, and `tfcodec decompress` reads it (and this
client reads files that `tfcodec compress` wrote).
"""

import sys

from absl import app, flags

flags.DEFINE_enum("protocol", "rest", ["rest", "grpc"], "TF Serving API.")
flags.DEFINE_string("server", None,
                    "The model server (default http://localhost:8501 for "
                    "REST, localhost:8500 for gRPC).")
flags.DEFINE_string("model", "hyperprior", "Zoo model (compress).")
flags.DEFINE_integer("quality", 4, "Quality (compress).")
FLAGS = flags.FLAGS

DEFAULT_SERVERS = {"rest": "http://localhost:8501", "grpc": "localhost:8500"}


def main(argv):
  if len(argv) != 4 or argv[1] not in ("compress", "decompress"):
    raise app.UsageError("usage: compress|decompress INPUT OUTPUT")
  from export.serving import client_lib  # pylint: disable=g-import-not-at-top
  from tfcodec import errors, io  # pylint: disable=g-import-not-at-top
  command, source, target = argv[1:]
  protocol = FLAGS.protocol
  server = FLAGS.server or DEFAULT_SERVERS[protocol]
  try:
    if command == "compress":
      data = client_lib.compress(io.read_image(source), FLAGS.model,
                                 FLAGS.quality, server, protocol)
      io.atomic_write(target, data)
      print(f"{target}: {len(data)} bytes")
    else:
      with open(source, "rb") as f:
        image, header = client_lib.decompress(f.read(), server, protocol)
      io.write_image(target, image)
      print(f"{target}: {header.width}x{header.height}")
  except (errors.TfcodecError, OSError, RuntimeError) as e:
    sys.exit(f"error: {source}: {e}")


def run(protocol: str):
  """Runs the binary with `--protocol` preset."""
  FLAGS.set_default("protocol", protocol)
  app.run(main)


if __name__ == "__main__":
  app.run(main)

r"""Compresses and decompresses a file through TF Serving's gRPC API (PredictionService, tensorflow-serving-api).

  python -m export.serving.grpc_client compress photo.png photo.tfc \
      --server=localhost:8500 --model=hyperprior --quality=4
  python -m export.serving.grpc_client decompress photo.tfc photo.png

See export/serving/client.py.
"""

from export.serving import client

if __name__ == "__main__":
  client.run("grpc")

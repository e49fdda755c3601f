r"""Compresses and decompresses a file through TF Serving's REST API (:predict, JSON).

  python -m export.serving.rest_client compress photo.png photo.tfc \
      --server=http://localhost:8501 --model=hyperprior --quality=4
  python -m export.serving.rest_client decompress photo.tfc photo.png

See export/serving/client.py.
"""

from export.serving import client

if __name__ == "__main__":
  client.run("rest")

"""TF Serving readiness: the exports answer REST and gRPC predict calls.

No model server can be installed here; `tests/serving_double.py` loads the
exports with TensorFlow's SavedModel loader in a fresh process, as the server
does, and answers in TF Serving's wire formats. The clients in
`export/serving/` talk to it over real sockets.
"""

import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

from export import saved_model_lib
from export.serving import client_lib
from tests.conftest import smooth_image
from tfcodec import coding, zoo
from tfcodec import io as tio
from tfcodec.models import ScaleHyperprior

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUALITY = 3


def _free_port():
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
  root = tmp_path_factory.mktemp("serving")
  models = {}
  for name in zoo.names():
    tf.keras.utils.set_random_seed(3)
    cls = zoo.model_class(name)
    config = dict(cls.tiny_config)
    if cls.quality_argument:
      # The quality is the model's own (a JPEG quality, iterations).
      config[cls.quality_argument] = QUALITY
    model = zoo.build(name, **config)
    model.update()
    saved_model_lib.export_model(model, name, QUALITY,
                                 str(root / f"{name}-q{QUALITY}"))
    models[name] = model
  config = root / "models.config"
  config.write_text(saved_model_lib.serving_config(
      [(n, QUALITY) for n in models], str(root)))
  rest, grpc_port = _free_port(), _free_port()
  process = subprocess.Popen(
      [sys.executable, "-m", "tests.serving_double", str(config), str(rest),
       str(grpc_port)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
  deadline = time.time() + 300
  line = ""
  while time.time() < deadline and process.poll() is None:
    line = process.stdout.readline()
    if line.strip() == "ready":
      break
  assert line.strip() == "ready", "the serving double did not start"
  yield models, f"http://127.0.0.1:{rest}", f"127.0.0.1:{grpc_port}", root
  process.terminate()
  process.wait(timeout=30)


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
def test_served_codec_writes_and_reads_tfcodec_files(server, protocol):
  models, rest, grpc_address, _ = server
  address = rest if protocol == "rest" else grpc_address
  image = smooth_image(40, 75, seed=6)
  for name, model in models.items():
    data = client_lib.compress(image, name, QUALITY, address, protocol)
    # Byte for byte what `tfcodec compress` writes with the same model.
    assert data == coding.compress_image(image, name, QUALITY, model=model)
    decoded, header = client_lib.decompress(data, address, protocol)
    expected, _ = coding.decompress_bytes(data, model=model)
    np.testing.assert_array_equal(decoded, expected)
    assert (header.model, header.quality) == (name, QUALITY)


def test_stock_model_serves_analysis_and_synthesis_over_rest(server):
  models, rest, _, _ = server
  image = smooth_image(33, 50, seed=7)
  for name, model in models.items():
    served = f"{name}-q{QUALITY}-stock"
    body = {"signature_name": "analysis", "inputs": {"image": image.tolist()}}
    names = ["image_shape", "latents"]
    analysis = client_lib.rest_parse_response(
        client_lib.rest_predict(rest, served, body),
        names + (["side_latents"] if isinstance(model, ScaleHyperprior)
                 else []))
    body = {"signature_name": "synthesis",
            "inputs": {"latents": analysis["latents"].tolist(),
                       "image_shape": analysis["image_shape"].tolist()}}
    got = client_lib.rest_parse_response(
        client_lib.rest_predict(rest, served, body), ["image"])["image"]
    np.testing.assert_array_equal(
        got, model.decompress(*model.compress(image)).numpy())


def test_server_errors_reach_the_client(server):
  _, rest, grpc_address, _ = server
  image = smooth_image(16, 16, seed=8)
  with pytest.raises(RuntimeError, match="nosuchmodel"):
    client_lib.rest_parse_response(client_lib.rest_predict(
        rest, "nosuchmodel-q1", client_lib.rest_encode_request(image)), ["x"])
  with pytest.raises(RuntimeError, match="NOT_FOUND|INVALID_ARGUMENT"):
    client_lib.grpc_predict(grpc_address, client_lib.grpc_request(
        "nosuchmodel-q1", "encode", {"image": image}))


def test_client_binaries_round_trip_a_file(server, tmp_path):
  models, rest, grpc_address, _ = server
  name = "hyperprior"
  image = smooth_image(30, 41, seed=9)
  source = tmp_path / "in.png"
  tio.write_image(str(source), image)
  compressed = tmp_path / "in.tfc"
  subprocess.run([sys.executable, "-m", "export.serving.rest_client",
                  "compress", str(source), str(compressed), f"--server={rest}",
                  f"--model={name}", f"--quality={QUALITY}"], check=True,
                 cwd=ROOT, capture_output=True)
  decoded = tmp_path / "out.png"
  subprocess.run([sys.executable, "-m", "export.serving.grpc_client",
                  "decompress", str(compressed), str(decoded),
                  f"--server={grpc_address}"], check=True, cwd=ROOT,
                 capture_output=True)
  expected, _ = coding.decompress_bytes(compressed.read_bytes(),
                                        model=models[name])
  np.testing.assert_array_equal(tio.read_image(str(decoded)), expected)
  result = subprocess.run(
      [sys.executable, "-m", "export.serving.rest_client", "decompress",
       str(tmp_path / "missing.tfc"), str(tmp_path / "x.png"),
       f"--server={rest}"], cwd=ROOT, capture_output=True, text=True)
  assert result.returncode != 0 and "missing.tfc" in result.stderr
  assert not (tmp_path / "x.png").exists()


def test_committed_models_config_lists_the_shipped_zoo():
  shipped = [(n, q) for n in zoo.names() for q in zoo.qualities(n)]
  path = os.path.join(ROOT, "export", "serving", "models.config")
  assert open(path).read() == saved_model_lib.serving_config(shipped,
                                                             "/models")

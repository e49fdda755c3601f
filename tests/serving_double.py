"""A stand-in for TF Serving's predict APIs, for the readiness tests.

  python -m tests.serving_double MODELS.CONFIG REST_PORT GRPC_PORT

No model server can be installed here, so this process does what the server
does with our exports, with TensorFlow's own loader: it reads the
models.config, loads the highest version of each SavedModel, and answers

* REST `POST /v1/models/<name>:predict` in the columnar format (`inputs`,
  `{"b64": ...}` for bytes, "_bytes" outputs base64-encoded, a single output
  returned bare), and
* gRPC `tensorflow.serving.PredictionService/Predict` with TensorProtos,

by calling the named signature with inputs converted to its dtypes. It
imports tensorflow_compression, as a model server built with those ops
would. It prints "ready" once both listeners are up.
"""

import base64
import json
import os
import re
import sys
import threading
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import grpc  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_compression  # noqa: E402,F401  pylint: disable=unused-import
from tensorflow_serving.apis import (
  predict_pb2,  # noqa: E402
  prediction_service_pb2_grpc,  # noqa: E402
)


def load_models(config_path):
  text = open(config_path).read()
  models = {}
  for name, base in re.findall(
      r'name:\s*"([^"]+)"\s*base_path:\s*"([^"]+)"', text):
    versions = [int(v) for v in os.listdir(base) if v.isdigit()]
    models[name] = tf.saved_model.load(os.path.join(base, str(max(versions))))
  return models


def call(models, name, signature, inputs):
  if name not in models:
    raise KeyError(f"Servable not found for request: Latest({name})")
  function = models[name].signatures[signature]
  specs = function.structured_input_signature[1]
  return function(**{k: tf.constant(v, specs[k].dtype)
                     for k, v in inputs.items()})


def _from_json(value):
  if isinstance(value, dict) and set(value) == {"b64"}:
    return base64.b64decode(value["b64"])
  if isinstance(value, list):
    return [_from_json(v) for v in value]
  return value


def _to_json(name, value):
  value = value.numpy()
  if name.endswith("_bytes"):
    return [{"b64": base64.b64encode(v).decode()} for v in value.reshape(-1)]
  if value.dtype == object:
    return [v.decode() for v in value.reshape(-1)]
  return value.tolist()


def rest_handler(models):
  class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
      pass

    def do_POST(self):  # noqa: N802
      match = re.fullmatch(r"/v1/models/([^/:]+):predict", self.path)
      try:
        if not match:
          raise KeyError(f"unknown path {self.path}")
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if "inputs" not in body:
          raise ValueError("only the columnar 'inputs' format is served here")
        outputs = call(models, match.group(1),
                       body.get("signature_name", "serving_default"),
                       {k: _from_json(v) for k, v in body["inputs"].items()})
        result = {k: _to_json(k, v) for k, v in outputs.items()}
        if len(result) == 1:
          result = next(iter(result.values()))
        reply, code = {"outputs": result}, 200
      except Exception as e:  # pylint: disable=broad-except
        reply, code = {"error": f"{type(e).__name__}: {e}"}, 400
      data = json.dumps(reply).encode()
      self.send_response(code)
      self.send_header("Content-Type", "application/json")
      self.send_header("Content-Length", str(len(data)))
      self.end_headers()
      self.wfile.write(data)
  return Handler


class Servicer(prediction_service_pb2_grpc.PredictionServiceServicer):

  def __init__(self, models):
    self.models = models

  def Predict(self, request, context):  # noqa: N802
    try:
      outputs = call(self.models, request.model_spec.name,
                     request.model_spec.signature_name or "serving_default",
                     {k: tf.make_ndarray(v) for k, v in request.inputs.items()})
    except Exception as e:  # pylint: disable=broad-except
      context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"{type(e).__name__}: {e}")
    response = predict_pb2.PredictResponse()
    response.model_spec.CopyFrom(request.model_spec)
    for k, v in outputs.items():
      response.outputs[k].CopyFrom(tf.make_tensor_proto(v.numpy()))
    return response


def main(config_path, rest_port, grpc_port):
  models = load_models(config_path)
  http = ThreadingHTTPServer(("127.0.0.1", int(rest_port)), rest_handler(models))
  threading.Thread(target=http.serve_forever, daemon=True).start()
  options = [("grpc.max_send_message_length", 1 << 30),
             ("grpc.max_receive_message_length", 1 << 30)]
  server = grpc.server(futures.ThreadPoolExecutor(max_workers=2),
                       options=options)
  prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
      Servicer(models), server)
  server.add_insecure_port(f"127.0.0.1:{grpc_port}")
  server.start()
  print("ready", flush=True)
  server.wait_for_termination()


if __name__ == "__main__":
  main(*sys.argv[1:])

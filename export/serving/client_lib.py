"""Compress and decompress files through TF Serving, over REST or gRPC.

The served models are the SavedModels `python -m export.saved_model` writes,
named as in its models.config: `<model>-q<quality>` has the `encode` and
`decode` signatures (a model server with tensorflow-compression's ops).

REST (`:predict`, columnar "inputs" format, because our tensors have no batch
dimension): byte strings travel as `{"b64": ...}`; the server base64-encodes
output tensors whose names end in "_bytes", which is why our bitstream
tensors are named so. A response with one output carries it bare in
"outputs", with several a dict by name.

gRPC (`PredictionService/Predict` from tensorflow-serving-api): inputs and
outputs are TensorProtos.

Either way, what the client writes is `tfcodec.coding.pack_encoded` of the
`encode` outputs: byte for byte the file `tfcodec compress` writes.
"""

import base64
import json
import urllib.error
import urllib.request
from typing import Dict, Tuple

import numpy as np

from tfcodec import coding

__all__ = ["served_name", "rest_encode_request", "rest_decode_request",
           "rest_parse_response", "rest_predict", "grpc_request",
           "grpc_parse_response", "grpc_predict", "compress", "decompress"]

#: Bytes in a REST message are base64 objects: {"b64": "..."}.
B64 = "b64"


def served_name(model: str, quality: int) -> str:
  return f"{model}-q{quality}"


# -- REST ---------------------------------------------------------------------

def _to_json(value):
  if isinstance(value, (bytes, np.bytes_)):
    return {B64: base64.b64encode(bytes(value)).decode("ascii")}
  if isinstance(value, np.ndarray):
    if value.dtype == object or value.dtype.kind == "S":
      return [_to_json(v) for v in value]
    return value.tolist()
  return value


def rest_encode_request(image: np.ndarray) -> Dict:
  """The JSON body of an `encode` :predict call for a uint8 [H, W, 3] image."""
  return {"signature_name": "encode",
          "inputs": {"image": np.asarray(image, np.uint8).tolist()}}


def rest_decode_request(tensors: Dict[str, np.ndarray]) -> Dict:
  """The JSON body of a `decode` call for a file's tensors (by name)."""
  return {"signature_name": "decode",
          "inputs": {name: _to_json(value) for name, value in tensors.items()}}


def _from_json(value):
  if isinstance(value, dict) and set(value) == {B64}:
    return base64.b64decode(value[B64])
  if isinstance(value, list):
    return [_from_json(v) for v in value]
  return value


def rest_parse_response(body: Dict, output_names) -> Dict[str, np.ndarray]:
  """{name: numpy value} from a :predict response in the columnar format."""
  if "error" in body:
    raise RuntimeError(f"model server: {body['error']}")
  outputs = body["outputs"]
  if not isinstance(outputs, dict) or len(output_names) == 1 and set(
      outputs) != set(output_names):
    outputs = {output_names[0]: outputs}
  parsed = {}
  for name in output_names:
    value = _from_json(outputs[name])
    parsed[name] = np.array(value, dtype=object) if _has_bytes(
        value) else np.array(value)
  return parsed


def _has_bytes(value):
  while isinstance(value, list) and value:
    value = value[0]
  return isinstance(value, bytes)


def rest_predict(server: str, model: str, body: Dict, timeout: float = 300):
  """POSTs a :predict request; returns the parsed JSON response."""
  url = f"{server.rstrip('/')}/v1/models/{model}:predict"
  request = urllib.request.Request(
      url, data=json.dumps(body).encode(), method="POST",
      headers={"Content-Type": "application/json"})
  try:
    with urllib.request.urlopen(request, timeout=timeout) as response:
      return json.loads(response.read())
  except urllib.error.HTTPError as e:
    detail = e.read().decode(errors="replace")
    raise RuntimeError(f"{url}: HTTP {e.code}: {detail}") from None


# -- gRPC ---------------------------------------------------------------------

def grpc_request(model: str, signature: str, inputs: Dict[str, np.ndarray]):
  """A PredictRequest with TensorProto inputs."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tensorflow_serving.apis import predict_pb2  # pylint: disable=g-import-not-at-top
  request = predict_pb2.PredictRequest()
  request.model_spec.name = model
  request.model_spec.signature_name = signature
  for name, value in inputs.items():
    request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
  return request


def grpc_parse_response(response) -> Dict[str, np.ndarray]:
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  return {name: tf.make_ndarray(proto)
          for name, proto in response.outputs.items()}


def grpc_predict(server: str, request, timeout: float = 300):
  """Calls PredictionService/Predict at `server` (host:port)."""
  import grpc  # pylint: disable=g-import-not-at-top
  from tensorflow_serving.apis import prediction_service_pb2_grpc  # pylint: disable=g-import-not-at-top
  options = [("grpc.max_send_message_length", 1 << 30),
             ("grpc.max_receive_message_length", 1 << 30)]
  with grpc.insecure_channel(server, options=options) as channel:
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    try:
      return stub.Predict(request, timeout=timeout)
    except grpc.RpcError as e:
      raise RuntimeError(f"{server}: {e.code().name}: {e.details()}") from None


# -- files ----------------------------------------------------------------------

def compress(image: np.ndarray, model: str, quality: int, server: str,
             protocol: str = "rest") -> bytes:
  """Compresses an image with a served `encode`; returns tfcodec file bytes."""
  names = [name for name, _ in coding.payload_spec(model)]
  served = served_name(model, quality)
  if protocol == "rest":
    outputs = rest_parse_response(
        rest_predict(server, served, rest_encode_request(image)), names)
  elif protocol == "grpc":
    outputs = grpc_parse_response(grpc_predict(
        server, grpc_request(served, "encode",
                             {"image": np.asarray(image, np.uint8)})))
  else:
    raise ValueError(f"unknown protocol '{protocol}' (rest or grpc)")
  tensors = [_bitstream_tensor(outputs[name], dtype)
             for name, dtype in coding.payload_spec(model)]
  return coding.pack_encoded(model, quality, image.shape, tensors)


def _bitstream_tensor(value, dtype):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if dtype == tf.string:
    return tf.constant([bytes(v) for v in np.reshape(value, -1)], tf.string)
  return tf.constant(np.asarray(value), dtype)


def decompress(data: bytes, server: str, protocol: str = "rest"
               ) -> Tuple[np.ndarray, object]:
  """Decodes tfcodec file bytes with a served `decode`: (image, header)."""
  header, tensors = coding.unpack_encoded(data)
  served = served_name(header.model, header.quality)
  if protocol == "rest":
    image = rest_parse_response(
        rest_predict(server, served, rest_decode_request(tensors)),
        ["image"])["image"]
  elif protocol == "grpc":
    image = grpc_parse_response(grpc_predict(
        server, grpc_request(served, "decode", tensors)))["image"]
  else:
    raise ValueError(f"unknown protocol '{protocol}' (rest or grpc)")
  return np.asarray(image, np.uint8), header

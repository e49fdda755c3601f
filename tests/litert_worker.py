"""Run as a fresh process: the TFLite synthesis under LiteRT alone.

  python -m tests.litert_worker MODEL.tflite IN.npz OUT.npy

IN.npz holds `latents` and `image_shape`. The process never imports
TensorFlow: only ai_edge_litert and numpy, as on a device.
"""

import sys


def main(model_path, in_path, out_path):
  import numpy as np  # pylint: disable=g-import-not-at-top
  from ai_edge_litert.interpreter import Interpreter  # pylint: disable=g-import-not-at-top
  inputs = np.load(in_path)
  interpreter = Interpreter(model_path=model_path)
  details = sorted(interpreter.get_input_details(), key=lambda d: len(d["shape"]))
  shape_input, latents_input = details
  interpreter.resize_tensor_input(latents_input["index"],
                                  inputs["latents"].shape, strict=True)
  interpreter.allocate_tensors()
  interpreter.set_tensor(latents_input["index"], inputs["latents"])
  interpreter.set_tensor(shape_input["index"], inputs["image_shape"])
  interpreter.invoke()
  image = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
  assert "tensorflow" not in sys.modules, "LiteRT pulled in TensorFlow"
  np.save(out_path, image)


if __name__ == "__main__":
  main(*sys.argv[1:])

r"""Decode latency, file size and PSNR: TensorFlow against TFLite.

  python -m export.benchmark --data_dir=../shared/datasets/kodak \
      --latency_image=kodim23.png --out=results/tflite_bench.json

For each shipped model (or --model/--quality), it converts the synthesis to
TFLite with each quantization, decodes every image of --data_dir with
`decompress_bytes(backend=...)` (entropy decoding in TensorFlow, synthesis in
TensorFlow or in LiteRT), and reports the mean PSNR and its difference from
the TensorFlow decode. On --latency_image it times the synthesis alone
(median of --repeats runs after a warm-up) and the whole decode.
"""

import json
import os

from absl import app, flags

from export.timing import median_seconds

flags.DEFINE_string("data_dir", "../shared/datasets/kodak", "Images to decode.")
flags.DEFINE_string("latency_image", "kodim23.png",
                    "Image (in --data_dir) whose decode is timed.")
flags.DEFINE_string("model", None, "Zoo model (default: all shipped).")
flags.DEFINE_integer("quality", None, "Quality (default: all shipped).")
flags.DEFINE_integer("repeats", 10, "Timed runs per backend.")
flags.DEFINE_integer("threads", 2, "CPU threads for both runtimes.")
flags.DEFINE_string("out", None, "JSON file to write.")
FLAGS = flags.FLAGS

BACKENDS = ("tf", "none", "fp16", "int8")


def _latency(model, synthesis, data, repeats):
  """Median seconds of the synthesis alone and of the whole decode."""
  from tfcodec import coding  # pylint: disable=g-import-not-at-top
  header, tensors = coding.read_file(data)
  decoded = model.entropy_decode(*tensors)
  latents = decoded["latents"].numpy()
  shape = decoded["image_shape"].numpy()
  if synthesis is None:
    def synth():
      return model.synthesis(latents, shape)["image"].numpy()
  else:
    def synth():
      return synthesis(latents, shape)

  def full():
    return coding.decode_tensors(model, tensors, header, synthesis)
  return median_seconds(synth, repeats), median_seconds(full, repeats)


def bench_model(name, quality, images, latency_image, repeats, threads):
  """Rows of figures for one shipped model, one per backend."""
  import numpy as np  # pylint: disable=g-import-not-at-top

  from tfcodec import coding, metrics, tflite, zoo  # pylint: disable=g-import-not-at-top
  model = zoo.load(name, quality)
  files = {path: coding.compress_image(image, name, quality, model=model)
           for path, image in images.items()}
  rows = []
  reference_psnr = None
  for backend in BACKENDS:
    synthesis, size = None, None
    if backend != "tf":
      data = tflite.convert_model(model, backend)
      size = len(data)
      synthesis = tflite.Synthesis(data, num_threads=threads)
    psnrs = []
    for path, data in files.items():
      header, tensors = coding.read_file(data)
      decoded = coding.decode_tensors(model, tensors, header, synthesis)
      psnrs.append(metrics.psnr(images[path], decoded))
    psnr = float(np.mean(psnrs))
    reference_psnr = psnr if backend == "tf" else reference_psnr

    synthesis_s, decode_s = _latency(model, synthesis, files[latency_image],
                                     repeats)
    rows.append({
        "model": name, "quality": quality,
        "backend": "tf" if backend == "tf" else f"tflite-{backend}",
        "tflite_bytes": size, "psnr": psnr,
        "psnr_minus_tf": psnr - reference_psnr,
        "synthesis_s": synthesis_s, "decode_s": decode_s,
        "images": len(files)})
  return rows


def main(argv):
  del argv
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  from tfcodec import bench, io, zoo  # pylint: disable=g-import-not-at-top
  tf.config.threading.set_intra_op_parallelism_threads(FLAGS.threads)
  paths = bench.list_images(FLAGS.data_dir)
  images = {os.path.basename(p): io.read_image(p) for p in paths}
  if FLAGS.latency_image not in images:
    raise app.UsageError(f"{FLAGS.latency_image} is not in {FLAGS.data_dir}")
  jobs = ([(FLAGS.model, q) for q in ([FLAGS.quality] if FLAGS.quality
                                       is not None else zoo.qualities(
                                           FLAGS.model))]
          if FLAGS.model else [(n, q) for n in zoo.names()
                               for q in zoo.qualities(n)])
  rows = []
  print("| model | backend | .tflite MB | Kodak PSNR (dB) | vs TF (dB) | "
        "synthesis (s) | whole decode (s) |\n|---|---|---|---|---|---|---|")
  for name, quality in jobs:
    for row in bench_model(name, quality, images, FLAGS.latency_image,
                           FLAGS.repeats, FLAGS.threads):
      rows.append(row)
      size = "-" if row["tflite_bytes"] is None else \
          f"{row['tflite_bytes'] / 1e6:.2f}"
      print(f"| {name} q{quality} | {row['backend']} | {size} | "
            f"{row['psnr']:.3f} | {row['psnr_minus_tf']:+.3f} | "
            f"{row['synthesis_s']:.3f} | {row['decode_s']:.3f} |", flush=True)
  if FLAGS.out:
    os.makedirs(os.path.dirname(os.path.abspath(FLAGS.out)), exist_ok=True)
    with open(FLAGS.out, "w") as f:
      json.dump({"latency_image": FLAGS.latency_image,
                 "threads": FLAGS.threads, "rows": rows}, f, indent=1)


if __name__ == "__main__":
  app.run(main)

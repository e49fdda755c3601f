r"""Evaluates shipped zoo weights on a folder (Kodak) against Pillow JPEG 4:2:0.

  python -m models.evaluate --model=hyperprior --quality=1 \
      --data_dir=../shared/datasets/kodak --output=results/hyperprior-q1.json

Writes JSON (CompressAI layout, per-image rows included) and prints the mean
bpp, PSNR and MS-SSIM, how far the real file size is from the model's own rate
estimate, and JPEG's PSNR at the same bpp (interpolated over a quality sweep
measured in the same run).
"""

import json
import os

from absl import app
from absl import flags

flags.DEFINE_string("model", "hyperprior", "Zoo model.")
flags.DEFINE_list("quality", [], "Qualities (default: all shipped).")
flags.DEFINE_string("weights_dir", None,
                    "Evaluate this weights folder instead of shipped weights.")
flags.DEFINE_string("data_dir", "../shared/datasets/kodak", "Image folder.")
flags.DEFINE_string("output", "results/evaluation.json", "JSON to write.")
flags.DEFINE_list("jpeg_qualities", [str(q) for q in range(2, 41, 2)],
                  "Pillow JPEG 4:2:0 qualities to sweep for the comparison.")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  import numpy as np  # pylint: disable=g-import-not-at-top
  from tfcodec import bench, codecs, io as tio, zoo  # pylint: disable=g-import-not-at-top

  files = bench.list_images(FLAGS.data_dir)
  if FLAGS.weights_dir:
    model = zoo.load_from_dir(FLAGS.weights_dir)
    qualities = [zoo.read_config(FLAGS.weights_dir)["quality"]]
  else:
    model = None
    qualities = [int(q) for q in FLAGS.quality] or zoo.qualities(FLAGS.model)
  per_quality = {q: bench.measure_model(FLAGS.model, q, files, model=model)
                 for q in qualities}
  ours = bench.to_results(FLAGS.model, f"tfcodec {FLAGS.model}", per_quality)

  images = {f: tio.read_image(f) for f in files}
  jpeg = codecs.JPEG420()
  jpeg_rows = {int(q): bench.measure_codec(jpeg, int(q), files, images)
               for q in FLAGS.jpeg_qualities}
  theirs = bench.to_results(jpeg.name, jpeg.description, jpeg_rows)

  os.makedirs(os.path.dirname(os.path.abspath(FLAGS.output)), exist_ok=True)
  with open(FLAGS.output, "w") as f:
    json.dump({"model": ours, "jpeg420": theirs}, f, indent=1)

  r, j = ours["results"], theirs["results"]
  print(f"{len(files)} images from {FLAGS.data_dir}")
  for i, q in enumerate(r["quality"]):
    rows = per_quality[q]
    gap = [(x["coded_bpp"] - x["estimate_bpp"]) / x["estimate_bpp"]
           for x in rows]
    overhead = np.mean([x["overhead_bytes"] for x in rows])
    jpeg_psnr = bench.interpolate(r["bpp"][i], j["bpp"], j["psnr-rgb"])
    jpeg_ms = bench.interpolate(r["bpp"][i], j["bpp"], j["ms-ssim-rgb"])
    print(f"{FLAGS.model} q{q}: bpp {r['bpp'][i]:.4f}  PSNR {r['psnr-rgb'][i]:.2f} dB"
          f"  MS-SSIM {r['ms-ssim-rgb'][i]:.4f} ({r['ms-ssim-rgb-db'][i]:.2f} dB)"
          f"  enc {r['encoding_time'][i]:.2f} s  dec {r['decoding_time'][i]:.2f} s")
    print(f"  range-coded bits vs rate estimate: mean {100 * np.mean(gap):+.2f}%,"
          f" worst {100 * max(gap, key=abs):+.2f}%; container + packing "
          f"{overhead:.0f} bytes per file")
    print(f"  Pillow JPEG 4:2:0 at {r['bpp'][i]:.4f} bpp: PSNR {jpeg_psnr:.2f} dB, "
          f"MS-SSIM {jpeg_ms:.4f} -> {FLAGS.model} "
          f"{r['psnr-rgb'][i] - jpeg_psnr:+.2f} dB")
  print(f"wrote {FLAGS.output}")


if __name__ == "__main__":
  app.run(main)

r"""Evaluates zoo weights on a folder (Kodak) against Pillow JPEG 4:2:0.

  python -m models.evaluate --model=hyperprior --quality=2 \
      --data_dir=../shared/datasets/kodak --output=results/hyperprior-q2.json

Prints, per quality: mean bpp (real files), PSNR and MS-SSIM; how far the
range-coded bits are from the model's own rate estimate; and Pillow JPEG
4:2:0's PSNR and MS-SSIM at the same bpp, interpolated over a quality sweep
measured in the same run. `--weights_dir` evaluates a weights folder that is
not shipped (e.g. from `models.package_weights`).
"""

import os

from absl import app, flags

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
  from tqdm import tqdm  # pylint: disable=g-import-not-at-top

  from tfcodec import bench, zoo  # pylint: disable=g-import-not-at-top
  from tfcodec import io as tio

  files = bench.list_images(FLAGS.data_dir)
  if FLAGS.weights_dir:
    models = {zoo.read_config(FLAGS.weights_dir)["quality"]:
              zoo.load_from_dir(FLAGS.weights_dir)}
  else:
    qualities = [int(q) for q in FLAGS.quality] or zoo.qualities(FLAGS.model)
    models = {q: zoo.load(FLAGS.model, q) for q in qualities}
  per_quality = {}
  for q, model in models.items():
    per_quality[q] = [
        dict(bench.measure_model(model, FLAGS.model, q, tio.read_image(f)),
             image=os.path.basename(f))
        for f in tqdm(files, desc=f"{FLAGS.model} q{q}")]
  ours = dict(bench.to_results(FLAGS.model, f"tfcodec {FLAGS.model}",
                               per_quality), per_image=per_quality)
  jpeg = bench.run_bench(FLAGS.data_dir, codec_names=["jpeg420"], qualities={
      "jpeg420": [int(q) for q in FLAGS.jpeg_qualities]})["codecs"][0]

  bench.write_results({"dataset": os.path.abspath(FLAGS.data_dir),
                       "images": len(files), "codecs": [ours, jpeg]},
                      FLAGS.output)
  r, j = ours["results"], jpeg["results"]
  print(f"{len(files)} images from {FLAGS.data_dir}")
  for i, q in enumerate(r["quality"]):
    rows = per_quality[q]
    gap = [(x["coded_bpp"] - x["estimate_bpp"]) / x["estimate_bpp"]
           for x in rows]
    overhead = np.mean([x["overhead_bytes"] for x in rows])
    jpeg_psnr = bench.interpolate(r["bpp"][i], j["bpp"], j["psnr-rgb"])
    jpeg_ms = bench.interpolate(r["bpp"][i], j["bpp"], j["ms-ssim-rgb"])
    print(f"{FLAGS.model} q{q}: bpp {r['bpp'][i]:.4f}  "
          f"PSNR {r['psnr-rgb'][i]:.2f} dB  MS-SSIM {r['ms-ssim-rgb'][i]:.4f} "
          f"({r['ms-ssim-rgb-db'][i]:.2f} dB)  encode {r['encoding_time'][i]:.2f} s"
          f"  decode {r['decoding_time'][i]:.2f} s")
    print(f"  range-coded bits vs rate estimate: mean {100 * np.mean(gap):+.2f}%,"
          f" worst {100 * max(gap, key=abs):+.2f}%; container + packing "
          f"{overhead:.0f} bytes per file")
    print(f"  Pillow JPEG 4:2:0 at {r['bpp'][i]:.4f} bpp: PSNR {jpeg_psnr:.2f} dB,"
          f" MS-SSIM {jpeg_ms:.4f}; {FLAGS.model} is "
          f"{r['psnr-rgb'][i] - jpeg_psnr:+.2f} dB")
  print(f"wrote {FLAGS.output}")


if __name__ == "__main__":
  app.run(main)

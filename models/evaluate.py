r"""Evaluates zoo weights on Kodak against Pillow JPEG 4:2:0 and WebP.

  python -m models.evaluate --model=hyperprior \
      --data_dir=../shared/datasets/kodak \
      --output=docs/kodak_hyperprior.json --plot=docs/kodak_hyperprior.png

Prints, per quality: mean bpp (real files), PSNR and MS-SSIM; how far the
range-coded bits are from the model's own rate estimate; and Pillow JPEG
4:2:0's PSNR and MS-SSIM at the same bpp, interpolated over a quality sweep
measured in the same run. Then the Bjontegaard deltas (PCHIP) of the model's
curve against Pillow JPEG 4:2:0 and WebP (measured in the same run) and the
published anchors (--anchors). Writes everything as JSON, and the
rate-distortion plot (PNG or SVG) with --plot. `--weights_dir` evaluates a
weights folder that is not shipped (e.g. from `models.package_weights`),
at every quality it serves or at those --quality names. `--refine_steps`
measures the slower encode that refines each image's latents first.

The JSON keeps every per-image row with its cache key, and a rerun takes the
rows of the --output it replaces (and of any --reuse files) whose weights,
family source and image are unchanged: committed beside the docs
(docs/kodak_hyperprior*.json), it spares the next session the hours the
refined encode takes for the qualities whose weights did not change.
"""

import os
import sys

from absl import app, flags

flags.DEFINE_string("model", "hyperprior", "Zoo model.")
flags.DEFINE_list("quality", [], "Qualities (default: all shipped).")
flags.DEFINE_string("weights_dir", None,
                    "Evaluate this weights folder instead of shipped weights.")
flags.DEFINE_string("data_dir", "../shared/datasets/kodak", "Image folder.")
flags.DEFINE_string("output", "results/evaluation.json", "JSON to write.")
flags.DEFINE_list("jpeg_qualities",
                  [str(q) for q in (*range(2, 41, 2), 50, 60, 70, 80, 90, 95)],
                  "Pillow JPEG 4:2:0 qualities to sweep for the comparison.")
flags.DEFINE_list("webp_qualities", [str(q) for q in range(0, 96, 5)],
                  "Pillow WebP qualities to sweep.")
flags.DEFINE_list("anchors", ["compressai-bmshj2018-hyperprior_mse_cuda"],
                  "Published curves (../shared/anchors) to compare with.")
flags.DEFINE_string("plot", None, "Rate-distortion plot to write (.png/.svg).")
flags.DEFINE_list("with_models", [],
                  "Other zoo models, at their shipped qualities, measured in "
                  "the same run: plotted, and compared by Bjontegaard deltas "
                  "(e.g. comcnn beside comcnn_full).")
flags.DEFINE_float("plot_max_bpp", 2.0, "Right edge of the plot.")
flags.DEFINE_float("bd_max_bpp", None,
                   "Bjontegaard deltas over the model's points at or below "
                   "this rate only (e.g. 0.6 for comcnn's low-rate target).")
flags.DEFINE_integer("refine_steps", 0,
                     "Refine each image's latents for this many steps before "
                     "coding (hyperprior models; a slower encode, the same "
                     "decoder).", lower_bound=0)
flags.DEFINE_string("cache", "results/.evaluate-cache",
                    "Per-image results cache ('' for none).")
flags.DEFINE_list("reuse", [],
                  "Earlier outputs of this command whose per-image rows are "
                  "taken where the weights, the family's source and the "
                  "images are unchanged (--output itself always is, if it "
                  "exists): only what changed is measured again.")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  import numpy as np  # pylint: disable=g-import-not-at-top

  from tfcodec import bench, plot, reports, zoo  # pylint: disable=g-import-not-at-top

  files = bench.list_images(FLAGS.data_dir)
  if FLAGS.cache:
    earlier = list(FLAGS.reuse)
    if os.path.exists(FLAGS.output) and FLAGS.output not in earlier:
      earlier.append(FLAGS.output)
    for path in earlier:
      try:
        filed = bench.seed_cache(path, FLAGS.cache)
      except (OSError, ValueError) as e:
        sys.exit(f"{path}: not an earlier evaluation ({e})")
      print(f"{path}: {filed} per-image rows reused where still current")
  sweeps = {"jpeg420": [int(q) for q in FLAGS.jpeg_qualities],
            "webp": [int(q) for q in FLAGS.webp_qualities]}
  weights_dirs, qualities = {}, [int(q) for q in FLAGS.quality]
  if FLAGS.weights_dir:
    have = zoo.dir_qualities(FLAGS.weights_dir)
    unknown = sorted(set(qualities) - set(have))
    if unknown:
      raise app.UsageError(
          f"{FLAGS.weights_dir}: no weights for quality "
          f"{', '.join(map(str, unknown))} (it serves "
          f"{', '.join(map(str, have))})")
    weights_dirs = {FLAGS.model: FLAGS.weights_dir}
  # Measured through the benchmark (no --quality: every quality the weights
  # serve), whose cache is keyed by the weights' and images' hashes, so
  # reruns only measure what changed.
  ours, *entries = bench.run_bench(
      FLAGS.data_dir, models=[FLAGS.model, *FLAGS.with_models],
      codec_names=list(sweeps),
      qualities={FLAGS.model: qualities, **sweeps},
      cache_dir=FLAGS.cache, weights_dirs=weights_dirs,
      refine_steps={FLAGS.model: FLAGS.refine_steps})["codecs"]
  per_quality = ours["per_image"]
  missing = set(FLAGS.with_models) - {e["name"] for e in entries}
  if missing:
    raise app.UsageError(f"--with_models: no shipped weights for "
                         f"{', '.join(sorted(missing))}")
  # The Pillow codecs first, then the other zoo models.
  classical = sorted(entries, key=lambda e: e["name"] not in sweeps)
  jpeg = next(c for c in classical if c["name"] == "jpeg420")

  if FLAGS.refine_steps:
    ours["name"] = f"{FLAGS.model} ({FLAGS.refine_steps} refine steps)"
  curves = [plot.curve_from_entry(e) for e in [ours, *classical]]
  anchors = plot.load_anchors(FLAGS.anchors) if FLAGS.anchors else []
  mine = curves[0]
  if FLAGS.bd_max_bpp:
    keep = [i for i, b in enumerate(mine.bpp) if b <= FLAGS.bd_max_bpp]
    mine = plot.Curve(mine.name, [mine.bpp[i] for i in keep],
                      [mine.psnr[i] for i in keep],
                      [mine.ms_ssim[i] for i in keep] if mine.ms_ssim else [])
  # No overlap is null in the JSON.
  deltas = {ref.name: plot.bd_deltas(ref, mine)
            for ref in curves[1:] + anchors}
  bench.write_results({"dataset": os.path.abspath(FLAGS.data_dir),
                       "images": len(files), "codecs": [ours, *classical],
                       "bd_against": deltas,
                       "bd_max_bpp": FLAGS.bd_max_bpp}, FLAGS.output)
  if FLAGS.plot:
    plot.plot_rd(curves + anchors, FLAGS.plot,
                 title=f"{FLAGS.model} on {len(files)} images "
                       f"({os.path.basename(os.path.abspath(FLAGS.data_dir))})",
                 max_bpp=FLAGS.plot_max_bpp)
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
          f"{r['psnr-rgb'][i] - jpeg_psnr:+.2f} dB, MS-SSIM "
          f"{r['ms-ssim-rgb'][i] - jpeg_ms:+.4f}")
  print(f"\nBjontegaard deltas of {FLAGS.model} (PCHIP; negative BD-rate = "
        "fewer bits; n/a = no overlap" + (
            f"; its points up to {FLAGS.bd_max_bpp} bpp" if FLAGS.bd_max_bpp
            else "") + "):")
  print("\n".join(reports.bd_table(deltas)))
  print(f"wrote {FLAGS.output}" + (f" and {FLAGS.plot}" if FLAGS.plot else ""))


if __name__ == "__main__":
  app.run(main)

r"""How well the differentiable JPEG rate proxy tracks real JPEG sizes.

  python -m models.jpeg_rate_fit --image_dir=../shared/datasets/kodak \
      --output=results/jpeg_rate_fit.json

Every image is made half-size by a 2x2 average (what ComCNN starts from and
what JPEG codes in comcnn), cut into `--crop_size` crops, and coded by
TensorFlow's JPEG 4:2:0 with optimized Huffman tables at each quality. For
each quality it fits real bits = slope * proxy + intercept over the crops
(the intercept is about the file's fixed headers and tables) and reports the
correlation of the two: the proxy's gradient steers ComCNN only as well as
the proxy ranks images of one quality. Only the slope reaches a gradient; its
mean over the qualities is the scale comcnn uses (`rate_proxy_scale`).

  python -m models.jpeg_rate_fit --evaluation=results/kodak_comcnn.json

prints instead comcnn's `rate_weights` from a Kodak evaluation of comcnn
(`models.evaluate`): at each quality, minus the slope of the mean MSE (0..255
scale) against the mean bpp, by central differences (one-sided at the ends).
"""

import json
import os

from absl import app, flags

flags.DEFINE_string("image_dir", "../shared/datasets/kodak", "Images.")
flags.DEFINE_list("quality", ["10", "30", "50", "70", "90"], "JPEG qualities.")
flags.DEFINE_integer("crop_size", 64, "Size of the half-size crops "
                     "(comcnn trains on 64x64 compact images); 0 = whole.")
flags.DEFINE_string("output", None, "Optional JSON file for the figures.")
flags.DEFINE_string("evaluation", None, "Print rate weights from this "
                    "models.evaluate JSON of comcnn instead of fitting.")
FLAGS = flags.FLAGS


def rate_weights(evaluation: dict, model: str = "comcnn"):
  """(qualities, weights): minus d(mean MSE)/d(mean bpp) at each quality."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  entry = next((e for e in evaluation["codecs"] if e["name"] == model), None)
  if entry is None:
    raise ValueError(f"no {model} in the evaluation")
  qualities = sorted(int(q) for q in entry["per_image"])
  if len(qualities) < 2:
    raise ValueError(f"{model}: need at least two qualities for slopes")
  bpp, mse = [], []
  for q in qualities:
    rows = entry["per_image"][str(q)] if str(q) in entry["per_image"] else \
        entry["per_image"][q]
    bpp.append(np.mean([r["bpp"] for r in rows]))
    mse.append(np.mean([255.0 ** 2 / 10 ** (r["psnr-rgb"] / 10)
                        for r in rows]))
  slopes = -np.gradient(np.array(mse), np.array(bpp))
  return qualities, [float(w) for w in slopes]


def main(argv):
  del argv
  if FLAGS.evaluation:
    with open(FLAGS.evaluation) as f:
      qualities, weights = rate_weights(json.load(f))
    print("| JPEG quality | rate weight (MSE per bpp) |\n|---|---|")
    for q, w in zip(qualities, weights, strict=True):
      print(f"| {q} | {w:.1f} |")
    print("\nrate_weights: " + json.dumps([round(w, 1) for w in weights]))
    return
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  from tfcodec import bench  # pylint: disable=g-import-not-at-top
  from tfcodec import io as tio
  from tfcodec.layers.jpeg_rate import jpeg_rate_proxy, quantization_tables

  crops = []
  for path in bench.list_images(FLAGS.image_dir):
    image = tio.read_image(path).astype(np.float32)
    h, w = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
    small = tf.nn.avg_pool2d(image[None, :h, :w], 2, 2, "VALID")[0].numpy()
    size = FLAGS.crop_size or None
    if size is None:
      crops.append(small)
      continue
    for i in range(0, small.shape[0] - size + 1, size):
      for j in range(0, small.shape[1] - size + 1, size):
        crops.append(small[i:i + size, j:j + size])
  if not crops:
    raise app.UsageError(f"{FLAGS.image_dir}: no images of at least "
                         f"{2 * FLAGS.crop_size} pixels a side")
  rows = {}
  for quality in (int(q) for q in FLAGS.quality):
    tables = quantization_tables(quality)[None]
    real, proxy = [], []
    for crop in crops:
      crop8 = np.clip(np.round(crop), 0, 255).astype(np.uint8)
      real.append(8.0 * len(tf.io.encode_jpeg(
          crop8, quality=quality, optimize_size=True).numpy()))
      proxy.append(float(jpeg_rate_proxy(crop8[None].astype(np.float32),
                                         tables)[0]))
    real, proxy = np.array(real), np.array(proxy)
    slope, intercept = np.polyfit(proxy, real, 1)
    rows[quality] = {"slope": float(slope), "intercept_bits": float(intercept),
                     "correlation": float(np.corrcoef(real, proxy)[0, 1]),
                     "real_bits_mean": float(real.mean())}
  scale = float(np.mean([r["slope"] for r in rows.values()]))
  print(f"{len(crops)} half-size crops from {FLAGS.image_dir}\n")
  print("| JPEG quality | slope (bits per proxy unit) | intercept (bits) | "
        "correlation | mean real bits |\n|---|---|---|---|---|")
  for quality, r in rows.items():
    print(f"| {quality} | {r['slope']:.3f} | {r['intercept_bits']:.0f} | "
          f"{r['correlation']:.4f} | {r['real_bits_mean']:.0f} |")
  print(f"\nscale (mean slope): {scale:.3f}")
  if FLAGS.output:
    os.makedirs(os.path.dirname(FLAGS.output) or ".", exist_ok=True)
    with open(FLAGS.output, "w") as f:
      json.dump({"image_dir": FLAGS.image_dir, "crops": len(crops),
                 "crop_size": FLAGS.crop_size, "scale": scale,
                 "qualities": {str(k): v for k, v in rows.items()}}, f,
                indent=1)


if __name__ == "__main__":
  app.run(main)

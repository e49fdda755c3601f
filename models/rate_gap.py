r"""Splits the gap between range-coded bits and the rate estimate.

  python -m models.rate_gap --weights_dir=tfcodec/weights/hyperprior-q3 \
      --data_dir=../shared/datasets/kodak --num_images=6

For hyperprior weights: the latents' estimated bits with the continuous scale
indexes (what `models.evaluate` compares against), with the integer indexes
the coder uses, and the range-coded length, summed over the first
--num_images images (see `Hyperprior.latent_bits`).
"""

from absl import app, flags

flags.DEFINE_string("weights_dir", None, "Hyperprior weights folder.")
flags.DEFINE_string("data_dir", "../shared/datasets/kodak", "Image folder.")
flags.DEFINE_integer("num_images", 6, "How many images (in name order).")
flags.mark_flag_as_required("weights_dir")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  import json  # pylint: disable=g-import-not-at-top

  from tfcodec import bench, io, zoo  # pylint: disable=g-import-not-at-top
  model = zoo.load_from_dir(FLAGS.weights_dir)
  if not hasattr(model, "latent_bits"):
    raise app.UsageError(f"{FLAGS.weights_dir}: not hyperprior weights")
  files = bench.list_images(FLAGS.data_dir)[:FLAGS.num_images]
  total = {"continuous": 0.0, "integer": 0.0, "coded": 0}
  shares = []
  for f in files:
    r = model.latent_bits(io.read_image(f))
    for k in total:
      total[k] += r[k]
    shares.append((r["below_0"], r["at_0"]))
  n = len(files)
  print(json.dumps({
      "weights_dir": FLAGS.weights_dir, "images": n,
      "bits": {k: round(v, 1) for k, v in total.items()},
      "coded_vs_continuous": round(total["coded"] / total["continuous"] - 1, 5),
      "coded_vs_integer": round(total["coded"] / total["integer"] - 1, 5),
      "continuous_below_0": round(sum(s[0] for s in shares) / n, 4),
      "integer_at_0": round(sum(s[1] for s in shares) / n, 4)}))


if __name__ == "__main__":
  app.run(main)

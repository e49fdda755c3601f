r"""Starts a variable-rate hyperprior from a trained single-rate one.

Writes a weights folder for `models.train --model=hyperprior_vr
--init_from=...`: the source's transforms and side prior, with each rate's
gains set to sqrt(lambda_rate / lambda_source) (`GainHyperprior.center_gains`).

  python -m models.hyperprior_vr_init --source=tfcodec/weights/hyperprior-q4 \
      --output_dir=runs/hyperprior_vr-init
"""

import json
import os

from absl import app, flags, logging

flags.DEFINE_string("source", None, "Weights folder of a trained hyperprior.")
flags.DEFINE_string("model_config", "{}",
                    "JSON dict of hyperprior_vr arguments beyond the "
                    "source's (e.g. lmbdas).")
flags.DEFINE_string("output_dir", None, "Where to write the weights.")
flags.mark_flags_as_required(["source", "output_dir"])

FLAGS = flags.FLAGS


def main(argv):
  del argv
  from tfcodec import zoo  # pylint: disable=g-import-not-at-top
  meta = zoo.read_config(FLAGS.source)
  if meta["model"] != "hyperprior":
    raise app.UsageError(f"{FLAGS.source}: a '{meta['model']}' model, not a "
                         "single-rate hyperprior")
  source = zoo.load_from_dir(FLAGS.source)
  config = {k: v for k, v in meta["config"].items() if k != "lmbda"}
  config.update(json.loads(FLAGS.model_config))
  model = zoo.build("hyperprior_vr", **config)
  model.copy_single_rate(source)
  os.makedirs(FLAGS.output_dir, exist_ok=True)
  zoo.write_weights(model, FLAGS.output_dir)
  with open(os.path.join(FLAGS.output_dir, "config.json"), "w") as f:
    # Every quality, so that `models.evaluate --weights_dir` measures the
    # starting point.
    json.dump({"model": "hyperprior_vr", "quality": 0,
               "qualities": model.default_qualities(),
               "config": model.get_config(), "source": FLAGS.source}, f,
              indent=1)
  logging.info("wrote %s: %s's weights, gains centred on lambda %g",
               FLAGS.output_dir, FLAGS.source, source.lmbda)


if __name__ == "__main__":
  app.run(main)

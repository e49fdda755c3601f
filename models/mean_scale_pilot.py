r"""Pilot: what a mean head buys the shipped scale hyperprior (training only).

  python -m models.mean_scale_pilot --scale_weights=tfcodec/weights/hyperprior-q5 \
    --model_config='{"num_filters": 96, "latent_channels": 128, ...}' \
    --lmbda=0.024 --steps=4000 ... (every other flag as models.train)

Minnen, Ballé, Toderici 2018 ("Joint autoregressive and hierarchical priors
for learned image compression") code the latents with Gaussians whose means,
not only scales, the hyper-synthesis predicts. This binary adds that to a
trained `ScaleHyperprior` as one extra 3x3 convolution on the
hyper-synthesis's last hidden features, initialised to zero (so the model
starts as the scale hyperprior it was loaded from), and fine-tunes the whole
model through `models.train`. With `"signed_hyper": true` in
`--model_config`, y itself also reaches the hyper-analysis (which sees only
|y|, so that z cannot carry a latent's sign) through a zero-initialised 3x3
convolution added to its first layer's pre-activation. Its logged
validation rate and MSE compare
directly with a `models.train` run of the scale hyperprior with the same
flags and crop seed. The mean head has no coding path yet: the run writes
checkpoints, not shipped weights, so `--output_dir` is refused.
"""

import os

from absl import app, flags

from models import train
from models.mean_scale_pilot_lib import MODEL_NAME, build_pilot, register

flags.DEFINE_string("scale_weights", None,
                    "The ScaleHyperprior weights folder to start from.")
FLAGS = flags.FLAGS


def main(argv):
  import json  # pylint: disable=g-import-not-at-top

  from tfcodec import zoo  # pylint: disable=g-import-not-at-top
  if FLAGS.output_dir:
    raise app.UsageError("--output_dir: the mean head has no coding path yet; "
                         "this pilot writes checkpoints only")
  if not FLAGS.scale_weights:
    raise app.UsageError("--scale_weights is required")
  if not os.path.isfile(os.path.join(FLAGS.scale_weights, zoo.WEIGHTS_FILE)):
    raise app.UsageError(f"--scale_weights: {FLAGS.scale_weights} holds no "
                         f"{zoo.WEIGHTS_FILE}")
  config = json.loads(FLAGS.model_config)
  config["lmbda"] = FLAGS.lmbda
  init_dir = os.path.join(FLAGS.checkpoint_dir, "init")
  register()
  if not os.path.isfile(os.path.join(init_dir, zoo.WEIGHTS_FILE)):
    # Only a new run needs the starting weights; a resumed one reads them
    # from its checkpoint.
    os.makedirs(init_dir, exist_ok=True)
    zoo.write_weights(build_pilot(config, FLAGS.scale_weights), init_dir)
  FLAGS.model = MODEL_NAME
  FLAGS.init_from = init_dir
  train.main(argv)


if __name__ == "__main__":
  app.run(main)

r"""Packages a training checkpoint as zoo weights (config.json + weights.*).

  python -m models.package_weights --checkpoint_dir=runs/hyperprior \
      --quality=1 --output_dir=tfcodec/weights/hyperprior-q1

Reads the run's config.json to rebuild the model, restores the newest
checkpoint (or --checkpoint), and writes only the model's variables.
"""

import json
import os

from absl import app, flags, logging

flags.DEFINE_string("checkpoint_dir", None, "Training run folder.")
flags.DEFINE_string("checkpoint", None, "A specific checkpoint prefix.")
flags.DEFINE_integer("quality", 0, "Quality index for the zoo.")
flags.DEFINE_list("qualities", [],
                  "Every quality the weights serve, for families whose "
                  "quality is a constructor argument (comcnn, conv_gru).")
flags.DEFINE_string("output_dir", None, "Where to write the weights.")
flags.mark_flags_as_required(["checkpoint_dir", "output_dir"])
FLAGS = flags.FLAGS


def main(argv):
  del argv
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  from tfcodec import training  # pylint: disable=g-import-not-at-top
  with open(os.path.join(FLAGS.checkpoint_dir, "config.json")) as f:
    raw = json.load(f)
  config = training.Config(**raw)
  model = training.build_model(config)
  path = FLAGS.checkpoint or tf.train.latest_checkpoint(
      os.path.join(FLAGS.checkpoint_dir, "ckpt"))
  if not path:
    raise app.UsageError(f"no checkpoint in {FLAGS.checkpoint_dir}")
  status = tf.train.Checkpoint(model=model).read(path)
  status.expect_partial().assert_existing_objects_matched()
  training.save_weights(model, config.model, FLAGS.output_dir, FLAGS.quality,
                        qualities=[int(q) for q in FLAGS.qualities])
  logging.info("packaged %s as %s", path, FLAGS.output_dir)


if __name__ == "__main__":
  app.run(main)

r"""Trains a zoo model on local image folders.

Example (the recipe of the shipped default hyperprior is in its model card):

  python -m models.train --model=hyperprior --lmbda=0.0035 \
      --data_dir=../shared/datasets/train --steps=20000 \
      --checkpoint_dir=runs/hyperprior --output_dir=runs/hyperprior/final
"""

import json

from absl import app, flags, logging

flags.DEFINE_string("model", "hyperprior", "Zoo model name.")
flags.DEFINE_string("model_config", "{}",
                    "JSON dict of constructor arguments (e.g. num_filters).")
flags.DEFINE_float("lmbda", 0.01, "Rate-distortion trade-off: bpp + lmbda*mse "
                   "(variable-rate models take lmbdas in --model_config).")
flags.DEFINE_multi_string("data_dir", ["../shared/datasets/train"],
                          "Folder(s) of training images (searched "
                          "recursively), read through a tfds builder.")
flags.DEFINE_string("tfds_catalog", None,
                    "Train on this tensorflow-datasets catalog dataset (e.g. "
                    "clic; needs network) instead of --data_dir.")
flags.DEFINE_string("tfds_validation_split", "validation",
                    "The catalog dataset's held-out split.")
flags.DEFINE_string("tfds_data_dir", None,
                    "tensorflow-datasets' data folder (default "
                    "~/tensorflow_datasets); local folders are prepared "
                    "there once.")
flags.DEFINE_integer("steps", 20000, "Total training steps.")
flags.DEFINE_integer("crop_size", 128, "Square crop size.")
flags.DEFINE_integer("batch_size", 8, "Global batch size.")
flags.DEFINE_float("learning_rate", 1e-4, "Initial Adam learning rate.")
flags.DEFINE_list("lr_decay_at", ["0.85"],
                  "Fractions of --steps where the learning rate is multiplied "
                  "by --lr_decay_factor.")
flags.DEFINE_float("lr_decay_factor", 0.1, "Learning-rate decay factor.")
flags.DEFINE_string("checkpoint_dir", "runs/default",
                    "Checkpoints and TensorBoard logs; a run resumes from here.")
flags.DEFINE_float("checkpoint_minutes", 5.0, "Minutes between checkpoints.")
flags.DEFINE_integer("log_every", 100, "Steps between log lines.")
flags.DEFINE_enum("precision", "float32", ["float32", "mixed_bfloat16"],
                  "Keras mixed-precision policy.")
flags.DEFINE_bool("jit_compile", False, "Compile the train step with XLA.")
flags.DEFINE_integer("seed", 0, "Seed of the crop sampler.")
flags.DEFINE_integer("hard_crops", 1,
                     "Candidate crops per sample; the one that is largest as "
                     "PNG (hardest to compress) is kept. 1: plain random "
                     "crops.")
flags.DEFINE_string("output_dir", None,
                    "If set, final weights + config.json are written here.")
flags.DEFINE_string("init_from", None,
                    "Fine-tune: start from the model weights of this checkpoint "
                    "prefix, run folder or weights folder (fresh optimizer and "
                    "step counter). Ignored when --checkpoint_dir resumes.")
flags.DEFINE_integer("quality", 0, "Quality index recorded with the weights.")
flags.DEFINE_list("qualities", [],
                  "For families whose quality is a constructor argument "
                  "(comcnn's JPEG quality, conv_gru's iterations): every "
                  "quality the weights serve.")

FLAGS = flags.FLAGS


def main(argv):
  del argv
  from tfcodec import training, zoo  # pylint: disable=g-import-not-at-top
  model_config = json.loads(FLAGS.model_config)
  if zoo.model_class(FLAGS.model).variable_rate:
    # Each rate's lambda is in the model's lmbdas.
    if FLAGS["lmbda"].present:
      raise app.UsageError(f"--lmbda does not apply to {FLAGS.model}, which "
                           "trains every rate at once (set lmbdas in "
                           "--model_config)")
  else:
    model_config["lmbda"] = FLAGS.lmbda
  config = training.Config(
      model=FLAGS.model, model_config=model_config, data_dirs=FLAGS.data_dir,
      checkpoint_dir=FLAGS.checkpoint_dir, steps=FLAGS.steps,
      crop_size=FLAGS.crop_size, batch_size=FLAGS.batch_size,
      learning_rate=FLAGS.learning_rate,
      lr_decay_at=tuple(float(f) for f in FLAGS.lr_decay_at),
      lr_decay_factor=FLAGS.lr_decay_factor, log_every=FLAGS.log_every,
      checkpoint_minutes=FLAGS.checkpoint_minutes, seed=FLAGS.seed,
      hard_crops=FLAGS.hard_crops,
      precision=FLAGS.precision, jit_compile=FLAGS.jit_compile,
      init_from=FLAGS.init_from, tfds_catalog=FLAGS.tfds_catalog,
      tfds_validation_split=FLAGS.tfds_validation_split,
      tfds_data_dir=FLAGS.tfds_data_dir)
  model, logs = training.train(config)
  logging.info("final metrics: %s", logs)
  if FLAGS.output_dir:
    training.save_weights(model, FLAGS.model, FLAGS.output_dir,
                          quality=FLAGS.quality,
                          qualities=[int(q) for q in FLAGS.qualities])
    logging.info("wrote weights to %s", FLAGS.output_dir)


if __name__ == "__main__":
  app.run(main)

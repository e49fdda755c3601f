r"""Exports zoo models as SavedModels (see export/saved_model_lib.py).

  python -m export.saved_model --model=hyperprior --quality=2 \
      --output_dir=exported
  python -m export.saved_model --all --output_dir=exported \
      --serving_base_path=/models
"""

import os

from absl import app, flags

flags.DEFINE_string("model", "hyperprior", "Zoo model.")
flags.DEFINE_integer("quality", None, "Quality (default: the model's default).")
flags.DEFINE_bool("all", False, "Export every shipped model and quality.")
flags.DEFINE_string("output_dir", "exported", "Where to write SavedModels.")
flags.DEFINE_string("serving_base_path", None,
                    "If set, also write OUTPUT_DIR/models.config for TF "
                    "Serving with this base path (where the server sees "
                    "OUTPUT_DIR, e.g. /models).")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  from export import saved_model_lib  # pylint: disable=g-import-not-at-top
  from tfcodec import zoo  # pylint: disable=g-import-not-at-top
  if FLAGS.all:
    jobs = [(n, q) for n in zoo.names() for q in zoo.qualities(n)]
  else:
    jobs = [(FLAGS.model, FLAGS.quality)]
  exported = []
  for name, quality in jobs:
    quality = zoo.default_quality(name) if quality is None else quality
    paths = saved_model_lib.export_zoo(name, quality, FLAGS.output_dir)
    exported.append((name, quality))
    print(f"{name} q{quality}: {paths['codec']} (encode, decode), "
          f"{paths['stock']} (analysis, synthesis)")
  if FLAGS.serving_base_path:
    path = os.path.join(FLAGS.output_dir, "models.config")
    with open(path, "w") as f:
      f.write(saved_model_lib.serving_config(exported,
                                             FLAGS.serving_base_path))
    print(f"{path}: TF Serving config for {len(exported)} model(s)")


if __name__ == "__main__":
  app.run(main)

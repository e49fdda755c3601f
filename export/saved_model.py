r"""Exports zoo models as SavedModels (see export/saved_model_lib.py).

  python -m export.saved_model --model=hyperprior --quality=2 \
      --output_dir=exported
  python -m export.saved_model --all --output_dir=exported
"""

from absl import app, flags

flags.DEFINE_string("model", "hyperprior", "Zoo model.")
flags.DEFINE_integer("quality", None, "Quality (default: the model's default).")
flags.DEFINE_bool("all", False, "Export every shipped model and quality.")
flags.DEFINE_string("output_dir", "exported", "Where to write SavedModels.")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  from export import saved_model_lib  # pylint: disable=g-import-not-at-top
  from tfcodec import zoo  # pylint: disable=g-import-not-at-top
  if FLAGS.all:
    jobs = [(n, q) for n in zoo.names() for q in zoo.qualities(n)]
  else:
    jobs = [(FLAGS.model, FLAGS.quality)]
  for name, quality in jobs:
    paths = saved_model_lib.export_zoo(name, quality, FLAGS.output_dir)
    print(f"{name} q{quality}: {paths['codec']} (encode, decode), "
          f"{paths['stock']} (analysis, synthesis)")


if __name__ == "__main__":
  app.run(main)

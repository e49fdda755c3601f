r"""Rewrites the hyperprior's Kodak tables in README.md and BUILD_NOTES.md.

  python -m models.doc_tables --evaluation=docs/kodak_hyperprior.json
  python -m models.doc_tables \
      --evaluation=docs/kodak_hyperprior.json,docs/kodak_hyperprior_refined.json
  python -m models.doc_tables --evaluation=... --check   # exit 1 if stale

Each document holds a per-quality table and, right after it, a Bjontegaard
table; `tfcodec.reports` renders both from the JSON that
`python -m models.evaluate --model=hyperprior` writes.
"""

import json
import os
import sys

from absl import app, flags

from tfcodec import reports

flags.DEFINE_list("evaluation", None,
                  "JSON written by models.evaluate; several (e.g. plain and "
                  "--refine_steps) rewrite their own tables in turn.")
flags.DEFINE_list("documents", ["README.md", "BUILD_NOTES.md"],
                  "Markdown files whose tables are rewritten.")
flags.DEFINE_bool("check", False,
                  "Only compare; exit 1 naming each stale document.")
flags.mark_flag_as_required("evaluation")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  evaluations = []
  for name in FLAGS.evaluation:
    with open(name) as f:
      evaluations.append(json.load(f))
  stale = []
  for path in FLAGS.documents:
    with open(path) as f:
      text = f.read()
    new = text
    for evaluation in evaluations:
      try:
        new = reports.rewrite(new, evaluation)
      except ValueError as e:
        sys.exit(f"{path}: {e}")
    if new == text:
      continue
    stale.append(path)
    if not FLAGS.check:
      with open(path + ".tmp", "w") as f:
        f.write(new)
      os.replace(path + ".tmp", path)
      print(f"rewrote the tables in {path}")
  if FLAGS.check and stale:
    sys.exit("stale Kodak tables in " + ", ".join(stale))


if __name__ == "__main__":
  app.run(main)

r"""Rewrites the hyperprior's Kodak tables in README.md and BUILD_NOTES.md.

  python -m models.doc_tables --evaluation=results/kodak_hyperprior.json
  python -m models.doc_tables --evaluation=... --check   # exit 1 if stale

Each document holds a per-quality table (header `QUALITY_HEADER`) and,
right after it, a Bjontegaard table (header `BD_HEADER`). Both are rendered
from the JSON that `python -m models.evaluate --model=hyperprior` writes, so
the documents' figures are the evaluation's, never typed in.
"""

import json
import os
import sys

from absl import app, flags

flags.DEFINE_string("evaluation", None, "JSON written by models.evaluate.")
flags.DEFINE_list("documents", ["README.md", "BUILD_NOTES.md"],
                  "Markdown files whose tables are rewritten.")
flags.DEFINE_bool("check", False,
                  "Only compare; exit 1 naming each stale document.")
flags.mark_flag_as_required("evaluation")
FLAGS = flags.FLAGS

QUALITY_HEADER = ("| quality | bpp | PSNR (dB) | MS-SSIM | Pillow JPEG 4:2:0 "
                  "at that bpp | Pillow WebP at that bpp |")
BD_HEADER = "| against | BD-rate (PSNR) | BD-PSNR | BD-rate (MS-SSIM dB) |"


def _codec(evaluation, name):
  for codec in evaluation["codecs"]:
    if codec["name"] == name:
      return codec["results"]
  raise ValueError(f"the evaluation has no {name!r} results")


def _at(bpp, curve, key):
  from tfcodec import bench  # pylint: disable=g-import-not-at-top
  value = bench.interpolate(bpp, curve["bpp"], curve[key])
  return "outside its range" if value != value else f"{value:.2f} dB"


def quality_table(evaluation) -> list[str]:
  ours = evaluation["codecs"][0]["results"]
  jpeg, webp = _codec(evaluation, "jpeg420"), _codec(evaluation, "webp")
  rows = [QUALITY_HEADER, "|---|---|---|---|---|---|"]
  for i, q in enumerate(ours["quality"]):
    bpp = ours["bpp"][i]
    rows.append(f"| {q} | {bpp:.4f} | {ours['psnr-rgb'][i]:.2f} | "
                f"{ours['ms-ssim-rgb'][i]:.4f} | {_at(bpp, jpeg, 'psnr-rgb')} "
                f"| {_at(bpp, webp, 'psnr-rgb')} |")
  return rows


def bd_table(evaluation) -> list[str]:
  rows = [BD_HEADER, "|---|---|---|---|"]
  for ref, d in evaluation["bd_against"].items():
    cells = ["n/a" if v is None else f"{v:+.2f}{unit}" for v, unit in (
        (d["bd_rate_psnr"], "%"), (d["bd_psnr"], " dB"),
        (d["bd_rate_ms_ssim_db"], "%"))]
    rows.append(f"| {ref} | " + " | ".join(cells) + " |")
  return rows


def _replace_table(lines, start, new):
  """Replaces the table whose header is lines[start] by `new`."""
  end = start
  while end < len(lines) and lines[end].startswith("|"):
    end += 1
  return lines[:start] + new + lines[end:], start + len(new)


def rewrite(text: str, evaluation) -> str:
  """`text` with its quality table and the BD table after it rewritten."""
  lines = text.split("\n")
  try:
    start = lines.index(QUALITY_HEADER)
  except ValueError:
    raise ValueError("no hyperprior quality table (its header row is "
                     f"{QUALITY_HEADER!r})") from None
  lines, end = _replace_table(lines, start, quality_table(evaluation))
  for i in range(end, min(end + 3, len(lines))):
    if lines[i] == BD_HEADER:
      lines, _ = _replace_table(lines, i, bd_table(evaluation))
      break
  else:
    raise ValueError("no Bjontegaard table right after the quality table")
  return "\n".join(lines)


def main(argv):
  del argv
  with open(FLAGS.evaluation) as f:
    evaluation = json.load(f)
  stale = []
  for path in FLAGS.documents:
    with open(path) as f:
      text = f.read()
    try:
      new = rewrite(text, evaluation)
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

r"""Bjontegaard deltas of an evaluation's model curve, with rows added.

  python -m models.curve_bd --evaluation=docs/kodak_hyperprior_refined.json \
      --add_rows=1:0.1096:26.36:0.8844

`models.evaluate` computes the deltas of the curve it measured. When some
qualities' per-image rows are not in the evaluation (measured earlier, on
another machine, with only their means kept), this gives the deltas of the
whole curve: the evaluation's rows plus `--add_rows` (quality:bpp:PSNR:
MS-SSIM means), against the same Pillow sweeps and published curves, by the
same functions. It prints the documents' per-quality and Bjontegaard
tables of that curve; with `--output` it also writes the joined evaluation
(the added qualities listed under "added_rows", without per-image rows),
which `python -m models.doc_tables --evaluation=...` writes into the
documents. With `--nudge_db=0.06` it also prints what a gain of 0.06 dB at
each quality alone would do to the BD-rates: which quality a training run
should go to.
"""

import json
import os

from absl import app, flags

flags.DEFINE_string("evaluation", None, "JSON written by models.evaluate.")
flags.DEFINE_list("add_rows", [],
                  "quality:bpp:psnr:ms_ssim means of qualities the "
                  "evaluation lacks.")
flags.DEFINE_list("anchors", ["compressai-bmshj2018-hyperprior_mse_cuda"],
                  "Published curves in ../shared/anchors to compare with.")
flags.DEFINE_string("output", None,
                    "JSON to write the joined evaluation to.")
flags.DEFINE_float("nudge_db", 0.0,
                   "If not 0, also print for each quality the BD-rate (PSNR) "
                   "the curve would have if that quality alone gained this "
                   "many dB at its rate: where training moves the deltas most.")
flags.mark_flag_as_required("evaluation")
FLAGS = flags.FLAGS


def curve_with_rows(evaluation, added):
  """(qualities, bpp, psnr, ms_ssim) of the evaluation's first codec with
  `added` ({quality: (bpp, psnr, ms_ssim)}) joined, sorted by quality."""
  r = evaluation["codecs"][0]["results"]
  points = {q: (b, p, m) for q, b, p, m in zip(
      r["quality"], r["bpp"], r["psnr-rgb"], r["ms-ssim-rgb"], strict=True)}
  both = sorted(set(points) & set(added))
  if both:
    raise ValueError(f"qualities {both} are in the evaluation already")
  points.update(added)
  qs = sorted(points)
  return (qs, [points[q][0] for q in qs], [points[q][1] for q in qs],
          [points[q][2] for q in qs])


def nudge_table(qualities, bpp, psnr, ms_ssim, refs, deltas, db):
  """Markdown rows: for each quality, the curve's BD-rate (PSNR) against
  each of `refs` with that quality's PSNR raised by `db`, and the change
  from the curve's own (`deltas`, as `plot.bd_deltas` gave them per
  reference). Raising a point inside the curve lowers its BD-rate; raising
  an end point can raise it, since it moves the PSNR range the Bjontegaard
  integral covers."""
  from tfcodec import plot  # pylint: disable=g-import-not-at-top
  base = {name: d["bd_rate_psnr"] for name, d in deltas.items()}
  rows = ["| quality, PSNR " + f"{db:+.2f} dB | "
          + " | ".join(f"BD-rate vs {r.name} (change)" for r in refs) + " |",
          "|---|" + "---|" * len(refs)]
  for i, q in enumerate(qualities):
    nudged = list(psnr)
    nudged[i] += db
    curve = plot.Curve("curve", bpp, nudged, ms_ssim)
    cells = []
    for r in refs:
      v = plot.bd_deltas(r, curve)["bd_rate_psnr"]
      cells.append("n/a" if v is None or base[r.name] is None
                   else f"{v:+.2f}% ({v - base[r.name]:+.2f})")
    rows.append(f"| {q} | " + " | ".join(cells) + " |")
  return rows


def _parse_rows(specs):
  rows = {}
  for spec in specs:
    parts = spec.split(":")
    if len(parts) != 4:
      raise app.UsageError(f"--add_rows: {spec!r} is not quality:bpp:psnr:ms_ssim")
    try:
      rows[int(parts[0])] = tuple(float(x) for x in parts[1:])
    except ValueError:
      raise app.UsageError(f"--add_rows: {spec!r} has a value that is not a "
                           "number") from None
  return rows


def main(argv):
  del argv
  from tfcodec import plot, reports  # pylint: disable=g-import-not-at-top
  try:
    with open(FLAGS.evaluation) as f:
      evaluation = json.load(f)
    added = _parse_rows(FLAGS.add_rows)
    qs, bpp, psnr, ms_ssim = curve_with_rows(evaluation, added)
  except (OSError, ValueError, KeyError, IndexError) as e:
    raise app.UsageError(f"{FLAGS.evaluation}: {e}") from None
  mine = plot.Curve("curve", bpp, psnr, ms_ssim)
  refs = [plot.curve_from_entry(c) for c in evaluation["codecs"][1:]]
  refs += plot.load_anchors(FLAGS.anchors) if FLAGS.anchors else []
  deltas = {ref.name: plot.bd_deltas(ref, mine) for ref in refs}
  joined = dict(evaluation, bd_against=deltas,
                added_rows=sorted(int(q) for q in added))
  joined["codecs"] = [dict(evaluation["codecs"][0], results={
      "quality": qs, "bpp": bpp, "psnr-rgb": psnr, "ms-ssim-rgb": ms_ssim}),
                      *evaluation["codecs"][1:]]
  print("\n".join(reports.quality_table(joined) + [""]
                  + reports.bd_table(deltas)))
  if FLAGS.nudge_db:
    print("\n" + "\n".join(nudge_table(qs, bpp, psnr, ms_ssim, refs, deltas,
                                         FLAGS.nudge_db)))
  if FLAGS.output:
    with open(FLAGS.output + ".tmp", "w") as f:
      json.dump(joined, f, indent=1)
    os.replace(FLAGS.output + ".tmp", FLAGS.output)
    print(f"wrote {FLAGS.output}")


if __name__ == "__main__":
  app.run(main)

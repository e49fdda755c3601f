r"""Writes a model card from an evaluation JSON (models/evaluate.py output).

  python -m models.model_card --evaluation=results/hyperprior-q2.json \
      --recipe=recipe.md --output=tfcodec/weights/hyperprior-q2/MODEL_CARD.md

The recipe file holds the exact training commands, steps and wall time;
every figure in the card comes from the evaluation JSON.
"""

import json

import numpy as np
from absl import app, flags

flags.DEFINE_string("evaluation", None, "JSON written by models.evaluate.")
flags.DEFINE_string("recipe", None, "Markdown with the training recipe.")
flags.DEFINE_string("title", None, "Card title.")
flags.DEFINE_string("output", None, "MODEL_CARD.md to write.")
flags.DEFINE_integer("quality", None,
                     "Only this quality's rows (the BD table covers the "
                     "whole curve).")
flags.DEFINE_float("raw_bpp_per_quality", None,
                   "Progressive models: bpp of one quality step before "
                   "entropy coding (conv_gru: 0.125 per iteration); adds a "
                   "before/after table.")
flags.DEFINE_string("anchor", None,
                    "A published curve in ../shared/anchors (e.g. "
                    "tfc-toderici-2017-cvpr): adds a table of it, "
                    "interpolated to this model's rates.")
flags.DEFINE_string("anchors_csv", None,
                    "CSV of published curves (default: ../shared/anchors/"
                    "kodak_published_rd.csv).")
flags.DEFINE_string("refined_evaluation", None,
                    "JSON of `models.evaluate --refine_steps=N`: adds the "
                    "refined encode's rows and Bjontegaard deltas.")
flags.mark_flags_as_required(["evaluation", "recipe", "output", "title"])
FLAGS = flags.FLAGS


def _timed_on(entry, qualities):
  """"; timed on <CPU>" from the rows' `cpu` fields (rows reused from an
  earlier evaluation may come from another machine), or "" if none say."""
  cpus = sorted({x["cpu"] for q in qualities
                 for x in entry["per_image"][str(q)] if x.get("cpu")})
  return f"; timed on {' and '.join(cpus)}" if cpus else ""


def _refined_section(path, curve):
  """Rows and deltas of an evaluation of refined encodes; `curve` is the
  plain evaluation's qualities. Deltas are given only for a refined
  evaluation of all of them: over part of a curve they are not the curve's."""
  from tfcodec import reports  # pylint: disable=g-import-not-at-top
  with open(path) as f:
    evaluation = json.load(f)
  ours = evaluation["codecs"][0]
  steps, r = ours.get("refine_steps"), ours["results"]
  if not steps:
    raise app.UsageError(f"{path}: not an evaluation with --refine_steps")
  rows = [i for i, q in enumerate(r["quality"])
          if FLAGS.quality is None or q == FLAGS.quality]
  heading = ["", f"## Kodak with refined latents ({steps} steps)", ""]
  if not rows:
    return heading + [f"{path} holds refined rows of qualities "
                      f"{', '.join(map(str, r['quality']))}, not yet of "
                      f"quality {FLAGS.quality}."]
  lines = heading + [
           f"`tfcodec compress --refine-steps {steps}` refines each image's "
           "latents before coding (the same decoder reads the files); "
           f"measured by `python -m models.evaluate --refine_steps={steps}`; "
           "the encode time includes the refinement, measured as BUILD_NOTES.md "
           "(\"Encoder-side latent refinement\") describes"
           + _timed_on(ours, [r["quality"][i] for i in rows]) + ":", "",
           "| quality | bpp | PSNR (dB) | MS-SSIM | encode (s) |",
           "|---|---|---|---|---|"]
  for i in rows:
    lines.append(f"| {r['quality'][i]} | {r['bpp'][i]:.4f} | "
                 f"{r['psnr-rgb'][i]:.2f} | {r['ms-ssim-rgb'][i]:.4f} | "
                 f"{r['encoding_time'][i]:.1f} |")
  deltas = evaluation.get("bd_against", {})
  missing = sorted(set(curve) - set(r["quality"]))
  if deltas and missing:
    lines += ["", "No Bjontegaard deltas of the refined curve here: "
              f"{path} has refined rows of qualities "
              f"{', '.join(map(str, r['quality']))} only, not of "
              f"{', '.join(map(str, missing))}."]
  elif deltas:
    lines += ["", "Bjontegaard deltas of the whole refined curve:", ""]
    lines += reports.bd_table(deltas)
  return lines


def main(argv):
  del argv
  from tfcodec import bench, plot, reports  # pylint: disable=g-import-not-at-top
  with open(FLAGS.evaluation) as f:
    evaluation = json.load(f)
  ours = evaluation["codecs"][0]
  jpeg = next(c for c in evaluation["codecs"] if c["name"] == "jpeg420")
  r, j = ours["results"], jpeg["results"]
  rows = [i for i, q in enumerate(r["quality"])
          if FLAGS.quality is None or q == FLAGS.quality]
  if not rows:
    raise app.UsageError(f"quality {FLAGS.quality} is not in the evaluation")
  lines = [f"# {FLAGS.title}", "", open(FLAGS.recipe).read().strip(), "",
           f"## Kodak ({evaluation['images']} images, real files)", "",
           f"Measured by `python -m models.evaluate --model={ours['name']} "
           "--data_dir=../shared/datasets/kodak` (means over the images; bpp "
           "from file bytes with the container header; PSNR and MS-SSIM on "
           "RGB; times are wall time on 2 CPU cores, model already loaded"
           + _timed_on(ours, [r["quality"][i] for i in rows]) + ").",
           "",
           "| quality | bpp | PSNR (dB) | MS-SSIM | MS-SSIM (dB) | encode (s) | decode (s) |",
           "|---|---|---|---|---|---|---|"]
  for i in rows:
    q = r["quality"][i]
    lines.append(f"| {q} | {r['bpp'][i]:.4f} | {r['psnr-rgb'][i]:.2f} | "
                 f"{r['ms-ssim-rgb'][i]:.4f} | {r['ms-ssim-rgb-db'][i]:.2f} | "
                 f"{r['encoding_time'][i]:.2f} | {r['decoding_time'][i]:.2f} |")
  encoded = {x.get("encoded_iterations") for i in rows
             for x in ours["per_image"][str(r["quality"][i])]}
  if encoded != {None}:
    (top,) = encoded
    lines += ["", f"Each image was coded once, with {top} iterations, and "
              "each row measures that file cut after its iteration count "
              "(the bytes a file coded with that many holds): encode (s) is "
              f"that one encode of {top} iterations, decode (s) the cut "
              "file's."]
  if FLAGS.raw_bpp_per_quality:
    lines += ["", "Bits before and after entropy coding: before, "
              f"{FLAGS.raw_bpp_per_quality} bpp per iteration (the binary "
              "codes; Kodak's sizes need no padding); after, the files.", "",
              "| quality | bpp before entropy coding | bpp after (files) | "
              "saved |", "|---|---|---|---|"]
    for i in rows:
      raw = FLAGS.raw_bpp_per_quality * r["quality"][i]
      lines.append(f"| {r['quality'][i]} | {raw:.4f} | {r['bpp'][i]:.4f} | "
                   f"{100 * (1 - r['bpp'][i] / raw):+.1f}% |")
  lines += ["", "Against Pillow JPEG 4:2:0 (optimized Huffman), measured in "
            "the same run over qualities "
            f"{j['quality'][0]}-{j['quality'][-1]} and interpolated linearly "
            "in bpp to this model's rate:", "",
            "| quality | bpp | JPEG PSNR (dB) | ours - JPEG (dB) | JPEG MS-SSIM | ours - JPEG (MS-SSIM) |",
            "|---|---|---|---|---|---|"]
  for i in rows:
    q = r["quality"][i]
    jp = bench.interpolate(r["bpp"][i], j["bpp"], j["psnr-rgb"])
    jm = bench.interpolate(r["bpp"][i], j["bpp"], j["ms-ssim-rgb"])
    if np.isnan(jp):
      side = "below" if r["bpp"][i] < min(j["bpp"]) else "above"
      lines.append(f"| {q} | {r['bpp'][i]:.4f} | n/a: {side} JPEG's range "
                   f"({min(j['bpp']):.4f}-{max(j['bpp']):.4f} bpp) | | | |")
      continue
    lines.append(f"| {q} | {r['bpp'][i]:.4f} | {jp:.2f} | "
                 f"{r['psnr-rgb'][i] - jp:+.2f} | {jm:.4f} | "
                 f"{r['ms-ssim-rgb'][i] - jm:+.4f} |")
  if FLAGS.anchor:
    (paper,) = plot.load_anchors([FLAGS.anchor], FLAGS.anchors_csv)
    lines += ["", f"Against the published curve `{FLAGS.anchor}` "
              "(`../shared/anchors`), interpolated linearly in bpp to this "
              "model's rate:", "",
              "| quality | bpp | published PSNR (dB) | ours - published (dB) "
              "| published MS-SSIM | ours - published (MS-SSIM) |",
              "|---|---|---|---|---|---|"]
    for i in rows:
      q, b = r["quality"][i], r["bpp"][i]
      pp = bench.interpolate(b, paper.bpp, paper.psnr)
      pm = bench.interpolate(b, paper.bpp, paper.ms_ssim)
      if np.isnan(pp):
        side = "below" if b < min(paper.bpp) else "above"
        lines.append(f"| {q} | {b:.4f} | n/a: {side} its range "
                     f"({min(paper.bpp):.4f}-{max(paper.bpp):.4f} bpp) "
                     "| | | |")
        continue
      lines.append(f"| {q} | {b:.4f} | {pp:.2f} | "
                   f"{r['psnr-rgb'][i] - pp:+.2f} | {pm:.4f} | "
                   f"{r['ms-ssim-rgb'][i] - pm:+.4f} |")
  lines += ["", "Range coding against the model's own rate estimate "
            "(range-coded strings only; the container and tensor packing add "
            "the overhead shown):", "",
            "| quality | mean gap | worst image | overhead (bytes/file) |",
            "|---|---|---|---|"]
  for i in rows:
    q = r["quality"][i]
    images = ours["per_image"][str(q)]
    gap = [(x["coded_bpp"] - x["estimate_bpp"]) / x["estimate_bpp"]
           for x in images]
    lines.append(f"| {q} | {100 * np.mean(gap):+.2f}% | "
                 f"{100 * max(gap, key=abs):+.2f}% | "
                 f"{np.mean([x['overhead_bytes'] for x in images]):.0f} |")
  deltas = evaluation.get("bd_against", {})
  if deltas:
    limit = evaluation.get("bd_max_bpp")
    span = (f"the {ours['name']} curve's points up to {limit} bpp" if limit
            else f"the whole {ours['name']} curve")
    lines += ["", f"Bjontegaard deltas of {span} "
              f"(qualities {', '.join(map(str, r['quality']))}; PCHIP; "
              "negative BD-rate = fewer bits for the same quality; the "
              "Pillow codecs were measured in the same run, the published "
              "curve comes from `../shared/anchors`):", ""]
    lines += reports.bd_table(deltas)
  if FLAGS.refined_evaluation:
    lines += _refined_section(FLAGS.refined_evaluation, r["quality"])
  with open(FLAGS.output, "w") as f:
    f.write("\n".join(lines) + "\n")
  print(f"wrote {FLAGS.output}")


if __name__ == "__main__":
  app.run(main)

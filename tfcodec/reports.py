"""Markdown tables of a Kodak evaluation (`models.evaluate`'s JSON).

`rewrite` replaces, in a document, the hyperprior's per-quality table
(header `QUALITY_HEADER`) and the Bjontegaard table right after it (header
`BD_HEADER`) with tables rendered from the evaluation, so the documents'
figures are the evaluation's, never typed in. An evaluation of refined
encodes has its own quality table (`quality_header`). `python -m models.doc_tables`
applies it to README.md and BUILD_NOTES.md.
"""

from tfcodec import bench

__all__ = ["QUALITY_HEADER", "BD_HEADER", "quality_header", "quality_table",
           "bd_table", "rewrite"]

QUALITY_HEADER = ("| quality | bpp | PSNR (dB) | MS-SSIM | Pillow JPEG 4:2:0 "
                  "at that bpp | Pillow WebP at that bpp |")
BD_HEADER = "| against | BD-rate (PSNR) | BD-PSNR | BD-rate (MS-SSIM dB) |"


def _codec(evaluation, name):
  for codec in evaluation["codecs"]:
    if codec["name"] == name:
      return codec["results"]
  raise ValueError(f"the evaluation has no {name!r} results")


def _at(bpp, curve, key):
  value = bench.interpolate(bpp, curve["bpp"], curve[key])
  return "outside its range" if value != value else f"{value:.2f} dB"


def quality_header(evaluation) -> str:
  """`QUALITY_HEADER`, or for an evaluation of refined encodes
  (`models.evaluate --refine_steps`) the same with its first cell naming
  the steps, so a document can hold both tables."""
  steps = evaluation["codecs"][0].get("refine_steps") or 0
  if not steps:
    return QUALITY_HEADER
  return QUALITY_HEADER.replace("| quality |",
                                f"| quality, {steps} refine steps |", 1)


def quality_table(evaluation) -> list[str]:
  ours = evaluation["codecs"][0]["results"]
  jpeg, webp = _codec(evaluation, "jpeg420"), _codec(evaluation, "webp")
  rows = [quality_header(evaluation), "|---|---|---|---|---|---|"]
  for i, q in enumerate(ours["quality"]):
    bpp = ours["bpp"][i]
    rows.append(f"| {q} | {bpp:.4f} | {ours['psnr-rgb'][i]:.2f} | "
                f"{ours['ms-ssim-rgb'][i]:.4f} | {_at(bpp, jpeg, 'psnr-rgb')} "
                f"| {_at(bpp, webp, 'psnr-rgb')} |")
  return rows


def bd_table(deltas) -> list[str]:
  """The Bjontegaard table of `deltas` (an evaluation's "bd_against": per
  reference curve, its deltas; None or NaN, no overlap, reads n/a)."""
  rows = [BD_HEADER, "|---|---|---|---|"]
  for ref, d in deltas.items():
    cells = ["n/a" if v is None or v != v else f"{v:+.2f}{unit}" for v, unit in (
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
  header = quality_header(evaluation)
  try:
    start = lines.index(header)
  except ValueError:
    raise ValueError("no hyperprior quality table (its header row is "
                     f"{header!r})") from None
  lines, end = _replace_table(lines, start, quality_table(evaluation))
  for i in range(end, min(end + 3, len(lines))):
    if lines[i] == BD_HEADER:
      lines, _ = _replace_table(lines, i, bd_table(evaluation["bd_against"]))
      break
  else:
    raise ValueError("no Bjontegaard table right after the quality table")
  return "\n".join(lines)

"""Rate-distortion curves, published anchors, and Bjøntegaard deltas.

`bd_rate` and `bd_psnr` follow Bjøntegaard (VCEG-M33) with piecewise cubic
Hermite interpolation (scipy's PCHIP) instead of the original cubic fit, as
in current common test conditions: log-rate is interpolated as a function of
quality (or the reverse) over the overlapping interval of the two curves, and
the mean difference of the integrals is reported.
"""

import csv
import json
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np

__all__ = ["Curve", "load_results", "load_anchors", "anchor_names", "bd_rate",
           "bd_psnr", "bd_table", "plot_rd", "DEFAULT_ANCHORS"]

DEFAULT_ANCHORS = os.path.join("..", "shared", "anchors",
                               "kodak_published_rd.csv")
#: Published curves are named "published:<method>", apart from our own runs.
ANCHOR_PREFIX = "published:"


@dataclass
class Curve:
  """One codec's rate-distortion points (sorted by bpp)."""
  name: str
  bpp: List[float]
  psnr: List[float]
  ms_ssim: List[float] = field(default_factory=list)
  anchor: bool = False

  def __post_init__(self):
    order = np.argsort(self.bpp)
    self.bpp = [float(self.bpp[i]) for i in order]
    self.psnr = [float(self.psnr[i]) for i in order]
    if self.ms_ssim:
      self.ms_ssim = [float(self.ms_ssim[i]) for i in order]

  @property
  def ms_ssim_db(self) -> List[float]:
    return [-10 * np.log10(max(1 - m, 1e-10)) for m in self.ms_ssim]


def curve_from_entry(entry: Dict) -> Curve:
  """The curve of one codec entry of a `tfcodec bench` or
  `models.evaluate` file (its name and "results")."""
  r = entry["results"]
  return Curve(entry["name"], r["bpp"], r["psnr-rgb"], r.get("ms-ssim-rgb", []))


def load_results(path: str) -> List[Curve]:
  """Curves from a `tfcodec bench` file or a CompressAI-style results file."""
  try:
    with open(path) as f:
      data = json.load(f)
  except FileNotFoundError:
    raise FileNotFoundError(f"{path}: no such file") from None
  except ValueError as e:
    raise ValueError(f"{path}: not JSON ({e})") from None
  try:
    if "codecs" in data:
      return [curve_from_entry(e) for e in data["codecs"]]
    return [curve_from_entry(data)]
  except (KeyError, TypeError) as e:
    raise ValueError(f"{path}: not a results file (missing {e})") from None


def _read_anchor_rows(csv_path: Optional[str]):
  csv_path = csv_path or DEFAULT_ANCHORS
  if not os.path.isfile(csv_path):
    raise FileNotFoundError(f"{csv_path}: anchors file not found")
  with open(csv_path, newline="") as f:
    return list(csv.DictReader(f))


def anchor_names(csv_path: Optional[str] = None) -> List[str]:
  return sorted({row["method"] for row in _read_anchor_rows(csv_path)})


def load_anchors(names: Sequence[str], csv_path: Optional[str] = None
                 ) -> List[Curve]:
  """Published curves by method name from the anchors CSV.

  Each is named "published:<method>", so that a published "webp" curve and
  our own "webp" measurement stay apart.
  """
  rows = _read_anchor_rows(csv_path)
  curves = []
  for name in names:
    mine = [r for r in rows if r["method"] == name]
    if not mine:
      raise ValueError(f"{csv_path or DEFAULT_ANCHORS}: no anchor named "
                       f"'{name}' (see tfcodec plot --list-anchors)")
    ms = [float(r["msssim_rgb"]) for r in mine if r.get("msssim_rgb")]
    curves.append(Curve(ANCHOR_PREFIX + name, [float(r["bpp"]) for r in mine],
                        [float(r["psnr_rgb"]) for r in mine],
                        ms if len(ms) == len(mine) else [], anchor=True))
  return curves


def _pchip_integral(x, y, lo, hi):
  from scipy.interpolate import PchipInterpolator  # pylint: disable=g-import-not-at-top
  order = np.argsort(x)
  x, y = np.asarray(x, float)[order], np.asarray(y, float)[order]
  return PchipInterpolator(x, y).integrate(lo, hi)


def bd_rate(rate_ref, quality_ref, rate_test, quality_test) -> float:
  """Mean rate difference (%) of test against ref at equal quality."""
  q1, q2 = np.asarray(quality_ref, float), np.asarray(quality_test, float)
  lo, hi = max(q1.min(), q2.min()), min(q1.max(), q2.max())
  if len(q1) < 2 or len(q2) < 2 or lo >= hi:
    return float("nan")
  r1 = _pchip_integral(q1, np.log(rate_ref), lo, hi)
  r2 = _pchip_integral(q2, np.log(rate_test), lo, hi)
  return float((np.exp((r2 - r1) / (hi - lo)) - 1) * 100)


def bd_psnr(rate_ref, quality_ref, rate_test, quality_test) -> float:
  """Mean quality difference (dB) of test against ref at equal rate."""
  l1, l2 = np.log(np.asarray(rate_ref, float)), np.log(np.asarray(rate_test, float))
  lo, hi = max(l1.min(), l2.min()), min(l1.max(), l2.max())
  if len(l1) < 2 or len(l2) < 2 or lo >= hi:
    return float("nan")
  d1 = _pchip_integral(l1, quality_ref, lo, hi)
  d2 = _pchip_integral(l2, quality_test, lo, hi)
  return float((d2 - d1) / (hi - lo))


def bd_deltas(ref: Curve, test: Curve) -> dict:
  """`test` against `ref`: BD-rate on PSNR (%), BD-PSNR (dB) and BD-rate on
  MS-SSIM in dB (%), as an evaluation's "bd_against" holds them (None
  where the curves do not overlap or one has no MS-SSIM)."""
  values = {
      "bd_rate_psnr": bd_rate(ref.bpp, ref.psnr, test.bpp, test.psnr),
      "bd_psnr": bd_psnr(ref.bpp, ref.psnr, test.bpp, test.psnr),
      "bd_rate_ms_ssim_db": bd_rate(ref.bpp, ref.ms_ssim_db, test.bpp,
                                    test.ms_ssim_db)
      if ref.ms_ssim and test.ms_ssim else float("nan")}
  return {k: None if np.isnan(v) else v for k, v in values.items()}


def bd_table(curves: Sequence[Curve], reference: str) -> str:
  """A Markdown table of BD-rate and BD-PSNR of every curve vs `reference`."""
  refs = [c for c in curves if c.name == reference] or [
      c for c in curves if c.name == ANCHOR_PREFIX + reference]
  if not refs:
    raise ValueError(f"no curve named '{reference}' (have "
                     f"{', '.join(c.name for c in curves)})")
  ref = refs[0]
  lines = [f"BD against {ref.name} (negative BD-rate = fewer bits)", "",
           "| curve | bpp range | BD-rate (PSNR) | BD-PSNR | BD-rate (MS-SSIM dB) |",
           "|---|---|---|---|---|"]
  for c in curves:
    if c is ref:
      continue
    d = bd_deltas(ref, c)

    def fmt(v, unit):
      return "n/a (no overlap)" if v is None else f"{v:+.2f}{unit}"
    lines.append(f"| {c.name} | {c.bpp[0]:.3f}-{c.bpp[-1]:.3f} | "
                 f"{fmt(d['bd_rate_psnr'], '%')} | {fmt(d['bd_psnr'], ' dB')} | "
                 f"{fmt(d['bd_rate_ms_ssim_db'], '%')} |")
  return "\n".join(lines)


def plot_rd(curves: Sequence[Curve], out: str, title: Optional[str] = None,
            max_bpp: Optional[float] = None) -> None:
  """PSNR-bpp and MS-SSIM(dB)-bpp charts side by side; PNG or SVG by suffix."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  ext = os.path.splitext(out)[1].lower()
  if ext not in (".png", ".svg"):
    raise ValueError(f"{out}: plots are written as .png or .svg")
  fig, axes = plt.subplots(1, 2, figsize=(13, 5.2))
  for c in curves:
    style = dict(linestyle="--", marker=".", alpha=0.8) if c.anchor else dict(
        linestyle="-", marker="o", linewidth=2)
    keep = [i for i, b in enumerate(c.bpp) if max_bpp is None or b <= max_bpp]
    axes[0].plot([c.bpp[i] for i in keep], [c.psnr[i] for i in keep],
                 label=c.name, **style)
    if c.ms_ssim:
      axes[1].plot([c.bpp[i] for i in keep], [c.ms_ssim_db[i] for i in keep],
                   label=c.name, **style)
  axes[0].set_ylabel("PSNR RGB (dB)")
  axes[1].set_ylabel("MS-SSIM RGB (dB)")
  for ax in axes:
    ax.set_xlabel("bits per pixel")
    ax.grid(True, alpha=0.3)
  axes[0].legend(fontsize=8, loc="lower right")
  if title:
    fig.suptitle(title)
  fig.tight_layout()
  import io  # pylint: disable=g-import-not-at-top

  from tfcodec import io as tio  # pylint: disable=g-import-not-at-top
  buf = io.BytesIO()
  fig.savefig(buf, format=ext[1:], dpi=110)
  plt.close(fig)
  tio.atomic_write(out, buf.getvalue())

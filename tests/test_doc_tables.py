"""tfcodec.reports and models.doc_tables: the documents' Kodak tables come
from the evaluation."""

import json
import os
import subprocess
import sys

import pytest

from tfcodec import reports

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KODAK = os.path.join(os.path.dirname(ROOT), "shared", "datasets", "kodak")

EVALUATION = {
    "codecs": [
        {"name": "hyperprior",
         "results": {"quality": [1, 2], "bpp": [0.2, 0.5],
                     "psnr-rgb": [27.0, 30.5],
                     "ms-ssim-rgb": [0.91234, 0.96]}},
        {"name": "jpeg420",
         "results": {"bpp": [0.1, 0.3, 0.7], "psnr-rgb": [22.0, 26.0, 30.0]}},
        {"name": "webp",
         "results": {"bpp": [0.25, 1.0], "psnr-rgb": [28.0, 34.0]}},
    ],
    "bd_against": {
        "jpeg420": {"bd_rate_psnr": -30.5, "bd_psnr": 1.234,
                    "bd_rate_ms_ssim_db": -40.0},
        "webp": {"bd_rate_psnr": 5.0, "bd_psnr": -0.2,
                 "bd_rate_ms_ssim_db": None},
    },
}

DOCUMENT = f"""# Results

Some words.

{reports.QUALITY_HEADER}
|---|---|---|---|---|---|
| 1 | 9.9999 | 1.00 | 0.1000 | 1.00 dB | 1.00 dB |

{reports.BD_HEADER}
|---|---|---|---|
| jpeg420 | +99.00% | +9.00 dB | +99.00% |

More words.
"""


def test_the_tables_are_rendered_from_the_evaluation():
  text = reports.rewrite(DOCUMENT, EVALUATION)
  lines = text.split("\n")
  # Quality 1 at 0.2 bpp: JPEG 22 + (0.1/0.2)*4 = 24 dB; WebP's curve
  # starts at 0.25 bpp.
  assert "| 1 | 0.2000 | 27.00 | 0.9123 | 24.00 dB | outside its range |" in lines
  # Quality 2 at 0.5 bpp: JPEG 28 dB; WebP 28 + (0.25/0.75)*6 = 30 dB.
  assert "| 2 | 0.5000 | 30.50 | 0.9600 | 28.00 dB | 30.00 dB |" in lines
  assert "| jpeg420 | -30.50% | +1.23 dB | -40.00% |" in lines
  assert "| webp | +5.00% | -0.20 dB | n/a |" in lines
  # The stale rows are gone; the text around the tables is kept.
  assert "9.9999" not in text and "+99.00%" not in text
  assert text.startswith("# Results\n\nSome words.\n")
  assert text.endswith("\nMore words.\n")
  assert reports.rewrite(text, EVALUATION) == text


def test_a_refined_evaluation_rewrites_its_own_tables_only():
  refined = json.loads(json.dumps(EVALUATION))
  refined["codecs"][0]["refine_steps"] = 40
  refined["codecs"][0]["results"]["psnr-rgb"] = [27.5, 31.0]
  refined["bd_against"]["jpeg420"]["bd_rate_psnr"] = -35.0
  header = reports.quality_header(refined)
  assert header.startswith("| quality, 40 refine steps | bpp |")
  document = DOCUMENT + "\n" + DOCUMENT.split("\n\n", 2)[2].replace(
      reports.QUALITY_HEADER, header)
  # Without its table the refined evaluation is an error naming the header.
  with pytest.raises(ValueError, match="40 refine steps"):
    reports.rewrite(DOCUMENT, refined)
  text = reports.rewrite(reports.rewrite(document, EVALUATION), refined)
  plain, refined_part = text.split(header)
  assert "| 1 | 0.2000 | 27.00 |" in plain and "27.50" not in plain
  assert "| jpeg420 | -30.50% |" in plain
  assert "| 1 | 0.2000 | 27.50 |" in refined_part
  assert "| jpeg420 | -35.00% |" in refined_part


def test_a_document_without_the_tables_is_an_error():
  with pytest.raises(ValueError, match="no hyperprior quality table"):
    reports.rewrite("# Nothing here\n", EVALUATION)
  only_quality = DOCUMENT.split(reports.BD_HEADER)[0]
  with pytest.raises(ValueError, match="no Bjontegaard table"):
    reports.rewrite(only_quality, EVALUATION)


def test_check_fails_on_stale_tables_and_passes_once_rewritten(tmp_path):
  evaluation = tmp_path / "evaluation.json"
  evaluation.write_text(json.dumps(EVALUATION))
  doc = tmp_path / "README.md"
  doc.write_text(DOCUMENT)

  def run(*flags):
    return subprocess.run(
        [sys.executable, "-m", "models.doc_tables",
         f"--evaluation={evaluation}", f"--documents={doc}", *flags],
        cwd=ROOT, capture_output=True, text=True, check=False)

  stale = run("--check")
  assert stale.returncode == 1
  assert "stale Kodak tables in" in stale.stderr and str(doc) in stale.stderr
  assert doc.read_text() == DOCUMENT  # --check writes nothing
  assert run().returncode == 0
  assert run("--check").returncode == 0
  assert "| 2 | 0.5000 | 30.50 |" in doc.read_text()


def test_a_model_card_sets_a_cut_evaluation_beside_a_published_curve(
    tmp_path):
  row = {"coded_bpp": 0.2, "estimate_bpp": 0.2, "overhead_bytes": 50,
         "encoded_iterations": 2}
  evaluation = {
      "images": 1,
      "codecs": [
          {"name": "conv_gru",
           "results": {"quality": [1, 2], "bpp": [0.2, 0.5],
                       "psnr-rgb": [25.0, 28.0], "ms-ssim-rgb": [0.9, 0.95],
                       "ms-ssim-rgb-db": [10.0, 13.0],
                       "encoding_time": [0.3, 0.3],
                       "decoding_time": [0.1, 0.2]},
           "per_image": {"1": [row], "2": [row]}},
          {"name": "jpeg420",
           "results": {"quality": [10, 90], "bpp": [0.1, 1.0],
                       "psnr-rgb": [22.0, 31.0],
                       "ms-ssim-rgb": [0.8, 0.98]}}]}
  (tmp_path / "eval.json").write_text(json.dumps(evaluation))
  (tmp_path / "recipe.md").write_text("How it was trained.\n")
  (tmp_path / "anchors.csv").write_text(
      "method,bpp,psnr_rgb,msssim_rgb,enc_s,dec_s,source\n"
      "paper,0.25,26.0,0.92,,,x\npaper,0.75,30.0,0.96,,,x\n")
  card = tmp_path / "card.md"
  subprocess.run(
      [sys.executable, "-m", "models.model_card",
       f"--evaluation={tmp_path / 'eval.json'}",
       f"--recipe={tmp_path / 'recipe.md'}", "--title=t",
       f"--output={card}", "--anchor=paper",
       f"--anchors_csv={tmp_path / 'anchors.csv'}"],
      cwd=ROOT, check=True, capture_output=True)
  lines = card.read_text().split("\n")
  # 0.2 bpp is below the published curve's range; at 0.5 bpp it gives
  # 26 + (0.25/0.5)*4 = 28 dB and 0.94.
  assert ("| 1 | 0.2000 | n/a: below its range (0.2500-0.7500 bpp) | | | |"
          in lines)
  assert "| 2 | 0.5000 | 28.00 | +0.00 | 0.9400 | +0.0100 |" in lines
  assert any("coded once, with 2 iterations" in line for line in lines)


def test_a_model_card_adds_the_refined_encode_of_its_quality(tmp_path):
  row = {"coded_bpp": 0.2, "estimate_bpp": 0.2, "overhead_bytes": 50}

  def evaluation(psnr, refine_steps=0):
    ours = {"name": "hyperprior",
            "results": {"quality": [1, 2], "bpp": [0.2, 0.5],
                        "psnr-rgb": psnr, "ms-ssim-rgb": [0.9, 0.95],
                        "ms-ssim-rgb-db": [10.0, 13.0],
                        "encoding_time": [0.1, 0.1],
                        "decoding_time": [0.1, 0.1]},
            # Rows say which CPU timed them.
            "per_image": {"1": [dict(row, cpu="CPU C")],
                          "2": [dict(row, cpu="CPU B" if refine_steps
                                     else "CPU A")]}}
    if refine_steps:
      ours["refine_steps"] = refine_steps
      ours["results"]["encoding_time"] = [12.0, 14.0]
    return {"images": 1, "codecs": [ours, {
        "name": "jpeg420", "results": {"quality": [10, 90], "bpp": [0.1, 1.0],
                                       "psnr-rgb": [22.0, 31.0],
                                       "ms-ssim-rgb": [0.8, 0.98]}}],
            "bd_against": {"webp": {"bd_rate_psnr": 1.5, "bd_psnr": -0.1,
                                    "bd_rate_ms_ssim_db": -9.0}}}

  (tmp_path / "plain.json").write_text(json.dumps(evaluation([25.0, 28.0])))
  (tmp_path / "refined.json").write_text(
      json.dumps(evaluation([25.3, 28.4], refine_steps=40)))
  (tmp_path / "recipe.md").write_text("How it was trained.\n")
  card = tmp_path / "card.md"

  def run(refined, quality=2):
    return subprocess.run(
        [sys.executable, "-m", "models.model_card",
         f"--evaluation={tmp_path / 'plain.json'}",
         f"--refined_evaluation={tmp_path / refined}",
         f"--recipe={tmp_path / 'recipe.md'}", "--title=t",
         f"--quality={quality}",
         f"--output={card}"], cwd=ROOT, capture_output=True, text=True,
        check=False)

  assert run("refined.json").returncode == 0
  text = card.read_text()
  plain, refined = text.split("## Kodak with refined latents (40 steps)")
  assert "| 2 | 0.5000 | 28.00 |" in plain
  assert "| 2 | 0.5000 | 28.40 | 0.9500 | 14.0 |" in refined
  assert "| 1 |" not in refined  # --quality=2 only
  assert "--refine-steps 40" in refined and "| webp | +1.50% |" in refined
  assert "timed on CPU A)." in plain and "timed on CPU B:" in refined
  assert "CPU C" not in text  # quality 1's rows are not this card's
  # Refined rows of part of the curve give no deltas: they would be the
  # part's, printed as the whole curve's.
  part = evaluation([25.3, 28.4], refine_steps=40)
  ours = part["codecs"][0]
  ours["results"] = {k: v[1:] for k, v in ours["results"].items()}
  del ours["per_image"]["1"]
  (tmp_path / "part.json").write_text(json.dumps(part))
  assert run("part.json").returncode == 0
  refined = card.read_text().split("## Kodak with refined latents")[1]
  assert "| 2 | 0.5000 | 28.40 | 0.9500 | 14.0 |" in refined
  assert "| webp |" not in refined
  assert "refined rows of qualities 2 only, not of 1." in refined
  # A quality without refined rows gets a card that says so.
  quality_1 = run("part.json", quality=1)
  assert quality_1.returncode == 0, quality_1.stderr
  refined = card.read_text().split("## Kodak with refined latents (40 steps)")[1]
  assert "holds refined rows of qualities 2, not yet of quality 1." in refined
  assert "| 1 |" not in refined and "| 2 |" not in refined
  # A plain evaluation given as the refined one is refused.
  failed = run("plain.json")
  assert failed.returncode != 0 and "not an evaluation with --refine_steps" in (
      failed.stderr)


def test_the_documents_plain_kodak_tables_are_the_committed_evaluation():
  # docs/kodak_hyperprior.json is what `make hyperprior-docs` measured and
  # wrote the tables from; tables edited by hand, or weights re-measured
  # without rewriting them, fail here.
  evaluation = os.path.join(ROOT, "docs", "kodak_hyperprior.json")
  with open(evaluation) as f:
    rows = json.load(f)["codecs"][0]["per_image"]
  assert sorted(rows, key=int) == [str(q) for q in range(1, 8)]
  assert all(len(r) == 24 and all(x["cache_key"] for x in r)
             for r in rows.values())
  run = subprocess.run(
      [sys.executable, "-m", "models.doc_tables", f"--evaluation={evaluation}",
       "--check"], cwd=ROOT, capture_output=True, text=True, check=False)
  assert run.returncode == 0, run.stderr


@pytest.mark.skipif(not os.path.isdir(KODAK), reason=f"{KODAK} is absent")
@pytest.mark.parametrize("document", ["kodak_hyperprior.json",
                                      "kodak_hyperprior_refined.json"])
def test_the_committed_evaluations_are_of_the_shipped_weights(document):
  # Every row's cache key names the weights, code, settings and image it was
  # measured with: weights shipped without re-measuring the documents' rows
  # fail here.
  from tfcodec import bench  # pylint: disable=g-import-not-at-top
  with open(os.path.join(ROOT, "docs", document)) as f:
    ours = json.load(f)["codecs"][0]
  stale = []
  for q, rows in ours["per_image"].items():
    keys = bench.model_row_digests(
        "hyperprior", int(q), [os.path.join(KODAK, r["image"]) for r in rows],
        refine_steps=ours.get("refine_steps", 0))
    stale += [f"quality {q}, {r['image']}" for r in rows
              if r["cache_key"] != keys[os.path.join(KODAK, r["image"])]]
  assert not stale, f"{document}: rows not of the shipped weights: {stale[:3]}"

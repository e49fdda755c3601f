"""tfcodec.reports and models.doc_tables: the documents' Kodak tables come
from the evaluation."""

import json
import os
import subprocess
import sys

import pytest

from tfcodec import reports

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

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

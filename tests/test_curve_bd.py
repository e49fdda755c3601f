"""models.curve_bd: the Bjontegaard deltas of an evaluation's curve, with
rows of qualities it lacks added."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVALUATION = os.path.join(ROOT, "docs", "kodak_hyperprior.json")


def _run(*args):
  return subprocess.run([sys.executable, "-m", "models.curve_bd", *args],
                        cwd=ROOT, capture_output=True, text=True, check=False)


def _evaluation_without(tmp_path, qualities):
  with open(EVALUATION) as f:
    evaluation = json.load(f)
  r = evaluation["codecs"][0]["results"]
  keep = [i for i, q in enumerate(r["quality"]) if q not in qualities]
  removed = {q: (r["bpp"][i], r["psnr-rgb"][i], r["ms-ssim-rgb"][i])
             for i, q in enumerate(r["quality"]) if q in qualities}
  evaluation["codecs"][0]["results"] = {
      k: [v[i] for i in keep] if isinstance(v, list) else v
      for k, v in r.items()}
  path = tmp_path / "part.json"
  path.write_text(json.dumps(evaluation))
  return str(path), evaluation, removed


def test_rows_added_back_give_the_evaluations_own_deltas(tmp_path):
  from tfcodec import reports  # pylint: disable=g-import-not-at-top
  with open(EVALUATION) as f:
    whole = json.load(f)
  path, _, removed = _evaluation_without(tmp_path, {1, 4})
  rows = ",".join(f"{q}:{b!r}:{p!r}:{m!r}" for q, (b, p, m) in removed.items())
  joined = tmp_path / "joined.json"
  run = _run(f"--evaluation={path}", f"--add_rows={rows}",
             f"--output={joined}")
  assert run.returncode == 0, run.stderr
  table = reports.bd_table(whole["bd_against"])
  assert "\n".join(reports.quality_table(whole) + [""] + table) in run.stdout
  # The joined evaluation renders the documents' tables as the whole one.
  with open(joined) as f:
    written = json.load(f)
  assert written["added_rows"] == [1, 4]
  doc = "\n".join(["text", reports.QUALITY_HEADER, "|---|", "",
                   reports.BD_HEADER, "|---|", "", "more text"])
  assert reports.rewrite(doc, written) == reports.rewrite(doc, whole)
  assert reports.rewrite(doc, written) != doc
  # Without them the curve, and so its deltas, differ.
  part = _run(f"--evaluation={path}")
  assert part.returncode == 0, part.stderr
  assert table[2] not in part.stdout and "\n| 1 |" not in part.stdout
  assert "\n| 2 |" in part.stdout


@pytest.mark.parametrize("rows, message", [
    ("2:0.2:27.5:0.92", "qualities [2] are in the evaluation already"),
    ("1:0.1:26", "is not quality:bpp:psnr:ms_ssim"),
    ("1:0.1:x:0.9", "has a value that is not a number"),
])
def test_bad_rows_are_one_line_errors(rows, message):
  run = _run(f"--evaluation={EVALUATION}", f"--add_rows={rows}")
  assert run.returncode != 0 and message in run.stderr
  assert "Traceback" not in run.stderr


def _nudge_rows(stdout):
  lines = stdout.split("\n")
  start = next(i for i, line in enumerate(lines)
               if line.startswith("| quality, PSNR"))
  rows = {}
  for line in lines[start + 2:]:
    if not line.startswith("|"):
      break
    cells = [c.strip() for c in line.strip("|").split("|")]
    rows[int(cells[0])] = [float(c.split("(")[1].rstrip(")")) for c in cells[1:]]
  return lines[start], rows


def test_nudge_table_gives_each_qualitys_pull_on_the_deltas():
  with open(EVALUATION) as f:
    qualities = json.load(f)["codecs"][0]["results"]["quality"]
  run = _run(f"--evaluation={EVALUATION}", "--nudge_db=0.1")
  assert run.returncode == 0, run.stderr
  header, rows = _nudge_rows(run.stdout)
  assert "+0.10 dB" in header and "BD-rate vs jpeg420" in header
  assert sorted(rows) == sorted(qualities)
  # A better point inside the curve means fewer bits for the same PSNR.
  inner = sorted(qualities)[1:-1]
  assert all(rows[q][0] < 0 for q in inner), rows
  # The same nudge downwards undoes it.
  down = _run(f"--evaluation={EVALUATION}", "--nudge_db=-0.1")
  assert down.returncode == 0, down.stderr
  _, down_rows = _nudge_rows(down.stdout)
  assert all(down_rows[q][0] > 0 for q in inner), down_rows
  # Without the flag there is no such table.
  assert "| quality, PSNR" not in _run(f"--evaluation={EVALUATION}").stdout

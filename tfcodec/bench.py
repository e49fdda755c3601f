"""Benchmarks: zoo models and classical codecs over a folder of images.

`run_bench` measures every (codec, quality, image), in parallel worker
processes for the classical codecs and in-process for zoo models (TensorFlow
already uses both cores). Each measurement is cached as one small JSON file,
keyed by codec, quality, the codec's or the weights' fingerprint and the
image's SHA-1, so an interrupted run resumes where it stopped.

The output (`write_results`) holds one entry per codec in CompressAI's
layout::

  {"dataset": ..., "images": N, "codecs": [
     {"name": "jpeg420", "description": ...,
      "results": {"quality": [...], "bpp": [...], "psnr-rgb": [...],
                  "ms-ssim-rgb": [...], "ms-ssim-rgb-db": [...],
                  "encoding_time": [...], "decoding_time": [...]}}, ...],
   "skipped": {"bpg": "bpgenc and bpgdec not on PATH"}}

Each list has one entry per quality: means over the images. bpp comes from
real bytes (our container header included), PSNR and MS-SSIM are on RGB.
"ms-ssim-rgb-db" is the mean of each image's MS-SSIM in dB; plots and
BD-rates (`tfcodec.plot`) instead take the dB of the mean MS-SSIM, as
CompressAI's plots do, because the published curves give only the mean.
"""

import concurrent.futures
import functools
import hashlib
import json
import multiprocessing
import os
import platform
import time
from typing import Dict, List, Optional, Sequence

import numpy as np
from tqdm import tqdm

from tfcodec import __version__, metrics
from tfcodec import io as tio

__all__ = ["list_images", "measure", "measure_model", "measure_progressive",
           "measure_codec", "to_results", "run_bench", "write_results",
           "interpolate", "seed_cache", "cpu_name"]

KEYS = ("bpp", "psnr-rgb", "ms-ssim-rgb", "ms-ssim-rgb-db", "encoding_time",
        "decoding_time")


def list_images(folder: str) -> List[str]:
  from tfcodec.data import IMAGE_EXTENSIONS  # pylint: disable=g-import-not-at-top
  if not os.path.isdir(folder):
    raise FileNotFoundError(f"{folder}: not a folder")
  files = sorted(os.path.join(folder, f) for f in os.listdir(folder)
                 if f.lower().endswith(IMAGE_EXTENSIONS))
  if not files:
    raise FileNotFoundError(f"{folder}: no images")
  return files


def measure(image: np.ndarray, data: bytes, decoded: np.ndarray,
            t_enc: float, t_dec: float) -> Dict:
  """One row: real bytes, bpp, PSNR and MS-SSIM on RGB, times."""
  if decoded.shape != image.shape:
    raise ValueError(f"decoded shape {decoded.shape} != {image.shape}")
  h, w = image.shape[:2]
  ms = metrics.ms_ssim(image, decoded)
  return {"bytes": len(data), "bpp": metrics.bpp(len(data), h, w),
          "psnr-rgb": metrics.psnr(image, decoded), "ms-ssim-rgb": ms,
          "ms-ssim-rgb-db": metrics.ms_ssim_db(ms),
          "encoding_time": t_enc, "decoding_time": t_dec}


def measure_codec(codec, quality: int, image: np.ndarray) -> Dict:
  t = time.perf_counter()
  data = codec.encode(image, quality)
  t_enc = time.perf_counter() - t
  t = time.perf_counter()
  decoded = codec.decode(data)
  t_dec = time.perf_counter() - t
  return measure(image, data, decoded, t_enc, t_dec)


def measure_model(model, name: str, quality: int, image: np.ndarray,
                  refine_steps: int = 0) -> Dict:
  """A zoo model through real .tfc bytes.

  Adds `estimate_bpp` (the model's own rate estimate), `coded_bpp` (the
  range-coded strings alone) and `overhead_bytes` (container header and
  tensor packing), so the range coder can be checked against the estimate.
  With `refine_steps`, the latents are refined for each image first
  (`coding.encode_tensors`; timed as part of the encode), and the estimate
  is of the refined latents.
  """
  from tfcodec import coding  # pylint: disable=g-import-not-at-top
  t = time.perf_counter()
  tensors, latents = coding.encode_tensors(model, image, refine_steps)
  data = coding.pack_encoded(name, quality, image.shape, tensors)
  t_enc = time.perf_counter() - t
  t = time.perf_counter()
  decoded, _ = coding.decompress_bytes(data, model=model)
  t_dec = time.perf_counter() - t
  row = measure(image, data, decoded, t_enc, t_dec)
  h, w = image.shape[:2]
  strings = sum(len(s) for x in tensors if x.dtype.name == "string"
                for s in x.numpy().reshape(-1))
  estimate = (model.estimate_bits(image) if latents is None
              else model.estimate_latent_bits(latents))
  row.update(estimate_bpp=estimate / (h * w),
             coded_bpp=8 * strings / (h * w),
             overhead_bytes=len(data) - strings)
  return row


def to_results(name: str, description: str,
               per_quality: Dict[int, List[Dict]]) -> Dict:
  """Means over images per quality, in CompressAI's JSON layout."""
  qualities = sorted(per_quality)
  results = {"quality": qualities}
  for key in KEYS:
    results[key] = [float(np.mean([r[key] for r in per_quality[q]]))
                    for q in qualities]
  return {"name": name, "description": description, "results": results}


def interpolate(bpp: float, curve_bpp: Sequence[float],
                curve_value: Sequence[float]) -> float:
  """Value of a rate curve at `bpp` (linear in bpp; NaN outside it)."""
  order = np.argsort(curve_bpp)
  x = np.asarray(curve_bpp, float)[order]
  y = np.asarray(curve_value, float)[order]
  if not x[0] <= bpp <= x[-1]:
    return float("nan")
  return float(np.interp(bpp, x, y))


# -- caching -------------------------------------------------------------------

def _sha1_file(path: str) -> str:
  h = hashlib.sha1()
  with open(path, "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
      h.update(block)
  return h.hexdigest()


class _Cache:
  """One JSON file per (codec fingerprint, quality, image hash)."""

  def __init__(self, folder: Optional[str]):
    self.folder = folder
    if folder:
      os.makedirs(folder, exist_ok=True)

  @staticmethod
  def digest(key) -> str:
    return hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()

  def _path(self, key):
    return self._file(self.digest(key))

  def _file(self, digest):
    return os.path.join(self.folder, digest + ".json")

  def keyed(self, key, row):
    """`row` as the output holds it: with its cache key's digest, by which
    `seed_cache` files it again."""
    return dict(row, cache_key=self.digest(key))

  def get(self, key):
    if not self.folder or not os.path.exists(self._path(key)):
      return None
    try:
      with open(self._path(key)) as f:
        return json.load(f)
    except (OSError, ValueError):
      return None

  def put(self, key, row):
    self.file_row(self.digest(key), row)

  def file_row(self, digest: str, row, replace: bool = True) -> bool:
    """Caches `row` under a key's digest (unless `replace` is False and it
    is cached already); True if it was written."""
    if not self.folder:
      return False
    path = self._file(digest)
    if not replace and os.path.exists(path):
      return False
    tio.atomic_write(path, json.dumps(row).encode())
    return True


def seed_cache(results_path: str, cache_dir: str) -> int:
  """Files the per-image rows of an earlier `run_bench` output (each carries
  its cache key's digest) into `cache_dir`, so that a rerun measures only
  what changed since: a row whose weights, family source, codec or image
  differ now is filed under its old key and never read. Rows already cached
  are left alone. Returns how many rows were filed."""
  with open(results_path) as f:
    results = json.load(f)
  if not isinstance(results, dict):
    raise ValueError("not a JSON object")
  try:
    keyed = {row["cache_key"]: row
             for entry in results.get("codecs", [])
             for rows in (entry.get("per_image") or {}).values()
             for row in rows if row.get("cache_key")}
  except (AttributeError, TypeError, KeyError) as e:
    raise ValueError(f"no per-image rows where expected ({e})") from None
  cache = _Cache(cache_dir)
  return sum(cache.file_row(
      str(digest), {k: v for k, v in row.items() if k != "cache_key"},
      replace=False) for digest, row in keyed.items())


def _codec_worker(args):
  codec_name, quality, path = args
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
  from tfcodec import codecs  # pylint: disable=g-import-not-at-top
  return measure_codec(codecs.get_codec(codec_name), quality,
                       tio.read_image(path))


def measure_progressive(model, name: str, qualities: Sequence[int],
                        image: np.ndarray) -> Dict[int, Dict]:
  """A progressive zoo model at several iteration counts from one encode.

  The image is coded once with the model's iterations, and each count k in
  `qualities` is measured on that file cut after iteration k
  (`bitstream.cut_progressive`): the same bytes a k-iteration file holds,
  decoded as `tfcodec decompress` decodes a cut file. Rows are those of
  `measure_model`, but `encoding_time` is the one encode of every
  iteration (what a cut file cost to make), and `encoded_iterations` says
  how many that was.
  """
  from tfcodec import bitstream, coding  # pylint: disable=g-import-not-at-top
  t = time.perf_counter()
  tensors = model.compress(image)
  data = coding.pack_encoded(name, model.iterations, image.shape, tensors)
  t_enc = time.perf_counter() - t
  chunks = [len(s) for s in tensors[0].numpy().reshape(-1)]
  bits = np.cumsum(model.iteration_bits(image))
  h, w = image.shape[:2]
  rows = {}
  for k in qualities:
    cut = bitstream.cut_progressive(data, k)
    t = time.perf_counter()
    decoded, _ = coding.decompress_bytes(cut, model=model)
    t_dec = time.perf_counter() - t
    row = measure(image, cut, decoded, t_enc, t_dec)
    strings = sum(chunks[:k])
    row.update(estimate_bpp=float(bits[k - 1]) / (h * w),
               coded_bpp=8 * strings / (h * w),
               overhead_bytes=len(cut) - strings,
               encoded_iterations=int(model.iterations))
    rows[k] = row
  return rows


@functools.lru_cache(maxsize=None)
def cpu_name() -> str:
  """This machine's CPU model, kept in each measured row: the timings are
  its own, and rows reused from an earlier evaluation may come from
  another machine."""
  try:
    with open("/proc/cpuinfo") as f:
      for line in f:
        if line.startswith("model name"):
          return line.split(":", 1)[1].strip()
  except OSError:
    pass
  return platform.machine() or "unknown"


def _model_key(name: str, quality: int, fingerprint: str, image_hash: str,
               refine_steps: int = 0) -> list:
  """The cache key of one image's row of a (non-progressive) zoo model."""
  from tfcodec import zoo  # pylint: disable=g-import-not-at-top
  key = ["model", name, quality, fingerprint, image_hash]
  if refine_steps:
    cls = zoo.model_class(name)
    key += ["refine", refine_steps, cls.refine_learning_rate,
            cls.refine_side_learning_rate, cls.refine_temperature]
  return key


def model_row_digests(name: str, quality: int, images: Sequence[str],
                      weights_dir: Optional[str] = None,
                      refine_steps: int = 0) -> Dict[str, str]:
  """The `cache_key`s that `run_bench` gives the rows of `images` coded by
  model `name` at `quality` (from `weights_dir`, or the shipped weights),
  by image path: a row whose key differs was measured from other weights,
  code or settings."""
  fingerprint = _weights_fingerprint(name, quality, weights_dir)
  return {image: _Cache.digest(_model_key(name, quality, fingerprint,
                                          _sha1_file(image), refine_steps))
          for image in images}


def _weights_fingerprint(name: str, quality: int,
                         folder: Optional[str] = None) -> str:
  """The weights folder's files (the shipped one unless `folder`) and the
  family's source: a change to either (new weights, or code that codes
  differently from the same weights, say another JPEG option) measures
  again."""
  import inspect  # pylint: disable=g-import-not-at-top

  from tfcodec import zoo  # pylint: disable=g-import-not-at-top
  folder = folder or zoo.weights_dir(name, quality)
  source = inspect.getsourcefile(zoo.model_class(name))
  return "".join(_sha1_file(os.path.join(folder, f))
                 for f in sorted(os.listdir(folder))
                 if not f.endswith(".md")) + _sha1_file(source)


def _warm_up(model, name: str, quality: int) -> None:
  """Codes one small image, so that tracing the model's functions is not
  timed as the first image's encode and decode."""
  from tfcodec import coding  # pylint: disable=g-import-not-at-top
  image = np.full((32, 48, 3), 128, np.uint8)
  tensors = model.compress(image)
  coding.decompress_bytes(coding.pack_encoded(name, quality, image.shape,
                                              tensors), model=model)


def _bench_progressive(name, qs, weights, files, hashes, cache, progress):
  """`run_bench` for a progressive model: each image coded once, at the
  most iterations asked for, and measured cut after each count
  (`measure_progressive`)."""
  from tfcodec import zoo  # pylint: disable=g-import-not-at-top
  top = max(qs)
  fingerprint = _weights_fingerprint(name, top, weights)
  # "cut": these rows time one encode of `top` iterations, so they are kept
  # apart from rows measured by coding each count on its own.
  keys = {(q, f): ["model", name, q, fingerprint, hashes[f], "cut", top]
          for q in qs for f in files}
  rows = {k: cache.get(v) for k, v in keys.items()}
  todo = [f for f in files if any(rows[(q, f)] is None for q in qs)]
  model = None
  if todo:
    model = (zoo.load_from_dir(weights, top) if weights
             else zoo.load(name, top))
    _warm_up(model, name, top)
  for f in tqdm(todo, desc=f"{name} q{top}, cut at {len(qs)} counts",
                disable=not progress):
    measured = measure_progressive(model, name, qs, tio.read_image(f))
    for q in qs:
      rows[(q, f)] = dict(measured[q], image=os.path.basename(f),
                          cpu=cpu_name())
      cache.put(keys[(q, f)], rows[(q, f)])
  return {q: [cache.keyed(keys[(q, f)], rows[(q, f)]) for f in files]
          for q in qs}


def run_bench(folder: str, models: Sequence[str] = (),
              codec_names: Sequence[str] = (),
              qualities: Optional[Dict[str, Sequence[int]]] = None,
              cache_dir: Optional[str] = None, workers: int = 2,
              progress: bool = True,
              weights_dirs: Optional[Dict[str, str]] = None,
              refine_steps: Optional[Dict[str, int]] = None) -> Dict:
  """Measures models and codecs over every image in `folder`.

  A model named in `weights_dirs` is measured from that weights folder
  (`zoo.load_from_dir`) instead of its shipped weights, and one named in
  `refine_steps` with its latents refined for each image for that many
  steps (`coding.encode_tensors`).
  """
  from tfcodec import codecs, coding, zoo  # pylint: disable=g-import-not-at-top
  qualities = qualities or {}
  weights_dirs = weights_dirs or {}
  refine_steps = {k: int(v) for k, v in (refine_steps or {}).items() if v}
  files = list_images(folder)
  hashes = {f: _sha1_file(f) for f in files}
  cache = _Cache(cache_dir)
  entries, skipped = [], {}

  for name in models:
    weights = weights_dirs.get(name)
    qs = list(qualities.get(name) or (zoo.dir_qualities(weights) if weights
                                      else zoo.qualities(name)))
    if not qs:
      skipped[name] = "no shipped weights"
      continue
    steps = refine_steps.get(name, 0)
    cls = zoo.model_class(name)
    if steps:
      coding.check_refinable(cls, name)
    if len(qs) > 1 and getattr(cls, "progressive", False):
      per_quality = _bench_progressive(name, qs, weights, files, hashes,
                                       cache, progress)
      entries.append(dict(to_results(name, f"tfcodec zoo model {name}",
                                     per_quality), per_image=per_quality))
      continue
    per_quality = {}
    for q in qs:
      fingerprint = _weights_fingerprint(name, q, weights)
      keys = {f: _model_key(name, q, fingerprint, hashes[f], steps)
              for f in files}
      rows = {f: cache.get(keys[f]) for f in files}
      todo = [f for f in files if rows[f] is None]
      model = None
      if todo:
        model = (zoo.load_from_dir(weights, q) if weights
                 else zoo.load(name, q))
        _warm_up(model, name, q)
      for f in tqdm(todo, desc=f"{name} q{q}" + (
          f" ({steps} refine steps)" if steps else ""), disable=not progress):
        rows[f] = dict(measure_model(model, name, q, tio.read_image(f),
                                     refine_steps=steps),
                       image=os.path.basename(f), cpu=cpu_name())
        cache.put(keys[f], rows[f])
      per_quality[q] = [cache.keyed(keys[f], rows[f]) for f in files]
    description = f"tfcodec zoo model {name}" + (
        f", latents refined for each image ({steps} steps)" if steps else "")
    entries.append(dict(to_results(name, description, per_quality),
                        per_image=per_quality, refine_steps=steps))

  for name in codec_names:
    codec = codecs.get_codec(name)
    usable, why = codec.available()
    if not usable:
      skipped[name] = why
      continue
    qs = list(qualities.get(name) or codec.qualities)
    keys = {(q, f): ["codec", name, codec.description, q, hashes[f]]
            for q in qs for f in files}
    rows = {k: cache.get(v) for k, v in keys.items()}
    todo = [k for k, row in rows.items() if row is None]
    failed = None
    if todo:
      # "spawn": forking a process in which TensorFlow is running deadlocks.
      with concurrent.futures.ProcessPoolExecutor(
          max_workers=workers,
          mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(_codec_worker, (name, q, f)): (q, f)
                   for q, f in todo}
        for future in tqdm(concurrent.futures.as_completed(futures),
                           total=len(futures), desc=name,
                           disable=not progress):
          q, f = futures[future]
          try:
            rows[(q, f)] = dict(future.result(),
                                image=os.path.basename(f), cpu=cpu_name())
          except codecs.CodecError as e:
            failed = f"{os.path.basename(f)} at quality {q}: {e}"
            for other in futures:
              other.cancel()
            break
          cache.put(keys[(q, f)], rows[(q, f)])
    if failed:
      skipped[name] = failed
      continue
    per_quality = {q: [cache.keyed(keys[(q, f)], rows[(q, f)]) for f in files]
                   for q in qs}
    entries.append(dict(to_results(name, codec.description, per_quality),
                        per_image=per_quality))

  return {"tfcodec": __version__, "dataset": os.path.abspath(folder),
          "images": len(files), "codecs": entries, "skipped": skipped}


def write_results(results: Dict, path: str) -> None:
  folder = os.path.dirname(os.path.abspath(path))
  os.makedirs(folder, exist_ok=True)
  tio.atomic_write(path, json.dumps(results, indent=1).encode())

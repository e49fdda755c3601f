"""The `tfcodec` command: compress, decompress, info, models, bench, plot.

Every command writes its output atomically (temporary file, then rename),
never over its own input, and reports user errors as one line on stderr with
a non-zero exit code.
"""

import argparse
import contextlib
import os
import sys
import time
from typing import List, Optional

from tfcodec import __version__
from tfcodec.errors import TfcodecError

__all__ = ["main", "run"]


class CliError(TfcodecError):
  """A usage error found by the command itself."""


def _quiet_tensorflow():
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
  from absl import logging  # pylint: disable=g-import-not-at-top
  logging.set_verbosity(logging.ERROR)


def _check_output(inp: str, out: str) -> None:
  if os.path.abspath(inp) == os.path.abspath(out) or (
      os.path.exists(out) and os.path.samefile(inp, out)):
    raise CliError(f"{out}: output would overwrite the input")
  folder = os.path.dirname(os.path.abspath(out))
  if not os.path.isdir(folder):
    raise CliError(f"{out}: folder {folder} does not exist")
  if os.path.isdir(out):
    raise CliError(f"{out}: is a folder")


def _read_bytes(path: str) -> bytes:
  try:
    with open(path, "rb") as f:
      return f.read()
  except FileNotFoundError:
    raise CliError(f"{path}: no such file") from None
  except IsADirectoryError:
    raise CliError(f"{path}: is a folder") from None
  except OSError as e:
    raise CliError(f"{path}: cannot read ({e.strerror})") from None


def _in_file(path: str, error: TfcodecError) -> TfcodecError:
  """The same error type, with the file name in front of its message."""
  message = str(error)
  if not message.startswith(path):
    message = f"{path}: {message}"
  return type(error)(message)


def _non_negative(text: str) -> int:
  """argparse type: an integer >= 0."""
  try:
    value = int(text)
  except ValueError:
    raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
  if value < 0:
    raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
  return value


@contextlib.contextmanager
def _progress(total: int, description: str):
  """A tqdm bar on stderr for `total` steps (None when there are none)."""
  if not total:
    yield None
    return
  from tqdm import tqdm  # pylint: disable=g-import-not-at-top
  with tqdm(total=total, desc=description, unit="step", leave=False) as bar:
    yield bar


def cmd_compress(args) -> int:
  from tfcodec import coding, io, metrics, zoo  # pylint: disable=g-import-not-at-top
  _check_output(args.input, args.output)
  image = io.read_image(args.input)
  quality = args.quality if args.quality is not None else zoo.default_quality(
      args.model)
  model = zoo.load(args.model, quality)
  if args.refine_steps:
    try:
      coding.check_refinable(model, args.model)
    except ValueError as e:
      raise CliError(f"--refine-steps: {e}") from None
  t = time.perf_counter()
  with _progress(args.refine_steps, f"{args.input}: refining") as bar:
    data = coding.compress_image(image, args.model, quality, model=model,
                                 refine_steps=args.refine_steps,
                                 progress=bar.update if bar else None)
  seconds = time.perf_counter() - t
  io.atomic_write(args.output, data)
  h, w = image.shape[:2]
  print(f"{args.output}: {len(data)} bytes, "
        f"{metrics.bpp(len(data), h, w):.4f} bpp ({args.model} q{quality}, "
        f"{w}x{h}, {seconds:.2f} s)")
  return 0


def cmd_decompress(args) -> int:
  from tfcodec import coding, io, metrics  # pylint: disable=g-import-not-at-top
  _check_output(args.input, args.output)
  ext = os.path.splitext(args.output)[1].lower()
  if ext not in io.WRITE_FORMATS:
    raise CliError(f"{args.output}: cannot write '{ext or 'no extension'}' "
                   f"files; use one of {', '.join(sorted(io.WRITE_FORMATS))}")
  reference = io.read_image(args.reference) if args.reference else None
  data = _read_bytes(args.input)
  tflite_model = None
  if args.tflite_model:
    if args.backend != "tflite":
      raise CliError("--tflite-model needs --backend tflite")
    tflite_model = _read_bytes(args.tflite_model)
  t = time.perf_counter()
  try:
    found = coding.read_file(data, args.iterations)
  except TfcodecError as e:
    raise _in_file(args.input, e) from None
  except ValueError as e:
    raise CliError(f"{args.input}: {e}") from None
  try:
    image, header = coding.decompress_file(
        found, backend=args.backend, quantization=args.quantization,
        tflite_model=tflite_model)
  except TfcodecError as e:
    raise _in_file(args.input, e) from None
  except ValueError as e:
    raise CliError(f"{args.tflite_model or args.input}: {e}") from None
  seconds = time.perf_counter() - t
  io.write_image(args.output, image)
  progress = ""
  if found.stored:
    progress = f", {found.iterations} of {header.quality} iterations"
    if found.cut_bytes:
      print(f"{args.input}: note: iteration {found.stored + 1} is cut short "
            f"({found.cut_bytes} bytes); decoded the {found.stored} whole "
            "ones", file=sys.stderr)
  line = (f"{args.output}: {header.width}x{header.height} from "
          f"{header.model} q{header.quality}{progress}, "
          f"{metrics.bpp(len(data), header.height, header.width):.4f} bpp, "
          f"{seconds:.2f} s" + (", TFLite synthesis" if args.backend ==
                                 "tflite" else ""))
  if reference is not None:
    if reference.shape != image.shape:
      raise CliError(f"{args.reference}: reference is "
                     f"{reference.shape[1]}x{reference.shape[0]}, the decoded "
                     f"image is {image.shape[1]}x{image.shape[0]}")
    ms = metrics.ms_ssim(reference, image)
    line += (f", PSNR {metrics.psnr(reference, image):.2f} dB, "
             f"MS-SSIM {ms:.4f} ({metrics.ms_ssim_db(ms):.2f} dB)")
  print(line)
  return 0


def cmd_info(args) -> int:
  from tfcodec import bitstream, coding, metrics, zoo  # pylint: disable=g-import-not-at-top
  data = _read_bytes(args.file)
  try:
    header = bitstream.peek_header(data)
    if zoo.is_known(header.model) and coding.is_progressive(header.model):
      found = bitstream.unpack_progressive(data)
      payload_bytes = len(data) - len(bitstream.pack(header, found.payload))
      iterations = (f"iterations: {found.iterations} of {header.quality}"
                    + (f" (then {found.cut_bytes} bytes of an iteration cut "
                       "short)" if found.cut_bytes else "") + "\n")
    else:
      header, payload = bitstream.unpack(data)
      payload_bytes, iterations = len(payload), ""
  except TfcodecError as e:
    raise _in_file(args.file, e) from None
  print(f"file:     {args.file}\n"
        f"model:    {header.model}\n"
        f"quality:  {header.quality}\n"
        f"size:     {header.width}x{header.height}\n"
        + iterations +
        f"bytes:    {len(data)} (payload {payload_bytes})\n"
        f"bpp:      {metrics.bpp(len(data), header.height, header.width):.4f}")
  return 0


def cmd_models(args) -> int:
  del args
  from tfcodec import zoo  # pylint: disable=g-import-not-at-top
  for name in zoo.names():
    q = zoo.qualities(name)
    shipped = ", ".join(map(str, q)) if q else "none shipped"
    default = " (default model)" if name == zoo.DEFAULT_MODEL else ""
    dq = f", default quality {zoo.default_quality(name)}" if q else ""
    print(f"{name}{default}: qualities {shipped}{dq}")
  return 0


def _parse_qualities(items):
  out = {}
  for item in items or []:
    name, _, values = item.partition("=")
    try:
      out[name] = [int(v) for v in values.split(",") if v]
    except ValueError:
      raise CliError(f"--quality {item}: expected NAME=Q1,Q2,...") from None
    if not name or not out[name]:
      raise CliError(f"--quality {item}: expected NAME=Q1,Q2,...")
  return out


def cmd_bench(args) -> int:
  from tfcodec import bench, codecs, zoo  # pylint: disable=g-import-not-at-top
  if not os.path.isdir(args.folder):
    raise CliError(f"{args.folder}: not a folder")
  models = args.models.split(",") if args.models is not None else [
      n for n in zoo.names() if zoo.qualities(n)]
  models = [m for m in models if m]
  for m in models:
    if not zoo.is_known(m):
      raise CliError(f"unknown model '{m}'; the zoo has {', '.join(zoo.names())}")
  names = args.codecs.split(",") if args.codecs is not None else list(
      codecs.CODECS)
  names = [n for n in names if n]
  for n in names:
    if n not in codecs.CODECS:
      raise CliError(f"unknown codec '{n}'; have {', '.join(codecs.CODECS)}")
  cache = None if args.no_cache else (args.cache or args.out + ".cache")
  try:
    results = bench.run_bench(args.folder, models, names,
                              _parse_qualities(args.quality), cache_dir=cache,
                              workers=args.workers)
  except FileNotFoundError as e:
    raise CliError(str(e)) from None
  bench.write_results(results, args.out)
  print(f"{results['images']} images from {args.folder}")
  print(f"{'codec':12s} {'quality':>8s} {'bpp':>8s} {'PSNR':>8s} {'MS-SSIM':>8s}"
        f" {'enc s':>7s} {'dec s':>7s}")
  for entry in results["codecs"]:
    r = entry["results"]
    for i, q in enumerate(r["quality"]):
      print(f"{entry['name']:12s} {q:8d} {r['bpp'][i]:8.4f} "
            f"{r['psnr-rgb'][i]:8.2f} {r['ms-ssim-rgb'][i]:8.4f} "
            f"{r['encoding_time'][i]:7.3f} {r['decoding_time'][i]:7.3f}")
  for name, why in results["skipped"].items():
    print(f"skipped {name}: {why}")
  print(f"wrote {args.out}")
  return 0


def cmd_plot(args) -> int:
  from tfcodec import plot  # pylint: disable=g-import-not-at-top
  try:
    if args.list_anchors:
      print("\n".join(plot.anchor_names(args.anchors_csv)))
      return 0
    if not args.results and not args.anchor:
      raise CliError("nothing to plot: give result files and/or --anchor")
    curves = []
    for path in args.results:
      curves += plot.load_results(path)
    if args.anchor:
      curves += plot.load_anchors(args.anchor, args.anchors_csv)
    if args.out:
      plot.plot_rd(curves, args.out, title=args.title, max_bpp=args.max_bpp)
      print(f"wrote {args.out}")
    if args.bd_rate:
      print(plot.bd_table(curves, args.bd_rate))
  except (FileNotFoundError, ValueError) as e:
    raise CliError(str(e)) from None
  return 0


def build_parser() -> argparse.ArgumentParser:
  from tfcodec import zoo  # pylint: disable=g-import-not-at-top
  parser = argparse.ArgumentParser(
      prog="tfcodec", description="Learned image compression with TensorFlow.")
  parser.add_argument("--version", action="version",
                      version=f"tfcodec {__version__}")
  sub = parser.add_subparsers(dest="command", metavar="COMMAND")
  sub.required = True

  p = sub.add_parser("compress", help="compress an image into a .tfc file")
  p.add_argument("input", help="image (PNG, JPEG, WebP, TIFF, BMP, ...)")
  p.add_argument("output", help="compressed file to write")
  p.add_argument("--model", default=zoo.DEFAULT_MODEL,
                 help="zoo model (see `tfcodec models`)")
  p.add_argument("--quality", type=int, default=None,
                 help="quality index (default: the model's default)")
  p.add_argument("--refine-steps", type=_non_negative, default=0,
                 metavar="N",
                 help="hyperprior models: refine the image's latents for N "
                      "steps before coding (slower encode, smaller or "
                      "better files, any decoder reads them; e.g. 40)")
  p.set_defaults(func=cmd_compress)

  p = sub.add_parser("decompress", help="decompress a .tfc file into an image")
  p.add_argument("input", help="compressed file")
  p.add_argument("output", help="image to write; format from the extension")
  p.add_argument("--reference", default=None,
                 help="original image: also print PSNR and MS-SSIM")
  p.add_argument("--backend", choices=("tf", "tflite"), default="tf",
                 help="tflite: entropy decoding in TensorFlow, synthesis in "
                      "TFLite under LiteRT")
  p.add_argument("--quantization", choices=("none", "fp16", "int8"),
                 default="none",
                 help="TFLite weights when converting the shipped model "
                      "(converted once, cached in ~/.cache/tfcodec)")
  p.add_argument("--tflite-model", default=None,
                 help="a .tflite synthesis to use (from `python -m "
                      "export.tflite`) instead of converting")
  p.add_argument("--iterations", type=int, default=None,
                 help="progressive models (conv_gru): decode only the first "
                      "K iterations (a lower quality)")
  p.set_defaults(func=cmd_decompress)

  p = sub.add_parser("info", help="show what a .tfc file holds")
  p.add_argument("file")
  p.set_defaults(func=cmd_info)

  p = sub.add_parser("models", help="list the zoo and its shipped qualities")
  p.set_defaults(func=cmd_models)

  p = sub.add_parser(
      "bench", help="measure zoo models and classical codecs over a folder")
  p.add_argument("folder", help="folder of images (e.g. Kodak)")
  p.add_argument("--out", required=True, help="results JSON to write")
  p.add_argument("--models", default=None,
                 help="comma-separated zoo models (default: all shipped)")
  p.add_argument("--codecs", default=None,
                 help="comma-separated codecs (default: all; unavailable "
                      "ones are skipped with a note); '' for none")
  p.add_argument("--quality", action="append", metavar="NAME=Q1,Q2",
                 help="qualities for one model or codec (repeatable)")
  p.add_argument("--workers", type=int, default=2,
                 help="worker processes for classical codecs")
  p.add_argument("--cache", default=None,
                 help="cache folder (default: OUT.cache); reruns resume")
  p.add_argument("--no-cache", action="store_true", help="measure everything")
  p.set_defaults(func=cmd_bench)

  p = sub.add_parser("plot", help="rate-distortion plots and BD-rate tables")
  p.add_argument("results", nargs="*", help="results JSON files")
  p.add_argument("--out", default=None, help="plot to write (.png or .svg)")
  p.add_argument("--anchor", action="append", default=[],
                 help="published curve to add, by name (repeatable)")
  p.add_argument("--anchors-csv", default=None,
                 help="anchors CSV (default: ../shared/anchors/"
                      "kodak_published_rd.csv)")
  p.add_argument("--bd-rate", default=None, metavar="REFERENCE",
                 help="print BD-rate/BD-PSNR of every curve against this one")
  p.add_argument("--max-bpp", type=float, default=None,
                 help="leave out points above this rate")
  p.add_argument("--title", default=None)
  p.add_argument("--list-anchors", action="store_true",
                 help="list the anchor names and exit")
  p.set_defaults(func=cmd_plot)
  return parser


def main(argv: Optional[List[str]] = None) -> int:
  """Runs the command; returns the exit code."""
  _quiet_tensorflow()
  parser = build_parser()
  args = parser.parse_args(argv)
  try:
    return args.func(args)
  except TfcodecError as e:
    print(f"tfcodec: error: {e}", file=sys.stderr)
    return 1
  except OSError as e:
    name = f"{e.filename}: " if e.filename else ""
    print(f"tfcodec: error: {name}{e.strerror or e}", file=sys.stderr)
    return 1
  except KeyboardInterrupt:
    print("tfcodec: interrupted", file=sys.stderr)
    return 130


def run() -> None:
  sys.exit(main())


if __name__ == "__main__":
  run()

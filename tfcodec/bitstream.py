"""The tfcodec container format (version 1).

All integers are big-endian::

  offset  size  field
  0       4     magic b"TFCD"
  4       1     format version (1)
  5       1     n = length of the model name (1..32)
  6       n     model name, ASCII
  6+n     1     quality (0..255)
  7+n     4     image height (1..65535)
  11+n    4     image width (1..65535)
  15+n    4     L = payload length (at most 1 GiB)
  19+n    L     payload: the model's `compress` tensors, packed by
                tfc.PackedTensors (dtypes come from the model's `decompress`
                signature, so they are not written twice)
  19+n+L  4     CRC32 of every byte before it

`unpack` checks magic, version, header limits, length and CRC, in that order,
before anything is allocated from header values; each failure raises its own
`BitstreamError` subclass.

Progressive models (one string per coding iteration, e.g. `conv_gru`) put
the iterations after the container, as chunks::

  4     C = chunk length (at most MAX_PAYLOAD)
  C     the iteration's string
  4     CRC32 of the string

The header's quality is the number of iterations coded. A file cut after
any chunk is still a valid file with fewer iterations; a chunk cut short is
left out (`unpack_progressive` says so). This module needs no TensorFlow except in
`pack_tensors`/`unpack_tensors`.
"""

import dataclasses
import struct
import zlib
from typing import Iterable, Optional, Sequence, Tuple

from tfcodec.errors import (
  BadMagicError,
  CorruptedError,
  LimitExceededError,
  TruncatedError,
  UnknownModelError,
  UnsupportedVersionError,
)

__all__ = ["MAGIC", "VERSION", "Header", "pack", "unpack", "peek_header",
           "pack_progressive", "unpack_progressive", "Progressive",
           "pack_tensors", "unpack_tensors", "MAX_SIDE", "MAX_PIXELS",
           "MAX_PAYLOAD", "MAX_NAME"]

MAGIC = b"TFCD"
VERSION = 1
MAX_NAME = 32
MAX_SIDE = 65535
MAX_PIXELS = 100_000_000
MAX_PAYLOAD = 1 << 30
_TAIL = struct.Struct(">BIII")  # quality, height, width, payload length
_CRC = struct.Struct(">I")


@dataclasses.dataclass(frozen=True)
class Header:
  """What the container says about the image it holds."""
  model: str
  quality: int
  height: int
  width: int

  @property
  def num_pixels(self) -> int:
    return self.height * self.width


def _check_header(header: Header, max_pixels: int) -> None:
  if not header.model or len(header.model) > MAX_NAME:
    raise LimitExceededError(
        f"model name length {len(header.model)} is outside 1..{MAX_NAME}")
  if not 0 <= header.quality <= 255:
    raise LimitExceededError(f"quality {header.quality} is outside 0..255")
  for what, value in (("height", header.height), ("width", header.width)):
    if not 1 <= value <= MAX_SIDE:
      raise LimitExceededError(f"image {what} {value} is outside 1..{MAX_SIDE}")
  if header.num_pixels > max_pixels:
    raise LimitExceededError(
        f"image size {header.width}x{header.height} is over the limit of "
        f"{max_pixels} pixels")


def pack(header: Header, payload: bytes) -> bytes:
  """Builds a container. `unpack(pack(h, p)) == (h, p)`."""
  _check_header(header, MAX_PIXELS)
  try:
    name = header.model.encode("ascii")
  except UnicodeEncodeError:
    raise LimitExceededError(f"model name {header.model!r} is not ASCII") from None
  if len(payload) > MAX_PAYLOAD:
    raise LimitExceededError(f"payload of {len(payload)} bytes is over the "
                             f"limit of {MAX_PAYLOAD}")
  body = b"".join([
      MAGIC, bytes([VERSION, len(name)]), name,
      _TAIL.pack(header.quality, header.height, header.width, len(payload)),
      payload])
  return body + _CRC.pack(zlib.crc32(body))


def _parse(data: bytes, max_pixels: int,
           trailing: bool = False) -> Tuple[Header, int, int]:
  """Parses and checks the header: returns (header, payload start, length)."""
  data = memoryview(data)
  if len(data) < len(MAGIC):
    if bytes(data) == MAGIC[:len(data)]:
      raise TruncatedError(f"file is {len(data)} bytes, shorter than a header")
    raise BadMagicError("not a tfcodec file (bad magic bytes)")
  if bytes(data[:4]) != MAGIC:
    raise BadMagicError("not a tfcodec file (bad magic bytes)")
  if len(data) < 6:
    raise TruncatedError("file ends inside the header")
  version, name_len = data[4], data[5]
  if version != VERSION:
    raise UnsupportedVersionError(
        f"container version {version} is not supported (this tfcodec reads "
        f"version {VERSION})")
  if not 1 <= name_len <= MAX_NAME:
    raise LimitExceededError(f"model name length {name_len} is outside "
                             f"1..{MAX_NAME}")
  start = 6 + name_len + _TAIL.size
  if len(data) < start:
    raise TruncatedError("file ends inside the header")
  try:
    name = bytes(data[6:6 + name_len]).decode("ascii")
  except UnicodeDecodeError:
    raise CorruptedError("model name in the header is not ASCII") from None
  quality, height, width, length = _TAIL.unpack_from(data, 6 + name_len)
  header = Header(name, quality, height, width)
  _check_header(header, max_pixels)
  if length > MAX_PAYLOAD:
    raise LimitExceededError(f"payload length {length} is over the limit of "
                             f"{MAX_PAYLOAD} bytes")
  total = start + length + _CRC.size
  if len(data) < total:
    raise TruncatedError(f"file is truncated: {len(data)} of {total} bytes")
  if len(data) > total and not trailing:
    raise CorruptedError(f"{len(data) - total} unexpected bytes after the end "
                         f"of the container")
  return header, start, length


def unpack(data: bytes, known_models: Optional[Iterable[str]] = None,
           max_pixels: int = MAX_PIXELS) -> Tuple[Header, bytes]:
  """Checks a container and returns (header, payload).

  Raises:
    BadMagicError, UnsupportedVersionError, LimitExceededError,
    TruncatedError, CorruptedError, UnknownModelError.
  """
  header, start, length = _parse(data, max_pixels)
  (crc,) = _CRC.unpack_from(data, start + length)
  if zlib.crc32(memoryview(data)[:start + length]) != crc:
    raise CorruptedError("CRC32 mismatch: the file is corrupted")
  if known_models is not None and header.model not in set(known_models):
    raise UnknownModelError(f"file was made by model '{header.model}', which "
                            f"this tfcodec does not have")
  return header, bytes(data[start:start + length])


def peek_header(data: bytes, max_pixels: int = MAX_PIXELS) -> Header:
  """The header of a container, checked except for its CRC."""
  return _parse(data, max_pixels, trailing=True)[0]


_CHUNK = struct.Struct(">I")


@dataclasses.dataclass(frozen=True)
class Progressive:
  """What `unpack_progressive` found: the iterations present, in order."""
  header: Header
  payload: bytes
  chunks: Tuple[bytes, ...]
  #: Bytes after the last whole chunk (a chunk cut short), 0 if none.
  cut_bytes: int

  @property
  def iterations(self) -> int:
    return len(self.chunks)


def pack_progressive(header: Header, payload: bytes,
                     chunks: Sequence[bytes]) -> bytes:
  """A container holding `payload`, followed by one chunk per iteration."""
  if len(chunks) != header.quality:
    raise LimitExceededError(f"{len(chunks)} iterations, but the header "
                             f"says {header.quality}")
  parts = [pack(header, payload)]
  for chunk in chunks:
    if len(chunk) > MAX_PAYLOAD:
      raise LimitExceededError(f"chunk of {len(chunk)} bytes is over the "
                               f"limit of {MAX_PAYLOAD}")
    parts += [_CHUNK.pack(len(chunk)), chunk, _CRC.pack(zlib.crc32(chunk))]
  return b"".join(parts)


def unpack_progressive(data: bytes,
                       known_models: Optional[Iterable[str]] = None,
                       max_pixels: int = MAX_PIXELS) -> Progressive:
  """Checks a progressive file; returns its iterations (all whole chunks).

  Raises what `unpack` raises, and CorruptedError for a chunk whose CRC
  fails or for more chunks than the header's iterations.
  """
  header, start, length = _parse(data, max_pixels, trailing=True)
  end = start + length + _CRC.size
  _, payload = unpack(bytes(data[:end]), known_models, max_pixels)
  view = memoryview(data)
  chunks = []
  position = end
  while position + _CHUNK.size <= len(view):
    (size,) = _CHUNK.unpack_from(view, position)
    if size > MAX_PAYLOAD:
      raise CorruptedError(f"iteration {len(chunks) + 1}: length {size} is "
                           f"over the limit of {MAX_PAYLOAD} bytes")
    stop = position + _CHUNK.size + size + _CRC.size
    if stop > len(view):
      break
    chunk = bytes(view[position + _CHUNK.size:stop - _CRC.size])
    (crc,) = _CRC.unpack_from(view, stop - _CRC.size)
    if zlib.crc32(chunk) != crc:
      raise CorruptedError(f"iteration {len(chunks) + 1}: CRC32 mismatch, "
                           "the file is corrupted")
    chunks.append(chunk)
    position = stop
  if len(chunks) > header.quality:
    raise CorruptedError(f"file holds {len(chunks)} iterations, the header "
                         f"says at most {header.quality}")
  return Progressive(header, payload, tuple(chunks), len(view) - position)


def cut_progressive(data: bytes, iterations: int) -> bytes:
  """A progressive file cut after its first `iterations` whole chunks.

  That is what a download stopped at an iteration boundary holds, and as
  many bytes as the same image coded with `iterations` iterations: the
  chunks are the same, and only the header's quality (the iterations coded)
  differs.
  """
  found = unpack_progressive(data)
  if not 1 <= iterations <= found.iterations:
    raise ValueError(f"cannot cut after iteration {iterations}: the file "
                     f"holds 1..{found.iterations}")
  drop = found.cut_bytes + sum(len(c) + _CHUNK.size + _CRC.size
                               for c in found.chunks[iterations:])
  return bytes(data[:len(data) - drop])


def pack_tensors(tensors: Sequence) -> bytes:
  """Packs a model's `compress` outputs with tfc.PackedTensors."""
  import tensorflow_compression as tfc  # pylint: disable=g-import-not-at-top
  packed = tfc.PackedTensors()
  packed.pack(list(tensors))
  return packed.string


def unpack_tensors(payload: bytes, dtypes: Sequence) -> list:
  """Inverse of `pack_tensors`; `dtypes` come from the decompress signature."""
  import tensorflow_compression as tfc  # pylint: disable=g-import-not-at-top
  try:
    tensors = tfc.PackedTensors(payload).unpack(list(dtypes))
  except Exception as e:  # protobuf or shape errors from malformed payloads
    raise CorruptedError(f"payload does not decode ({type(e).__name__})") from None
  if len(tensors) != len(dtypes):
    raise CorruptedError(f"payload holds {len(tensors)} tensors, the model "
                         f"expects {len(dtypes)}")
  return tensors

"""Exceptions for user errors. The CLI catches `TfcodecError` and prints one line."""

__all__ = [
    "TfcodecError",
    "ImageError",
    "BitstreamError",
    "BadMagicError",
    "UnsupportedVersionError",
    "UnknownModelError",
    "TruncatedError",
    "CorruptedError",
    "LimitExceededError",
    "ModelError",
]


class TfcodecError(Exception):
  """Base class for errors caused by user input (files, names, options)."""


class ImageError(TfcodecError):
  """An image file cannot be read, is unsupported, or is too large."""


class BitstreamError(TfcodecError):
  """A compressed file is not a valid tfcodec bitstream."""


class BadMagicError(BitstreamError):
  """The file does not start with the tfcodec magic bytes."""


class UnsupportedVersionError(BitstreamError):
  """The container format version is not one this library reads."""


class UnknownModelError(BitstreamError, ValueError):
  """A model name (in a file or an argument) is not in the zoo."""


class TruncatedError(BitstreamError):
  """The file ends before the container says it should."""


class CorruptedError(BitstreamError):
  """The CRC32 check failed, or the payload does not decode."""


class LimitExceededError(BitstreamError):
  """A header field is over the limits this library accepts."""


class ModelError(TfcodecError, ValueError):
  """A model cannot be built or loaded with the given arguments."""

"""The container: byte-exact round trips and a typed error for every defect."""

import struct
import zlib

import numpy as np
import pytest

from tfcodec import bitstream
from tfcodec.bitstream import Header
from tfcodec.errors import (
  BadMagicError,
  BitstreamError,
  CorruptedError,
  LimitExceededError,
  TruncatedError,
  UnknownModelError,
  UnsupportedVersionError,
)

HEADER = Header("hyperprior", 3, 512, 768)
PAYLOAD = bytes(range(256)) * 3


def test_round_trip_is_byte_exact():
  data = bitstream.pack(HEADER, PAYLOAD)
  header, payload = bitstream.unpack(data)
  assert header == HEADER
  assert payload == PAYLOAD
  assert bitstream.pack(header, payload) == data


def test_layout_matches_the_documented_format():
  data = bitstream.pack(HEADER, b"xyz")
  n = len("hyperprior")
  assert data[:4] == b"TFCD"
  assert data[4] == 1 and data[5] == n
  assert data[6:6 + n] == b"hyperprior"
  assert struct.unpack(">BIII", data[6 + n:19 + n]) == (3, 512, 768, 3)
  assert data[19 + n:22 + n] == b"xyz"
  assert struct.unpack(">I", data[-4:])[0] == zlib.crc32(data[:-4])
  assert len(data) == 19 + n + 3 + 4


def test_empty_payload_round_trips():
  assert bitstream.unpack(bitstream.pack(HEADER, b""))[1] == b""


@pytest.mark.parametrize("cut", [0, 1, 3, 4, 5, 6, 10, 20, 28, 100, -5, -1])
def test_truncation_at_any_point_is_a_typed_error(cut):
  data = bitstream.pack(HEADER, PAYLOAD)
  with pytest.raises(TruncatedError):
    bitstream.unpack(data[:cut] if cut > 0 else data[:len(data) + cut]
                     if cut < 0 else b"")


def test_every_single_flipped_byte_is_detected():
  data = bitstream.pack(HEADER, PAYLOAD[:40])
  for i in range(len(data)):
    corrupt = bytearray(data)
    corrupt[i] ^= 0x5A
    with pytest.raises(BitstreamError):
      bitstream.unpack(bytes(corrupt))


def test_flipped_payload_byte_is_a_crc_error():
  data = bytearray(bitstream.pack(HEADER, PAYLOAD))
  data[40] ^= 1
  with pytest.raises(CorruptedError, match="CRC"):
    bitstream.unpack(bytes(data))


def test_random_bytes_are_rejected(rng):
  for _ in range(200):
    blob = rng.randint(0, 256, rng.randint(0, 200)).astype(np.uint8).tobytes()
    with pytest.raises(BitstreamError):
      bitstream.unpack(blob)


def test_random_bytes_after_the_magic_are_rejected(rng):
  for _ in range(200):
    blob = b"TFCD" + rng.randint(0, 256, rng.randint(0, 200)).astype(
        np.uint8).tobytes()
    with pytest.raises(BitstreamError):
      bitstream.unpack(blob)


def test_wrong_magic():
  data = bitstream.pack(HEADER, PAYLOAD)
  with pytest.raises(BadMagicError):
    bitstream.unpack(b"\x89PNG" + data[4:])


def test_unknown_version():
  data = bytearray(bitstream.pack(HEADER, PAYLOAD))
  data[4] = 2
  with pytest.raises(UnsupportedVersionError, match="version 2"):
    bitstream.unpack(bytes(data))


def test_unknown_model():
  data = bitstream.pack(Header("nosuchmodel", 1, 4, 4), b"p")
  with pytest.raises(UnknownModelError, match="nosuchmodel"):
    bitstream.unpack(data, known_models=["hyperprior"])
  assert bitstream.unpack(data)[0].model == "nosuchmodel"


def _with_fields(height, width, length, payload=b""):
  name = b"hyperprior"
  body = (b"TFCD" + bytes([1, len(name)]) + name +
          struct.pack(">BIII", 1, height, width, length) + payload)
  return body + struct.pack(">I", zlib.crc32(body))


def test_header_claiming_a_huge_image_is_refused_before_allocation():
  with pytest.raises(LimitExceededError, match="outside"):
    bitstream.unpack(_with_fields(2 ** 31, 2 ** 31, 0))
  with pytest.raises(LimitExceededError, match="over the limit"):
    bitstream.unpack(_with_fields(60000, 60000, 0))


def test_header_claiming_a_huge_payload_is_refused():
  with pytest.raises(LimitExceededError, match="payload length"):
    bitstream.unpack(_with_fields(10, 10, 2 ** 31))


def test_payload_length_beyond_the_file_is_truncation():
  with pytest.raises(TruncatedError):
    bitstream.unpack(_with_fields(10, 10, 5000, b"abc"))


def test_zero_sized_image_is_refused():
  with pytest.raises(LimitExceededError):
    bitstream.unpack(_with_fields(0, 10, 0))


def test_trailing_bytes_are_corruption():
  with pytest.raises(CorruptedError, match="unexpected bytes"):
    bitstream.unpack(bitstream.pack(HEADER, PAYLOAD) + b"\x00")


def test_pack_refuses_bad_headers():
  with pytest.raises(LimitExceededError):
    bitstream.pack(Header("x" * 33, 1, 4, 4), b"")
  with pytest.raises(LimitExceededError):
    bitstream.pack(Header("m", 256, 4, 4), b"")
  with pytest.raises(LimitExceededError):
    bitstream.pack(Header("m", 1, 0, 4), b"")


def test_tensor_payload_round_trips():
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  tensors = [tf.constant([b"\x00\x01range-coded"]), tf.constant([5, 7])]
  payload = bitstream.pack_tensors(tensors)
  out = bitstream.unpack_tensors(payload, [tf.string, tf.int32])
  assert out[0].numpy()[0] == b"\x00\x01range-coded"
  assert list(out[1].numpy()) == [5, 7]
  assert bitstream.pack_tensors(out) == payload


def test_garbage_tensor_payload_is_corruption():
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  with pytest.raises(CorruptedError):
    bitstream.unpack_tensors(b"\xff\xfe garbage", [tf.string, tf.int32])

"""Z85 (ZeroMQ RFC 32): the test vector, round trips, and what bad input raises."""
from __future__ import annotations

import os

import pytest

import zmq_cffi as zmq
from zmq_cffi.utils import z85

ALPHABET = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
RFC_RAW = bytes([0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B])
RFC_TEXT = b"HelloWorld"


def test_rfc_vector_encodes():
    assert z85.encode(RFC_RAW) == RFC_TEXT


def test_rfc_vector_decodes():
    assert z85.decode(RFC_TEXT) == RFC_RAW


def test_decode_takes_str():
    assert z85.decode("HelloWorld") == RFC_RAW


@pytest.mark.parametrize("kind", [bytearray, memoryview])
def test_encode_takes_buffers(kind):
    assert z85.encode(kind(RFC_RAW)) == RFC_TEXT


@pytest.mark.parametrize(
    "raw, text",
    [(b"\0\0\0\0", b"00000"), (b"\0\0\0\1", b"00001"), (b"\xff\xff\xff\xff", b"%nSc0")],
)
def test_edges_of_a_block(raw, text):
    assert z85.encode(raw) == text
    assert z85.decode(text) == raw


@pytest.mark.parametrize("size", [4, 8, 32, 1024])
def test_round_trip(size):
    raw = os.urandom(size)
    text = z85.encode(raw)
    assert len(text) == size * 5 // 4
    assert set(text) <= set(ALPHABET)
    assert z85.decode(text) == raw


def test_every_byte_value_round_trips():
    raw = bytes(range(256))
    assert z85.decode(z85.encode(raw)) == raw


def test_empty_round_trip():
    assert z85.encode(b"") == b""
    assert z85.decode(b"") == b""


def test_whole_alphabet_decodes():
    text = ALPHABET[:80]
    assert z85.encode(z85.decode(text)) == text


def test_curve_keys_are_z85():
    public, secret = zmq.curve_keypair()
    assert z85.encode(z85.decode(public)) == public
    assert z85.encode(z85.decode(secret)) == secret


@pytest.mark.parametrize("raw", [b"abc", b"abcde", b"\0" * 31])
def test_encode_needs_multiple_of_4(raw):
    with pytest.raises(ValueError):
        z85.encode(raw)


@pytest.mark.parametrize("text", [b"abcd", b"Hello World", "HelloWorld!"])
def test_decode_needs_multiple_of_5(text):
    with pytest.raises(ValueError):
        z85.decode(text)


@pytest.mark.parametrize(
    "text",
    [b"\0\0\0\0\0", b"\xff\xff\xff\xff\xff", b"Hel o", b"Hello~orld", "h\u00e9llo"],
    ids=["nul", "high-bytes", "space", "tilde", "non-ascii-str"],
)
def test_decode_rejects_bad_characters(text):
    with pytest.raises(ValueError):
        z85.decode(text)


@pytest.mark.parametrize("text", [b"#####", b"%nSc1"])
def test_decode_rejects_overflow(text):
    with pytest.raises(ValueError):
        z85.decode(text)


@pytest.mark.parametrize("bad", [12, None])
def test_encode_rejects_non_bytes(bad):
    with pytest.raises(TypeError):
        z85.encode(bad)


def test_encode_rejects_str():
    with pytest.raises(TypeError):
        z85.encode("abcd")


@pytest.mark.parametrize("bad", [12, None])
def test_decode_rejects_non_text(bad):
    with pytest.raises(TypeError):
        z85.decode(bad)

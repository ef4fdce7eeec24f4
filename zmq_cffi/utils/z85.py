"""Z85 encoding (ZeroMQ RFC 32), as used for CURVE keys."""
from __future__ import annotations

from typing import Union

from zmq_cffi._ffi import ffi, lib

__all__ = ["encode", "decode"]


def encode(rawbytes: bytes) -> bytes:
    """Z85-encode bytes whose length is a multiple of 4 (5 characters per 4 bytes)."""
    if not isinstance(rawbytes, (bytes, bytearray, memoryview)):
        raise TypeError(f"z85.encode takes bytes, not {type(rawbytes).__name__}")
    raw = bytes(rawbytes)
    if len(raw) % 4:
        raise ValueError(f"length must be a multiple of 4, not {len(raw)}")
    out = ffi.new("char[]", len(raw) * 5 // 4 + 1)
    if lib.zmq_z85_encode(out, raw, len(raw)) == ffi.NULL:
        raise ValueError("Z85 encoding failed")
    encoded: bytes = ffi.string(out)
    return encoded


def decode(z85bytes: Union[str, bytes]) -> bytes:
    """Decode Z85 text whose length is a multiple of 5."""
    if isinstance(z85bytes, str):
        try:
            z85bytes = z85bytes.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError("Z85 text is ASCII only") from None
    if not isinstance(z85bytes, (bytes, bytearray, memoryview)):
        raise TypeError(f"z85.decode takes bytes or str, not {type(z85bytes).__name__}")
    text = bytes(z85bytes)
    if not text:
        return b""
    if len(text) % 5:
        raise ValueError(f"length must be a multiple of 5, not {len(text)}")
    if b"\0" in text:
        raise ValueError("Z85 text cannot contain NUL bytes")
    out = ffi.new("uint8_t[]", len(text) * 4 // 5 + 1)
    if lib.zmq_z85_decode(out, text) == ffi.NULL:
        raise ValueError(f"invalid Z85 text: {text[:40]!r}")
    decoded: bytes = ffi.buffer(out, len(text) * 4 // 5)[:]
    return decoded

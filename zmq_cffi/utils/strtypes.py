"""pyzmq's deprecated ``zmq.utils.strtypes``: str/bytes helpers from its Python 2 days.

Kept so that older programs still import; new code should use str and bytes directly."""
from __future__ import annotations

import builtins
import warnings
from typing import Union

__all__ = ["asbytes", "bytes", "unicode", "basestring", "b", "u", "cast_bytes", "cast_unicode"]

warnings.warn(
    "zmq.utils.strtypes is deprecated (as in pyzmq): use str and bytes directly",
    DeprecationWarning,
    stacklevel=2,
)

bytes = builtins.bytes
unicode = str
basestring = (str, builtins.bytes)


def cast_bytes(s: Union[str, builtins.bytes], encoding: str = "utf8", errors: str = "strict") -> builtins.bytes:
    """`s` as bytes: a str is encoded with `encoding`, bytes are returned as they are."""
    if isinstance(s, builtins.bytes):
        return s
    if isinstance(s, str):
        return s.encode(encoding, errors)
    raise TypeError(f"expected str or bytes, not {type(s).__name__}")


def cast_unicode(s: Union[str, builtins.bytes], encoding: str = "utf8", errors: str = "strict") -> str:
    """`s` as str: bytes are decoded with `encoding`, a str is returned as it is."""
    if isinstance(s, builtins.bytes):
        return s.decode(encoding, errors)
    if isinstance(s, str):
        return s
    raise TypeError(f"expected str or bytes, not {type(s).__name__}")


# pyzmq's short aliases.
b = asbytes = cast_bytes
u = cast_unicode

"""JSON helpers with pyzmq's names: bytes in and out, UTF-8."""
from __future__ import annotations

import json
from typing import Any, Union

__all__ = ["dumps", "loads", "jsonmod"]

#: The JSON module in use (pyzmq's name; it once chose among several, now always json).
jsonmod = json


def dumps(o: Any, **kwargs: Any) -> bytes:
    """Serialize to JSON bytes."""
    return json.dumps(o, **kwargs).encode("utf-8")


def loads(s: Union[bytes, str], **kwargs: Any) -> Any:
    """Parse JSON from bytes or str."""
    if isinstance(s, (bytes, bytearray, memoryview)):
        s = bytes(s).decode("utf-8")
    return json.loads(s, **kwargs)

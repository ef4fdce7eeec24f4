"""Type aliases for zmq_cffi's annotations, shared by several modules.

Only type checkers need this module (the others import it under TYPE_CHECKING), but it is
importable at run time too, e.g. by tools that evaluate annotations.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

    from zmq_cffi.backend.frame import Frame

__all__ = ["SendData", "SockOptValue"]

#: One frame for send(): a Frame, bytes, or any other object exporting a byte buffer
#: (bytearray, memoryview, array.array, a numpy array, ...). A str is refused.
SendData = Union["Frame", "ReadableBuffer"]

#: A socket option value: an int for numeric options, bytes for string and binary ones.
SockOptValue = Union[int, bytes, bytearray, memoryview]

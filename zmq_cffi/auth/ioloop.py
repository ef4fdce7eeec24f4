"""IOLoopAuthenticator: the old tornado name of AsyncioAuthenticator (deprecated).

tornado runs on asyncio, so AsyncioAuthenticator serves tornado programs as well.
"""
from __future__ import annotations

import warnings
from typing import Any, Optional

from zmq_cffi.auth.asyncio import AsyncioAuthenticator
from zmq_cffi.context import Context

__all__ = ["IOLoopAuthenticator"]

warnings.warn(
    "zmq_cffi.auth.ioloop.IOLoopAuthenticator is deprecated: use "
    "zmq_cffi.auth.asyncio.AsyncioAuthenticator",
    DeprecationWarning,
    stacklevel=2,
)


class IOLoopAuthenticator(AsyncioAuthenticator):
    """AsyncioAuthenticator under its former name; `io_loop` is ignored."""

    def __init__(
        self, context: Optional[Context] = None, encoding: str = "utf-8", log: Any = None, io_loop: Any = None
    ) -> None:
        if io_loop is not None:
            warnings.warn(
                f"{type(self).__name__}(io_loop) is deprecated and ignored", DeprecationWarning, stacklevel=2
            )
        super().__init__(context=context, encoding=encoding, log=log)

"""asyncio support: `Context`, `Socket` and `Poller` whose send/recv/poll return asyncio futures.

    import zmq_cffi.asyncio as zaio

    ctx = zaio.Context.instance()
    sock = ctx.socket(zmq.PULL)
    msg = await sock.recv_multipart()

Works with any asyncio event loop that supports add_reader (the default one on Unix). A socket
binds to the loop running when it is first used, not when it is created, and follows to a
new loop (a later asyncio.run) by itself.
"""
from __future__ import annotations

import asyncio
import warnings
from typing import Any, Optional

import zmq_cffi as _zmq
from zmq_cffi import _future

__all__ = ["Context", "Socket", "Poller", "ZMQEventLoop", "install"]


def _default_loop() -> asyncio.AbstractEventLoop:
    # The policy's loop for this thread (creating it in the main thread if needed), as
    # asyncio.get_event_loop() did before it started warning about being called without one.
    return asyncio.get_event_loop_policy().get_event_loop()


class _AsyncIO:
    """The asyncio hooks of the loop-agnostic core."""

    _running_loop = staticmethod(asyncio._get_running_loop)
    _default_loop = staticmethod(_default_loop)


class Poller(_AsyncIO, _future._FuturePoller):
    """A Poller whose poll(timeout) returns an asyncio Future of [(socket, events), ...]."""


class Socket(_AsyncIO, _future._FutureSocket):
    """A Socket whose send/recv/poll methods (and their variants) return asyncio Futures.

    `Socket(sync_socket)` makes an async socket over a synchronous one's libzmq socket (and
    `zmq_cffi.Socket(async_socket)` the reverse). As in pyzmq, they share it: closing either
    closes it for both, and cancels the async one's pending futures.
    """

    # pyzmq names the matching Poller class here; kept for code that looks it up.
    _poller_class = Poller


class Context(_zmq.Context[Socket]):
    """A Context whose socket() makes asyncio Sockets.

    `Context(sync_context)` wraps a synchronous context without owning it (and
    `zmq_cffi.Context(async_context)` the reverse); `Context.instance()` is a process-wide
    async context, separate from `zmq_cffi.Context.instance()`.
    """

    _socket_class = Socket
    # Its own singleton: the synchronous class's instance makes synchronous sockets.
    _instance: Any = None
    _instance_pid: Optional[int] = None


class ZMQEventLoop(asyncio.SelectorEventLoop):
    """Deprecated: any asyncio loop works. Kept for programs written for pyzmq < 17."""

    def __init__(self, selector: Any = None) -> None:
        warnings.warn(
            "ZMQEventLoop and zmq_cffi.asyncio.install are deprecated: any asyncio event loop "
            "works with zmq_cffi.asyncio sockets",
            DeprecationWarning,
            stacklevel=2,
        )
        super().__init__(selector)


def install() -> None:
    """Deprecated and does nothing: no special event loop is needed."""
    warnings.warn(
        "ZMQEventLoop and zmq_cffi.asyncio.install are deprecated: any asyncio event loop "
        "works with zmq_cffi.asyncio sockets",
        DeprecationWarning,
        stacklevel=2,
    )

"""Future-returning sockets for tornado coroutines, under pyzmq's `zmq.eventloop.future` names.

    from zmq_cffi.eventloop.future import Context

    ctx = Context.instance()
    sock = ctx.socket(zmq.PULL)
    msg = await sock.recv_multipart()   # in a tornado coroutine (or any coroutine on its IOLoop)

The sockets are zmq_cffi.asyncio's surface and futures driver (zmq_cffi._future) on tornado's
IOLoop instead of an asyncio loop: the socket's fd is watched with `IOLoop.add_handler`,
callbacks go through `add_callback`/`call_later`, and the futures are tornado's (since tornado
5 these are asyncio Futures, so `await`, `gen.coroutine` and `IOLoop.add_future` all take them).
A socket uses the IOLoop current at each call, as in pyzmq since 22.2.
"""
from __future__ import annotations

import asyncio
import warnings
from typing import Any, Callable, Dict, Optional, Tuple

from tornado.ioloop import IOLoop

import zmq_cffi as _zmq
from zmq_cffi import _future

__all__ = ["Context", "Socket", "Poller", "CancelledError"]

# A cancelled future raises asyncio's CancelledError (tornado's futures are asyncio's).
CancelledError = asyncio.CancelledError


class _Timeout:
    """call_later's handle: cancel() removes the IOLoop timeout."""

    __slots__ = ("io_loop", "handle")

    def __init__(self, io_loop: IOLoop, handle: object) -> None:
        self.io_loop, self.handle = io_loop, handle

    def cancel(self) -> None:
        self.io_loop.remove_timeout(self.handle)


class _Watched:
    """What the IOLoop holds for a watched fd. `IOLoop.close(all_fds=True)` closes each
    registered object: this closes the zmq socket behind the fd, as pyzmq's sockets are closed
    there, instead of an os.close() of libzmq's own fd."""

    __slots__ = ("fd", "driver")

    def __init__(self, fd: int, driver: "_IOLoopDriver") -> None:
        self.fd, self.driver = fd, driver

    def fileno(self) -> int:
        return self.fd

    def close(self) -> None:
        sock = _future._tables.socket_on_fd(self.driver, self.fd)
        if sock is not None:
            sock.close()


class _IOLoopDriver:
    """What the futures driver calls on a loop, done with a tornado IOLoop's own methods."""

    def __init__(self, io_loop: IOLoop) -> None:
        self.io_loop = io_loop
        # fd -> (on readable, on writable): tornado takes one handler per fd.
        self.handlers: Dict[int, Tuple[Optional[Callable[[], Any]], Optional[Callable[[], Any]]]] = {}

    def create_future(self) -> "asyncio.Future[Any]":
        return self.io_loop.asyncio_loop.create_future()  # type: ignore[attr-defined, no-any-return]

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        self.io_loop.add_callback(callback, *args)

    call_soon_threadsafe = call_soon  # add_callback may be called from any thread

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> _Timeout:
        return _Timeout(self.io_loop, self.io_loop.call_later(delay, callback, *args))

    def is_closed(self) -> bool:
        return bool(self.io_loop.asyncio_loop.is_closed())  # type: ignore[attr-defined]

    def is_running(self) -> bool:
        return bool(self.io_loop.asyncio_loop.is_running())  # type: ignore[attr-defined]

    def _set(self, fd: int, reader: Optional[Callable[[], Any]], writer: Optional[Callable[[], Any]]) -> None:
        had = fd in self.handlers
        if reader is None and writer is None:
            if had:
                del self.handlers[fd]
                self.io_loop.remove_handler(fd)
            return
        self.handlers[fd] = (reader, writer)
        events = (IOLoop.READ if reader else 0) | (IOLoop.WRITE if writer else 0)
        if had:
            self.io_loop.update_handler(fd, events)
        else:
            self.io_loop.add_handler(_Watched(fd, self), self._dispatch, events)

    def _dispatch(self, watched: _Watched, events: int) -> None:
        # tornado hands back the object registered for the fd.
        reader, writer = self.handlers.get(watched.fd, (None, None))
        if reader is not None and events & (IOLoop.READ | IOLoop.ERROR):
            reader()
        if writer is not None and events & (IOLoop.WRITE | IOLoop.ERROR):
            writer()

    def add_reader(self, fd: int, callback: Callable[[], Any]) -> None:
        self._set(fd, callback, self.handlers.get(fd, (None, None))[1])

    def remove_reader(self, fd: int) -> bool:
        reader, writer = self.handlers.get(fd, (None, None))
        self._set(fd, None, writer)
        return reader is not None

    def add_writer(self, fd: int, callback: Callable[[], Any]) -> None:
        self._set(fd, self.handlers.get(fd, (None, None))[0], callback)

    def remove_writer(self, fd: int) -> bool:
        reader, writer = self.handlers.get(fd, (None, None))
        self._set(fd, reader, None)
        return writer is not None


def _driver_of(io_loop: IOLoop) -> _IOLoopDriver:
    # Kept on the IOLoop, so one driver (and one engine per socket) serves each IOLoop.
    driver: Optional[_IOLoopDriver] = getattr(io_loop, "_zmq_cffi_driver", None)
    if driver is None:
        driver = _IOLoopDriver(io_loop)
        io_loop._zmq_cffi_driver = driver  # type: ignore[attr-defined]
    return driver


class _Tornado:
    """The tornado hooks of the futures driver: the IOLoop of the running asyncio loop."""

    @staticmethod
    def _running_loop() -> Optional[_IOLoopDriver]:
        if asyncio._get_running_loop() is None:
            return None
        return _driver_of(IOLoop.current())

    @staticmethod
    def _default_loop() -> _IOLoopDriver:
        return _driver_of(IOLoop.current())

    @staticmethod
    def _as_loop(io_loop: Any) -> Any:
        return _driver_of(io_loop) if isinstance(io_loop, IOLoop) else io_loop


class Poller(_Tornado, _future._FuturePoller):
    """A Poller whose poll(timeout) returns a tornado Future of [(socket, events), ...]."""


class Socket(_Tornado, _future._FutureSocket):
    """A Socket whose send/recv/poll methods (and their variants) return tornado Futures.

    The rules are zmq_cffi.asyncio's: first come, first served per direction, RCVTIMEO and
    SNDTIMEO fail the future with Again, a cancelled receive loses no message, and closing
    the socket cancels its pending futures."""

    # pyzmq names the matching Poller class here; kept for code that looks it up.
    _poller_class = Poller


# pyzmq names the socket class on its Poller as well.
Poller._socket_class = Socket  # type: ignore[attr-defined]


class Context(_zmq.Context[Socket]):
    """A Context whose socket() makes tornado-future Sockets; `Context.instance()` is its own."""

    _socket_class = Socket
    # Its own singleton: the other classes' instances make other kinds of socket.
    _instance: Any = None
    _instance_pid: Optional[int] = None

    def __init__(self, *args: Any, io_loop: Any = None, **kwargs: Any) -> None:
        if io_loop is not None:
            # As pyzmq since 22.2: the loop is the one current at each call.
            warnings.warn(
                "Context(io_loop) is deprecated and ignored: sockets use the current IOLoop",
                DeprecationWarning,
                stacklevel=2,
            )
        super().__init__(*args, **kwargs)

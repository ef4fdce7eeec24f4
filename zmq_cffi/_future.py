"""The futures driver: the readiness engine (zmq_cffi._readiness) on loops with asyncio's API.

It serves zmq_cffi.asyncio, and zmq_cffi.eventloop.future through an IOLoop adapter with
asyncio's method names. Its glue: per loop and libzmq socket one `_FutureEngine` watches the
fd with add_reader and drains when it turns readable, `kick()` drains again with call_soon;
results reach futures (create_future), timeouts are call_later, a Poller's plain fds are
add_reader/add_writer. The bookkeeping (engines per loop, sockets bound to a loop) is
zmq_cffi._loop_binding's.
"""
from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Awaitable, Callable, List, Optional, Tuple, cast

from zmq_cffi import _readiness as rd
from zmq_cffi._async_socket import _AsyncPoller, _AsyncSocket
from zmq_cffi._loop_binding import LoopBinding, LoopTables, SharedEngine
from zmq_cffi._readiness import EVENTS, POLLIN, POLLOUT, backend_get
from zmq_cffi.error import Again, ZMQError

if TYPE_CHECKING:
    from asyncio import Future  # tornado's futures are asyncio's too

__all__ = ["_Async", "_FutureSocket", "_FuturePoller"]


def _cancel(fut: Any) -> None:
    try:
        fut.cancel()
    except RuntimeError:
        pass  # its loop is already closed: nobody can be awaiting it any more


def _end(fut: Any, value: Any, error: Optional[BaseException]) -> None:
    if error is None:
        fut.set_result(value)
    else:
        fut.set_exception(error)


class _FuturePending(rd.Pending):
    """A pending operation whose waiter awaits a future (with RCVTIMEO/SNDTIMEO as a timer)."""

    __slots__ = ("future", "timer")

    def __init__(self, sock: Any, call: Any, mask: int, post: Optional[Callable[[Any], Any]], future: "Future[Any]") -> None:
        rd.Pending.__init__(self, sock, call, mask, post)
        self.future = future
        self.timer: Any = None

    def waiting(self) -> bool:
        return not self.future.done()

    def finish(self, value: Any, error: Optional[BaseException]) -> bool:
        if self.timer is not None:
            self.stop_timer()
        if error is None:
            self.future.set_result(value)
        else:
            self.future.set_exception(error)
        return True

    def abort(self, error: Optional[BaseException]) -> None:
        self.stop_timer()
        if self.future.done():
            return
        if error is None:
            _cancel(self.future)
        else:
            self.future.set_exception(error)

    def stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def on_done(self, fut: Any) -> None:
        # Only cancellation by the caller needs cleaning up here; the engine tidies up otherwise.
        if fut.cancelled():
            self.stop_timer()
            if not self.started():
                self.withdraw()

    def expire(self) -> None:
        """RCVTIMEO/SNDTIMEO ran out: fail with Again, as a blocking call would (a poll: 0)."""
        self.timer = None
        if not self.future.done() and not self.started():
            self.withdraw()
            _end(self.future, 0, None if self.call is None else Again())


class _FutureEngine(SharedEngine):
    """An engine on a loop: add_reader wakes it, call_soon kicks it."""

    __slots__ = ("kicked",)

    def __init__(self, loop: Any, table: rd.EngineTable, key: int, fd: int, sock: Any) -> None:
        SharedEngine.__init__(self, loop, table, key, fd, sock)
        self.kicked = False
        loop.add_reader(fd, self.on_readable)

    def on_readable(self) -> None:
        self.kicked = False
        if not self.drain():
            self.kick()

    def kick(self) -> None:
        if not self.kicked and not self.closed:
            self.kicked = True
            self.loop.call_soon(self.on_readable)

    def unwatch(self) -> None:
        # Only while the fd is ours: a reused fd number's reader belongs to its new socket.
        if self.table.discard(self) and not self.loop.is_closed():
            self.loop.remove_reader(self.fd)


_tables = LoopTables(_FutureEngine)


class _FuturePoll(rd.PollWait):
    """A Poller.poll on a loop: resolves a future; plain fds watched with add_reader/add_writer."""

    __slots__ = ("loop", "future", "readers", "writers", "timer")

    def __init__(self, loop: Any, future: "Future[Any]", items: List[Tuple[Any, int]], timeout: float) -> None:
        rd.PollWait.__init__(self, items, _tables.get(loop))
        self.loop, self.future = loop, future
        self.readers: List[int] = []
        self.writers: List[int] = []
        self.timer: Any = None
        self.arm()
        if timeout > 0:
            self.timer = loop.call_later(timeout / 1000.0, self.expire)
        future.add_done_callback(lambda _: self.disarm())

    def engine_of(self, sock: Any) -> rd.Engine:
        io = getattr(sock, "_io", None)
        engine = io.ensure_engine(self.loop) if isinstance(io, LoopBinding) else _tables.engine_of(self.loop, sock)
        self.table = engine.table
        return engine

    def entry(self, engine: rd.Engine, sock: Any, mask: int) -> rd.Pending:
        p = rd.PollEntry(self, sock, mask)
        cast(SharedEngine, engine).join(p)  # the engine stays while the poll waits
        return p

    def watch_fd(self, fd: int, flags: int) -> None:
        if flags & POLLIN:
            self.loop.add_reader(fd, self.fired)
            self.readers.append(fd)
        if flags & POLLOUT:
            self.loop.add_writer(fd, self.fired)
            self.writers.append(fd)

    def unwatch(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if not self.loop.is_closed():
            for fd in self.readers:
                self.loop.remove_reader(fd)
            for fd in self.writers:
                self.loop.remove_writer(fd)

    def release(self, engine: rd.Engine, p: rd.Pending) -> None:
        cast(SharedEngine, engine).leave(p)

    def resolve(self, ready: Optional[List[Tuple[Any, int]]], error: Optional[BaseException]) -> None:
        if not self.future.done():
            _end(self.future, ready, error)

    def abort(self, error: Optional[BaseException]) -> None:
        if error is None and not self.done:
            self.done = True
            _cancel(self.future)  # a closed socket cancels futures, as its own waits are
            self.disarm()
        rd.PollWait.abort(self, error)


# -- the surface's hooks ------------------------------------------------------------------------


class _Async:
    """Binds to an event loop lazily; the event-loop layer provides the two hooks below."""

    @staticmethod
    def _running_loop() -> Any:
        """The loop running in this thread, or None."""
        raise NotImplementedError

    @staticmethod
    def _default_loop() -> Any:
        """The loop to use when none is running (calls made outside a coroutine)."""
        raise NotImplementedError

    @staticmethod
    def _as_loop(io_loop: Any) -> Any:
        """The loop object to use for a loop given by the caller (`Socket(..., io_loop)`)."""
        return io_loop

    def _get_loop(self) -> Any:
        loop = self._running_loop()
        return loop if loop is not None else self._default_loop()


class _FutureSocket(_Async, _AsyncSocket):
    """The awaitable socket surface on the futures driver."""

    # Set by _attach; None only while the base class's __init__ runs.
    _io: LoopBinding = None  # type: ignore[assignment]

    def _attach(self, io_loop: Any) -> None:
        # Set through object: attribute assignment on sockets means "set an option".
        object.__setattr__(self, "_io", LoopBinding(self, None if io_loop is None else self._as_loop(io_loop), _tables))

    def _done(self, loop: Any, value: Any) -> "Future[Any]":
        fut: Future[Any] = loop.create_future()
        fut.set_result(value)
        self._io.after_call()
        return fut

    def _failed(self, loop: Any, error: BaseException) -> "Future[Any]":
        if isinstance(error, ZMQError) and error.errno == rd.ENOTSOCK and self.closed:
            raise error  # as pyzmq: using a closed socket raises at once, not in the future
        fut: Future[Any] = loop.create_future()
        fut.set_exception(error)
        self._io.after_call()
        return fut

    def _queue(self, loop: Any, sending: Optional[bool], call: Any, mask: int, post: Any, timeout: Optional[int]) -> "Future[Any]":
        """Queue an operation that would block (sending None: a poll); Again (0) after `timeout` ms."""
        engine = self._io.ensure_engine(loop)
        fut: Future[Any] = loop.create_future()
        p = _FuturePending(self, call, mask, post, fut)
        # (Engine.enqueue, inlined as the rest of this path: it runs for every call that waits.)
        engine.add(p, engine.polls if sending is None else engine.sendq if sending else engine.recvq)
        if timeout is not None and timeout >= 0:
            p.timer = loop.call_later(timeout / 1000.0, p.expire)
        fut.add_done_callback(p.on_done)
        engine.kick()
        return fut

    def _run(self, sending: bool, func: Callable[..., Any], args: Tuple[Any, ...], flags: int, post: Optional[Callable[[Any], Any]] = None) -> Awaitable[Any]:
        io = self._io
        loop = io.get_loop()
        engine = io.engine
        try:
            result = rd.attempt(None if engine is None else engine.sendq if sending else engine.recvq, func, args, flags, post)
        except Exception as e:
            return self._failed(loop, e)
        if result is not rd.QUEUE:
            return self._done(loop, result)
        timeout = backend_get(self, rd.SNDTIMEO if sending else rd.RCVTIMEO)
        return self._queue(loop, sending, partial(func, *args) if args else func, 0, post, timeout)

    def _wait_events(self, timeout: Optional[int], flags: int) -> Awaitable[int]:
        loop = self._io.get_loop()
        events = backend_get(self, EVENTS) & flags
        if events or timeout == 0:
            return self._done(loop, events)
        return self._queue(loop, None, None, flags, None, timeout)

    def _fail(self, exc: BaseException) -> Awaitable[Any]:
        return self._failed(self._io.get_loop(), exc)

    def _get_loop(self) -> Any:
        """The loop this socket uses now, attached to it (its fd watched there), as in pyzmq."""
        loop = self._io.get_loop()
        if not self.closed:
            self._io.ensure_engine(loop)
        return loop

    def _after_call(self) -> None:
        if self._io is not None:
            self._io.after_call()

    def _before_close(self) -> None:
        if self._io is not None:
            self._io.closing()

    def _closed_elsewhere(self, key: int) -> None:
        io = self.__dict__.get("_io")
        if io is not None:
            io.closed_elsewhere()


class _FuturePoller(_Async, _AsyncPoller):
    """The awaitable Poller on the futures driver."""

    def _poll_all(self, timeout: float) -> Awaitable[List[Tuple[Any, int]]]:
        loop = self._get_loop()
        items = list(self.sockets)
        # Fast path, and the reference state: from here on any change signals the fds.
        ready = rd.poll_now(self, items, _tables.get(loop))
        fut: Future[Any] = loop.create_future()
        if ready or timeout == 0:
            fut.set_result(ready)
        else:
            _FuturePoll(loop, fut, items, timeout)
        return fut

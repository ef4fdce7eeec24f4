"""Cooperative Context and Socket for gevent (pyzmq's `zmq.green.core`).

The gevent driver of the readiness engine (zmq_cffi._readiness), which also serves asyncio,
trio and tornado. A blocking call is tried at once (`attempt`); when it would block it
becomes a pending operation in the engine of its libzmq socket and the greenlet waits on a
gevent Event that the operation's finish or abort sets, so the hub never blocks. Per gevent
hub (one a thread) and libzmq socket one `_GreenEngine`, alive while anybody waits: a gevent
io watcher on ZMQ_FD drains it, and a kick (a libzmq call made outside it) drains it again
from a hub callback. Shadows of a socket share its engine, so they share its waiters.
"""
from __future__ import annotations

import warnings
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Sequence, Tuple, Union, cast

import gevent.event
from gevent.hub import get_hub
from gevent.monkey import get_original

import zmq_cffi
from zmq_cffi import _readiness as rd
from zmq_cffi._readiness import DONTWAIT, EVENTS, POLLERR, POLLIN, POLLOUT, backend_recv, backend_recv_into, backend_send
from zmq_cffi.error import Again, ZMQError
from zmq_cffi.socket import check_frames

__all__ = ["Context", "Socket"]

_READ = 1  # gevent io watcher mask: readable


class _GreenPending(rd.Waited):
    """A pending operation whose waiter is a greenlet blocked on `event`. A Poller's
    operations share one event: any of them finishing wakes the poll."""

    __slots__ = ("event",)

    def __init__(self, sock: Any, call: Optional[Callable[[], Any]], mask: int, event: gevent.event.Event) -> None:
        rd.Waited.__init__(self, sock, call, mask)
        self.event = event

    def wake(self) -> None:
        self.event.set()


_thread_id: Callable[[], int] = get_original("_thread", "get_ident")
# Per thread (one gevent hub), the engines of the libzmq sockets some greenlet waits on. The
# id is the real thread's even when gevent monkey-patched threading, and looking it up never
# makes a hub in a thread that has none.
_threads = rd.ThreadTables(_thread_id)


class _GreenEngine(rd.Engine):
    """An engine in one gevent hub: an io watcher on the fd drains it, kicks run on the hub."""

    __slots__ = ("table", "hub", "watcher", "kicked")

    def __init__(self, table: rd.EngineTable, key: int, fd: int, sock: Any) -> None:
        rd.Engine.__init__(self, key, fd, sock)
        self.table, self.hub = table, get_hub()
        self.kicked = False
        table.add(self)
        self.watcher: Any = self.hub.loop.io(fd, _READ)
        self.watcher.start(self.on_readable)

    def on_readable(self) -> None:
        self.kicked = False
        if not self.drain():
            self.kick()  # out of rounds: let the other greenlets run, then carry on
        else:
            self.retire()  # (a multipart send finished after its greenlet was killed)

    def kick(self) -> None:
        if not self.kicked and not self.closed:
            self.kicked = True
            self.hub.loop.run_callback(self.on_readable)

    def unwatch(self) -> None:
        self.table.discard(self)
        watcher, self.watcher = self.watcher, None
        if watcher is not None:
            watcher.stop()
            watcher.close()

    def forget(self, sock: Any) -> None:
        rd.Engine.forget(self, sock)
        self.retire()

    def call_in_loop(self, func: Callable[[], None]) -> None:
        if _threads.here() is self.table:
            func()
        else:
            self.hub.loop.run_callback_threadsafe(func)  # its watcher is only touched from there

    def retire(self) -> None:
        """Nobody waits any more: let go of the fd and of the socket objects."""
        if not self.busy():
            self.close(None)

    def wait(self, op: _GreenPending, seconds: Optional[float]) -> bool:
        """Until `op` is done or `seconds` (None: no limit) have passed; False on timeout. A
        multipart message that went out part-way is finished first, timed out or not."""
        try:
            if seconds is None or seconds > 0:
                # At least 1 ms: libuv's timers have no finer resolution (and warn).
                op.event.wait(None if seconds is None else max(seconds, 0.001))
            while not op.done and op.started() and not self.closed:
                op.event.wait()
        finally:
            if not op.done and not op.started():
                op.withdraw()  # timed out or killed: it leaves its queue untried
            self.retire()
        return op.done


def _engine(sock: Any) -> _GreenEngine:
    return cast(_GreenEngine, _threads.engine_of(sock, _GreenEngine))


def _queue(sock: Any, sending: Optional[bool], call: Optional[Callable[[], Any]], mask: int, timeout_ms: float) -> Any:
    """Queue an operation that would block (sending None: a poll) and wait for it; Again (0 for
    a poll) after `timeout_ms` (negative: no limit)."""
    engine = _engine(sock)
    op = _GreenPending(sock, call, mask, gevent.event.Event())
    engine.enqueue(op, sending)
    if not engine.wait(op, None if timeout_ms < 0 else timeout_ms / 1000.0):
        if sending is None:
            return 0
        raise Again()
    return op.result()


class _GreenPoll(rd.PollWait):
    """A Poller.poll in a greenlet: it blocks on an Event that the poll's resolution sets;
    plain fds are watched with gevent io watchers."""

    __slots__ = ("event", "watchers", "ready", "error")

    def __init__(self, items: List[Tuple[Any, int]]) -> None:
        rd.PollWait.__init__(self, items, _threads.here_or_new())
        self.event = gevent.event.Event()
        self.watchers: List[Any] = []
        self.ready: Optional[List[Tuple[Any, int]]] = None
        self.error: Optional[BaseException] = None

    def engine_of(self, sock: Any) -> rd.Engine:
        return _engine(sock)

    def watch_fd(self, fd: int, flags: int) -> None:
        # gevent masks: 1 readable, 2 writable; an error shows as readable.
        mask = (1 if flags & (POLLIN | POLLERR) else 0) | (2 if flags & POLLOUT else 0)
        watcher = get_hub().loop.io(fd, mask)
        watcher.start(self.fired)
        self.watchers.append(watcher)

    def unwatch(self) -> None:
        for watcher in self.watchers:
            watcher.stop()
            watcher.close()

    def release(self, engine: rd.Engine, p: rd.Pending) -> None:
        cast(_GreenEngine, engine).retire()

    def resolve(self, ready: Optional[List[Tuple[Any, int]]], error: Optional[BaseException]) -> None:
        self.ready, self.error = ready, error
        self.event.set()

    def wait(self, seconds: Optional[float]) -> List[Tuple[Any, int]]:
        """The ready list, or [] after `seconds` (None: no limit)."""
        self.arm()
        try:
            self.event.wait(None if seconds is None else max(seconds, 0.001))
            self.fired()  # timed out: one last look
        finally:
            self.expire()
        if self.error is not None:
            raise self.error
        return self.ready or []


_TIMEOS = (rd.RCVTIMEO, rd.SNDTIMEO)


def _warn_timeo(option: int) -> None:
    # pyzmq's zmq.green warns on every use of these options (it ignores them); programs and
    # pyzmq's tests expect that warning. Here they work, and the warning says so.
    name = "RCVTIMEO" if option == rd.RCVTIMEO else "SNDTIMEO"
    warnings.warn(
        f"{name} on a zmq.green socket: zmq_cffi.green honours it (a wait ends with zmq.Again), "
        "where pyzmq's zmq.green ignores it",
        UserWarning,
        stacklevel=3,
    )


class Socket(rd.HearsOfClosing, zmq_cffi.Socket):
    """A zmq_cffi Socket whose blocking send/recv/poll yield to other greenlets.

    RCVTIMEO/SNDTIMEO bound the wait (then `zmq.Again`), NOBLOCK fails at once, as in pyzmq.
    Waiters are served first come, first served per direction; a shadow of a green socket
    shares its waiters. Closing the socket wakes them with ZMQError(ENOTSOCK)."""

    def _closed_elsewhere(self, key: int) -> None:
        if _threads.tables:
            _threads.closing(self, key)  # the watchers let go of the fd while it exists

    def _run(self, sending: bool, func: Callable[..., Any], args: Tuple[Any, ...], flags: int) -> Any:
        """`func(*args)` (a non-blocking libzmq call) now if nobody waits ahead, else when the
        socket is ready (see _readiness.attempt)."""
        if self.closed:
            raise ZMQError(rd.ENOTSOCK, "the socket is closed")
        result = rd.attempt_in(_threads.here(), self, sending, func, args, flags, None)
        if result is not rd.QUEUE:
            return result
        call = partial(func, *args) if args else func
        return _queue(self, sending, call, 0, rd.timeout_of(self, sending))

    # The signatures (overloads) are zmq_cffi.Socket's: type checkers see those.
    if not TYPE_CHECKING:

        def send(self, data: Any, flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any) -> Any:
            """Send one frame; while the socket cannot take it, other greenlets run."""
            if kwargs:
                return self._run(True, partial(backend_send, self, data, flags | DONTWAIT, copy, track, **kwargs), (), flags)
            return self._run(True, backend_send, (self, data, flags | DONTWAIT, copy, track), flags)

        def send_multipart(self, msg_parts: Sequence[Any], flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any) -> Any:
            """Send all frames of one message, atomically; other greenlets run meanwhile."""
            parts = check_frames(msg_parts)
            return self._run(True, rd.SendMultipart(self, parts, flags, copy, track, kwargs), (), flags)

        def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
            """Receive one frame; while none is there, other greenlets run."""
            return self._run(False, backend_recv, (self, flags | DONTWAIT, copy, track), flags)

        def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
            """Receive every frame of one message; while none is there, other greenlets run."""
            return self._run(False, rd.RecvMultipart(self, flags, copy, track), (), flags)

        def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
            """recv_into that lets other greenlets run while no message is there."""
            return cast(int, self._run(False, backend_recv_into, (self, buffer, nbytes, flags | DONTWAIT), flags))

    def set(self, option: int, optval: Any) -> None:
        if option in _TIMEOS:
            _warn_timeo(option)
        super().set(option, optval)

    setsockopt = set

    def get(self, option: int) -> Union[int, bytes]:
        if option in _TIMEOS:
            _warn_timeo(option)
        value = super().get(option)
        if option == EVENTS:
            # Reading EVENTS consumes ZMQ_FD's edge: the waiters look again.
            _threads.after_call(self.underlying)
        return value

    getsockopt = get

    def poll(self, timeout: Optional[int] = None, flags: int = POLLIN) -> int:
        """Wait up to `timeout` ms (None: forever) for `flags`; other greenlets run meanwhile."""
        if self.closed:
            raise ZMQError(rd.ENOTSOCK, "the socket is closed")
        events = rd.events_in(_threads.here(), self, flags)
        if events or timeout == 0:
            return events
        ms = -1 if timeout is None or timeout < 0 else timeout
        return int(_queue(self, None, None, flags & (POLLIN | POLLOUT), ms))


class Context(zmq_cffi.Context[Socket]):
    """A zmq_cffi Context whose sockets are green Sockets."""

    _socket_class = Socket
    # Its own singleton: the plain Context's instance makes blocking sockets.
    _instance: Any = None
    _instance_pid: Optional[int] = None


# Shown (repr) and documented under the public package, as pyzmq shows zmq.green.Socket.
Socket.__module__ = Context.__module__ = "zmq_cffi.green"

# pyzmq's names in zmq.green.core.
_Socket = Socket
_Context = Context

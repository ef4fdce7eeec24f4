"""The one async socket surface, and its driver for loops with asyncio's API.

`_AsyncSocket` writes every awaitable send*/recv*/poll method once, over two hooks: `_run`
(a send or receive: try now, else wait in the readiness engine, see zmq_cffi._readiness) and
`_wait_events` (Socket.poll). `_AsyncPoller.poll` goes through `_poll_all`. The hooks given
here drive the engine on any loop object with asyncio's method names (create_future,
call_soon, call_later, add_reader/remove_reader, add_writer/remove_writer, is_closed,
is_running, call_soon_threadsafe): `zmq_cffi.asyncio` names the asyncio loop to use,
`zmq_cffi.eventloop.future` adapts tornado's IOLoop, and `zmq_cffi.aio` overrides the hooks
with its trio driver when trio runs the calling task.

The futures driver: per loop and libzmq socket one `_FutureEngine` watches the fd with
add_reader and drains when it turns readable; `kick()` drains again with call_soon (at most one
pending). Each socket object's `_SocketIO` binds it to a loop (the running one at each call)
and caches its engine, which stays registered while any object over the socket uses it.
"""
from __future__ import annotations

import json
import pickle
from functools import partial
from operator import attrgetter
from typing import (
    TYPE_CHECKING,
    Any,
    Awaitable,
    Callable,
    Dict,
    List,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
    cast,
    overload,
)
from weakref import WeakKeyDictionary

from zmq_cffi import _readiness as rd
from zmq_cffi import backend
from zmq_cffi._readiness import DONTWAIT, EVENTS, POLLIN, POLLOUT, backend_get, backend_recv, backend_recv_into, backend_send
from zmq_cffi.backend.poll import _fd_of
from zmq_cffi.error import Again, ZMQError
from zmq_cffi.poll import Poller
from zmq_cffi.socket import Socket, check_frames

if TYPE_CHECKING:
    from typing import Literal, Protocol

    from _typeshed import WriteableBuffer

    from zmq_cffi._typing import SendData
    from zmq_cffi.backend.frame import Frame
    from zmq_cffi.socket import R, _EndpointContext
    from zmq_cffi.tracker import MessageTracker

    class _Future(Awaitable[Any], Protocol):
        """What the driver uses of the futures its loop makes (asyncio.Future has it all)."""

        def done(self) -> bool: ...
        def cancelled(self) -> bool: ...
        def cancel(self) -> bool: ...
        def set_result(self, result: Any, /) -> None: ...
        def set_exception(self, exception: BaseException, /) -> None: ...
        def add_done_callback(self, fn: Callable[[Any], object], /) -> None: ...

_AsyncSocketT = TypeVar("_AsyncSocketT", bound="_AsyncSocket")

__all__ = ["_Async", "_AsyncSocket", "_AsyncPoller"]

_NULL = backend.NULL_HANDLE


# -- the futures driver: pending operations and engines ------------------------------------------


def _cancel(fut: Any) -> None:
    try:
        fut.cancel()
    except RuntimeError:
        # Its loop is already closed: nobody can be awaiting it any more.
        pass


class _FuturePending(rd.Pending):
    """A pending operation whose waiter awaits a future (with RCVTIMEO/SNDTIMEO as a timer)."""

    __slots__ = ("future", "timer")

    def __init__(self, sock: Any, call: Any, mask: int, post: Optional[Callable[[Any], Any]], future: _Future) -> None:
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
        if not self.future.done():
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
        if self.future.done() or self.started():
            return
        self.withdraw()
        if self.call is None:
            self.future.set_result(0)
        else:
            self.future.set_exception(Again())


class _Table:
    """A loop's engines, by libzmq socket address and by fd."""

    __slots__ = ("by_key", "by_fd", "sweep_pending")

    def __init__(self) -> None:
        self.by_key: Dict[int, _FutureEngine] = {}
        self.by_fd: Dict[int, _FutureEngine] = {}
        self.sweep_pending = False

    def sweep(self) -> None:
        self.sweep_pending = False
        for engine in list(self.by_key.values()):
            engine.after_call()


# Weak on the loop: a closed, dropped loop takes its engines (and the sockets they pin) along.
_tables: "WeakKeyDictionary[Any, _Table]" = WeakKeyDictionary()
# Bumped whenever an engine is created, so a socket object that has none cached knows when it
# is worth looking again (another object over the same libzmq socket may have made one).
_generation = [0]


class _FutureEngine(rd.Engine):
    """An engine on a loop with asyncio's API: add_reader wakes it, call_soon kicks it.

    Its users are the socket objects' `_SocketIO`s and the pending Poller operations over the
    socket; it stops watching the fd when the last one leaves."""

    __slots__ = ("loop", "table", "users", "kicked")

    def __init__(self, loop: Any, key: int, fd: int, sock: Any, table: _Table) -> None:
        rd.Engine.__init__(self, key, fd, sock)
        self.loop = loop
        self.table = table
        self.users: List[Any] = []
        self.kicked = False
        table.by_key[key] = self
        table.by_fd[fd] = self
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
        table = self.table
        if table.by_key.get(self.key) is self:
            del table.by_key[self.key]
        if table.by_fd.get(self.fd) is self:
            del table.by_fd[self.fd]
            # Only while the fd is ours: a reused fd number's reader belongs to its new socket.
            if not self.loop.is_closed():
                self.loop.remove_reader(self.fd)

    def live_sock(self) -> Any:
        sock = rd.Engine.live_sock(self)
        if sock is None:
            for user in self.users:
                if not user.sock.closed:
                    self.sock = sock = user.sock
                    break
        return sock

    def stale(self) -> bool:
        """True if every socket object it serves is closed: someone closed the libzmq socket
        behind our back (a synchronous close), so its fd may already belong to another."""
        return all(user.sock.closed for user in self.users)

    def join(self, user: Any) -> None:
        if user not in self.users:
            self.users.append(user)

    def leave(self, user: Any) -> None:
        try:
            self.users.remove(user)
        except ValueError:
            return
        if not self.users:
            self.close(None)

    def close(self, error: Optional[BaseException]) -> None:
        if not self.closed:
            rd.Engine.close(self, error)
            # Users with nothing pending hear of it too (a ZMQStream closes on ETERM).
            for user in list(self.users):
                user.engine_closed(error)


def _kick_all_soon(loop: Any) -> None:
    """Soon, have every engine of the loop drain again: code that ran (a ZMQStream callback, say)
    may have called libzmq on any of their sockets."""
    table = _tables.get(loop)
    if table is not None and not table.sweep_pending:
        table.sweep_pending = True
        loop.call_soon(table.sweep)


def _find_engine(loop: Any, key: int) -> Optional[_FutureEngine]:
    table = _tables.get(loop)
    return None if table is None else table.by_key.get(key)


def _socket_on_fd(loop: Any, fd: int) -> Any:
    """An open socket object whose fd the loop watches for an engine, or None."""
    table = _tables.get(loop)
    engine = None if table is None else table.by_fd.get(fd)
    return None if engine is None or engine.closed else engine.live_sock()


def _get_engine(loop: Any, sock: Any, key: int) -> _FutureEngine:
    """The loop's engine for sock's libzmq socket, created if needed."""
    table = _tables.get(loop)
    if table is None:
        table = _tables[loop] = _Table()
    engine = table.by_key.get(key)
    if engine is not None:
        if not engine.stale():
            return engine
        # A closed socket's engine, its address now reused: that socket's waiters are over.
        engine.close(None)
    fd = backend_get(sock, rd.FD)
    other = table.by_fd.get(fd)
    if other is not None:
        # A live socket's fd is its own, so that engine's socket is gone and the fd reused. The
        # loop's registration of it is dead too (the kernel dropped it with the old fd).
        other.close(None)
    engine = _FutureEngine(loop, key, fd, sock, table)
    _generation[0] += 1
    return engine


def _engine_of(loop: Any, sock: Any) -> _FutureEngine:
    """The loop's engine for any socket object, joined by its _SocketIO if it is an async one."""
    io = getattr(sock, "_io", None)
    if isinstance(io, _SocketIO):
        io.get_loop()
        return io.ensure_engine(loop)
    return _get_engine(loop, sock, sock.underlying)


def _kick_engines(loop: Any, items: List[Tuple[Any, int]]) -> None:
    """After a zmq_poll over these sockets outside their engines: let their waiters re-check."""
    table = _tables.get(loop)
    if table is None or not table.by_key:
        return
    for obj, _ in items:
        if isinstance(obj, backend.Socket) and not obj.closed:
            engine = table.by_key.get(obj.underlying)
            if engine is not None:
                engine.after_call()


# -- the futures driver: one socket object in its loop ---------------------------------------------


class _SocketIO:
    """An async socket object's binding to its current loop, and its cached engine there."""

    __slots__ = ("sock", "key", "loop", "engine", "generation")

    def __init__(self, sock: "_AsyncSocket", loop: Any = None) -> None:
        self.sock = sock
        self.key = sock.underlying
        self.loop = loop
        self.engine: Optional[_FutureEngine] = None
        self.generation = -1

    def get_loop(self) -> Any:
        """The running loop, else the bound one (if still open), else the default one."""
        sock = self.sock
        loop = sock._running_loop()
        if loop is None:
            loop = self.loop
            if loop is None or loop.is_closed():
                loop = sock._default_loop()
        if loop is not self.loop:
            self.rebind(loop)
        return loop

    def rebind(self, loop: Any) -> None:
        """Move to another loop (e.g. a second asyncio.run): this object's waiters over there
        are cancelled; the new loop starts with none."""
        old, engine = self.loop, self.engine
        self.loop = loop
        self.engine = None
        self.generation = -1
        if old is None or engine is None or engine.closed:
            return
        if old.is_running() and not old.is_closed():
            # Another thread runs it: tidy up over there, where its callbacks run.
            old.call_soon_threadsafe(self.leave, engine)
        else:
            self.leave(engine)

    def leave(self, engine: _FutureEngine) -> None:
        engine.forget(self.sock)
        engine.leave(self)

    def ensure_engine(self, loop: Any) -> _FutureEngine:
        engine = self.engine
        if engine is None or engine.closed or engine.loop is not loop:
            engine = self.engine = _get_engine(loop, self.sock, self.key)
        engine.join(self)
        return engine

    def after_call(self) -> None:
        """A libzmq call was made outside the engine: have waiters re-check if there are any."""
        engine = self.engine
        if engine is None or engine.closed:
            if self.generation == _generation[0] or self.loop is None:
                return
            # Maybe a shadow of this socket or a Poller made an engine for it meanwhile.
            self.generation = _generation[0]
            engine = _find_engine(self.loop, self.key)
            if engine is None:
                return
            self.engine = engine
        if engine.recvq or engine.sendq or engine.polls:
            engine.kick()

    def engine_closed(self, error: Optional[BaseException]) -> None:
        pass  # its pending operations were ended; the next call makes a new engine

    def close(self, closing: bool) -> None:
        """Before the libzmq socket closes (`closing`: its engine stops watching the fd, every
        waiter over it is cancelled), or this object merely forgets it (only its waiters are)."""
        engine = self.engine
        self.engine = None
        if engine is None or engine.closed:
            engine = None if self.loop is None else _find_engine(self.loop, self.key)
            if engine is None:
                return
        if closing:
            engine.close(None)
        else:
            self.leave(engine)

    def closed_elsewhere(self) -> None:
        """The libzmq socket is being closed through another object (a shadow, the context's
        destroy(), a finalizer), possibly on another thread: stop waiting on it."""
        loop = self.loop
        if loop is None:
            return  # never used with a loop: nothing to undo
        # A shadow of a socket made outside zmq_cffi (no cell) only forgets it: the socket
        # stays open, and other shadows of it keep waiting on the shared engine.
        closing = self.sock._cell is not None
        if self.sock._running_loop() is loop or not loop.is_running():
            self.close(closing)
        elif not loop.is_closed():
            # Its loop runs in another thread: undo there (the fd may be gone by then, which
            # the loop's selector and _get_engine both cope with).
            loop.call_soon_threadsafe(self.close, closing)

    # -- starting operations -----------------------------------------------------------------------

    def done(self, loop: Any, result: Any) -> _Future:
        fut: _Future = loop.create_future()
        fut.set_result(result)
        self.after_call()
        return fut

    def failed(self, loop: Any, exc: BaseException) -> _Future:
        if isinstance(exc, ZMQError) and exc.errno == rd.ENOTSOCK and self.sock.closed:
            # As pyzmq does: using a closed socket raises at once rather than in the future.
            raise exc
        fut: _Future = loop.create_future()
        fut.set_exception(exc)
        self.after_call()
        return fut

    def run(self, sending: bool, func: Callable[..., Any], args: Tuple[Any, ...], flags: int, post: Optional[Callable[[Any], Any]]) -> _Future:
        """A send or receive: at once (see _readiness.attempt), else queued in the engine."""
        loop = self.get_loop()
        engine = self.engine
        try:
            result = rd.attempt(None if engine is None else engine.sendq if sending else engine.recvq, func, args, flags, post)
        except Exception as e:
            return self.failed(loop, e)
        if result is not rd.QUEUE:
            return self.done(loop, result)
        engine = self.ensure_engine(loop)
        fut: _Future = loop.create_future()
        p = _FuturePending(self.sock, partial(func, *args) if args else func, 0, post, fut)
        engine.add(p, engine.sendq if sending else engine.recvq)
        timeout = backend_get(self.sock, rd.SNDTIMEO if sending else rd.RCVTIMEO)
        if timeout >= 0:
            p.timer = loop.call_later(timeout / 1000.0, p.expire)
        fut.add_done_callback(p.on_done)
        # Our failed attempt processed commands, maybe swallowing a signal meant for another
        # waiter; and a brand-new waiter deserves a look at the current state anyway.
        engine.kick()
        return fut

    def wait_events(self, timeout: Optional[int], flags: int) -> _Future:
        loop = self.get_loop()
        events = backend_get(self.sock, EVENTS) & flags
        if events or timeout == 0:
            return self.done(loop, events)
        engine = self.ensure_engine(loop)
        fut: _Future = loop.create_future()
        p = _FuturePending(self.sock, None, flags, None, fut)
        engine.add(p, engine.polls)
        if timeout is not None and timeout >= 0:
            p.timer = loop.call_later(timeout / 1000.0, p.expire)
        fut.add_done_callback(p.on_done)
        engine.kick()
        return fut


# -- the futures driver: Poller ------------------------------------------------------------------


class _PollerPending(rd.Pending):
    """A pending Poller.poll's wait on one of its sockets: its events make the poll look again."""

    __slots__ = ("op",)

    def __init__(self, op: "_PollOp", sock: Any, mask: int) -> None:
        rd.Pending.__init__(self, sock, None, mask, None)
        self.op = op

    def waiting(self) -> bool:
        return not self.op.future.done()

    def finish(self, value: Any, error: Optional[BaseException]) -> bool:
        return self.op.recheck()

    def engine_closed(self, error: Optional[BaseException]) -> None:
        pass  # ended by abort() already

    def abort(self, error: Optional[BaseException]) -> None:
        op = self.op
        if not op.future.done():
            if error is None:
                _cancel(op.future)
            else:
                op.future.set_exception(error)
        op.cleanup()


class _PollOp:
    """One pending Poller.poll: waits on every polled socket and fd until one is ready."""

    __slots__ = ("loop", "future", "poller", "entries", "readers", "writers", "timer", "finished")

    def __init__(self, loop: Any, future: _Future, items: List[Tuple[Any, int]], timeout: float) -> None:
        self.loop = loop
        self.future = future
        # A private snapshot: registrations changed during the wait apply to the next poll.
        self.poller = Poller()
        self.entries: List[Tuple[_FutureEngine, _PollerPending]] = []
        self.readers: List[int] = []
        self.writers: List[int] = []
        self.timer: Any = None
        self.finished = False
        for obj, flags in items:
            self.poller.register(obj, flags)
        try:
            for obj, flags in items:
                if isinstance(obj, backend.Socket):
                    mask = flags & (POLLIN | POLLOUT)
                    if mask:
                        engine = _engine_of(loop, obj)
                        p = _PollerPending(self, obj, mask)
                        engine.join(p)
                        engine.add(p, engine.polls)
                        self.entries.append((engine, p))
                else:
                    fd = _fd_of(obj)
                    if flags & POLLIN:
                        loop.add_reader(fd, self.recheck)
                        self.readers.append(fd)
                    if flags & POLLOUT:
                        loop.add_writer(fd, self.recheck)
                        self.writers.append(fd)
        except BaseException:
            self.cleanup()
            raise
        for engine, _ in self.entries:
            engine.kick()
        if timeout > 0:
            self.timer = loop.call_later(timeout / 1000.0, self.expire)
        future.add_done_callback(self.cleanup)

    def recheck(self) -> bool:
        """Something may be ready: zmq_poll with no wait decides. True once resolved."""
        if self.future.done():
            self.cleanup()
            return True
        try:
            ready = self.poller.poll(0)
        except Exception as e:
            self.future.set_exception(e)
            self.cleanup()
            return True
        if ready:
            self.future.set_result(ready)
            self.cleanup()  # which also kicks the engines below
            return True
        # zmq_poll processed every polled socket's commands: others waiting on them re-check.
        for engine, _ in self.entries:
            engine.after_call()
        return False

    def expire(self) -> None:
        self.timer = None
        if not self.future.done():
            self.future.set_result([])
        self.cleanup()

    def cleanup(self, _fut: Any = None) -> None:
        if self.finished:
            return
        self.finished = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        entries, self.entries = self.entries, []
        for engine, p in entries:
            p.withdraw()
            engine.leave(p)
        loop = self.loop
        if not loop.is_closed():
            for fd in self.readers:
                loop.remove_reader(fd)
            for fd in self.writers:
                loop.remove_writer(fd)
        for engine, _ in entries:
            if not engine.closed:
                engine.after_call()


# -- the surface ----------------------------------------------------------------------------------


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


class _AsyncSocket(_Async, Socket):
    """A Socket whose send/recv/poll methods return awaitables instead of blocking.

    Every other method (options, bind, connect, ...) is the synchronous one. A call that can
    complete at once returns an already finished future; one that would block waits in a
    queue (first come, first served) until the socket is ready, honouring RCVTIMEO/SNDTIMEO
    (the future then fails with Again). With NOBLOCK, a call that would block fails with Again
    at once. Cancelling a pending receive never loses a message: it stays in the socket.
    Closing the socket cancels its pending futures.
    """

    # Set by __init__; None only while the base class's __init__ runs (get() and close(),
    # which it may call, check for that).
    _io: _SocketIO = None  # type: ignore[assignment]
    _raw_handle: Any = _NULL

    def _set_handle(self, value: Any) -> None:
        key = self.underlying
        self.__dict__["_raw_handle"] = value
        if value == _NULL and key:
            self._closed_elsewhere(key)

    # The backend clears `_handle` on every object over a libzmq socket when any of them
    # closes it (closing a shadow closes the socket, as in pyzmq), before calling zmq_close:
    # the setter is how this object hears of it in time to stop watching the fd.
    _handle = property(attrgetter("_raw_handle"), _set_handle)

    def __init__(
        self,
        context: Union[backend.Context, backend.Socket, None] = None,
        socket_type: int = 0,
        io_loop: Any = None,
        _from_socket: Optional[backend.Socket] = None,
        *,
        shadow: Union[backend.Socket, int] = 0,
        copy_threshold: Optional[int] = None,
    ) -> None:
        """`Socket(context, socket_type)` makes a socket, `Socket(other_socket)` (or pyzmq's
        `_from_socket=other_socket`) wraps another's; `io_loop` is the loop to use when none
        is running (by default, the running one at each call)."""
        if _from_socket is not None:
            context = _from_socket
        super().__init__(context, socket_type, shadow=shadow, copy_threshold=copy_threshold)
        # Set through object: attribute assignment on sockets means "set an option".
        object.__setattr__(self, "_io", _SocketIO(self, None if io_loop is None else self._as_loop(io_loop)))

    @classmethod
    def from_socket(cls: Type[_AsyncSocketT], socket: Socket, io_loop: Any = None) -> _AsyncSocketT:
        """An async socket over the same libzmq socket as `socket` (same as `cls(socket)`)."""
        return cls(socket, io_loop=io_loop)

    # -- the driver's hooks (here: the futures driver; zmq_cffi.aio adds trio's) ------------------

    def _run(self, sending: bool, func: Callable[..., Any], args: Tuple[Any, ...], flags: int, post: Optional[Callable[[Any], Any]] = None) -> Awaitable[Any]:
        """A send or receive: `func(*args)` now if nobody is queued ahead, else when ready."""
        return self._io.run(sending, func, args, flags, post)

    def _wait_events(self, timeout: Optional[int], flags: int) -> Awaitable[int]:
        return self._io.wait_events(timeout, flags)

    def _get_loop(self) -> Any:
        """The loop this socket uses now, attached to it (its fd watched there), as in pyzmq."""
        io = self._io
        loop = io.get_loop()
        if not self.closed:
            io.ensure_engine(loop)
        return loop

    def _fail(self, exc: BaseException) -> Awaitable[Any]:
        """An awaitable that raises `exc` (arguments refused before any libzmq call)."""
        io = self._io
        return io.failed(io.get_loop(), exc)

    def _after_call(self) -> None:
        """A libzmq call was made outside the engine (it may have consumed the fd's edge)."""
        io = self._io
        if io is not None:
            io.after_call()

    def _closed_elsewhere(self, key: int) -> None:
        """The libzmq socket at address `key` is being closed, maybe through another object."""
        io = self.__dict__.get("_io")
        if io is not None:
            io.closed_elsewhere()

    def close(self, linger: Optional[int] = None) -> None:
        """Cancel pending futures, then close as the synchronous socket does."""
        io = self._io
        if io is not None and not self.closed:
            # A socket owned in this process (its creator or a shadow made from it) closes the
            # libzmq socket; a shadow of a foreign socket only forgets it.
            io.close(bool(self._cell))
        super().close(linger)

    # -- calls that may consume the fd's edge ---------------------------------------------------

    def get(self, option: int) -> Union[int, bytes]:
        """Get a socket option. Reading EVENTS makes pending calls re-check readiness."""
        value = super().get(option)
        if option == EVENTS:
            self._after_call()
        return value

    getsockopt = get

    def bind(self, addr: Union[str, bytes]) -> _EndpointContext:
        """Bind to an endpoint (see Socket.bind)."""
        try:
            return super().bind(addr)
        finally:
            self._after_call()

    def connect(self, addr: Union[str, bytes]) -> _EndpointContext:
        """Connect to an endpoint (see Socket.connect)."""
        try:
            return super().connect(addr)
        finally:
            self._after_call()

    def unbind(self, addr: Union[str, bytes]) -> None:
        """Stop listening on an endpoint."""
        try:
            super().unbind(addr)
        finally:
            self._after_call()

    def disconnect(self, addr: Union[str, bytes]) -> None:
        """Disconnect from an endpoint."""
        try:
            super().disconnect(addr)
        finally:
            self._after_call()

    # -- receiving -----------------------------------------------------------------------------

    # Where the synchronous Socket returns X these return an Awaitable[X] (a future of the
    # loop, or a coroutine under trio): a deliberate change of the inherited signatures, hence
    # the override ignores.

    @overload  # type: ignore[override]
    def recv(self, flags: int = ..., copy: Literal[True] = ..., track: bool = ...) -> Awaitable[bytes]: ...

    @overload
    def recv(self, flags: int, copy: Literal[False], track: bool = ...) -> Awaitable[Frame]: ...

    @overload
    def recv(self, flags: int = ..., *, copy: Literal[False], track: bool = ...) -> Awaitable[Frame]: ...

    @overload
    def recv(self, flags: int = ..., copy: bool = ..., track: bool = ...) -> Awaitable[Union[bytes, Frame]]: ...

    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Awaitable[Union[bytes, Frame]]:
        """Awaits one frame: bytes, or a Frame with copy=False. NOBLOCK tries at once even when
        others already wait, as in pyzmq."""
        return self._run(False, backend_recv, (self, flags | DONTWAIT, copy, track), flags)

    @overload  # type: ignore[override]
    def recv_multipart(
        self, flags: int = ..., copy: Literal[True] = ..., track: bool = ...
    ) -> Awaitable[List[bytes]]: ...

    @overload
    def recv_multipart(self, flags: int, copy: Literal[False], track: bool = ...) -> Awaitable[List[Frame]]: ...

    @overload
    def recv_multipart(
        self, flags: int = ..., *, copy: Literal[False], track: bool = ...
    ) -> Awaitable[List[Frame]]: ...

    @overload
    def recv_multipart(
        self, flags: int = ..., copy: bool = ..., track: bool = ...
    ) -> Awaitable[Union[List[bytes], List[Frame]]]: ...

    def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> Awaitable[List[Any]]:
        """Awaits all frames of one message (bytes, or Frames with copy=False)."""
        return self._run(False, rd.RecvMultipart(self, flags, copy, track), (), flags)

    def recv_into(  # type: ignore[override]
        self, buffer: WriteableBuffer, /, nbytes: int = 0, flags: int = 0
    ) -> Awaitable[int]:
        """Awaits the message size, the message having been written into `buffer`."""
        return self._run(False, backend_recv_into, (self, buffer, nbytes, flags | DONTWAIT), flags)

    def _recv_then(self, flags: int, post: Callable[[bytes], Any]) -> Awaitable[Any]:
        return self._run(False, backend_recv, (self, flags | DONTWAIT, True, False), flags, post)

    def recv_string(self, flags: int = 0, encoding: str = "utf-8") -> Awaitable[str]:  # type: ignore[override]
        """Awaits a message decoded with `encoding`."""
        return self._recv_then(flags, lambda b: b.decode(encoding))

    recv_unicode = recv_string  # type: ignore[assignment]

    def recv_json(self, flags: int = 0, **kwargs: Any) -> Awaitable[Any]:
        """Awaits a JSON message, parsed (keywords go to json.loads)."""
        return self._recv_then(flags, lambda b: json.loads(b.decode("utf-8"), **kwargs))

    def recv_pyobj(self, flags: int = 0) -> Awaitable[Any]:
        """Awaits an unpickled object (only from peers you trust)."""
        return self._recv_then(flags, pickle.loads)

    def recv_serialized(  # type: ignore[override]
        self, deserialize: Callable[[List[Any]], R], flags: int = 0, copy: bool = True
    ) -> Awaitable[R]:
        """Awaits `deserialize(frames)` for the next multipart message."""
        return self._run(False, rd.RecvMultipart(self, flags, copy, False), (), flags, deserialize)

    # -- sending --------------------------------------------------------------------------------

    @overload  # type: ignore[override]
    def send(
        self, data: SendData, flags: int = ..., copy: bool = ..., track: Literal[False] = ..., **kwargs: Any
    ) -> Awaitable[None]: ...

    @overload
    def send(
        self, data: SendData, flags: int = ..., copy: bool = ..., track: bool = ..., **kwargs: Any
    ) -> Awaitable[Optional[MessageTracker]]: ...

    def send(
        self, data: Any, flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any
    ) -> Awaitable[Optional[MessageTracker]]:
        """Awaits the frame being queued: None, or a MessageTracker with track=True. NOBLOCK
        tries at once even when others already wait, as in pyzmq."""
        if kwargs:
            return self._run(True, partial(backend_send, self, data, flags | DONTWAIT, copy, track, **kwargs), (), flags)
        return self._run(True, backend_send, (self, data, flags | DONTWAIT, copy, track), flags)

    def send_multipart(  # type: ignore[override]
        self, msg_parts: Sequence[SendData], flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any
    ) -> Awaitable[Optional[MessageTracker]]:
        """Awaits the whole message being queued (all frames, atomically)."""
        try:
            parts = check_frames(msg_parts)
        except (TypeError, ValueError) as e:
            return self._fail(e)
        return self._run(True, rd.SendMultipart(self, parts, flags, copy, track, kwargs), (), flags)

    # send_string, send_json, send_pyobj and send_serialized are inherited: they end in
    # self.send / self.send_multipart and so return those awaitables. Declared for type checkers.
    if TYPE_CHECKING:

        def send_string(  # type: ignore[override]
            self, u: str, flags: int = ..., copy: bool = ..., encoding: str = ..., **kwargs: Any
        ) -> Awaitable[Optional[MessageTracker]]: ...

        send_unicode = send_string  # type: ignore[assignment]

        def send_pyobj(  # type: ignore[override]
            self, obj: Any, flags: int = ..., protocol: int = ..., **kwargs: Any
        ) -> Awaitable[Optional[MessageTracker]]: ...

        def send_json(  # type: ignore[override]
            self, obj: Any, flags: int = ..., **kwargs: Any
        ) -> Awaitable[Optional[MessageTracker]]: ...

        def send_serialized(  # type: ignore[override]
            self,
            msg: Any,
            serialize: Callable[[Any], Sequence[SendData]],
            flags: int = ...,
            copy: bool = ...,
            **kwargs: Any,
        ) -> Awaitable[Optional[MessageTracker]]: ...

    # -- polling --------------------------------------------------------------------------------

    def poll(self, timeout: Optional[int] = None, flags: int = POLLIN) -> Awaitable[int]:  # type: ignore[override]
        """Awaits the events among `flags` that occur within `timeout` ms (None: no limit).

        It resolves to 0 if the time runs out first."""
        if self.closed:
            raise ZMQError(rd.ENOTSOCK, "the socket is closed")
        return self._wait_events(timeout, flags)


class _AsyncPoller(_Async, Poller):
    """A Poller whose poll() returns an awaitable instead of blocking."""

    def poll(self, timeout: Optional[float] = -1) -> Awaitable[List[Tuple[Any, int]]]:  # type: ignore[override]
        """Awaits [(socket, events), ...] for registered sockets/fds with events.

        Waits up to `timeout` ms (None or negative: no limit); an empty list if none came."""
        return self._poll_all(-1 if timeout is None or timeout < 0 else timeout)

    def _poll_all(self, timeout: float) -> Awaitable[List[Tuple[Any, int]]]:
        loop = self._get_loop()
        items = list(self.sockets)
        # Fast path, and the reference state: from here on any change signals the fds.
        ready = Poller.poll(self, 0)
        _kick_engines(loop, items)
        fut: _Future = loop.create_future()
        if ready or timeout == 0:
            fut.set_result(ready)
            return fut
        _PollOp(loop, fut, items, timeout)
        return fut

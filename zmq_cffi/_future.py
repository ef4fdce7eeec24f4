"""The futures driver: the readiness engine (zmq_cffi._readiness) on loops with asyncio's API.

It serves zmq_cffi.asyncio, and zmq_cffi.eventloop.future through an IOLoop adapter with
asyncio's method names (create_future, call_soon, call_later, add_reader/remove_reader,
add_writer/remove_writer, is_closed, is_running, call_soon_threadsafe). Per loop and libzmq
socket one `_FutureEngine` watches the fd with add_reader and drains when it turns readable;
`kick()` drains again with call_soon. Each socket object's `_SocketIO` binds it to a loop (the
running one at each call) and caches its engine, which stays registered while any object over
the socket (or a pending poll) uses it.
"""
from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Awaitable, Callable, List, Optional, Tuple, cast
from weakref import WeakKeyDictionary

from zmq_cffi import _readiness as rd
from zmq_cffi._async_socket import _AsyncPoller, _AsyncSocket
from zmq_cffi._readiness import EVENTS, POLLIN, POLLOUT, backend_get
from zmq_cffi.error import Again, ZMQError

if TYPE_CHECKING:
    from typing import Protocol

    class _Future(Awaitable[Any], Protocol):
        """What the driver uses of the futures its loop makes (asyncio.Future has it all)."""

        def done(self) -> bool: ...
        def cancelled(self) -> bool: ...
        def cancel(self) -> bool: ...
        def set_result(self, result: Any, /) -> None: ...
        def set_exception(self, exception: BaseException, /) -> None: ...
        def add_done_callback(self, fn: Callable[[Any], object], /) -> None: ...

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

    def __init__(self, sock: Any, call: Any, mask: int, post: Optional[Callable[[Any], Any]], future: _Future) -> None:
        rd.Pending.__init__(self, sock, call, mask, post)
        self.future = future
        self.timer: Any = None

    def waiting(self) -> bool:
        return not self.future.done()

    def finish(self, value: Any, error: Optional[BaseException]) -> bool:
        self.stop_timer()
        _end(self.future, value, error)
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


# A loop's engines; weak on the loop: a closed, dropped loop takes them (and their sockets) along.
_tables: "WeakKeyDictionary[Any, rd.EngineTable]" = WeakKeyDictionary()
# Bumped whenever an engine is made, so a socket object with none cached knows when it is worth
# looking again (another object over the same libzmq socket may have made one).
_generation = [0]


class _FutureEngine(rd.Engine):
    """An engine on a loop: add_reader wakes it, call_soon kicks it. It stops watching the fd
    when its last user (a `_SocketIO`, a ZMQStream's receiving, a poll entry) leaves."""

    __slots__ = ("loop", "table", "users", "kicked")

    def __init__(self, loop: Any, key: int, fd: int, sock: Any, table: rd.EngineTable) -> None:
        rd.Engine.__init__(self, key, fd, sock)
        self.loop, self.table = loop, table
        self.users: List[Any] = []
        self.kicked = False
        table.add(self)
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

    def live_sock(self) -> Any:
        sock = rd.Engine.live_sock(self)
        for user in self.users if sock is None else ():
            if not user.sock.closed:
                self.sock = sock = user.sock
                break
        return sock

    def stale(self) -> bool:
        """Every socket object it serves is closed: the libzmq socket was closed behind our back
        (a synchronous close), so its fd may already belong to another."""
        return all(user.sock.closed for user in self.users)

    def join(self, user: Any) -> None:
        if user not in self.users:
            self.users.append(user)

    def leave(self, user: Any) -> None:
        if user in self.users:
            self.users.remove(user)
            if not self.users:
                self.close(None)

    def close(self, error: Optional[BaseException]) -> None:
        if not self.closed:
            rd.Engine.close(self, error)
            for user in list(self.users):
                user.engine_closed(error)  # users with nothing pending too (a ZMQStream closes on ETERM)


def _table(loop: Any) -> rd.EngineTable:
    table = _tables.get(loop)
    if table is None:
        table = _tables[loop] = rd.EngineTable()
    return table


def _kick_all_soon(loop: Any) -> None:
    """Soon, every engine of the loop drains again: code that ran (a ZMQStream callback, say)
    may have called libzmq on any of their sockets."""
    table = _tables.get(loop)
    if table is not None and not table.sweeping:
        table.sweeping = True
        loop.call_soon(table.sweep)


def _find_engine(loop: Any, key: int) -> Optional[_FutureEngine]:
    table = _tables.get(loop)
    return None if table is None else cast(Optional[_FutureEngine], table.get(key))


def _socket_on_fd(loop: Any, fd: int) -> Any:
    """An open socket object whose fd the loop watches for an engine, or None."""
    table = _tables.get(loop)
    engine = None if table is None else table.by_fd.get(fd)
    return None if engine is None or engine.closed else engine.live_sock()


def _get_engine(loop: Any, sock: Any, key: int) -> _FutureEngine:
    """The loop's engine for sock's libzmq socket, made if needed."""
    table = _table(loop)
    engine = cast(Optional[_FutureEngine], table.get(key))
    if engine is not None:
        if not engine.stale():
            return engine
        engine.close(None)  # a closed socket's engine, its address now reused
    engine = _FutureEngine(loop, key, backend_get(sock, rd.FD), sock, table)
    _generation[0] += 1
    return engine


class _SocketIO:
    """An async socket object's binding to its current loop, and its cached engine there."""

    __slots__ = ("sock", "key", "loop", "engine", "generation")

    def __init__(self, sock: "_FutureSocket", loop: Any = None) -> None:
        self.sock, self.key, self.loop = sock, sock.underlying, loop
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
        self.loop, self.engine, self.generation = loop, None, -1
        if old is None or engine is None or engine.closed:
            return
        if old.is_running() and not old.is_closed():
            old.call_soon_threadsafe(self.leave, engine)  # another thread runs it: tidy up there
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
            engine = self.engine = _find_engine(self.loop, self.key)
            if engine is None:
                return
        engine.after_call()

    def engine_closed(self, error: Optional[BaseException]) -> None:
        pass  # its pending operations were ended; the next call makes a new engine

    def close(self, closing: bool) -> None:
        """Before the libzmq socket closes (`closing`: its engine stops watching the fd, every
        waiter over it is cancelled), or this object merely forgets it (only its waiters are)."""
        engine, self.engine = self.engine, None
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
        closing = self.sock._cell is not None  # a foreign socket's shadow only forgets it
        if self.sock._running_loop() is loop or not loop.is_running():
            self.close(closing)
        elif not loop.is_closed():
            loop.call_soon_threadsafe(self.close, closing)  # where its callbacks run

    def done(self, loop: Any, value: Any, error: Optional[BaseException] = None) -> _Future:
        if isinstance(error, ZMQError) and error.errno == rd.ENOTSOCK and self.sock.closed:
            raise error  # as pyzmq: using a closed socket raises at once, not in the future
        fut: _Future = loop.create_future()
        _end(fut, value, error)
        self.after_call()
        return fut

    def wait(self, loop: Any, sending: Optional[bool], call: Any, mask: int, post: Any, timeout: Optional[int]) -> _Future:
        """Queue an operation that would block (sending None: a poll); Again (0) after `timeout` ms."""
        engine = self.ensure_engine(loop)
        fut: _Future = loop.create_future()
        p = _FuturePending(self.sock, call, mask, post, fut)
        if timeout is not None and timeout >= 0:
            p.timer = loop.call_later(timeout / 1000.0, p.expire)
        fut.add_done_callback(p.on_done)
        engine.enqueue(p, sending)
        return fut


class _FuturePoll(rd.PollWait):
    """A Poller.poll on a loop: resolves a future; plain fds watched with add_reader/add_writer."""

    __slots__ = ("loop", "future", "readers", "writers", "timer")

    def __init__(self, loop: Any, future: _Future, items: List[Tuple[Any, int]], timeout: float) -> None:
        rd.PollWait.__init__(self, items, _tables.get(loop))
        self.loop, self.future = loop, future
        self.readers: List[int] = []
        self.writers: List[int] = []
        self.arm()
        self.timer = loop.call_later(timeout / 1000.0, self.expire) if timeout > 0 else None
        future.add_done_callback(lambda _: self.disarm())

    def engine_of(self, sock: Any) -> rd.Engine:
        io = getattr(sock, "_io", None)
        engine = io.ensure_engine(self.loop) if isinstance(io, _SocketIO) else _get_engine(self.loop, sock, sock.underlying)
        self.table = engine.table
        return engine

    def entry(self, engine: rd.Engine, sock: Any, mask: int) -> rd.Pending:
        p = rd.PollEntry(self, sock, mask)
        cast(_FutureEngine, engine).join(p)  # the engine stays while the poll waits
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
        cast(_FutureEngine, engine).leave(p)

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
    _io: _SocketIO = None  # type: ignore[assignment]

    def _attach(self, io_loop: Any) -> None:
        # Set through object: attribute assignment on sockets means "set an option".
        object.__setattr__(self, "_io", _SocketIO(self, None if io_loop is None else self._as_loop(io_loop)))

    def _run(self, sending: bool, func: Callable[..., Any], args: Tuple[Any, ...], flags: int, post: Optional[Callable[[Any], Any]] = None) -> Awaitable[Any]:
        io = self._io
        loop = io.get_loop()
        engine = io.engine
        try:
            result = rd.attempt(None if engine is None else engine.queue_of(sending), func, args, flags, post)
        except Exception as e:
            return io.done(loop, None, e)
        if result is not rd.QUEUE:
            return io.done(loop, result)
        return io.wait(loop, sending, partial(func, *args) if args else func, 0, post, rd.timeout_of(self, sending))

    def _wait_events(self, timeout: Optional[int], flags: int) -> Awaitable[int]:
        io = self._io
        loop = io.get_loop()
        events = backend_get(self, EVENTS) & flags
        if events or timeout == 0:
            return io.done(loop, events)
        return io.wait(loop, None, None, flags, None, timeout)

    def _fail(self, exc: BaseException) -> Awaitable[Any]:
        io = self._io
        return io.done(io.get_loop(), None, exc)

    def _get_loop(self) -> Any:
        """The loop this socket uses now, attached to it (its fd watched there), as in pyzmq."""
        io = self._io
        loop = io.get_loop()
        if not self.closed:
            io.ensure_engine(loop)
        return loop

    def _after_call(self) -> None:
        if self._io is not None:
            self._io.after_call()

    def _before_close(self) -> None:
        if self._io is not None:
            # A socket owned in this process (its creator or a shadow made from it) closes the
            # libzmq socket; a shadow of a foreign socket only forgets it.
            self._io.close(bool(self._cell))

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
        fut: _Future = loop.create_future()
        if ready or timeout == 0:
            fut.set_result(ready)
        else:
            _FuturePoll(loop, fut, items, timeout)
        return fut

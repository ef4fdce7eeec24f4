"""Awaitable sockets for asyncio, trio and anyio: one API, the async library detected per call.

    import zmq_cffi as zmq
    import zmq_cffi.aio as zaio

    ctx = zaio.Context.instance()
    sock = ctx.socket(zmq.PULL)
    msg = await sock.recv_multipart()     # under asyncio, trio, or anyio on either backend

Each awaitable call asks sniffio which library runs the calling task. Under asyncio (and
anyio's asyncio backend) the futures driver of zmq_cffi.asyncio serves it, so behaviour is
identical (it returns an asyncio Future). Under trio (and anyio's trio backend) it returns a
coroutine served by the trio driver below. Anything else (curio, or no async library at all)
is a RuntimeError. trio and sniffio are optional: without them only asyncio is available.

The trio driver plugs the readiness engine (zmq_cffi._readiness) into trio, which lets only
one task wait_readable on an fd. So, per libzmq socket, while anybody waits on it:

* One of the waiting tasks, the holder, waits on the fd and drains the engine (serving every
  pending operation the events allow, handing results to the parked tasks); the others park.
* A kick (a libzmq call made outside the engine) cancels the holder's wait, so it drains again.
* When the holder's own operation is done (or it is cancelled) it promotes a parked task.
* Cancelling a parked operation removes it before its call is made: no message is lost. A
  multipart message that went out part-way is finished first, cancelled or not.
"""
from __future__ import annotations

import asyncio
import importlib
import math
import threading
from functools import partial
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, List, Optional, Tuple

import zmq_cffi.asyncio as _zaio
from zmq_cffi import _readiness as rd
from zmq_cffi import backend
from zmq_cffi._readiness import DONTWAIT, EVENTS, POLLIN, POLLOUT, backend_get
from zmq_cffi.backend.poll import _fd_of
from zmq_cffi.error import Again, ZMQError
from zmq_cffi.poll import Poller as _SyncPoller

try:
    import sniffio
except ImportError:  # pragma: no cover - without it, only asyncio is recognised
    sniffio = None  # type: ignore[assignment]

if TYPE_CHECKING:
    import trio
else:
    # Imported on first use under trio: asyncio programs need not have it installed.
    trio = None

__all__ = ["Context", "Socket", "Poller"]

_trio_loaded = False


def _load_trio() -> None:
    global _trio_loaded
    globals()["trio"] = importlib.import_module("trio")
    _trio_loaded = True


def _under_trio() -> bool:
    """False under asyncio, True under trio (anyio reports its backend); RuntimeError otherwise."""
    name: Optional[str] = None
    if sniffio is not None:
        try:
            name = sniffio.current_async_library()
        except sniffio.AsyncLibraryNotFoundError:
            name = None
    if name is None and asyncio._get_running_loop() is not None:
        # sniffio only recognises asyncio inside a task; a loop callback is asyncio too.
        name = "asyncio"
    if name == "asyncio":
        return False
    if name == "trio":
        if not _trio_loaded:
            _load_trio()
        return True
    if name is None:
        raise RuntimeError(
            "zmq_cffi.aio: no async library is running in this thread; await these calls "
            "from asyncio, trio or anyio (or use the blocking zmq_cffi.Socket)"
        )
    raise RuntimeError(f"zmq_cffi.aio supports asyncio and trio (and anyio on either), not {name}")


# -- the trio driver ------------------------------------------------------------------------------


class _TaskPending(rd.Waited):
    """A pending operation whose waiter is a trio task (parked, or holding the fd)."""

    __slots__ = ("task", "parked")

    def __init__(self, sock: Any, call: Optional[Callable[[], Any]], mask: int) -> None:
        rd.Waited.__init__(self, sock, call, mask)
        self.task = trio.lowlevel.current_task()
        self.parked = False

    def wake(self) -> None:
        if self.parked:
            self.parked = False
            trio.lowlevel.reschedule(self.task)


# libzmq socket address -> its engine, only while some operation waits on that socket.
_engines: Dict[int, "_TrioEngine"] = {}


class _TrioEngine(rd.Engine):
    """An engine in one trio run: its holder task waits on the fd, the others park."""

    __slots__ = ("thread", "token", "holder", "heir", "scope")

    def __init__(self, key: int, fd: int, sock: Any) -> None:
        rd.Engine.__init__(self, key, fd, sock)
        self.thread = threading.get_ident()
        self.token = trio.lowlevel.current_trio_token()
        self.holder: Optional[_TaskPending] = None
        # A parked operation promoted to holder whose task has not run yet.
        self.heir: Optional[_TaskPending] = None
        # The holder's wait on the fd, cancelled to make it drain again.
        self.scope: Optional[trio.CancelScope] = None
        _engines[key] = self

    def kick(self) -> None:
        scope = self.scope
        if scope is not None:
            scope.cancel()

    def unwatch(self) -> None:
        if _engines.get(self.key) is self:
            del _engines[self.key]
        # Out of wait_readable before zmq_close: cancelling unregisters the fd at once.
        self.kick()

    async def wait(self, op: _TaskPending) -> None:
        """Until `op` is done: hold the fd if nobody does, else park until served or promoted."""
        try:
            while not op.done:
                if self.holder is None:
                    self.holder = op
                    try:
                        await self.hold(op)
                    finally:
                        self.holder = None
                else:
                    op.parked = True
                    await trio.lowlevel.wait_task_rescheduled(partial(self.cancel_parked, op))
                    if self.heir is op:
                        self.heir = None
        finally:
            if not op.done:
                op.parked = False
                op.withdraw()
            if self.heir is op:
                self.heir = None
            if self.holder is None and self.heir is None:
                self.handover()

    def cancel_parked(self, op: _TaskPending, _raise_cancel: Any) -> trio.lowlevel.Abort:
        """A parked operation is cancelled: withdraw it, unless it is a message half sent."""
        if op.started():
            return trio.lowlevel.Abort.FAILED
        op.parked = False
        op.withdraw()
        return trio.lowlevel.Abort.SUCCEEDED

    def handover(self) -> None:
        """Nobody holds the fd: promote a parked operation, or retire if none is left."""
        for op in self.pending():
            if isinstance(op, _TaskPending) and op.parked:
                op.parked = False
                self.heir = op
                trio.lowlevel.reschedule(op.task)
                return
        if not self.busy() and _engines.get(self.key) is self:
            del _engines[self.key]

    async def hold(self, me: _TaskPending) -> None:
        """The holder's loop: drain, then wait for the fd, until `me` is done."""
        lowlevel = trio.lowlevel
        while True:
            settled = self.drain()
            if me.done:
                return
            if not settled:
                # Out of rounds (or EINTR): let other tasks run, then carry on.
                if me.started():
                    await lowlevel.cancel_shielded_checkpoint()
                else:
                    await lowlevel.checkpoint()
                continue
            with trio.CancelScope(shield=me.started()) as scope:
                self.scope = scope
                try:
                    await lowlevel.wait_readable(self.fd)
                finally:
                    self.scope = None


def _kick(key: int, from_any_thread: bool = False) -> None:
    engine = _engines.get(key)
    if engine is not None and (not from_any_thread or engine.thread == threading.get_ident()):
        engine.after_call()


def _trio_closing(sock: Any, key: int) -> None:
    engine = _engines.get(key)
    if engine is None:
        return
    # A foreign shadow only forgets the socket: its own waiters fail, the others' carry on.
    end: Callable[[], None] = partial(engine.close, None) if sock._cell is not None else partial(_forget, engine, sock)
    if engine.thread == threading.get_ident():
        end()
    else:
        try:
            engine.token.run_sync_soon(end)
        except trio.RunFinishedError:
            pass


def _forget(engine: _TrioEngine, sock: Any) -> None:
    engine.forget(sock)
    engine.kick()  # the holder may have been one of them


async def _trio_wait(sock: Any, sending: Optional[bool], call: Optional[Callable[[], Any]], mask: int, timeout_ms: float) -> Any:
    """Queue an operation that would block (sending None: a poll) and wait for it; Again (0 for
    a poll) on timeout."""
    key = sock.underlying
    engine = _engines.get(key)
    if engine is None or engine.closed:
        engine = _TrioEngine(key, backend_get(sock, rd.FD), sock)
    op = _TaskPending(sock, call, mask)
    engine.add(op, engine.polls if sending is None else engine.queue_of(sending))
    # The failed call may have consumed the holder's edge, and a new operation deserves a fresh look.
    engine.kick()
    if timeout_ms < 0:
        await engine.wait(op)
    else:
        with trio.move_on_after(timeout_ms / 1000.0):
            await engine.wait(op)
        if not op.done:
            if sending is None:
                return 0
            raise Again()
    return op.result()


async def _trio_run(sock: Any, sending: bool, func: Callable[..., Any], args: Tuple[Any, ...], flags: int, post: Optional[Callable[[Any], Any]]) -> Any:
    """A send/recv: at once if nobody is queued ahead (or with NOBLOCK), else queued."""
    lowlevel = trio.lowlevel
    await lowlevel.checkpoint_if_cancelled()
    key = sock.underlying
    engine = _engines.get(key)
    try:
        result = rd.attempt(None if engine is None else engine.queue_of(sending), func, args, flags, post)
    except BaseException:
        _kick(key)
        await lowlevel.cancel_shielded_checkpoint()
        raise
    _kick(key)
    if result is not rd.QUEUE:
        # A checkpoint that cannot raise: the message is ours, cancellation must not drop it.
        await lowlevel.cancel_shielded_checkpoint()
        return result
    call = partial(func, *args) if args else func
    value = await _trio_wait(sock, sending, call, 0, backend_get(sock, rd.SNDTIMEO if sending else rd.RCVTIMEO))
    return value if post is None else post(value)


async def _trio_wait_events(sock: Any, timeout: Optional[float], flags: int) -> int:
    lowlevel = trio.lowlevel
    await lowlevel.checkpoint_if_cancelled()
    try:
        events: int = backend_get(sock, EVENTS) & flags
    finally:
        _kick(sock.underlying)
    if events or timeout == 0:
        await lowlevel.cancel_shielded_checkpoint()
        return events
    result: int = await _trio_wait(sock, None, None, flags & (POLLIN | POLLOUT), -1 if timeout is None else timeout)
    return result


async def _trio_fail(exc: BaseException) -> Any:
    await trio.lowlevel.checkpoint()
    raise exc


def _kick_items(items: List[Tuple[Any, int]]) -> None:
    for obj, _ in items:
        if isinstance(obj, backend.Socket) and not obj.closed:
            _kick(obj.underlying)


async def _trio_any_ready(items: List[Tuple[Any, int]]) -> None:
    """Until one of the sockets (through its engine) or fds looks ready."""
    waits: List[Tuple[Callable[..., Awaitable[Any]], Tuple[Any, ...]]] = []
    for obj, flags in items:
        if isinstance(obj, backend.Socket):
            mask = flags & (POLLIN | POLLOUT)
            if mask:
                waits.append((_trio_wait, (obj, None, None, mask, -1)))
        else:
            fd = _fd_of(obj)
            if flags & POLLIN:
                waits.append((trio.lowlevel.wait_readable, (fd,)))
            if flags & POLLOUT:
                waits.append((trio.lowlevel.wait_writable, (fd,)))
    if not waits:
        await trio.sleep_forever()
    errors: List[BaseException] = []

    async def first(wait: Callable[..., Awaitable[Any]], args: Tuple[Any, ...]) -> None:
        try:
            await wait(*args)
        except Exception as e:
            # Re-raised below, bare: the nursery would wrap it in an ExceptionGroup.
            errors.append(e)
        nursery.cancel_scope.cancel()

    async with trio.open_nursery() as nursery:
        for wait, args in waits:
            nursery.start_soon(first, wait, args)
    if errors:
        raise errors[0]


async def _trio_poll_all(poller: "Poller", timeout: float) -> List[Tuple[Any, int]]:
    lowlevel = trio.lowlevel
    await lowlevel.checkpoint_if_cancelled()
    items = list(poller.sockets)
    try:
        ready = _SyncPoller.poll(poller, 0)
    finally:
        _kick_items(items)
    if ready or timeout == 0:
        await lowlevel.cancel_shielded_checkpoint()
        return ready
    deadline = math.inf if timeout < 0 else trio.current_time() + timeout / 1000.0
    with trio.move_on_at(deadline):
        while True:
            await _trio_any_ready(items)
            try:
                ready = _SyncPoller.poll(poller, 0)
            finally:
                _kick_items(items)
            if ready:
                return ready
    return []


# -- the public classes: the asyncio ones, with the trio driver's hooks ---------------------------


class Poller(_zaio.Poller):
    """A Poller whose poll(timeout) is awaitable under asyncio, trio and anyio.

    Under trio, a plain fd may not be waited on by another task at the same time."""

    def _poll_all(self, timeout: float) -> Awaitable[List[Tuple[Any, int]]]:
        if _under_trio():
            return _trio_poll_all(self, timeout)
        return super()._poll_all(timeout)


class Socket(_zaio.Socket):
    """A Socket whose send/recv/poll methods (and their variants) are awaitable under asyncio,
    trio and anyio.

    Under asyncio it is a zmq_cffi.asyncio.Socket. Under trio the same rules hold: first come,
    first served per direction; RCVTIMEO/SNDTIMEO raise Again; NOBLOCK raises Again at once;
    a cancelled receive loses no message; a terminated context raises ContextTerminated; and
    closing the socket makes pending calls raise ZMQError(ENOTSOCK) (under asyncio their
    futures are cancelled instead).
    """

    _poller_class = Poller

    def _run(self, sending: bool, func: Callable[..., Any], args: Tuple[Any, ...], flags: int, post: Optional[Callable[[Any], Any]] = None) -> Awaitable[Any]:
        if _under_trio():
            if self.closed:
                # As under asyncio: using a closed socket raises at once.
                raise ZMQError(rd.ENOTSOCK, "the socket is closed")
            return _trio_run(self, sending, func, args, flags, post)
        return self._io.run(sending, func, args, flags, post)

    def _wait_events(self, timeout: Optional[int], flags: int) -> Awaitable[int]:
        if _under_trio():
            return _trio_wait_events(self, timeout, flags)
        return self._io.wait_events(timeout, flags)

    def _fail(self, exc: BaseException) -> Awaitable[Any]:
        if _under_trio():
            if self.closed:
                raise ZMQError(rd.ENOTSOCK, "the socket is closed")
            return _trio_fail(exc)
        return super()._fail(exc)

    def _after_call(self) -> None:
        super()._after_call()
        if _engines:
            # From any thread (bind in a helper thread, say): only the trio run's own kicks.
            _kick(self.underlying, from_any_thread=True)

    def _closed_elsewhere(self, key: int) -> None:
        super()._closed_elsewhere(key)
        if _engines:
            # Before zmq_close: trio waiters must stop waiting on the fd while it still exists.
            _trio_closing(self, key)


class Context(_zaio.Context):
    """A Context whose socket() makes zmq_cffi.aio Sockets (awaitable under asyncio, trio, anyio).

    `Context.instance()` is a process-wide context of its own, separate from the synchronous
    and the zmq_cffi.asyncio ones.
    """

    _socket_class = Socket
    # Its own singleton: the parent classes' instances make other kinds of socket.
    _instance: Any = None
    _instance_pid: Optional[int] = None

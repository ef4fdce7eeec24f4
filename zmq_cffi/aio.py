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
one task wait_readable on an fd: per libzmq socket, one waiting task holds the fd and drains the
engine for every waiter, the others park (the rules it keeps: docs/aio.rst).
"""
from __future__ import annotations

import asyncio
import importlib
import math
import threading
from functools import partial
from typing import TYPE_CHECKING, Any, Awaitable, Callable, List, Optional, Tuple, Union, cast

import zmq_cffi.asyncio as _zaio
from zmq_cffi import _readiness as rd
from zmq_cffi._readiness import POLLIN, POLLOUT
from zmq_cffi.error import Again, ZMQError

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

# Per thread (one trio run), the engines of the libzmq sockets some task waits on.
_threads = rd.ThreadTables(threading.get_ident)


class _TaskPending(rd.Waited):
    """A pending send/recv/poll whose waiter is a trio task (parked, or holding the fd)."""

    __slots__ = ("task", "parked")

    def __init__(self, sock: Any, call: Optional[Callable[[], Any]], mask: int) -> None:
        rd.Waited.__init__(self, sock, call, mask)
        self.task = trio.lowlevel.current_task()
        self.parked = False

    def wake(self) -> None:
        if self.parked:
            self.parked = False
            trio.lowlevel.reschedule(self.task)


class _TaskPollEntry(rd.PollEntry):
    """A Poller.poll's wait on one socket, held by a task of the poll's nursery."""

    __slots__ = ("task", "parked")

    def __init__(self, poll: rd.PollWait, sock: Any, mask: int) -> None:
        rd.PollEntry.__init__(self, poll, sock, mask)
        self.task: Any = None
        self.parked = False

    @property
    def done(self) -> bool:
        return self.poll.done


_Waiter = Union[_TaskPending, _TaskPollEntry]


class _TrioEngine(rd.Engine):
    """An engine in one trio run: its holder task waits on the fd, the others park."""

    __slots__ = ("table", "token", "holder", "heir", "scope")

    def __init__(self, table: rd.EngineTable, key: int, fd: int, sock: Any) -> None:
        rd.Engine.__init__(self, key, fd, sock)
        self.table = table
        self.token = trio.lowlevel.current_trio_token()
        self.holder: Optional[_Waiter] = None
        # A parked operation promoted to holder whose task has not run yet.
        self.heir: Optional[_Waiter] = None
        # The holder's wait on the fd, cancelled to make it drain again.
        self.scope: Optional[trio.CancelScope] = None
        table.add(self)

    def kick(self) -> None:
        if self.scope is not None:
            self.scope.cancel()

    def unwatch(self) -> None:
        self.table.discard(self)
        self.kick()  # out of wait_readable before zmq_close: cancelling unregisters the fd at once

    def forget(self, sock: Any) -> None:
        rd.Engine.forget(self, sock)
        self.kick()  # the holder may have been one of them

    def call_in_loop(self, func: Callable[[], None]) -> None:
        if _threads.here() is self.table:
            func()
        else:
            try:
                self.token.run_sync_soon(func)
            except trio.RunFinishedError:
                pass

    async def wait(self, op: _Waiter) -> None:
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

    def cancel_parked(self, op: _Waiter, _raise_cancel: Any) -> trio.lowlevel.Abort:
        """A parked operation is cancelled: withdraw it, unless it is a message half sent."""
        if op.started():
            return trio.lowlevel.Abort.FAILED
        op.parked = False
        op.withdraw()
        return trio.lowlevel.Abort.SUCCEEDED

    def handover(self) -> None:
        """Nobody holds the fd: promote a parked operation, or retire if none is left."""
        for op in self.pending():
            if isinstance(op, (_TaskPending, _TaskPollEntry)) and op.parked:
                op.parked = False
                self.heir = op
                trio.lowlevel.reschedule(op.task)
                return
        if not self.busy():
            self.table.discard(self)

    async def hold(self, me: _Waiter) -> None:
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


def _engine(sock: Any) -> _TrioEngine:
    return cast(_TrioEngine, _threads.engine_of(sock, _TrioEngine))


async def _trio_queue(sock: Any, sending: Optional[bool], call: Optional[Callable[[], Any]], mask: int, timeout_ms: float) -> Any:
    """Queue an operation that would block (sending None: a poll) and wait for it; Again (0 for
    a poll) on timeout."""
    engine = _engine(sock)
    op = _TaskPending(sock, call, mask)
    engine.enqueue(op, sending)
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
    try:
        result = rd.attempt_in(_threads.here(), sock, sending, func, args, flags, post)
    except BaseException:
        await lowlevel.cancel_shielded_checkpoint()
        raise
    if result is not rd.QUEUE:
        # A checkpoint that cannot raise: the message is ours, cancellation must not drop it.
        await lowlevel.cancel_shielded_checkpoint()
        return result
    call = partial(func, *args) if args else func
    value = await _trio_queue(sock, sending, call, 0, rd.timeout_of(sock, sending))
    return value if post is None else post(value)


async def _trio_wait_events(sock: Any, timeout: Optional[float], flags: int) -> int:
    lowlevel = trio.lowlevel
    await lowlevel.checkpoint_if_cancelled()
    events = rd.events_in(_threads.here(), sock, flags)
    if events or timeout == 0:
        await lowlevel.cancel_shielded_checkpoint()
        return events
    result: int = await _trio_queue(sock, None, None, flags & (POLLIN | POLLOUT), -1 if timeout is None else timeout)
    return result


async def _trio_fail(exc: BaseException) -> Any:
    await trio.lowlevel.checkpoint()
    raise exc


class _TrioPoll(rd.PollWait):
    """A Poller.poll under trio: a nursery task per polled socket holds its engine (or parks),
    one per plain fd waits on it; the poll's resolution cancels them all."""

    __slots__ = ("fds", "scope", "ready", "error")

    def __init__(self, items: List[Tuple[Any, int]]) -> None:
        rd.PollWait.__init__(self, items, _threads.here_or_new())
        self.fds: List[Tuple[int, int]] = []
        self.scope: Optional[trio.CancelScope] = None
        self.ready: Optional[List[Tuple[Any, int]]] = None
        self.error: Optional[BaseException] = None

    def engine_of(self, sock: Any) -> rd.Engine:
        return _engine(sock)

    def entry(self, engine: rd.Engine, sock: Any, mask: int) -> rd.Pending:
        return _TaskPollEntry(self, sock, mask)

    def watch_fd(self, fd: int, flags: int) -> None:
        self.fds += [(fd, bit) for bit in (POLLIN, POLLOUT) if flags & bit]

    def unwatch(self) -> None:
        pass  # the nursery's tasks end with it

    def resolve(self, ready: Optional[List[Tuple[Any, int]]], error: Optional[BaseException]) -> None:
        self.ready, self.error = ready, error
        if self.scope is not None:
            self.scope.cancel()

    async def wait(self, deadline: float) -> List[Tuple[Any, int]]:
        self.arm()
        try:
            with trio.move_on_at(deadline):
                async with trio.open_nursery() as nursery:
                    self.scope = nursery.cancel_scope
                    if self.done:
                        self.scope.cancel()
                    for engine, p in self.entries:
                        nursery.start_soon(self.hold, engine, p)
                    for fd, flags in self.fds:
                        nursery.start_soon(self.watch, fd, flags)
                    await trio.sleep_forever()
        finally:
            self.expire()
        if self.error is not None:
            raise self.error
        return self.ready or []

    async def hold(self, engine: rd.Engine, entry: rd.Pending) -> None:
        assert isinstance(engine, _TrioEngine) and isinstance(entry, _TaskPollEntry)
        entry.task = trio.lowlevel.current_task()
        try:
            await engine.wait(entry)
        except Exception as e:
            self.settle(None, e)  # raised by wait(), bare: the nursery would wrap it in a group

    async def watch(self, fd: int, flags: int) -> None:
        try:
            while not self.done:
                if flags & POLLIN:
                    await trio.lowlevel.wait_readable(fd)
                else:
                    await trio.lowlevel.wait_writable(fd)
                self.fired()
        except Exception as e:
            self.settle(None, e)


async def _trio_poll_all(poller: "Poller", timeout: float) -> List[Tuple[Any, int]]:
    lowlevel = trio.lowlevel
    await lowlevel.checkpoint_if_cancelled()
    items = list(poller.sockets)
    ready = rd.poll_now(poller, items, _threads.here())
    if ready or timeout == 0:
        await lowlevel.cancel_shielded_checkpoint()
        return ready
    return await _TrioPoll(items).wait(math.inf if timeout < 0 else trio.current_time() + timeout / 1000.0)


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
        return super()._run(sending, func, args, flags, post)

    def _wait_events(self, timeout: Optional[int], flags: int) -> Awaitable[int]:
        if _under_trio():
            return _trio_wait_events(self, timeout, flags)
        return super()._wait_events(timeout, flags)

    def _fail(self, exc: BaseException) -> Awaitable[Any]:
        if _under_trio():
            if self.closed:
                raise ZMQError(rd.ENOTSOCK, "the socket is closed")
            return _trio_fail(exc)
        return super()._fail(exc)

    def _after_call(self) -> None:
        super()._after_call()
        if _threads.tables:
            _threads.after_call(self.underlying)  # this thread's trio run's engine only

    def _closed_elsewhere(self, key: int) -> None:
        super()._closed_elsewhere(key)
        if _threads.tables:
            # Before zmq_close: trio waiters must stop waiting on the fd while it still exists.
            _threads.closing(self, key)


class Context(_zaio.Context):
    """A Context whose socket() makes zmq_cffi.aio Sockets (awaitable under asyncio, trio, anyio).

    `Context.instance()` is a process-wide context of its own, separate from the synchronous
    and the zmq_cffi.asyncio ones.
    """

    _socket_class = Socket
    # Its own singleton: the parent classes' instances make other kinds of socket.
    _instance: Any = None
    _instance_pid: Optional[int] = None

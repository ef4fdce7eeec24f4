"""Awaitable sockets for asyncio, trio and anyio: one API, the async library detected per call.

    import zmq_cffi as zmq
    import zmq_cffi.aio as zaio

    ctx = zaio.Context.instance()
    sock = ctx.socket(zmq.PULL)
    msg = await sock.recv_multipart()     # under asyncio, trio, or anyio on either backend

Each awaitable method asks sniffio which library runs the calling task. Under asyncio (and
anyio's asyncio backend) the call is delegated to zmq_cffi.asyncio, so behaviour is identical
(it returns an asyncio Future). Under trio (and anyio's trio backend) it returns a coroutine
run by the trio core below. Anything else (curio, or no async library at all) is a
RuntimeError. trio and sniffio are optional: without them only asyncio is available.

How waiting works under trio. ZMQ_FD is edge-triggered (see zmq_cffi._future): any libzmq call
that processes commands (reading ZMQ_EVENTS, send, recv, zmq_poll) can consume a notification
another task waits for, and trio lets only one task wait_readable on an fd. So, per libzmq
socket, while anybody waits on it:

* Its pending operations sit in one `_TrioWatch`: sends and receives in FIFO queues, polls in
  a list. One of their tasks, the holder, is the only one waiting on the fd; the others park.
* The holder reads ZMQ_EVENTS and performs, in order, every pending call the events allow,
  handing results to the parked tasks (a message is only taken by a task that will return it).
  It reads ZMQ_EVENTS again after every round that called libzmq, and waits on the fd only
  after a read that no pending operation could act on.
* Any libzmq call made outside the holder (a fast-path send or recv, get(EVENTS), bind,
  connect, a Poller's zmq_poll) cancels the holder's wait, so it reads ZMQ_EVENTS again.
* When the holder's own operation is done (or it is cancelled) it promotes a parked task.
* Cancelling a parked operation removes it before its call is made: no message is lost. A
  multipart message that went out part-way is finished first, cancelled or not.
* Every libzmq call carries DONTWAIT (or is a getsockopt, or zmq_poll with timeout 0).
"""
from __future__ import annotations

import asyncio
import importlib
import json
import math
import pickle
import threading
from collections import deque
from functools import partial
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Deque, Dict, List, Optional, Sequence, Tuple, Union, overload

import zmq_cffi.asyncio as _zaio
from zmq_cffi import _future, backend
from zmq_cffi.backend.frame import Frame
from zmq_cffi.backend.poll import _fd_of
from zmq_cffi.error import Again, ZMQError
from zmq_cffi.poll import Poller as _SyncPoller

try:
    import sniffio
except ImportError:  # pragma: no cover - without it, only asyncio is recognised
    sniffio = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from typing import Literal

    import trio
else:
    # Imported on first use under trio: asyncio programs need not have it installed.
    trio = None

__all__ = ["Context", "Socket", "Poller"]

# The asyncio core's constants and raw backend calls (the sugar Socket's helpers would come
# back through our overrides).
from zmq_cffi._future import (  # noqa: E402
    _DONTWAIT, _EINTR, _ENOTSOCK, _EVENTS, _FD, _NULL, _POLLIN, _POLLOUT, _RCVTIMEO, _SNDTIMEO,
    _backend_recv, _backend_recv_into, _backend_send,
)

# Typed as returning Any: the options read here (EVENTS, FD, timeouts) are all ints.
_backend_get: Callable[[Any, int], Any] = backend.Socket.get

_IDLE, _TRIED, _DONE = _future._IDLE, _future._TRIED, _future._DONE
# As in the asyncio core: after this many rounds the holder yields, so a flood cannot starve.
_MAX_ROUNDS = 64

# Kinds of pending operation.
_RECV, _SEND, _POLL = 0, 1, 2

_trio_loaded = False


def _load_trio() -> None:
    global _trio_loaded
    globals()["trio"] = importlib.import_module("trio")
    _trio_loaded = True


def _library() -> str:
    """'asyncio' or 'trio' (anyio reports its backend); RuntimeError for anything else."""
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
        return name
    if name == "trio":
        if not _trio_loaded:
            _load_trio()
        return name
    if name is None:
        raise RuntimeError(
            "zmq_cffi.aio: no async library is running in this thread; await these calls "
            "from asyncio, trio or anyio (or use the blocking zmq_cffi.Socket)"
        )
    raise RuntimeError(f"zmq_cffi.aio supports asyncio and trio (and anyio on either), not {name}")


# -- the trio core ------------------------------------------------------------------------------


class _Op:
    """A pending operation: its task, the non-blocking call to retry (or a poll mask), its result."""

    __slots__ = ("sock", "kind", "call", "mask", "task", "parked", "done", "value", "error")

    def __init__(self, sock: Any, kind: int, call: Optional[Callable[[], Any]], mask: int) -> None:
        self.sock = sock
        self.kind = kind
        self.call = call
        self.mask = mask
        self.task = trio.lowlevel.current_task()
        self.parked = False
        self.done = False
        self.value: Any = None
        self.error: Optional[BaseException] = None

    def in_progress(self) -> bool:
        # A multipart send that got part-way must finish, or the next message would be glued on.
        return bool(getattr(self.call, "started", False))

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


# libzmq socket address -> its watch, only while some operation waits on that socket.
_trio_watches: Dict[int, "_TrioWatch"] = {}


class _TrioWatch:
    """The operations waiting on one libzmq socket in one trio run, and who holds its fd."""

    __slots__ = ("key", "fd", "thread", "token", "recvq", "sendq", "polls", "holder", "heir", "scope", "closed")

    def __init__(self, key: int, fd: int) -> None:
        self.key = key
        self.fd = fd
        self.thread = threading.get_ident()
        self.token = trio.lowlevel.current_trio_token()
        self.recvq: Deque[_Op] = deque()
        self.sendq: Deque[_Op] = deque()
        self.polls: Deque[_Op] = deque()
        self.holder: Optional[_Op] = None
        # A parked operation promoted to holder whose task has not run yet.
        self.heir: Optional[_Op] = None
        # The holder's wait on the fd, cancelled to make it read ZMQ_EVENTS again.
        self.scope: Optional[trio.CancelScope] = None
        self.closed = False
        _trio_watches[key] = self

    def queue(self, kind: int) -> Deque[_Op]:
        return self.recvq if kind == _RECV else self.sendq if kind == _SEND else self.polls

    def poke(self) -> None:
        """A libzmq call was made outside the holder: it may have consumed the fd's edge."""
        scope = self.scope
        if scope is not None:
            scope.cancel()

    def remove(self, op: _Op) -> None:
        try:
            self.queue(op.kind).remove(op)
        except ValueError:
            pass

    def complete(self, op: _Op, value: Any, error: Optional[BaseException]) -> None:
        op.done = True
        op.value = value
        op.error = error
        if op.parked:
            op.parked = False
            trio.lowlevel.reschedule(op.task)

    # -- waiting ---------------------------------------------------------------------------------

    async def wait(self, op: _Op) -> None:
        """Until `op` is done: hold the fd if nobody does, else park until served or promoted."""
        try:
            while not op.done:
                if self.holder is None:
                    self.holder = op
                    try:
                        await self.watch(op)
                    finally:
                        self.holder = None
                else:
                    op.parked = True
                    await trio.lowlevel.wait_task_rescheduled(partial(self.abort, op))
                    if self.heir is op:
                        self.heir = None
        finally:
            self.leave(op)

    def abort(self, op: _Op, _raise_cancel: Any) -> trio.lowlevel.Abort:
        """A parked operation is cancelled: withdraw it, unless it is a message half sent."""
        if op.in_progress():
            return trio.lowlevel.Abort.FAILED
        op.parked = False
        self.remove(op)
        return trio.lowlevel.Abort.SUCCEEDED

    def leave(self, op: _Op) -> None:
        if not op.done:
            op.parked = False
            self.remove(op)
        if self.heir is op:
            self.heir = None
        if self.holder is None and self.heir is None:
            self.handover()

    def handover(self) -> None:
        """Nobody holds the fd: promote a parked operation, or retire if none is left."""
        for queue in (self.recvq, self.sendq, self.polls):
            for op in queue:
                if op.parked:
                    op.parked = False
                    self.heir = op
                    trio.lowlevel.reschedule(op.task)
                    return
        if not (self.recvq or self.sendq or self.polls) and _trio_watches.get(self.key) is self:
            del _trio_watches[self.key]

    async def watch(self, me: _Op) -> None:
        """The holder's loop: serve what the events allow, then wait for the fd, until `me` is done."""
        lowlevel = trio.lowlevel
        while True:
            settled = self.check(me)
            if me.done:
                return
            if not settled:
                # Out of rounds (or EINTR): let other tasks run, then carry on.
                if me.in_progress():
                    await lowlevel.cancel_shielded_checkpoint()
                else:
                    await lowlevel.checkpoint()
                continue
            with trio.CancelScope(shield=me.in_progress()) as scope:
                self.scope = scope
                try:
                    await lowlevel.wait_readable(self.fd)
                finally:
                    self.scope = None

    def check(self, me: _Op) -> bool:
        """Read ZMQ_EVENTS and serve until a read leaves nothing to do (False: ran out of rounds)."""
        # Queues whose head failed at these events (a ROUTER_MANDATORY send to a full peer while
        # POLLOUT is set): not retried until the events change, or this would spin.
        stuck: Optional[Dict[int, int]] = None
        for _ in range(_MAX_ROUNDS):
            if me.sock.closed:
                # Closed, or a foreign shadow that forgot it: the others' waits go on without us.
                if not me.done:
                    self.complete(me, None, _closed_error())
                return True
            try:
                events: int = _backend_get(me.sock, _EVENTS)
            except ZMQError as e:
                if e.errno == _EINTR:
                    return False
                self.fail(e.errno or _ENOTSOCK)
                return True
            outcome = _IDLE
            polls = self.polls
            if polls:
                for op in list(polls):
                    if op.mask & events:
                        polls.remove(op)
                        self.complete(op, op.mask & events, None)
                        outcome = _DONE
            for kind, bit in ((_RECV, _POLLIN), (_SEND, _POLLOUT)):
                if events & bit and (stuck is None or stuck.get(kind) != events):
                    queue = self.recvq if kind == _RECV else self.sendq
                    if queue:
                        served = self.serve(queue)
                        if served == _TRIED:
                            if stuck is None:
                                stuck = {}
                            stuck[kind] = events
                        if served > outcome:
                            outcome = served
            if outcome == _IDLE:
                # The last libzmq call was that EVENTS read: any change from here on signals the fd.
                return True
        return False

    def serve(self, queue: Deque[_Op]) -> int:
        """Complete queued calls in order until one would block (returns _IDLE/_TRIED/_DONE)."""
        outcome = _IDLE
        while queue:
            op = queue[0]
            if outcome == _IDLE:
                outcome = _TRIED
            call = op.call
            assert call is not None
            try:
                value = call()
            except Again:
                break
            except Exception as e:
                queue.popleft()
                self.complete(op, None, e)
                outcome = _DONE
                continue
            queue.popleft()
            self.complete(op, value, None)
            outcome = _DONE
        return outcome

    def fail(self, errno: int) -> None:
        """ZMQ_EVENTS failed (the context was terminated, say): every waiter gets the error."""
        for queue in (self.recvq, self.sendq, self.polls):
            while queue:
                self.complete(queue.popleft(), None, ZMQError(errno))

    def close(self, sock: Optional[Any]) -> None:
        """The libzmq socket is closing (or `sock`, a foreign shadow, forgets it): fail its waiters."""
        for queue in (self.recvq, self.sendq, self.polls):
            for op in list(queue):
                if sock is None or op.sock is sock:
                    queue.remove(op)
                    self.complete(op, None, _closed_error())
        if sock is None:
            self.closed = True
            if _trio_watches.get(self.key) is self:
                del _trio_watches[self.key]
        # Out of wait_readable before zmq_close: cancelling unregisters the fd at once.
        self.poke()


def _closed_error() -> ZMQError:
    return ZMQError(_ENOTSOCK, "the socket was closed while waiting")


def _poke(key: int) -> None:
    w = _trio_watches.get(key)
    if w is not None:
        w.poke()


def _poke_if_here(key: int) -> None:
    """_poke for calls that may come from outside the trio run's thread."""
    w = _trio_watches.get(key)
    if w is not None and w.thread == threading.get_ident():
        w.poke()


def _trio_closing(sock: Any, key: int) -> None:
    w = _trio_watches.get(key)
    if w is None:
        return
    # A foreign shadow only forgets the socket: its own waiters fail, the others' carry on.
    only = None if sock._cell is not None else sock
    if w.thread == threading.get_ident():
        w.close(only)
    else:
        try:
            w.token.run_sync_soon(w.close, only)
        except trio.RunFinishedError:
            pass


async def _trio_wait(sock: Any, kind: int, call: Optional[Callable[[], Any]], mask: int, timeout_ms: float) -> Any:
    """Queue an operation that would block and wait for it; Again (0 for a poll) on timeout."""
    key = sock.underlying
    watch = _trio_watches.get(key)
    if watch is None or watch.closed:
        watch = _TrioWatch(key, _backend_get(sock, _FD))
    op = _Op(sock, kind, call, mask)
    watch.queue(kind).append(op)
    # The failed call may have consumed the holder's edge, and a new operation deserves a fresh look.
    watch.poke()
    if timeout_ms < 0:
        await watch.wait(op)
    else:
        with trio.move_on_after(timeout_ms / 1000.0):
            await watch.wait(op)
        if not op.done:
            if kind == _POLL:
                return 0
            raise Again()
    return op.result()


async def _trio_call(sock: Any, kind: int, call: Callable[[], Any], flags: int, post: Optional[Callable[[Any], Any]] = None) -> Any:
    """A send/recv: at once if nobody is queued ahead (or with NOBLOCK), else queued."""
    lowlevel = trio.lowlevel
    await lowlevel.checkpoint_if_cancelled()
    key = sock.underlying
    watch = _trio_watches.get(key)
    queue = None if watch is None else watch.queue(kind)
    if not queue or (flags & _DONTWAIT and not queue[0].in_progress()):
        try:
            value = call()
        except Again:
            _poke(key)
            if flags & _DONTWAIT and not getattr(call, "started", False):
                await lowlevel.cancel_shielded_checkpoint()
                raise
        except BaseException:
            _poke(key)
            await lowlevel.cancel_shielded_checkpoint()
            raise
        else:
            _poke(key)
            # A checkpoint that cannot raise: the message is ours, cancellation must not drop it.
            await lowlevel.cancel_shielded_checkpoint()
            return value if post is None else post(value)
    elif flags & _DONTWAIT:
        # A multipart message is half-way through: nothing may come between its frames.
        await lowlevel.cancel_shielded_checkpoint()
        raise Again()
    value = await _trio_wait(sock, kind, call, 0, _backend_get(sock, _SNDTIMEO if kind == _SEND else _RCVTIMEO))
    return value if post is None else post(value)


async def _trio_poll(sock: Any, timeout: Optional[float], flags: int) -> int:
    lowlevel = trio.lowlevel
    await lowlevel.checkpoint_if_cancelled()
    try:
        events: int = _backend_get(sock, _EVENTS) & flags
    finally:
        _poke(sock.underlying)
    if events or timeout == 0:
        await lowlevel.cancel_shielded_checkpoint()
        return events
    result: int = await _trio_wait(sock, _POLL, None, flags & (_POLLIN | _POLLOUT), -1 if timeout is None else timeout)
    return result


async def _trio_fail(exc: BaseException) -> Any:
    await trio.lowlevel.checkpoint()
    raise exc


def _poke_items(items: List[Tuple[Any, int]]) -> None:
    for obj, _ in items:
        if isinstance(obj, backend.Socket) and not obj.closed:
            _poke(obj.underlying)


async def _trio_any_ready(items: List[Tuple[Any, int]]) -> None:
    """Until one of the sockets (through its watch) or fds looks ready."""
    waits: List[Tuple[Callable[..., Awaitable[Any]], Tuple[Any, ...]]] = []
    for obj, flags in items:
        if isinstance(obj, backend.Socket):
            mask = flags & (_POLLIN | _POLLOUT)
            if mask:
                waits.append((_trio_wait, (obj, _POLL, None, mask, -1)))
        else:
            fd = _fd_of(obj)
            if flags & _POLLIN:
                waits.append((trio.lowlevel.wait_readable, (fd,)))
            if flags & _POLLOUT:
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


async def _trio_poller_poll(poller: "Poller", timeout: float) -> List[Tuple[Any, int]]:
    lowlevel = trio.lowlevel
    await lowlevel.checkpoint_if_cancelled()
    items = list(poller.sockets)
    try:
        ready = _SyncPoller.poll(poller, 0)
    finally:
        _poke_items(items)
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
                _poke_items(items)
            if ready:
                return ready
    return []


# -- the public classes -------------------------------------------------------------------------


def _check_parts(msg_parts: Sequence[Any]) -> Union[List[Any], BaseException]:
    """The frames of a multipart message as a list, or the error to raise for them."""
    parts = list(msg_parts)
    for i, part in enumerate(parts):
        if isinstance(part, (bytes, backend.Frame)):
            continue
        try:
            memoryview(part)
        except TypeError:
            return TypeError(f"Frame {i} ({part!r:.32}) does not support the buffer interface.")
    if not parts:
        return ValueError("send_multipart needs at least one frame")
    return parts


class Poller(_zaio.Poller):
    """A Poller whose poll(timeout) is awaitable under asyncio, trio and anyio."""

    def poll(self, timeout: Optional[float] = -1) -> Awaitable[List[Tuple[Any, int]]]:  # type: ignore[override]
        """Awaits [(socket, events), ...] for registered sockets/fds with events.

        Waits up to `timeout` ms (None or negative: no limit); an empty list if none came.
        Under trio, a plain fd may not be waited on by another task at the same time."""
        if _library() == "asyncio":
            return super().poll(timeout)
        return _trio_poller_poll(self, -1 if timeout is None or timeout < 0 else timeout)


class Socket(_zaio.Socket):
    """A Socket whose send/recv/poll methods (and their variants) are awaitable under asyncio,
    trio and anyio.

    Under asyncio it is a zmq_cffi.asyncio.Socket. Under trio the same rules hold: first come,
    first served per direction; RCVTIMEO/SNDTIMEO raise Again; NOBLOCK raises Again at once;
    a cancelled receive loses no message; and closing the socket makes pending calls raise
    ZMQError(ENOTSOCK) (under asyncio their futures are cancelled instead).
    """

    _poller_class = Poller

    def _set_handle(self, value: Any) -> None:
        key = self.underlying
        _future._AsyncSocket._set_handle(self, value)
        if value == _NULL and key and _trio_watches:
            # Before zmq_close: trio waiters must stop waiting on the fd while it still exists.
            _trio_closing(self, key)

    # Closing through any object over the libzmq socket clears this on all of them first.
    _handle = property(attrgetter("_raw_handle"), _set_handle)

    # -- calls that may consume the fd's edge ---------------------------------------------------

    def get(self, option: int) -> Any:
        """Get a socket option. Reading EVENTS makes pending calls re-check readiness."""
        value = super().get(option)
        if option == _EVENTS and _trio_watches:
            _poke_if_here(self.underlying)
        return value

    getsockopt = get

    def bind(self, addr: Any) -> Any:
        """Bind to an endpoint (see Socket.bind)."""
        try:
            return super().bind(addr)
        finally:
            if _trio_watches:
                _poke_if_here(self.underlying)

    def connect(self, addr: Any) -> Any:
        """Connect to an endpoint (see Socket.connect)."""
        try:
            return super().connect(addr)
        finally:
            if _trio_watches:
                _poke_if_here(self.underlying)

    def unbind(self, addr: Any) -> None:
        """Stop listening on an endpoint."""
        try:
            super().unbind(addr)
        finally:
            if _trio_watches:
                _poke_if_here(self.underlying)

    def disconnect(self, addr: Any) -> None:
        """Disconnect from an endpoint."""
        try:
            super().disconnect(addr)
        finally:
            if _trio_watches:
                _poke_if_here(self.underlying)

    # -- receiving -----------------------------------------------------------------------------

    def _trio_recv(self, call: Callable[[], Any], flags: int, post: Optional[Callable[[Any], Any]] = None) -> Awaitable[Any]:
        if self.closed:
            # As under asyncio: using a closed socket raises at once.
            raise ZMQError(_ENOTSOCK, "the socket is closed")
        return _trio_call(self, _RECV, call, flags, post)

    @overload  # type: ignore[override]
    def recv(self, flags: int = ..., copy: Literal[True] = ..., track: bool = ...) -> Awaitable[bytes]: ...

    @overload
    def recv(self, flags: int, copy: Literal[False], track: bool = ...) -> Awaitable[Frame]: ...

    @overload
    def recv(self, flags: int = ..., *, copy: Literal[False], track: bool = ...) -> Awaitable[Frame]: ...

    @overload
    def recv(self, flags: int = ..., copy: bool = ..., track: bool = ...) -> Awaitable[Union[bytes, Frame]]: ...

    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Awaitable[Union[bytes, Frame]]:
        """Awaits one frame: bytes, or a Frame with copy=False."""
        if _library() == "asyncio":
            return super().recv(flags, copy, track)
        return self._trio_recv(partial(_backend_recv, self, flags | _DONTWAIT, copy, track), flags)

    def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> Awaitable[List[Any]]:  # type: ignore[override]
        """Awaits all frames of one message (bytes, or Frames with copy=False)."""
        if _library() == "asyncio":
            return super().recv_multipart(flags, copy, track)
        return self._trio_recv(_future._RecvMultipart(self, flags, copy, track), flags)

    def recv_into(self, buffer: Any, /, nbytes: int = 0, flags: int = 0) -> Awaitable[int]:  # type: ignore[override]
        """Awaits the message size, the message having been written into `buffer`."""
        if _library() == "asyncio":
            return super().recv_into(buffer, nbytes, flags)
        return self._trio_recv(partial(_backend_recv_into, self, buffer, nbytes, flags | _DONTWAIT), flags)

    def recv_string(self, flags: int = 0, encoding: str = "utf-8") -> Awaitable[str]:  # type: ignore[override]
        """Awaits a message decoded with `encoding`."""
        if _library() == "asyncio":
            return super().recv_string(flags, encoding)
        return self._trio_recv(partial(_backend_recv, self, flags | _DONTWAIT, True, False), flags, lambda b: b.decode(encoding))

    recv_unicode = recv_string  # type: ignore[assignment]

    def recv_json(self, flags: int = 0, **kwargs: Any) -> Awaitable[Any]:
        """Awaits a JSON message, parsed (keywords go to json.loads)."""
        if _library() == "asyncio":
            return super().recv_json(flags, **kwargs)
        return self._trio_recv(
            partial(_backend_recv, self, flags | _DONTWAIT, True, False), flags, lambda b: json.loads(b.decode("utf-8"), **kwargs)
        )

    def recv_pyobj(self, flags: int = 0) -> Awaitable[Any]:
        """Awaits an unpickled object (only from peers you trust)."""
        if _library() == "asyncio":
            return super().recv_pyobj(flags)
        return self._trio_recv(partial(_backend_recv, self, flags | _DONTWAIT, True, False), flags, pickle.loads)

    def recv_serialized(  # type: ignore[override]
        self, deserialize: Callable[[List[Any]], Any], flags: int = 0, copy: bool = True
    ) -> Awaitable[Any]:
        """Awaits `deserialize(frames)` for the next multipart message."""
        if _library() == "asyncio":
            return super().recv_serialized(deserialize, flags, copy)
        return self._trio_recv(_future._RecvMultipart(self, flags, copy, False), flags, deserialize)

    # -- sending --------------------------------------------------------------------------------

    def send(self, data: Any, flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any) -> Awaitable[Any]:  # type: ignore[override]
        """Awaits the frame being queued: None, or a MessageTracker with track=True."""
        if _library() == "asyncio":
            return super().send(data, flags, copy, track, **kwargs)
        if self.closed:
            raise ZMQError(_ENOTSOCK, "the socket is closed")
        return _trio_call(self, _SEND, partial(_backend_send, self, data, flags | _DONTWAIT, copy, track, **kwargs), flags)

    def send_multipart(  # type: ignore[override]
        self, msg_parts: Sequence[Any], flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any
    ) -> Awaitable[Any]:
        """Awaits the whole message being queued (all frames, atomically)."""
        if _library() == "asyncio":
            return super().send_multipart(msg_parts, flags, copy, track, **kwargs)
        if self.closed:
            raise ZMQError(_ENOTSOCK, "the socket is closed")
        parts = _check_parts(msg_parts)
        if isinstance(parts, BaseException):
            return _trio_fail(parts)
        return _trio_call(self, _SEND, _future._SendMultipart(self, parts, flags, copy, track, kwargs), flags)

    # send_string, send_json, send_pyobj and send_serialized are inherited: they end in
    # self.send / self.send_multipart and so return those awaitables.

    # -- polling --------------------------------------------------------------------------------

    def poll(self, timeout: Optional[int] = None, flags: int = _POLLIN) -> Awaitable[int]:  # type: ignore[override]
        """Awaits the events among `flags` that occur within `timeout` ms (None: no limit); 0 if none."""
        if _library() == "asyncio":
            return super().poll(timeout, flags)
        if self.closed:
            raise ZMQError(_ENOTSOCK, "the socket is closed")
        return _trio_poll(self, timeout, flags)


class Context(_zaio.Context):
    """A Context whose socket() makes zmq_cffi.aio Sockets (awaitable under asyncio, trio, anyio).

    `Context.instance()` is a process-wide context of its own, separate from the synchronous
    and the zmq_cffi.asyncio ones.
    """

    _socket_class = Socket
    # Its own singleton: the parent classes' instances make other kinds of socket.
    _instance: Any = None
    _instance_pid: Optional[int] = None

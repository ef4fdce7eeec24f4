"""The event-loop-agnostic core of the async API: sockets and pollers whose methods return futures.

`zmq_cffi.asyncio` fills in the few event-loop hooks (which loop is running, which one to use
otherwise); everything else lives here. The loop object only needs asyncio's method names:
create_future, call_soon, call_later, add_reader/remove_reader, add_writer/remove_writer,
is_closed, is_running, call_soon_threadsafe.

How readiness works. libzmq exposes one notification fd per socket (ZMQ_FD). It is
edge-triggered: it turns readable when commands reach the socket, and any libzmq call that
processes those commands (reading ZMQ_EVENTS, send, recv, bind, connect, zmq_poll) makes it
unreadable again, whether or not the caller was the one interested in them. So:

* Per event loop and libzmq socket there is exactly one `_Watcher`. It alone watches the fd
  (loop.add_reader) and reads ZMQ_EVENTS while anybody waits; everyone waiting on that socket
  (the async socket's queued sends/recvs/polls, shadows of it, pending Poller.poll calls) is
  a listener of it and is handed the events it read.
* After it let a listener act (a send or recv), the watcher reads ZMQ_EVENTS again, and stops
  only after a read that no listener could act on: from then on any change signals the fd.
* Any libzmq call made outside the watcher (the fast path of send/recv, get(EVENTS),
  bind/connect, a Poller's zmq_poll) may have swallowed a signal meant for a listener, so it
  is followed by a `kick`: a re-check scheduled with call_soon (at most one at a time).
* Every libzmq call made from the loop carries DONTWAIT: the loop never blocks.
"""
from __future__ import annotations

import errno
import json
import pickle
from collections import deque
from functools import partial
from operator import attrgetter
from typing import (
    TYPE_CHECKING,
    Any,
    Awaitable,
    Callable,
    Deque,
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

from zmq_cffi import backend, constants
from zmq_cffi._ffi import ffi
from zmq_cffi.backend.poll import _fd_of
from zmq_cffi.error import Again, ZMQError
from zmq_cffi.poll import Poller
from zmq_cffi.socket import Socket

if TYPE_CHECKING:
    from typing import Literal, Protocol

    from _typeshed import WriteableBuffer

    from zmq_cffi._typing import SendData
    from zmq_cffi.backend.frame import Frame
    from zmq_cffi.socket import R, _EndpointContext
    from zmq_cffi.tracker import MessageTracker

    class _Future(Awaitable[Any], Protocol):
        """What the core uses of the futures its loop makes (asyncio.Future has it all)."""

        def done(self) -> bool: ...
        def cancelled(self) -> bool: ...
        def cancel(self) -> bool: ...
        def set_result(self, result: Any, /) -> None: ...
        def set_exception(self, exception: BaseException, /) -> None: ...
        def add_done_callback(self, fn: Callable[[Any], object], /) -> None: ...

_AsyncSocketT = TypeVar("_AsyncSocketT", bound="_AsyncSocket")

__all__ = ["_Async", "_AsyncSocket", "_AsyncPoller"]

_POLLIN = int(constants.POLLIN)
_POLLOUT = int(constants.POLLOUT)
_DONTWAIT = int(constants.DONTWAIT)
_SNDMORE = int(constants.SNDMORE)
_EVENTS = int(constants.EVENTS)
_FD = int(constants.FD)
_RCVTIMEO = int(constants.RCVTIMEO)
_SNDTIMEO = int(constants.SNDTIMEO)
_ENOTSOCK = int(constants.ENOTSOCK)
_EINTR = errno.EINTR
_NULL = ffi.NULL

# The raw backend calls: the sugar Socket's multipart helpers would call our async overrides.
_backend_send = backend.Socket.send
_backend_recv = backend.Socket.recv
_backend_recv_into = backend.Socket.recv_into
# Only ever used for int options (EVENTS, FD, RCVTIMEO, SNDTIMEO).
_backend_get = cast("Callable[[Socket, int], int]", backend.Socket.get)

# A watcher check serves every listener it can in rounds; after this many it yields to the
# loop (re-scheduling itself) so a flood of traffic cannot starve other callbacks.
_MAX_ROUNDS = 64

# What a listener's ready() did: nothing; called libzmq but completed nothing; completed something.
_IDLE, _TRIED, _DONE = 0, 1, 2


# -- the per (loop, socket) watcher -----------------------------------------------------------

class _LoopWatchers:
    """A loop's watchers, by libzmq socket address and by fd."""

    __slots__ = ("by_key", "by_fd")

    def __init__(self) -> None:
        self.by_key: Dict[int, _Watcher] = {}
        self.by_fd: Dict[int, _Watcher] = {}


# Weak on the loop: a closed, dropped loop takes its watchers (and the sockets they pin) along.
_watchers: "WeakKeyDictionary[Any, _LoopWatchers]" = WeakKeyDictionary()
# Bumped whenever a watcher is created, so a socket object that has none cached knows when it
# is worth looking again (another object over the same libzmq socket may have made one).
_watcher_generation = [0]


class _Watcher:
    """Watches one libzmq socket's ZMQ_FD in one loop and dispatches its ZMQ_EVENTS.

    Listeners provide: `sock` (a socket object over the handle), `wanted()` (the POLLIN/POLLOUT
    mask they wait for), `ready(events)` (act on events; returns _IDLE, _TRIED if it called
    libzmq but completed nothing, or _DONE if it completed something) and `abort(exc)` (the
    socket went away: cancel, or fail with exc).
    """

    __slots__ = ("loop", "key", "fd", "table", "listeners", "kicked", "closed")

    def __init__(self, loop: Any, key: int, fd: int, table: _LoopWatchers) -> None:
        self.loop = loop
        self.key = key
        self.fd = fd
        self.table = table
        self.listeners: List[Any] = []
        self.kicked = False
        self.closed = False
        table.by_key[key] = self
        table.by_fd[fd] = self
        loop.add_reader(fd, self.check)

    def stale(self) -> bool:
        """True if every socket object it serves is closed: someone closed the libzmq socket
        behind our back (a synchronous close), so its fd may already belong to another."""
        for listener in self.listeners:
            if not listener.sock.closed:
                return False
        return True

    def add(self, listener: Any) -> None:
        if listener not in self.listeners:
            self.listeners.append(listener)

    def discard(self, listener: Any) -> None:
        """Drop a listener; the watcher shuts down with its last one."""
        try:
            self.listeners.remove(listener)
        except ValueError:
            return
        if not self.listeners:
            self.shutdown(None)

    def busy(self) -> bool:
        for listener in self.listeners:
            if listener.wanted():
                return True
        return False

    def kick(self) -> None:
        """Re-check soon: something outside the watcher may have consumed the fd's edge."""
        if not self.kicked and not self.closed:
            self.kicked = True
            self.loop.call_soon(self.check)

    def check(self) -> None:
        """Read ZMQ_EVENTS and let listeners act until a read leaves nothing to do."""
        self.kicked = False
        # Listeners whose calls completed nothing at these events (a ROUTER_MANDATORY send to a
        # full peer while another has room: POLLOUT is set, yet that send would block). They
        # are not retried until the events change, or this would spin.
        stuck: Optional[Dict[Any, int]] = None
        for _ in range(_MAX_ROUNDS):
            if self.closed:
                return
            sock = None
            for listener in self.listeners:
                if not listener.sock.closed:
                    sock = listener.sock
                    break
            if sock is None:
                self.shutdown(None)
                return
            try:
                # Always read it, even with nobody waiting: this is what resets the fd, which
                # the loop watches level-triggered and would otherwise report again and again.
                events = _backend_get(sock, _EVENTS)
            except ZMQError as e:
                if e.errno == _EINTR:
                    self.kick()
                    return
                self.shutdown(None if e.errno == _ENOTSOCK else e)
                return
            outcome = _IDLE
            for listener in tuple(self.listeners):
                if listener.wanted() & events and (stuck is None or stuck.get(listener) != events):
                    result = listener.ready(events)
                    if result == _TRIED:
                        if stuck is None:
                            stuck = {}
                        stuck[listener] = events
                    if result > outcome:
                        outcome = result
            if outcome == _IDLE:
                # The last libzmq call was that EVENTS read: any change from here on signals the fd.
                return
            # Completed or merely tried, libzmq calls processed commands: look again.
        self.kick()

    def shutdown(self, exc: Optional[BaseException]) -> None:
        """Stop watching (before the socket is closed: the fd dies with it) and abort listeners."""
        if self.closed:
            return
        self.closed = True
        table = self.table
        if table.by_key.get(self.key) is self:
            del table.by_key[self.key]
        if table.by_fd.get(self.fd) is self:
            del table.by_fd[self.fd]
            # Only while the fd is ours: a reused fd number's reader belongs to its new socket.
            if not self.loop.is_closed():
                self.loop.remove_reader(self.fd)
        listeners, self.listeners = self.listeners, []
        for listener in listeners:
            listener.abort(exc)


def _find_watcher(loop: Any, key: int) -> Optional[_Watcher]:
    table = _watchers.get(loop)
    return None if table is None else table.by_key.get(key)


def _get_watcher(loop: Any, sock: Any, key: int) -> _Watcher:
    """The loop's watcher for sock's libzmq socket, created if needed."""
    table = _watchers.get(loop)
    if table is None:
        table = _watchers[loop] = _LoopWatchers()
    w = table.by_key.get(key)
    if w is not None:
        if not w.stale():
            return w
        # A closed socket's watcher, its address now reused: that socket's waiters are over.
        w.shutdown(None)
    fd = _backend_get(sock, _FD)
    other = table.by_fd.get(fd)
    if other is not None:
        # A live socket's fd is its own, so that watcher's socket is gone and the fd reused.
        # The loop's registration of it is dead too (the kernel dropped it with the old fd):
        # replace it rather than inherit it.
        other.shutdown(None)
    w = _Watcher(loop, key, fd, table)
    _watcher_generation[0] += 1
    return w


def _cancel(fut: Any) -> None:
    try:
        fut.cancel()
    except RuntimeError:
        # Its loop is already closed: nobody can be awaiting it any more.
        pass


# -- pending operations ------------------------------------------------------------------------


class _Waiter:
    """A queued send/recv/poll: its future, the non-blocking call to retry, a result transform."""

    __slots__ = ("future", "call", "post", "timer", "queue")

    def __init__(self, future: _Future, call: Any, post: Optional[Callable[[Any], Any]], queue: Deque["_Waiter"]) -> None:
        self.future = future
        self.call = call
        self.post = post
        self.timer: Any = None
        self.queue = queue

    def in_progress(self) -> bool:
        # A multipart send/recv that got part-way must finish, cancelled or not, or the next
        # message would be glued to its remains.
        return getattr(self.call, "started", False)

    def stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def on_done(self, fut: Any) -> None:
        # Only cancellation by the caller needs cleaning up here; we tidy up ourselves otherwise.
        if fut.cancelled():
            self.stop_timer()
            if not self.in_progress():
                try:
                    self.queue.remove(self)
                except ValueError:
                    pass

    def expire(self) -> None:
        """RCVTIMEO/SNDTIMEO ran out: fail with Again, as a blocking call would."""
        self.timer = None
        if self.future.done() or self.in_progress():
            return
        try:
            self.queue.remove(self)
        except ValueError:
            pass
        self.future.set_exception(Again())


class _RecvMultipart:
    """recv_multipart as a retryable non-blocking call (keeps frames already taken)."""

    __slots__ = ("sock", "flags", "copy", "track", "parts")

    def __init__(self, sock: Any, flags: int, copy: bool, track: bool) -> None:
        self.sock, self.flags, self.copy, self.track = sock, flags | _DONTWAIT, copy, track
        self.parts: List[Any] = []

    @property
    def started(self) -> bool:
        return bool(self.parts)

    def __call__(self) -> List[Any]:
        sock, flags, copy, track, parts = self.sock, self.flags, self.copy, self.track, self.parts
        if not parts:
            parts.append(_backend_recv(sock, flags, copy, track))
        info = sock._recv_info
        # libzmq delivers a message's frames together, so once the first is here the rest are.
        while info.more:
            parts.append(_backend_recv(sock, flags, copy, track))
        self.parts = []
        return parts


class _SendMultipart:
    """send_multipart as a retryable non-blocking call (resumes after frames already sent)."""

    __slots__ = ("sock", "parts", "flags", "copy", "track", "kwargs", "index")

    def __init__(self, sock: Any, parts: List[Any], flags: int, copy: bool, track: bool, kwargs: Dict[str, Any]) -> None:
        self.sock, self.parts, self.flags = sock, parts, flags | _DONTWAIT
        self.copy, self.track, self.kwargs = copy, track, kwargs
        self.index = 0

    @property
    def started(self) -> bool:
        return self.index > 0

    def __call__(self) -> Any:
        sock, parts, copy, track = self.sock, self.parts, self.copy, self.track
        last = len(parts) - 1
        more = self.flags | _SNDMORE
        i = self.index
        while i < last:
            _backend_send(sock, parts[i], more, copy, track)
            i += 1
            self.index = i
        result = _backend_send(sock, parts[last], self.flags, copy, track, **self.kwargs)
        self.index = 0
        return result


def _serve(queue: Deque[_Waiter]) -> int:
    """Complete queued operations in order until one would block (returns _IDLE/_TRIED/_DONE)."""
    outcome = _IDLE
    while queue:
        w = queue[0]
        fut = w.future
        if fut.done() and not w.in_progress():
            queue.popleft()
            continue
        if outcome == _IDLE:
            outcome = _TRIED
        try:
            result = w.call()
        except Again:
            break
        except Exception as e:
            queue.popleft()
            w.stop_timer()
            outcome = _DONE
            if not fut.done():
                fut.set_exception(e)
            continue
        queue.popleft()
        w.stop_timer()
        outcome = _DONE
        if fut.done():
            # Cancelled while a multipart send was half done: it is finished now, nobody waits.
            continue
        post = w.post
        if post is not None:
            try:
                result = post(result)
            except Exception as e:
                fut.set_exception(e)
                continue
        fut.set_result(result)
    return outcome


def _abort_queues(queues: Tuple[Deque[_Waiter], ...], exc: Optional[BaseException]) -> None:
    """Empty the queues, cancelling their futures (or failing them with exc)."""
    for queue in queues:
        while queue:
            w = queue.popleft()
            w.stop_timer()
            if not w.future.done():
                if exc is None:
                    _cancel(w.future)
                else:
                    w.future.set_exception(exc)


def _purged(queue: Deque[_Waiter]) -> bool:
    """Drop finished entries from the head; True if nothing is left waiting."""
    while queue:
        w = queue[0]
        if w.future.done() and not w.in_progress():
            queue.popleft()
        else:
            return False
    return True


class _SocketIO:
    """An async socket's waiting state in its current loop: queues, and its watcher listener."""

    __slots__ = ("sock", "key", "loop", "watcher", "generation", "recvq", "sendq", "pollq")

    def __init__(self, sock: "_AsyncSocket", loop: Any = None) -> None:
        self.sock = sock
        self.key = sock.underlying
        self.loop = loop
        self.watcher: Optional[_Watcher] = None
        self.generation = -1
        self.recvq: Deque[_Waiter] = deque()
        self.sendq: Deque[_Waiter] = deque()
        self.pollq: Deque[_Waiter] = deque()

    # -- loop binding ----------------------------------------------------------------------------

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
        """Move to another loop (e.g. a second asyncio.run): leave the old loop's watcher."""
        old, w = self.loop, self.watcher
        # The old loop's waiters stay behind with it; the new loop starts with empty queues.
        stale = (self.recvq, self.sendq, self.pollq)
        self.recvq, self.sendq, self.pollq = deque(), deque(), deque()
        self.loop = loop
        self.watcher = None
        self.generation = -1
        if old is None or (w is None and not any(stale)):
            return
        if old.is_running() and not old.is_closed():
            # Another thread runs it: tidy up over there, where its callbacks run.
            old.call_soon_threadsafe(self._leave, w, stale)
        else:
            self._leave(w, stale)

    def _leave(self, w: Optional[_Watcher], stale: Tuple[Deque[_Waiter], ...]) -> None:
        _abort_queues(stale, None)
        if w is not None:
            w.discard(self)

    def ensure_watcher(self, loop: Any) -> _Watcher:
        w = self.watcher
        if w is None or w.closed or w.loop is not loop:
            w = self.watcher = _get_watcher(loop, self.sock, self.key)
        w.add(self)
        return w

    def after_call(self) -> None:
        """A libzmq call was made outside the watcher: have waiters re-check if there are any."""
        w = self.watcher
        if w is None or w.closed:
            if self.generation == _watcher_generation[0] or self.loop is None:
                return
            # Maybe a shadow of this socket or a Poller made a watcher for it meanwhile.
            self.generation = _watcher_generation[0]
            w = _find_watcher(self.loop, self.key)
            if w is None:
                return
            self.watcher = w
        if w.busy():
            w.kick()

    # -- watcher listener --------------------------------------------------------------------------

    def wanted(self) -> int:
        mask = 0
        if self.recvq:
            mask = _POLLIN
        if self.sendq:
            mask |= _POLLOUT
        for w in self.pollq:
            mask |= w.call
        return mask

    def ready(self, events: int) -> int:
        outcome = _IDLE
        if self.pollq and self._resolve_polls(events):
            outcome = _DONE
        if events & _POLLIN and self.recvq:
            outcome = max(outcome, _serve(self.recvq))
        if events & _POLLOUT and self.sendq:
            outcome = max(outcome, _serve(self.sendq))
        return outcome

    def _resolve_polls(self, events: int) -> bool:
        resolved = False
        for w in list(self.pollq):
            fut = w.future
            if fut.done():
                self.pollq.remove(w)
            elif events & w.call:
                self.pollq.remove(w)
                w.stop_timer()
                fut.set_result(events & w.call)
                resolved = True
        return resolved

    def abort(self, exc: Optional[BaseException]) -> None:
        """Cancel every pending operation (or fail them with exc)."""
        _abort_queues((self.recvq, self.sendq, self.pollq), exc)

    def close(self, closing: bool) -> None:
        """Before the libzmq socket closes (`closing`), or this object merely forgets it:
        cancel this object's waiters; if the socket goes, stop watching its fd (every
        listener's waiters are cancelled too), while the fd is still open."""
        self.abort(None)
        w = self.watcher
        self.watcher = None
        if w is None or w.closed:
            w = None if self.loop is None else _find_watcher(self.loop, self.key)
            if w is None:
                return
        if closing:
            w.shutdown(None)
        else:
            w.discard(self)

    def closed_elsewhere(self) -> None:
        """The libzmq socket is being closed through another object (a shadow, the context's
        destroy(), a finalizer), possibly on another thread: stop waiting on it."""
        loop = self.loop
        if loop is None:
            return  # never used with a loop: nothing to undo
        # A shadow of a socket made outside zmq_cffi (no cell) only forgets it: the socket
        # stays open, and other shadows of it keep waiting on the shared watcher.
        closing = self.sock._cell is not None
        if self.sock._running_loop() is loop or not loop.is_running():
            self.close(closing)
        elif not loop.is_closed():
            # Its loop runs in another thread: undo there (the fd may be gone by then, which
            # the loop's selector and _get_watcher both cope with).
            loop.call_soon_threadsafe(self.close, closing)

    # -- starting operations -----------------------------------------------------------------------

    def done(self, loop: Any, result: Any) -> _Future:
        fut: _Future = loop.create_future()
        fut.set_result(result)
        self.after_call()
        return fut

    def failed(self, loop: Any, exc: BaseException) -> _Future:
        if isinstance(exc, ZMQError) and exc.errno == _ENOTSOCK and self.sock.closed:
            # As pyzmq does: using a closed socket raises at once rather than in the future.
            raise exc
        fut: _Future = loop.create_future()
        fut.set_exception(exc)
        self.after_call()
        return fut

    def wait(self, loop: Any, sending: bool, call: Any, post: Optional[Callable[[Any], Any]]) -> _Future:
        """Queue an operation that would block; the watcher completes it when it can."""
        queue = self.sendq if sending else self.recvq
        fut: _Future = loop.create_future()
        w = _Waiter(fut, call, post, queue)
        queue.append(w)
        timeout = _backend_get(self.sock, _SNDTIMEO if sending else _RCVTIMEO)
        if timeout >= 0:
            w.timer = loop.call_later(timeout / 1000.0, w.expire)
        fut.add_done_callback(w.on_done)
        # Our failed attempt processed commands, maybe swallowing a signal meant for another
        # waiter; and a brand-new waiter deserves a look at the current state anyway.
        self.ensure_watcher(loop).kick()
        return fut

    def run(self, sending: bool, call: Any, flags: int, post: Optional[Callable[[Any], Any]] = None) -> _Future:
        """Try `call` now if nobody is queued ahead (or with NOBLOCK); else queue it."""
        loop = self.get_loop()
        queue = self.sendq if sending else self.recvq
        if _purged(queue) or (flags & _DONTWAIT and not queue[0].in_progress()):
            try:
                result = call()
            except Again as e:
                if flags & _DONTWAIT:
                    return self.failed(loop, e)
            except Exception as e:
                return self.failed(loop, e)
            else:
                if post is not None:
                    try:
                        result = post(result)
                    except Exception as e:
                        return self.failed(loop, e)
                return self.done(loop, result)
        elif flags & _DONTWAIT:
            # A multipart message is half-way through: nothing may come between its frames.
            return self.failed(loop, Again())
        return self.wait(loop, sending, call, post)


# -- the public mixins --------------------------------------------------------------------------


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

    def _get_loop(self) -> Any:
        loop = self._running_loop()
        return loop if loop is not None else self._default_loop()


class _AsyncSocket(_Async, Socket):
    """A Socket whose send/recv/poll methods return futures instead of blocking.

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
        self.__dict__["_raw_handle"] = value
        if value == _NULL:
            io = self.__dict__.get("_io")
            if io is not None:
                io.closed_elsewhere()

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
        object.__setattr__(self, "_io", _SocketIO(self, io_loop))

    @classmethod
    def from_socket(cls: Type[_AsyncSocketT], socket: Socket, io_loop: Any = None) -> _AsyncSocketT:
        """An async socket over the same libzmq socket as `socket` (same as `cls(socket)`)."""
        return cls(socket, io_loop=io_loop)

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
        """Get a socket option. Reading EVENTS makes pending futures re-check readiness."""
        value = super().get(option)
        if option == _EVENTS and self._io is not None:
            self._io.after_call()
        return value

    getsockopt = get

    def bind(self, addr: Union[str, bytes]) -> _EndpointContext:
        """Bind to an endpoint (see Socket.bind)."""
        try:
            return super().bind(addr)
        finally:
            self._io.after_call()

    def connect(self, addr: Union[str, bytes]) -> _EndpointContext:
        """Connect to an endpoint (see Socket.connect)."""
        try:
            return super().connect(addr)
        finally:
            self._io.after_call()

    def unbind(self, addr: Union[str, bytes]) -> None:
        """Stop listening on an endpoint."""
        try:
            super().unbind(addr)
        finally:
            self._io.after_call()

    def disconnect(self, addr: Union[str, bytes]) -> None:
        """Disconnect from an endpoint."""
        try:
            super().disconnect(addr)
        finally:
            self._io.after_call()

    # -- receiving -----------------------------------------------------------------------------

    # Where the synchronous Socket returns X these return an Awaitable[X] (a future of the
    # loop): a deliberate change of the inherited signatures, hence the override ignores.

    @overload  # type: ignore[override]
    def recv(self, flags: int = ..., copy: Literal[True] = ..., track: bool = ...) -> Awaitable[bytes]: ...

    @overload
    def recv(self, flags: int, copy: Literal[False], track: bool = ...) -> Awaitable[Frame]: ...

    @overload
    def recv(self, flags: int = ..., *, copy: Literal[False], track: bool = ...) -> Awaitable[Frame]: ...

    @overload
    def recv(self, flags: int = ..., copy: bool = ..., track: bool = ...) -> Awaitable[Union[bytes, Frame]]: ...

    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Awaitable[Union[bytes, Frame]]:
        """A future of one frame: bytes, or a Frame with copy=False."""
        io = self._io
        queue = io.recvq
        if _purged(queue) or (flags & _DONTWAIT and not queue[0].in_progress()):
            # Fast path: a message may already be there. NOBLOCK tries at once even when
            # others already wait, as in pyzmq.
            try:
                msg = _backend_recv(self, flags | _DONTWAIT, copy, track)
            except Again as e:
                if flags & _DONTWAIT:
                    return io.failed(io.get_loop(), e)
            except Exception as e:
                return io.failed(io.get_loop(), e)
            else:
                return io.done(io.get_loop(), msg)
        elif flags & _DONTWAIT:
            # A multipart message is half-way through: nothing may come between its frames.
            return io.failed(io.get_loop(), Again())
        return io.wait(io.get_loop(), False, partial(_backend_recv, self, flags | _DONTWAIT, copy, track), None)

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
        """A future of all frames of one message (bytes, or Frames with copy=False)."""
        return self._io.run(False, _RecvMultipart(self, flags, copy, track), flags)

    def recv_into(  # type: ignore[override]
        self, buffer: WriteableBuffer, /, nbytes: int = 0, flags: int = 0
    ) -> Awaitable[int]:
        """A future of the message size, the message having been written into `buffer`."""
        return self._io.run(False, partial(_backend_recv_into, self, buffer, nbytes, flags | _DONTWAIT), flags)

    def _recv_then(self, flags: int, post: Callable[[bytes], Any]) -> _Future:
        return self._io.run(False, partial(_backend_recv, self, flags | _DONTWAIT, True, False), flags, post)

    def recv_string(self, flags: int = 0, encoding: str = "utf-8") -> Awaitable[str]:  # type: ignore[override]
        """A future of a message decoded with `encoding`."""
        return self._recv_then(flags, lambda b: b.decode(encoding))

    recv_unicode = recv_string  # type: ignore[assignment]

    def recv_json(self, flags: int = 0, **kwargs: Any) -> Awaitable[Any]:
        """A future of a JSON message, parsed (keywords go to json.loads)."""
        return self._recv_then(flags, lambda b: json.loads(b.decode("utf-8"), **kwargs))

    def recv_pyobj(self, flags: int = 0) -> Awaitable[Any]:
        """A future of an unpickled object (only from peers you trust)."""
        return self._recv_then(flags, pickle.loads)

    def recv_serialized(  # type: ignore[override]
        self, deserialize: Callable[[List[Any]], R], flags: int = 0, copy: bool = True
    ) -> Awaitable[R]:
        """A future of `deserialize(frames)` for the next multipart message."""
        return self._io.run(False, _RecvMultipart(self, flags, copy, False), flags, deserialize)

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
        """A future that completes when the frame is queued: None, or a MessageTracker with track."""
        io = self._io
        queue = io.sendq
        if _purged(queue) or (flags & _DONTWAIT and not queue[0].in_progress()):
            # Fast path: there is usually room below the high water mark. NOBLOCK tries at
            # once even when others already wait, as in pyzmq.
            try:
                result = _backend_send(self, data, flags | _DONTWAIT, copy, track, **kwargs)
            except Again as e:
                if flags & _DONTWAIT:
                    return io.failed(io.get_loop(), e)
            except Exception as e:
                return io.failed(io.get_loop(), e)
            else:
                return io.done(io.get_loop(), result)
        elif flags & _DONTWAIT:
            # A multipart message is half-way through: nothing may come between its frames.
            return io.failed(io.get_loop(), Again())
        return io.wait(io.get_loop(), True, partial(_backend_send, self, data, flags | _DONTWAIT, copy, track, **kwargs), None)

    def send_multipart(  # type: ignore[override]
        self, msg_parts: Sequence[SendData], flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any
    ) -> Awaitable[Optional[MessageTracker]]:
        """A future that completes when the whole message is queued (all frames, atomically)."""
        io = self._io
        parts = list(msg_parts)
        for i, part in enumerate(parts):
            if isinstance(part, (bytes, backend.Frame)):
                continue
            try:
                memoryview(part)
            except TypeError:
                return io.failed(io.get_loop(), TypeError(f"Frame {i} ({part!r:.32}) does not support the buffer interface."))
        if not parts:
            return io.failed(io.get_loop(), ValueError("send_multipart needs at least one frame"))
        return io.run(True, _SendMultipart(self, parts, flags, copy, track, kwargs), flags)

    # send_string, send_json, send_pyobj and send_serialized are inherited: they end in
    # self.send / self.send_multipart and so return those futures. Declared for type checkers.
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

    def poll(self, timeout: Optional[int] = None, flags: int = _POLLIN) -> Awaitable[int]:  # type: ignore[override]
        """A future of the events among `flags` that occur within `timeout` ms (None: no limit).

        It resolves to 0 if the time runs out first."""
        if self.closed:
            raise ZMQError(_ENOTSOCK, "the socket is closed")
        io = self._io
        loop = io.get_loop()
        events = _backend_get(self, _EVENTS) & flags
        if events or timeout == 0:
            return io.done(loop, events)
        fut: _Future = loop.create_future()
        w = _Waiter(fut, flags, None, io.pollq)
        io.pollq.append(w)
        if timeout is not None and timeout >= 0:
            w.timer = loop.call_later(timeout / 1000.0, _poll_expired, w)
        fut.add_done_callback(w.on_done)
        io.ensure_watcher(loop).kick()
        return fut


def _poll_expired(w: _Waiter) -> None:
    w.timer = None
    if not w.future.done():
        try:
            w.queue.remove(w)
        except ValueError:
            pass
        w.future.set_result(0)


# -- Poller -----------------------------------------------------------------------------------


class _PollEntry:
    """A pending Poller.poll call's listener on one socket's watcher."""

    __slots__ = ("op", "sock", "mask")

    def __init__(self, op: "_PollOp", sock: Any, mask: int) -> None:
        self.op, self.sock, self.mask = op, sock, mask

    def wanted(self) -> int:
        return 0 if self.op.future.done() else self.mask

    def ready(self, events: int) -> int:
        return _DONE if self.op.recheck() else _TRIED

    def abort(self, exc: Optional[BaseException]) -> None:
        op = self.op
        if not op.future.done():
            if exc is None:
                _cancel(op.future)
            else:
                op.future.set_exception(exc)
        op.cleanup()


class _PollOp:
    """One pending Poller.poll: listens on every polled socket and fd until one is ready."""

    __slots__ = ("loop", "future", "poller", "entries", "readers", "writers", "timer", "finished")

    def __init__(self, loop: Any, future: _Future, items: List[Tuple[Any, int]], timeout: float) -> None:
        self.loop = loop
        self.future = future
        # A private snapshot: registrations changed during the wait apply to the next poll.
        self.poller = Poller()
        self.entries: List[Tuple[_Watcher, _PollEntry]] = []
        self.readers: List[int] = []
        self.writers: List[int] = []
        self.timer: Any = None
        self.finished = False
        for obj, flags in items:
            self.poller.register(obj, flags)
        try:
            for obj, flags in items:
                if isinstance(obj, backend.Socket):
                    mask = flags & (_POLLIN | _POLLOUT)
                    if mask:
                        w = _watcher_of(loop, obj)
                        entry = _PollEntry(self, obj, mask)
                        w.add(entry)
                        self.entries.append((w, entry))
                else:
                    fd = _fd_of(obj)
                    if flags & _POLLIN:
                        loop.add_reader(fd, self.recheck)
                        self.readers.append(fd)
                    if flags & _POLLOUT:
                        loop.add_writer(fd, self.recheck)
                        self.writers.append(fd)
        except BaseException:
            self.cleanup()
            raise
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
            self.cleanup()  # which also kicks the watchers below
            return True
        # zmq_poll processed every polled socket's commands: others waiting on them re-check.
        for w, _ in self.entries:
            if w.busy():
                w.kick()
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
        for w, entry in entries:
            w.discard(entry)
        loop = self.loop
        if not loop.is_closed():
            for fd in self.readers:
                loop.remove_reader(fd)
            for fd in self.writers:
                loop.remove_writer(fd)
        for w, _ in entries:
            if not w.closed and w.busy():
                w.kick()


def _watcher_of(loop: Any, sock: Any) -> _Watcher:
    """The loop's watcher for any socket object (async sockets keep theirs pinned)."""
    io = getattr(sock, "_io", None)
    if isinstance(io, _SocketIO):
        io.get_loop()
        return io.ensure_watcher(loop)
    return _get_watcher(loop, sock, sock.underlying)


def _kick_watchers(loop: Any, items: List[Tuple[Any, int]]) -> None:
    """After a zmq_poll over these sockets outside their watchers: let their waiters re-check."""
    table = _watchers.get(loop)
    if table is None or not table.by_key:
        return
    for obj, _ in items:
        if isinstance(obj, backend.Socket) and not obj.closed:
            w = table.by_key.get(obj.underlying)
            if w is not None and w.busy():
                w.kick()


class _AsyncPoller(_Async, Poller):
    """A Poller whose poll() returns a future instead of blocking."""

    def poll(self, timeout: Optional[float] = -1) -> Awaitable[List[Tuple[Any, int]]]:  # type: ignore[override]
        """A future of [(socket, events), ...] for registered sockets/fds with events.

        Waits up to `timeout` ms (None or negative: no limit); an empty list if none came."""
        if timeout is None or timeout < 0:
            timeout = -1
        loop = self._get_loop()
        items = list(self.sockets)
        # Fast path, and the reference state: from here on any change signals the fds.
        ready = Poller.poll(self, 0)
        _kick_watchers(loop, items)
        fut: _Future = loop.create_future()
        if ready or timeout == 0:
            fut.set_result(ready)
            return fut
        _PollOp(loop, fut, items, timeout)
        return fut

"""The readiness engine under every async layer (asyncio, trio/anyio, tornado, ZMQStream, gevent).

libzmq exposes one notification fd per socket (ZMQ_FD). It is edge-triggered: it turns readable
when commands reach the socket, and any libzmq call that processes those commands (reading
ZMQ_EVENTS, send, recv, bind, connect, zmq_poll) makes it unreadable again, whether or not the
caller was the one interested in them. So, per event loop and libzmq socket, one `Engine`:

* holds every `Pending` operation on that socket: receives and sends in FIFO queues (each with
  the non-blocking `call` to retry), polls in a list (each with the `mask` it waits for);
* `drain()`: reads ZMQ_EVENTS, lets the operations those events allow run (`serve`), and reads
  again after any round that called libzmq; it settles only after a read that nobody could act
  on, because from then on any change signals the fd;
* `kick()`: a libzmq call was made outside the engine (a fast-path send/recv, get(EVENTS),
  bind/connect, a Poller's zmq_poll) and may have consumed the edge: drain again soon.

Around it, written once for every driver: `EngineTable` (a loop's engines by socket and fd;
`ThreadTables` for loops that are one a thread), `attempt`/`attempt_in` (a call arriving: now,
or queued), and `PollWait` (a Poller.poll that waits on several engines and plain fds).
A driver plugs an engine into one event loop: it waits on the fd, calls drain() when it turns
readable, implements kick() and the pending operations' delivery (a future, a parked task).
Every libzmq call made here carries DONTWAIT, or is a getsockopt: an engine never blocks.
"""
from __future__ import annotations

import errno
from collections import deque
from functools import partial
from operator import attrgetter
from typing import Any, Callable, Deque, Dict, Iterable, Iterator, List, Optional, Tuple, cast

from zmq_cffi import backend, constants
from zmq_cffi.backend.poll import _fd_of as fd_of
from zmq_cffi.error import Again, ZMQError
from zmq_cffi.poll import Poller

__all__: List[str] = []

POLLIN = int(constants.POLLIN)
POLLOUT = int(constants.POLLOUT)
POLLERR = int(constants.POLLERR)
DONTWAIT = int(constants.DONTWAIT)
SNDMORE = int(constants.SNDMORE)
EVENTS = int(constants.EVENTS)
FD = int(constants.FD)
RCVTIMEO = int(constants.RCVTIMEO)
SNDTIMEO = int(constants.SNDTIMEO)
ENOTSOCK = int(constants.ENOTSOCK)
EINTR = errno.EINTR

# The raw backend calls: the sugar Socket's multipart helpers would call the async overrides.
backend_send = backend.Socket.send
backend_recv = backend.Socket.recv
backend_recv_into = backend.Socket.recv_into
# Only ever used for int options (EVENTS, FD, RCVTIMEO, SNDTIMEO).
backend_get = cast("Callable[[Any, int], int]", backend.Socket.get)

# A drain serves in rounds; after this many it reports "not settled" and its driver yields to
# the loop before draining again, so a flood of traffic cannot starve everything else.
MAX_ROUNDS = 64

# What serving did: nothing; called libzmq but completed nothing; completed something.
IDLE, TRIED, DONE = 0, 1, 2


def closed_error() -> ZMQError:
    return ZMQError(ENOTSOCK, "the socket was closed while waiting")


class RecvMultipart:
    """recv_multipart as a retryable non-blocking call (keeps frames already taken)."""

    __slots__ = ("sock", "flags", "copy", "track", "parts")

    def __init__(self, sock: Any, flags: int, copy: bool, track: bool) -> None:
        self.sock, self.flags, self.copy, self.track = sock, flags | DONTWAIT, copy, track
        self.parts: List[Any] = []

    @property
    def started(self) -> bool:
        return bool(self.parts)

    def __call__(self) -> List[Any]:
        sock, flags, copy, track, parts = self.sock, self.flags, self.copy, self.track, self.parts
        if not parts:
            parts.append(backend_recv(sock, flags, copy, track))
        info = sock._recv_info
        # libzmq delivers a message's frames together, so once the first is here the rest are.
        while info.more:
            parts.append(backend_recv(sock, flags, copy, track))
        self.parts = []
        return parts


class SendMultipart:
    """send_multipart as a retryable non-blocking call (resumes after frames already sent)."""

    __slots__ = ("sock", "parts", "flags", "copy", "track", "kwargs", "index")

    def __init__(self, sock: Any, parts: List[Any], flags: int, copy: bool, track: bool, kwargs: Dict[str, Any]) -> None:
        self.sock, self.parts, self.flags = sock, parts, flags | DONTWAIT
        self.copy, self.track, self.kwargs = copy, track, kwargs
        self.index = 0

    @property
    def started(self) -> bool:
        return self.index > 0

    def __call__(self) -> Any:
        sock, parts, copy, track = self.sock, self.parts, self.copy, self.track
        last = len(parts) - 1
        more = self.flags | SNDMORE
        i = self.index
        while i < last:
            backend_send(sock, parts[i], more, copy, track)
            i += 1
            self.index = i
        result = backend_send(sock, parts[last], self.flags, copy, track, **self.kwargs)
        self.index = 0
        return result


class Pending:
    """One waiting operation: a send/recv (`call`, the non-blocking libzmq call to retry) or a
    poll (`mask`, the events it waits for). Drivers say how a result reaches its waiter."""

    __slots__ = ("sock", "call", "mask", "post", "queue")

    def __init__(self, sock: Any, call: Optional[Callable[[], Any]], mask: int, post: Optional[Callable[[Any], Any]]) -> None:
        self.sock = sock
        self.call = call
        self.mask = mask
        self.post = post
        self.queue: Optional[Deque[Any]] = None

    def started(self) -> bool:
        # A multipart send/recv that got part-way must finish, cancelled or not, or the next
        # message would be glued to its remains.
        return bool(getattr(self.call, "started", False))

    def withdraw(self) -> None:
        """Leave its queue (cancelled, timed out)."""
        queue = self.queue
        if queue is not None:
            try:
                queue.remove(self)
            except ValueError:
                pass

    def deliver(self, value: Any) -> bool:
        """The call succeeded (or the poll saw its events): hand `value` over, through `post`."""
        post = self.post
        if post is not None:
            try:
                value = post(value)
            except Exception as e:
                return self.finish(None, e)
        return self.finish(value, None)

    # -- the driver's part ----------------------------------------------------------------------

    def waiting(self) -> bool:
        """False once it has a result or was cancelled."""
        raise NotImplementedError

    def finish(self, value: Any, error: Optional[BaseException]) -> bool:
        """Hand the result over; False keeps it waiting (a Poller whose zmq_poll saw nothing)."""
        raise NotImplementedError

    def abort(self, error: Optional[BaseException]) -> None:
        """The socket went away (error None) or failed (ETERM): end the wait."""
        raise NotImplementedError


class Waited(Pending):
    """A pending operation whose waiter collects the result itself (a parked trio task, a
    blocked greenlet): `finish` records it and calls the driver's `wake`."""

    __slots__ = ("done", "value", "error")

    def __init__(self, sock: Any, call: Optional[Callable[[], Any]], mask: int) -> None:
        Pending.__init__(self, sock, call, mask, None)
        self.done = False
        self.value: Any = None
        self.error: Optional[BaseException] = None

    def waiting(self) -> bool:
        return not self.done

    def finish(self, value: Any, error: Optional[BaseException]) -> bool:
        self.done, self.value, self.error = True, value, error
        self.wake()
        return True

    def abort(self, error: Optional[BaseException]) -> None:
        if not self.done:
            self.finish(None, closed_error() if error is None else error)

    def result(self) -> Any:
        """The value, or raise the error."""
        if self.error is not None:
            raise self.error
        return self.value

    def wake(self) -> None:
        """The driver's part: let the waiter run."""
        raise NotImplementedError


def purged(queue: Deque[Pending]) -> bool:
    """Drop finished operations from the head; True if nothing is left waiting."""
    while queue:
        p = queue[0]
        if p.waiting() or p.started():
            return False
        queue.popleft()
    return True


# What attempt() returns when the call has to wait in its queue.
QUEUE: Any = object()


def attempt(queue: Optional[Deque[Pending]], func: Callable[..., Any], args: Tuple[Any, ...], flags: int, post: Optional[Callable[[Any], Any]]) -> Any:
    """A send or receive arriving: `func(*args)` (through `post`) now if nobody waits ahead of
    it in `queue`, first come first served; NOBLOCK tries at once even when others wait, as in
    pyzmq. Returns the result, or QUEUE when it has to wait; raises what the call raised (Again
    for NOBLOCK)."""
    if not queue or purged(queue) or (flags & DONTWAIT and not queue[0].started()):
        try:
            result = func(*args)
        except Again:
            if flags & DONTWAIT and not getattr(func, "started", False):
                raise
            return QUEUE  # a multipart message went out part-way: it finishes in the queue
        return result if post is None else post(result)
    if flags & DONTWAIT:
        # A multipart message is half-way through: nothing may come between its frames.
        raise Again()
    return QUEUE


def attempt_in(table: Optional["EngineTable"], sock: Any, sending: bool, func: Callable[..., Any], args: Tuple[Any, ...], flags: int, post: Optional[Callable[[Any], Any]]) -> Any:
    """attempt() against `sock`'s engine in `table` (if any); then that engine's waiters look
    again, for the call may have consumed the fd's edge."""
    key = sock.underlying
    engine = None if table is None else table.get(key)
    try:
        return attempt(None if engine is None else engine.queue_of(sending), func, args, flags, post)
    finally:
        if table is not None:
            table.after_call(key)


def events_in(table: Optional["EngineTable"], sock: Any, flags: int) -> int:
    """The events among `flags` that `sock` has now (ZMQ_EVENTS); then its engine's waiters
    in `table` look again."""
    try:
        return backend_get(sock, EVENTS) & flags
    finally:
        if table is not None:
            table.after_call(sock.underlying)


def timeout_of(sock: Any, sending: bool) -> int:
    """SNDTIMEO or RCVTIMEO, in ms (-1: none)."""
    return backend_get(sock, SNDTIMEO if sending else RCVTIMEO)


def serve(queue: Deque[Pending], limit: int = 0) -> int:
    """Complete queued operations in order until one would block, or `limit` (0: no limit) are
    done (returns IDLE/TRIED/DONE)."""
    outcome = IDLE
    count = 0
    while queue and (not limit or count < limit):
        p = queue[0]
        if not p.waiting() and not p.started():
            queue.popleft()
            continue
        if outcome == IDLE:
            outcome = TRIED
        try:
            value = p.call()  # type: ignore[misc]  # queued sends/recvs have one
        except Again:
            break
        except Exception as e:
            queue.popleft()
            outcome = DONE
            count += 1
            if p.waiting():
                p.finish(None, e)
            continue
        queue.popleft()
        outcome = DONE
        count += 1
        if p.waiting():
            # (Not waiting: cancelled while a multipart send was half done; it is finished now.)
            p.deliver(value)
    return outcome


class HearsOfClosing:
    """Socket class mixin: `_closed_elsewhere(key)` runs before the libzmq socket at `key` is
    closed through any object over it (this one, a shadow, the context's destroy(), a
    finalizer): the backend clears `_handle` on each of them before zmq_close, in time for
    the engines to let go of the fd."""

    _raw_handle: Any = backend.NULL_HANDLE

    def _set_handle(self, value: Any) -> None:
        key = self.underlying  # type: ignore[attr-defined]  # a backend.Socket's
        self.__dict__["_raw_handle"] = value
        if value == backend.NULL_HANDLE and key:
            self._closed_elsewhere(key)

    _handle = property(attrgetter("_raw_handle"), _set_handle)

    def _closed_elsewhere(self, key: int) -> None:
        """The driver's part: end the waits on the libzmq socket at `key`."""


class Engine:
    """The pending operations on one libzmq socket in one event loop, and the drain that serves them."""

    __slots__ = ("key", "fd", "sock", "recvq", "sendq", "polls", "closed", "lanes")

    def __init__(self, key: int, fd: int, sock: Any) -> None:
        self.key = key
        self.fd = fd
        # A socket object over the libzmq socket, to read ZMQ_EVENTS through.
        self.sock = sock
        self.recvq: Deque[Pending] = deque()
        self.sendq: Deque[Pending] = deque()
        self.polls: Deque[Pending] = deque()
        self.closed = False
        # What a drain serves, in order: (index for `stuck`, queue, events it needs).
        self.lanes = ((0, self.polls, ~0), (1, self.recvq, POLLIN), (2, self.sendq, POLLOUT))

    # -- the driver's part ----------------------------------------------------------------------

    def kick(self) -> None:
        """Drain again soon: a libzmq call outside the engine may have consumed the fd's edge."""
        raise NotImplementedError

    def unwatch(self) -> None:
        """Stop waiting on the fd (called before the socket closes: the fd dies with it)."""
        raise NotImplementedError

    # -- queues ---------------------------------------------------------------------------------

    def queue_of(self, sending: bool) -> Deque[Pending]:
        return self.sendq if sending else self.recvq

    def add(self, p: Pending, queue: Deque[Pending]) -> None:
        p.queue = queue
        queue.append(p)
        if self.sock.closed:
            self.sock = p.sock

    def enqueue(self, p: Pending, sending: Optional[bool]) -> None:
        """Queue `p` (sending None: a poll) and look at once: the call that could not complete
        may have consumed an edge another waiter needs, and a new waiter deserves a look."""
        self.add(p, self.polls if sending is None else self.queue_of(sending))
        self.kick()

    def pending(self) -> Iterator[Pending]:
        yield from self.recvq
        yield from self.sendq
        yield from self.polls

    def busy(self) -> bool:
        return bool(self.recvq or self.sendq or self.polls)

    def after_call(self) -> None:
        """A libzmq call was made outside the engine: kick it if anybody waits."""
        if self.recvq or self.sendq or self.polls:
            self.kick()

    # -- draining -------------------------------------------------------------------------------

    def live_sock(self) -> Any:
        """A socket object over the libzmq socket that is still open, or None."""
        sock = self.sock
        if not sock.closed:
            return sock
        for p in self.pending():
            if not p.sock.closed:
                self.sock = p.sock
                return p.sock
        return None

    def drain(self) -> bool:
        """Read ZMQ_EVENTS and serve until a read leaves nothing to do (False: ran out of rounds,
        or was interrupted; the driver drains again after the loop has run a little)."""
        # Queues whose operations completed nothing at these events (a ROUTER_MANDATORY send to a
        # full peer while another has room: POLLOUT is set, yet that send would block). They are
        # not retried until the events change, or this would spin.
        stuck: Optional[Dict[int, int]] = None
        for _ in range(MAX_ROUNDS):
            if self.closed:
                return True
            sock = self.live_sock()
            if sock is None:
                self.close(None)
                return True
            try:
                # Read it even with nobody waiting: this is what resets the fd, which a loop
                # watching it level-triggered would otherwise report again and again.
                events = backend_get(sock, EVENTS)
            except ZMQError as e:
                if e.errno == EINTR:
                    return False
                self.close(None if e.errno == ENOTSOCK else e)
                return True
            outcome = IDLE
            for index, queue, needs in self.lanes:
                if queue and events & needs and (stuck is None or stuck.get(index) != events):
                    served = serve(queue) if index else self.resolve_polls(events)
                    if served == TRIED:
                        if stuck is None:
                            stuck = {}
                        stuck[index] = events
                    if served > outcome:
                        outcome = served
            if outcome == IDLE:
                # The last libzmq call was that EVENTS read: any change from here on signals the fd.
                return True
            # Completed or merely tried, libzmq calls processed commands: look again.
        return False

    def resolve_polls(self, events: int) -> int:
        outcome = IDLE
        polls = self.polls
        for p in list(polls):
            if not p.waiting():
                p.withdraw()
            elif p.mask & events:
                if p.deliver(p.mask & events):
                    p.withdraw()
                    outcome = DONE
                elif outcome == IDLE:
                    outcome = TRIED
        return outcome

    # -- ending ---------------------------------------------------------------------------------

    def forget(self, sock: Any) -> None:
        """`sock` (a foreign shadow, or an object moving to another loop) stops using this
        socket: its operations end; the others' carry on."""
        for queue in (self.recvq, self.sendq, self.polls):
            for p in [p for p in queue if p.sock is sock]:
                queue.remove(p)
                p.abort(None)

    def closing(self, sock: Any) -> None:
        """`sock` closes the libzmq socket: every wait on it ends. A shadow of a socket made
        outside zmq_cffi (no cell) only forgets it: its own waits end, the others' carry on."""
        if sock._cell is not None:
            self.close(None)
        else:
            self.forget(sock)

    def call_in_loop(self, func: Callable[[], None]) -> None:
        """The driver's part: run `func` where this engine's callbacks run (now, if here)."""
        raise NotImplementedError

    def close(self, error: Optional[BaseException]) -> None:
        """Stop watching (before the socket closes) and end every wait: cancelled (error None),
        or failed with `error` (ETERM)."""
        if self.closed:
            return
        self.closed = True
        self.unwatch()
        for queue in (self.recvq, self.sendq, self.polls):
            while queue:
                queue.popleft().abort(error)


class EngineTable:
    """The engines of one event loop (a trio run, a gevent hub), by libzmq socket address and by fd."""

    __slots__ = ("by_key", "by_fd", "sweeping")

    def __init__(self) -> None:
        self.by_key: Dict[int, Engine] = {}
        self.by_fd: Dict[int, Engine] = {}
        self.sweeping = False

    def get(self, key: int) -> Optional[Engine]:
        return self.by_key.get(key)

    def add(self, engine: Engine) -> None:
        other = self.by_fd.get(engine.fd)
        if other is not None and other is not engine:
            # A live socket's fd is its own, so that engine's socket is gone and the fd reused
            # (the loop's registration of it died with the old fd).
            other.close(None)
        self.by_key[engine.key] = engine
        self.by_fd[engine.fd] = engine

    def discard(self, engine: Engine) -> bool:
        """Take `engine` out; True if the fd was still registered for it (not reused meanwhile)."""
        if self.by_key.get(engine.key) is engine:
            del self.by_key[engine.key]
        if self.by_fd.get(engine.fd) is engine:
            del self.by_fd[engine.fd]
            return True
        return False

    def after_call(self, key: int) -> None:
        """A libzmq call on the socket at `key` was made outside its engine."""
        engine = self.by_key.get(key)
        if engine is not None:
            engine.after_call()

    def after_poll(self, items: Iterable[Tuple[Any, int]]) -> None:
        """A zmq_poll over these (socket, flags) consumed their fds' edges."""
        if self.by_key:
            for obj, _ in items:
                if isinstance(obj, backend.Socket) and not obj.closed:
                    self.after_call(obj.underlying)

    def sweep(self) -> None:
        """Every engine looks again (code just ran that may have used any of their sockets)."""
        self.sweeping = False
        for engine in list(self.by_key.values()):
            engine.after_call()


class ThreadTables:
    """One EngineTable per thread, for loops that are one a thread (trio runs, gevent hubs)."""

    __slots__ = ("tables", "thread_id")

    def __init__(self, thread_id: Callable[[], int]) -> None:
        self.tables: Dict[int, EngineTable] = {}
        self.thread_id = thread_id

    def here(self) -> Optional[EngineTable]:
        return self.tables.get(self.thread_id()) if self.tables else None

    def here_or_new(self) -> EngineTable:
        thread = self.thread_id()
        table = self.tables.get(thread)
        if table is None:
            table = self.tables[thread] = EngineTable()
        return table

    def engine_of(self, sock: Any, make: Callable[["EngineTable", int, int, Any], Engine]) -> Engine:
        """This thread's engine of `sock`'s libzmq socket; `make(table, key, fd, sock)` if none."""
        table = self.here_or_new()
        engine = table.get(sock.underlying)
        if engine is None or engine.closed:
            engine = make(table, sock.underlying, backend_get(sock, FD), sock)
        return engine

    def after_call(self, key: int) -> None:
        table = self.here()
        if table is not None:
            table.after_call(key)

    def after_poll(self, items: Iterable[Tuple[Any, int]]) -> None:
        table = self.here()
        if table is not None:
            table.after_poll(items)

    def closing(self, sock: Any, key: int) -> None:
        """`sock` closes the libzmq socket at `key` (see Engine.closing), in every thread."""
        for table in list(self.tables.values()):
            engine = table.by_key.get(key)
            if engine is not None:
                engine.call_in_loop(partial(engine.closing, sock))


def poll_now(poller: Any, items: List[Tuple[Any, int]], table: Optional[EngineTable]) -> List[Tuple[Any, int]]:
    """zmq_poll with no wait over `poller` (whose registrations are `items`); then the engines
    of `table` over those sockets look again, for the zmq_poll consumed their fds' edges."""
    try:
        ready: List[Tuple[Any, int]] = Poller.poll(poller, 0)
    finally:
        if table is not None:
            table.after_poll(items)
    return ready


class PollEntry(Pending):
    """A PollWait's wait on one of its sockets: events there make the poll check again."""

    __slots__ = ("poll",)

    def __init__(self, poll: "PollWait", sock: Any, mask: int) -> None:
        Pending.__init__(self, sock, None, mask, None)
        self.poll = poll

    def waiting(self) -> bool:
        return not self.poll.done

    def finish(self, value: Any, error: Optional[BaseException]) -> bool:
        return self.poll.fired()

    def abort(self, error: Optional[BaseException]) -> None:
        self.poll.abort(error)

    def engine_closed(self, error: Optional[BaseException]) -> None:
        pass  # (as a user of a futures engine) ended by abort() already


class PollWait:
    """One Poller.poll that has to wait, the algorithm of every driver: `arm()` puts a
    PollEntry on the engine of each polled socket and watches the plain fds; when any of
    them fires, zmq_poll with no wait over a snapshot of the registrations decides
    (`fired()`); `expire()` ends it with []; `disarm()` takes everything back. The driver's
    part: `engine_of`, `entry`, `watch_fd`, `unwatch`, `release`, `resolve`."""

    __slots__ = ("poller", "items", "table", "entries", "done", "armed")

    def __init__(self, items: List[Tuple[Any, int]], table: Optional[EngineTable]) -> None:
        # A private snapshot: registrations changed during the wait apply to the next poll.
        self.poller = Poller()
        for obj, flags in items:
            self.poller.register(obj, flags)
        self.items = items
        self.table = table
        self.entries: List[Tuple[Engine, Pending]] = []
        self.done = False
        self.armed = False

    def arm(self) -> None:
        self.armed = True
        try:
            for obj, flags in self.items:
                if isinstance(obj, backend.Socket):
                    mask = flags & (POLLIN | POLLOUT)
                    if mask:
                        engine = self.engine_of(obj)
                        p = self.entry(engine, obj, mask)
                        engine.add(p, engine.polls)
                        self.entries.append((engine, p))
                else:
                    self.watch_fd(fd_of(obj), flags)
        except BaseException:
            self.disarm()
            raise
        for engine, _ in self.entries:
            engine.kick()

    def fired(self) -> bool:
        """Something may be ready: zmq_poll with no wait decides. True once resolved."""
        if self.done:
            return True
        try:
            ready = poll_now(self.poller, self.items, self.table)
        except Exception as e:
            self.settle(None, e)
            return True
        if ready:
            self.settle(ready, None)
        return self.done

    def expire(self) -> None:
        """The timeout ran out: an empty list."""
        if not self.done:
            self.settle([], None)

    def abort(self, error: Optional[BaseException]) -> None:
        """A polled socket's engine ended (its socket closed: error None; ETERM)."""
        if not self.done:
            self.settle(None, closed_error() if error is None else error)

    def settle(self, ready: Optional[List[Tuple[Any, int]]], error: Optional[BaseException]) -> None:
        self.done = True
        self.resolve(ready, error)
        self.disarm()

    def disarm(self) -> None:
        if not self.armed:
            return
        self.armed = False
        self.done = True
        entries, self.entries = self.entries, []
        for engine, p in entries:
            p.withdraw()
            self.release(engine, p)
        self.unwatch()
        # zmq_poll may have consumed edges that others waiting on these sockets need.
        for engine, _ in entries:
            if not engine.closed:
                engine.after_call()

    # -- the driver's part ----------------------------------------------------------------------

    def engine_of(self, sock: Any) -> Engine:
        """The engine of `sock`'s libzmq socket in this loop."""
        raise NotImplementedError

    def entry(self, engine: Engine, sock: Any, mask: int) -> Pending:
        """The poll's wait on `sock` (in `engine`'s polls)."""
        return PollEntry(self, sock, mask)

    def watch_fd(self, fd: int, flags: int) -> None:
        """Call fired() whenever the plain `fd` may have the events of `flags` (as registered)."""
        raise NotImplementedError

    def unwatch(self) -> None:
        """Stop watching the plain fds (and the clock)."""
        raise NotImplementedError

    def release(self, engine: Engine, p: Pending) -> None:
        """`p` has left `engine`."""

    def resolve(self, ready: Optional[List[Tuple[Any, int]]], error: Optional[BaseException]) -> None:
        """Hand the poll's result over: the ready list, or raise `error`."""
        raise NotImplementedError

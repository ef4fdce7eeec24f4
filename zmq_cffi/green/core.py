"""Cooperative Context and Socket for gevent (pyzmq's `zmq.green.core`).

A blocking call never blocks the gevent hub: it is tried with NOBLOCK, and while libzmq says
EAGAIN the greenlet waits (`wait_ready`, the one wait loop of this package) on the socket's
ZMQ_FD through a gevent io watcher. ZMQ_FD is edge-triggered: any libzmq call on the socket
may consume the edge, so ZMQ_EVENTS is read after every call and before every wait, and the
greenlets whose events are then ready are woken (`_Readiness.check`).
"""
from __future__ import annotations

import time
import weakref
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Sequence, Tuple, TypeVar, Union, cast

import gevent
import gevent.event
from gevent.hub import get_hub

import zmq_cffi
from zmq_cffi import constants
from zmq_cffi.backend import Socket as _BackendSocket
from zmq_cffi.error import Again, ZMQError

__all__ = ["Context", "Socket", "wait_ready"]

_NOBLOCK = int(constants.NOBLOCK)
_POLLIN = int(constants.POLLIN)
_POLLOUT = int(constants.POLLOUT)
_EVENTS = int(constants.EVENTS)
_FD = int(constants.FD)
_RCVTIMEO = int(constants.RCVTIMEO)
_SNDTIMEO = int(constants.SNDTIMEO)
_EAGAIN = int(constants.EAGAIN)
_READ = 1  # gevent io watcher mask: readable

T = TypeVar("T")


class _Readiness:
    """The greenlets waiting on one zmq socket, and the io watcher on its ZMQ_FD that runs
    while any waits. Each waiter is a gevent Event with the ZMQ_EVENTS mask it waits for."""

    __slots__ = ("_owners", "_waiters", "_watcher", "_hub", "__weakref__")

    def __init__(self, socket: _BackendSocket) -> None:
        # Weak: the sockets hold their readiness, and a cycle would keep a dropped socket
        # open until a cyclic collection (and make Context.term() wait for it).
        self._owners = [weakref.ref(socket)]
        self._waiters: Dict[gevent.event.Event, int] = {}
        self._watcher: Any = None
        self._hub: Any = None

    def own(self, socket: _BackendSocket) -> None:
        """Another Socket object (a shadow) over the same libzmq socket shares this."""
        self._owners = [ref for ref in self._owners if ref() is not None] + [weakref.ref(socket)]

    def _socket(self) -> Optional[_BackendSocket]:
        for ref in self._owners:
            socket = ref()
            if socket is not None:
                return socket
        return None

    def add(self, waiter: gevent.event.Event, mask: int) -> None:
        self._waiters[waiter] = mask
        watcher = self._watcher
        hub = get_hub()
        if watcher is None or self._hub is not hub:
            self._stop_watcher()
            socket = self._socket()
            if socket is None:
                raise ZMQError(constants.ENOTSOCK, "the socket is gone")
            # ZMQ_FD: readable whenever libzmq has new commands for the socket (edge-style).
            watcher = hub.loop.io(cast(int, _BackendSocket.get(socket, _FD)), _READ)
            self._watcher, self._hub = watcher, hub
        if not watcher.active:
            watcher.start(self.check)

    def discard(self, waiter: gevent.event.Event) -> None:
        self._waiters.pop(waiter, None)
        if not self._waiters and self._watcher is not None:
            self._watcher.stop()

    def check(self, events: Optional[int] = None) -> None:
        """Read ZMQ_EVENTS (which consumes the fd's edge) unless given, and wake the waiters
        it satisfies. Called by the watcher and after every libzmq call on the socket."""
        if not self._waiters:
            return
        if events is None:
            socket = self._socket()
            try:
                events = -1 if socket is None else cast(int, _BackendSocket.get(socket, _EVENTS))
            except ZMQError:
                events = -1  # closed under us: wake everyone, their next call raises
        for waiter, mask in list(self._waiters.items()):
            if events & mask:
                waiter.set()

    def _stop_watcher(self) -> None:
        watcher = self._watcher
        if watcher is not None:
            self._watcher = self._hub = None
            watcher.stop()
            watcher.close()

    def close(self) -> None:
        """The socket is closing: release the watcher and wake every waiter."""
        self._stop_watcher()
        for waiter in list(self._waiters):
            waiter.set()


def wait_ready(
    ready: Callable[[], T],
    sources: Sequence[Tuple[_Readiness, int]],
    timeout: Optional[float],
    fds: Sequence[Tuple[int, int]] = (),
) -> Optional[T]:
    """Wait cooperatively until `ready()` returns something true, and return it; None once
    `timeout` seconds (None: no limit) have passed.

    `sources` are (readiness, ZMQ_EVENTS mask) of the zmq sockets whose state `ready` reads;
    `fds` are plain file descriptors with gevent masks (1 read, 2 write). The waiter is
    registered before `ready()` runs, so a change between the check and the wait wakes it."""
    deadline = None if timeout is None else _now() + max(timeout, 0.0)
    hub = get_hub()
    while True:
        waiter = gevent.event.Event()
        watchers = []
        try:
            for readiness, mask in sources:
                readiness.add(waiter, mask)
            for fd, fd_mask in fds:
                watcher = hub.loop.io(fd, fd_mask)
                watcher.start(waiter.set)
                watchers.append(watcher)
            result = ready()
            if result:
                return result
            remaining = None if deadline is None else deadline - _now()
            if remaining is not None and remaining <= 0:
                return None
            # At least 1 ms: libuv's timers have no finer resolution (and warn).
            waiter.wait(None if remaining is None else max(remaining, 0.001))
        finally:
            for readiness, _ in sources:
                readiness.discard(waiter)
            for watcher in watchers:
                watcher.stop()
                watcher.close()


_now = time.monotonic


#: libzmq socket address -> the readiness its green Socket objects share (a shadow finds it).
_by_address: "weakref.WeakValueDictionary[int, _Readiness]" = weakref.WeakValueDictionary()


def _readiness_of(socket: Any) -> Tuple[_Readiness, bool]:
    """The readiness of the green socket(s) over `socket`'s libzmq socket, and False; for a
    socket that no green Socket wraps, a new one, and True (the caller closes it)."""
    readiness = getattr(socket, "_green_readiness", None)
    if readiness is None:
        readiness = _by_address.get(socket.underlying)
    if readiness is None:
        return _Readiness(socket), True
    return cast(_Readiness, readiness), False


def _timeout_seconds(ms: int) -> Optional[float]:
    return None if ms < 0 else ms / 1000.0


class Socket(zmq_cffi.Socket):
    """A zmq_cffi Socket whose blocking send/recv/poll yield to other greenlets.

    RCVTIMEO/SNDTIMEO bound the wait (then `zmq.Again`), NOBLOCK fails at once, as in pyzmq.
    A shadow of a green socket shares its waiters."""

    _green_readiness: _Readiness

    def __init__(self, ctx_or_socket: Any = None, socket_type: int = 0, **kwargs: Any) -> None:
        super().__init__(ctx_or_socket, socket_type, **kwargs)
        address = self.underlying
        readiness = _by_address.get(address) if self._shadow else None
        if readiness is None:
            readiness = _by_address[address] = _Readiness(self)
        else:
            readiness.own(self)
        object.__setattr__(self, "_green_readiness", readiness)

    def close(self, linger: Optional[int] = None) -> None:
        if not self.closed:
            readiness = self._green_readiness
            readiness.close()
            if _by_address.get(self.underlying) is readiness:
                del _by_address[self.underlying]
        super().close(linger)

    def _blocking(self, call: Callable[[int], T], flags: int, mask: int, timeout_option: int) -> T:
        """Run `call(flags | NOBLOCK)` until it does not raise EAGAIN, waiting for `mask`
        between tries; NOBLOCK in `flags` means one try, as in libzmq."""
        readiness = self._green_readiness
        if flags & _NOBLOCK:
            try:
                return call(flags)
            finally:
                readiness.check()
        flags |= _NOBLOCK
        timeout: Optional[float] = None
        deadline: Optional[float] = None
        while True:
            try:
                return call(flags)
            except Again:
                pass
            finally:
                readiness.check()
            if deadline is None:
                timeout = _timeout_seconds(cast(int, self.get(timeout_option)))
                deadline = -1.0 if timeout is None else _now() + timeout
            remaining = None if deadline < 0 else deadline - _now()
            if not wait_ready(lambda: self._events() & mask, [(readiness, mask)], remaining):
                if self.closed:
                    raise ZMQError(constants.ENOTSOCK, "the socket was closed")
                raise Again(_EAGAIN)

    def _events(self) -> int:
        """ZMQ_EVENTS, passed on to the other waiters (reading it consumes ZMQ_FD's edge)."""
        try:
            events = cast(int, _BackendSocket.get(self, _EVENTS))
        except ZMQError:
            events = -1  # closed: let the caller's next call raise the error
        self._green_readiness.check(events)
        return events

    # The signatures (overloads) are zmq_cffi.Socket's: type checkers see those.
    if not TYPE_CHECKING:

        def send(self, data: Any, flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any) -> Any:
            """Send one frame; while the socket cannot take it, other greenlets run."""
            send = super().send
            return self._blocking(lambda f: send(data, f, copy=copy, track=track, **kwargs), flags, _POLLOUT, _SNDTIMEO)

        def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
            """Receive one frame; while none is there, other greenlets run."""
            recv = super().recv
            return self._blocking(lambda f: recv(f, copy, track), flags, _POLLIN, _RCVTIMEO)

        def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
            """Receive every frame of one message; while none is there, other greenlets run."""
            if copy:
                # zmq_cffi's fused path: once the first frame is there, all of them are.
                return self._blocking(self._recv_multipart_copy, flags, _POLLIN, _RCVTIMEO)
            return super().recv_multipart(flags, copy, track)

        def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
            """recv_into that lets other greenlets run while no message is there."""
            recv_into = super().recv_into
            return self._blocking(lambda f: recv_into(buffer, nbytes, f), flags, _POLLIN, _RCVTIMEO)

    def get(self, option: int) -> Union[int, bytes]:
        value = super().get(option)
        if option == _EVENTS:
            # Reading EVENTS consumes ZMQ_FD's edge: pass on what it says to the waiters.
            self._green_readiness.check(cast(int, value))
        return value

    getsockopt = get

    def poll(self, timeout: Optional[int] = None, flags: int = _POLLIN) -> int:
        """Wait up to `timeout` ms (None: forever) for `flags`; other greenlets run meanwhile."""
        if self.closed:
            raise ZMQError(constants.ENOTSOCK, "the socket is closed")
        seconds = None if timeout is None or timeout < 0 else timeout / 1000.0
        found = wait_ready(lambda: self._events() & flags, [(self._green_readiness, flags)], seconds)
        if self.closed:
            raise ZMQError(constants.ENOTSOCK, "the socket was closed")
        return int(found or 0)


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

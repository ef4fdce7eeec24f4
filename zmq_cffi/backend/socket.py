"""The raw socket handle: options, bind/connect, send/recv, close.

Hot paths are written for few FFI crossings with few arguments (each costs on CPython): a
bytes send is one call (zc_send_bytes0: state, data, length), a copying recv of up to 4 KiB is
one (zc_recv_bytes0: the state alone), int options are one. The state (zc_sock_t, `_state`)
holds the handle and the receive buffers; it is the only way send/recv reach the handle.
A closed socket's handle is NULL, in `_handle` and in the state alike (cleared together by
handles._forget_handle), which libzmq itself answers with ENOTSOCK, so calls on a closed
socket need no extra Python check and can never touch freed memory. No clock is read unless a
call has to wait (see zc_must_wait in _helpers.c).
"""
from __future__ import annotations

import os
import platform
import threading
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Sequence, Union, overload

from zmq_cffi._ffi import ffi, lib
from zmq_cffi.backend import tracker as _tracker
from zmq_cffi.backend import frame as _frame
from zmq_cffi.backend import zerocopy
from zmq_cffi.backend.eintr import retry_interrupted
from zmq_cffi.backend.frame import Frame, _pin_buffer
from zmq_cffi.backend.handles import _close_cell, _forget_handle, _HandleCell, _own_handle, _share_handle
from zmq_cffi.backend.options import FD as _FD
from zmq_cffi.backend.options import get_typed, set_typed
from zmq_cffi.backend.use_fd import _bind_adopting_use_fd
from zmq_cffi.constants import sockopt_types
from zmq_cffi.error import ZMQError, _zmq_error

if TYPE_CHECKING:
    from typing import Literal

    from _typeshed import WriteableBuffer

    from zmq_cffi._typing import SendData, SockOptValue
    from zmq_cffi.backend.tracker import MessageTracker

_NULL = ffi.NULL
_EINTR = lib.EINTR
_EINVAL = lib.EINVAL
_GETSOCKOPT_ERROR = lib.ZC_GETSOCKOPT_ERROR
_ZMQ_LINGER = lib.ZMQ_LINGER
_ZMQ_TYPE = lib.ZMQ_TYPE
_ZMQ_STREAM = lib.ZMQ_STREAM
_ENOCOMPATPROTO = lib.ENOCOMPATPROTO
_ZMQ_RCVTIMEO = lib.ZMQ_RCVTIMEO
_ZMQ_SNDTIMEO = lib.ZMQ_SNDTIMEO
_EAGAIN = lib.EAGAIN

_zc_send_bytes: Callable[..., int] = lib.zc_send_bytes
_zc_send_bytes0: Callable[..., int] = lib.zc_send_bytes0
_zc_send_buffered: Callable[..., int] = lib.zc_send_buffered
_zc_recv_bytes: Callable[..., int] = lib.zc_recv_bytes
_zc_recv_bytes0: Callable[..., int] = lib.zc_recv_bytes0
_zc_send_frame: Callable[..., int] = lib.zc_send_frame
_zc_send_zerocopy: Callable[..., int] = lib.zc_send_zerocopy
_zc_recv_parts: Callable[..., int] = lib.zc_recv_parts
_zc_send_parts: Callable[..., int] = lib.zc_send_parts
_zc_recv_into: Callable[..., int] = lib.zc_recv_into
_ZMQ_SNDMORE = lib.ZMQ_SNDMORE
# recv_multipart copies up to this many frames per C call; frames beyond come one by one.
_RECV_PARTS_MAX = 16
# Copying receives of up to this many bytes land in a per-socket buffer in one C call.
_RECV_BUFFER_SIZE = 4096
# The flags-0 helpers take one argument fewer. Identity, not `not flags`: a falsy value that
# is no int (None, "", 0.0) must still reach CFFI's int conversion and raise TypeError, not
# become a blocking call (every int 0 is this object: CPython caches small ints, PyPy
# compares ints by value).
_NO_FLAGS = 0
# zc_recv_bytes' result when the message did not fit the buffer and waits in the state's msg.
_RECV_HELD = lib.ZC_RECV_HELD
_zc_sock_msg_close = lib.zc_sock_msg_close
_unpack: Callable[[Any, int], bytes] = ffi.unpack
_collect = zerocopy.collect
_lend = zerocopy.lend
_can_lend = zerocopy.can_lend
# Non-empty while libzmq holds lent buffers: then every send/recv also collects releases,
# so a lent buffer goes back to Python promptly, not only at the next zero-copy send.
_lent = zerocopy._lent
_is_lent = zerocopy.is_lent
# Below this, a received message is too small for its size hint to matter.
_SHARED_HINT_MIN = 1 << 16
# recv(copy=False): messages are received into zc_rxmsg_new() blocks, which count their bytes
# until released; only those beyond an allowance get a size hint for PyPy's GC (see
# frame.set_recv_memory_allowance and _helpers.c).
_zc_recv_frame: Callable[..., int] = lib.zc_recv_frame
_zc_rxmsg_uncount = lib.zc_rxmsg_uncount
# The message, the Frame that owns it, and the release of one no Frame took: frame.rx_*.
_rx_new = _frame.rx_new
_rx_frame = _frame.rx_frame
_rx_free = _frame.rx_free

# Socket types that exist only in libzmq's DRAFT API.
_DRAFT_SOCKET_TYPES = {
    getattr(lib, f"ZMQ_{name}"): name
    for name in ("SERVER", "CLIENT", "RADIO", "DISH", "GATHER", "SCATTER", "DGRAM", "PEER", "CHANNEL")
}


def _refuse_inproc_stream(handle: Any, encoded: bytes) -> None:
    """STREAM sockets over inproc: libzmq 4.3.4 aborts (stream.cpp:201/240) as soon as the
    peer sends a multipart message (a STREAM pipe must carry single frames, which only its raw
    tcp/ipc engine guarantees), so they are refused, as transports a socket type cannot use."""
    if encoded.startswith(b"inproc://") and lib.zc_getsockopt_int(handle, _ZMQ_TYPE) == _ZMQ_STREAM:
        raise ZMQError(
            _ENOCOMPATPROTO, "STREAM sockets work over tcp:// and ipc://; over inproc:// a multipart "
            "message from the peer aborts libzmq 4.3.4 (stream.cpp:201)",
        )


def _encode_addr(addr: Union[str, bytes]) -> bytes:
    if isinstance(addr, str):
        return addr.encode("utf-8")
    if isinstance(addr, bytes):
        return addr
    raise TypeError(f"endpoint must be a str, not {type(addr).__name__}")


class Socket:
    """Owns one libzmq socket (unless it shadows another's handle)."""

    _handle: Any = _NULL
    # The handle as owned by this process (see _HandleCell); None for a shadow of a socket
    # this process did not create, which is then never closed from here.
    _cell: Optional[_HandleCell] = None
    _shadow: bool = False
    _pid: int = 0
    context: Any = None
    # What send/recv read is set by __init__ only: a class-level default would slow every
    # read of it on CPython 3.11 (docs/benchmarks.rst, "Where the time of one call goes").
    # zc_sock_t *: the handle and receive buffers, the helpers' first argument. It owns the
    # receive message (state.msg), released only by zc_sock_msg_close (see _take_held).
    _state: Any
    _recv_info: Any  # &_state.info: what the last recv received (data, size, more)
    _copy_buffer: Any  # the copy buffer (_state.buf), made on first use (_make_copy_buffer)
    _copy_view: Any  # a cffi buffer over it: received bytes are sliced out, PyPy stages sends
    _recv_sizes: Any  # recv_multipart's frame sizes
    copy_threshold: int
    # RCVTIMEO/SNDTIMEO as last set through this object: after a signal interrupts a blocking
    # call, only what remains of the timeout is waited for.
    _rcvtimeo: int
    _sndtimeo: int

    def __init__(
        self,
        context: Any = None,
        socket_type: int = -1,
        shadow: int = 0,
        copy_threshold: Optional[int] = None,
    ) -> None:
        set_attr = object.__setattr__
        # First, so that every close path finds it (_forget_handle).
        state = ffi.new("zc_sock_t *")
        set_attr(self, "_state", state)
        set_attr(self, "_recv_info", ffi.addressof(state, "info"))
        set_attr(
            self,
            "copy_threshold",
            _frame.default_copy_threshold() if copy_threshold is None else copy_threshold,
        )
        set_attr(self, "_copy_buffer", None)
        set_attr(self, "_copy_view", None)
        set_attr(self, "_recv_sizes", None)
        set_attr(self, "_rcvtimeo", -1)
        set_attr(self, "_sndtimeo", -1)
        if shadow:
            set_attr(self, "_handle", ffi.cast("void *", shadow))
            set_attr(self, "_shadow", True)
            set_attr(self, "_cell", _share_handle(int(shadow), self))
        else:
            if context is None:
                raise TypeError("a Socket needs a Context (or shadow=address)")
            if not isinstance(socket_type, int) or isinstance(socket_type, bool):
                raise TypeError(f"socket_type must be an int, not {type(socket_type).__name__}")
            # A libzmq built without the DRAFT API still creates DRAFT sockets, then aborts the
            # process (mechanism.cpp assertion) at their first handshake: refuse them here.
            if socket_type in _DRAFT_SOCKET_TYPES and not lib.ZC_DRAFT_BUILD:
                raise ZMQError(
                    _EINVAL,
                    f"socket type {_DRAFT_SOCKET_TYPES[socket_type]} needs libzmq built with "
                    "the DRAFT API; this libzmq was built without it",
                )
            handle = context._socket_handle(socket_type)  # never on a context being freed
            if handle == _NULL:
                err = ffi.errno
                if context._handle == _NULL:
                    raise ZMQError(lib.ENOTSUP, "the context is terminated")
                if err == _EINVAL:
                    raise ZMQError(err, f"Invalid argument (unknown socket type {socket_type})")
                raise _zmq_error(err)
            set_attr(self, "_handle", handle)
            set_attr(self, "_shadow", False)
            set_attr(self, "_cell", _own_handle(handle, self))
            context._register_socket(self)
        set_attr(self, "context", context)
        set_attr(self, "_pid", os.getpid())
        state.handle = self._handle
        if shadow:
            set_attr(self, "_rcvtimeo", self.get(_ZMQ_RCVTIMEO))
            set_attr(self, "_sndtimeo", self.get(_ZMQ_SNDTIMEO))

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def underlying(self) -> int:
        """The address of the libzmq socket, for shadowing from other libraries."""
        return int(ffi.cast("intptr_t", self._handle))

    @property
    def closed(self) -> bool:
        """Whether the socket has been closed (or its context destroyed)."""
        closed: bool = self._handle == _NULL
        return closed

    def close(self, linger: Optional[int] = None) -> None:
        """Close the socket; with `linger`, set LINGER first. Closing twice is harmless.

        As in pyzmq, closing a shadow closes the socket it wraps (and every other Socket object
        over it sees it closed); only a shadow of a socket created outside this process's
        zmq_cffi objects merely forgets the handle."""
        if self._handle == _NULL:
            return
        if linger is not None:  # a bad value raises, as set() would, before anything is closed
            if not isinstance(linger, int):
                raise TypeError(f"linger must be an int, not {type(linger).__name__}")
            if not -(2**31) <= linger < 2**31:
                raise ValueError(f"option {_ZMQ_LINGER} value {linger} does not fit a C int")
        _forget_handle(self)
        # LINGER is set by _close_cell, whose failure is ignored: once the context is being
        # terminated setsockopt fails with ETERM, and raising then would leave the socket open
        # and the context's term() waiting for it forever (as pyzmq, close always closes).
        _close_cell(self._cell, self._pid, self.context, linger)

    def __del__(self) -> None:
        # The last Socket object over a handle closes it; a shadow still in use keeps it open.
        cell = self._cell
        if cell and not cell.in_use_by_other_than(self):
            _forget_handle(self)
            _close_cell(cell, self._pid, self.context)

    # -- options -----------------------------------------------------------------------------

    def set(self, option: int, optval: SockOptValue) -> None:
        """Set a socket option; the value's type follows the option (int, int64 or bytes)."""
        kind = sockopt_types.get(option)
        if kind is None or kind is _FD:
            if not isinstance(optval, int):
                raise TypeError(f"option {option} takes an int, not {type(optval).__name__}")
            try:
                rc = lib.zc_setsockopt_int(self._handle, option, optval)
            except OverflowError:
                raise ValueError(f"option {option} value {optval} does not fit a C int") from None
            if rc < 0:
                raise _zmq_error()
        else:
            set_typed(self._handle, option, kind, optval)
        if option == _ZMQ_RCVTIMEO:
            object.__setattr__(self, "_rcvtimeo", optval)
        elif option == _ZMQ_SNDTIMEO:
            object.__setattr__(self, "_sndtimeo", optval)

    def _retry(self, option: int, attempt: Callable[..., int], *args: Any) -> int:
        """Slow path of a failed send/recv helper: raise its error, or, after EINTR, call
        `attempt(*args)` again (eintr.retry_interrupted), waiting only for what remains of
        the RCVTIMEO/SNDTIMEO `option` since the call began to wait (the state's wait_start).
        (Arguments rather than a closure: a lambda in the hot path would make cells of its
        variables on every call; here, after a failure, it costs nothing that matters.)"""
        err = ffi.errno
        if err != _EINTR:
            raise _zmq_error(err)  # the common failure (EAGAIN): nothing to set up
        timeout = self._rcvtimeo if option == _ZMQ_RCVTIMEO else self._sndtimeo
        start = self._state.wait_start  # 0.0: the call was not going to wait
        if timeout <= 0 or not start:
            return retry_interrupted(lambda _: attempt(*args), err=err)
        handle = self._handle
        shortened = False

        def within_timeout(remaining: int) -> int:
            nonlocal shortened
            if remaining <= 0:
                raise _zmq_error(_EAGAIN)
            lib.zc_setsockopt_int(handle, option, remaining)
            shortened = True
            return attempt(*args)

        try:
            return retry_interrupted(within_timeout, timeout, start, err)
        finally:
            if shortened:
                lib.zc_setsockopt_int(handle, option, timeout)

    def get(self, option: int) -> Union[int, bytes]:
        """Get a socket option: int for numeric options, bytes for string and binary ones."""
        kind = sockopt_types.get(option)
        if kind is None or kind is _FD:
            value: int = lib.zc_getsockopt_int(self._handle, option)
            if value == _GETSOCKOPT_ERROR:
                raise _zmq_error()
            return value
        return get_typed(self._handle, option, kind)

    # -- endpoints ---------------------------------------------------------------------------

    def _endpoint_call(self, fn: Any, addr: Union[str, bytes]) -> None:
        encoded = _encode_addr(addr)
        if fn(self._handle, encoded) < 0:
            err = ffi.errno
            if err == _EINTR:
                raise _zmq_error(err)
            raise _zmq_error(err, detail=f"addr={addr!r}")

    def bind(self, addr: Union[str, bytes]) -> Any:
        encoded = _encode_addr(addr)
        _refuse_inproc_stream(self._handle, encoded)
        if not _bind_adopting_use_fd(self._handle, encoded, addr):
            self._endpoint_call(lib.zmq_bind, addr)

    def connect(self, addr: Union[str, bytes]) -> Any:
        encoded = _encode_addr(addr)
        _refuse_inproc_stream(self._handle, encoded)
        context = self.context
        if context is not None and encoded.startswith(b"inproc://"):
            # Not while another thread's term() starts: see Context._inproc_connect.
            context._inproc_connect(self._endpoint_call, addr)
            return
        self._endpoint_call(lib.zmq_connect, addr)

    def unbind(self, addr: Union[str, bytes]) -> Any:
        self._endpoint_call(lib.zmq_unbind, addr)

    def disconnect(self, addr: Union[str, bytes]) -> Any:
        self._endpoint_call(lib.zmq_disconnect, addr)

    def monitor(self, addr: Optional[Union[str, bytes]], events: int = 0xFFFF) -> None:
        """Publish this socket's events on a PAIR socket at `addr` (None stops monitoring)."""
        c_addr = _NULL if addr is None else _encode_addr(addr)
        if lib.zmq_socket_monitor(self._handle, c_addr, events) < 0:
            raise _zmq_error()

    def join(self, group: Union[str, bytes]) -> None:
        """Join a RADIO/DISH group (needs libzmq's DRAFT API)."""
        _frame._require_draft("Socket.join")
        if lib.zc_join(self._handle, _encode_addr(group)) < 0:
            raise _zmq_error()

    def leave(self, group: Union[str, bytes]) -> None:
        """Leave a RADIO/DISH group (needs libzmq's DRAFT API)."""
        _frame._require_draft("Socket.leave")
        if lib.zc_leave(self._handle, _encode_addr(group)) < 0:
            raise _zmq_error()

    # -- send --------------------------------------------------------------------------------

    @overload
    def send(
        self,
        data: SendData,
        flags: int = ...,
        copy: bool = ...,
        track: Literal[False] = ...,
        routing_id: Optional[int] = ...,
        group: Optional[str] = ...,
    ) -> None: ...

    @overload
    def send(
        self,
        data: SendData,
        flags: int = ...,
        copy: bool = ...,
        track: bool = ...,
        routing_id: Optional[int] = ...,
        group: Optional[str] = ...,
    ) -> Optional[MessageTracker]: ...

    def send(
        self,
        data: Any,
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        routing_id: Optional[int] = None,
        group: Optional[str] = None,
    ) -> Optional[MessageTracker]:
        """Send one frame. Returns a MessageTracker when `track` and not copying, else None."""
        if _lent:
            _collect()
        # The common call (bytes, sent by copy) in as few bytecodes as possible: on CPython
        # they are most of what send() costs above its one C call.
        if type(data) is bytes and not track and routing_id is None and group is None and (
            copy or len(data) < self.copy_threshold
        ):
            if (_zc_send_bytes0(self._state, data, len(data)) if flags is _NO_FLAGS
                    else _zc_send_bytes(self._state, data, len(data), flags)) < 0:
                self._retry(_ZMQ_SNDTIMEO, _zc_send_bytes, self._state, data, len(data), flags)
            return None
        return self._send_other(data, flags, copy, track, routing_id, group)

    def _send_staged(
        self,
        data: Any,
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        routing_id: Optional[int] = None,
        group: Optional[str] = None,
    ) -> Optional[MessageTracker]:
        """send() on PyPy (see the end of this module): bytes of up to 4 KiB are copied into
        the socket's copy buffer and sent from there, which PyPy does faster than it passes
        them as a char * argument (docs/benchmarks.rst, "Where the time of one call goes")."""
        if _lent:
            _collect()
        if type(data) is bytes and not track and routing_id is None and group is None and (
            copy or len(data) < self.copy_threshold
        ):
            size = len(data)
            view = self._copy_view
            if size <= _RECV_BUFFER_SIZE and view is not None:
                view[0:size] = data
                rc = _zc_send_buffered(self._state, size, flags)
            else:
                if view is None:
                    self._make_copy_buffer()
                rc = _zc_send_bytes(self._state, data, size, flags)
            if rc < 0:
                self._retry(_ZMQ_SNDTIMEO, _zc_send_bytes, self._state, data, size, flags)
            return None
        return self._send_other(data, flags, copy, track, routing_id, group)

    def _send_other(
        self, data: Any, flags: int, copy: bool, track: bool, routing_id: Optional[int], group: Optional[str]
    ) -> Optional[MessageTracker]:
        """send() of anything but bytes sent by copy: Frames, buffers, zero-copy, tracking."""
        if routing_id is not None or group is not None:
            if not isinstance(data, Frame):
                data = Frame(data, track=track, copy=copy, copy_threshold=self.copy_threshold)
            if routing_id is not None:
                data.routing_id = routing_id
            if group is not None:
                data.group = group
        state = self._state
        if isinstance(data, Frame):
            if track and data.tracker is None:
                raise ValueError("track=True needs a tracked Frame: create it with Frame(data, track=True)")
            msg = data._msg
            if _zc_send_frame(state, msg, flags) < 0:
                self._retry(_ZMQ_SNDTIMEO, _zc_send_frame, state, msg, flags)
            # A Frame's own tracker (None if untracked), as pyzmq returns it, track or not.
            return data.tracker
        pinned = _pin_buffer(data)
        size = len(pinned)
        if copy or size < self.copy_threshold or not _can_lend(data):
            if _zc_send_bytes(state, pinned, size, flags) < 0:
                self._retry(_ZMQ_SNDTIMEO, _zc_send_bytes, state, pinned, size, flags)
            if track and not copy:
                return _tracker._FINISHED_TRACKER
            return None
        return self._send_lent(pinned, size, flags, track)

    def _send_lent(self, pinned: Any, size: int, flags: int, track: bool) -> Optional[MessageTracker]:
        """Zero-copy send: libzmq reads `pinned` in place until its free callback runs."""
        # A fresh Event per attempt: a failed attempt's release may be collected late and
        # must not mark the retried message done.
        event = threading.Event() if track else None
        rc = _zc_send_zerocopy(self._state, pinned, size, flags, _lend(pinned, event))
        if rc >= 0:
            return _tracker.MessageTracker(event) if track else None
        err = ffi.errno
        _collect()  # libzmq has already queued the failed message's release
        ffi.errno = err
        state = self._state
        events: List[Optional[threading.Event]] = [None]

        def attempt() -> int:
            event = events[0] = threading.Event() if track else None
            rc = _zc_send_zerocopy(state, pinned, size, flags, _lend(pinned, event))
            if rc < 0:
                err = ffi.errno
                _collect()
                ffi.errno = err
            return rc

        self._retry(_ZMQ_SNDTIMEO, attempt)
        return _tracker.MessageTracker(events[0]) if track else None

    # -- recv --------------------------------------------------------------------------------

    @overload
    def recv(self, flags: int = ..., copy: Literal[True] = ..., track: bool = ...) -> bytes: ...

    @overload
    def recv(self, flags: int, copy: Literal[False], track: bool = ...) -> Frame: ...

    @overload
    def recv(self, flags: int = ..., *, copy: Literal[False], track: bool = ...) -> Frame: ...

    @overload
    def recv(self, flags: int = ..., copy: bool = ..., track: bool = ...) -> Union[bytes, Frame]: ...

    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Union[bytes, Frame]:
        """Receive one frame: bytes, or a Frame over libzmq's memory with copy=False."""
        if _lent:
            _collect()
        if copy:
            size = _zc_recv_bytes0(self._state) if flags is _NO_FLAGS else _zc_recv_bytes(self._state, flags)
            if size < 0:
                size = self._retry(_ZMQ_RCVTIMEO, _zc_recv_bytes, self._state, flags)
            if size <= _RECV_BUFFER_SIZE:
                # Slicing a cffi buffer makes the bytes in one step: cheaper than ffi.unpack.
                received: bytes = self._copy_view[:size]
                return received
            return self._take_held()
        state = self._state
        info = self._recv_info
        raw = _rx_new()
        if raw == _NULL:
            raise MemoryError("no memory for a received message")
        if _zc_recv_frame(state, raw, flags) < 0:  # closes the message itself on failure
            try:
                self._retry(_ZMQ_RCVTIMEO, _zc_recv_frame, state, raw, flags)
            except BaseException:
                _rx_free(raw)
                raise
        # From here the Frame owns the message (frame.rx_frame). The size hint lets PyPy's GC
        # see its memory beyond the allowance (zc_recv_frame), unless that memory is a buffer we
        # lent (inproc zero-copy), counted already.
        hint = info.hint
        size = info.size
        if _lent and size >= _SHARED_HINT_MIN and _is_lent(info.data):
            _zc_rxmsg_uncount(raw)
            hint = 0
        return _rx_frame(raw, hint, size, bool(info.more))

    def _take_held(self) -> bytes:
        """The bytes of the message a copying recv left open in the state (too big for the
        buffer, or the buffer not made yet, which is then made for the next recv). The state
        owns that message; this is the one place Python releases it (zc_sock_msg_close)."""
        info = self._recv_info
        try:
            data = _unpack(info.data, info.size)
        finally:
            _zc_sock_msg_close(self._state)
        if self._copy_buffer is None:
            self._make_copy_buffer()
        return data

    def _make_copy_buffer(self) -> Any:
        """The socket's buffer for copying receives (and, on PyPy, sends), made on first use,
        with a cffi buffer over it for slicing bytes out and copying bytes in."""
        buf = ffi.new("char[]", _RECV_BUFFER_SIZE)
        object.__setattr__(self, "_copy_buffer", buf)
        object.__setattr__(self, "_copy_view", ffi.buffer(buf))
        state = self._state
        state.buf = buf
        state.cap = _RECV_BUFFER_SIZE
        return buf

    def _recv_multipart_copy(self, flags: int) -> List[bytes]:
        """recv_multipart(copy=True): the frames that fit the socket's 4 KiB buffer arrive in
        one C call; a bigger frame, and any beyond the first 16, come through recv()."""
        if _lent:
            _collect()
        state, info, sizes = self._state, self._recv_info, self._recv_sizes
        if self._copy_buffer is None:
            self._make_copy_buffer()
        if sizes is None:
            sizes = ffi.new("size_t[]", _RECV_PARTS_MAX)
            object.__setattr__(self, "_recv_sizes", sizes)
        n = _zc_recv_parts(state, flags, sizes, _RECV_PARTS_MAX)
        if n < 0:
            n = self._retry(_ZMQ_RCVTIMEO, _zc_recv_parts, state, flags, sizes, _RECV_PARTS_MAX)
        parts = []
        view = self._copy_view
        pos = 0
        for i in range(n):
            end = pos + sizes[i]
            parts.append(view[pos:end])
            pos = end
        if info.held:
            parts.append(self._take_held())
        recv = Socket.recv
        while info.more:
            parts.append(recv(self, flags))
        return parts

    def _send_multipart_copy(self, parts: Sequence[bytes], flags: int) -> None:
        """send_multipart of bytes frames sent by copy: four frames per C call. A failed first
        frame is retried (EINTR) or raised as send() would; after a frame that failed later,
        send() takes over from that frame."""
        if _lent:
            _collect()
        state = self._state
        count = len(parts)
        more = flags | _ZMQ_SNDMORE
        done = 0
        while done < count:
            chunk = parts[done:done + 4] if done or count > 4 else parts
            k = len(chunk)
            f = flags if done + k == count else more
            p0 = chunk[0]
            p1 = chunk[1] if k > 1 else b""
            p2 = chunk[2] if k > 2 else b""
            p3 = chunk[3] if k > 3 else b""
            sent = _zc_send_parts(state, f, k, p0, len(p0), p1, len(p1), p2, len(p2), p3, len(p3))
            if sent < 0:
                sent = self._retry(
                    _ZMQ_SNDTIMEO, _zc_send_parts, state, f, k, p0, len(p0), p1, len(p1), p2, len(p2), p3, len(p3)
                )
            done += sent
            if sent < k:
                send = Socket.send
                while done < count:
                    send(self, parts[done], flags if done == count - 1 else more)
                    done += 1

    def recv_into(self, buffer: WriteableBuffer, nbytes: int = 0, flags: int = 0) -> int:
        """Receive into a writable buffer; returns the full message size (may exceed nbytes,
        in which case the message was truncated, as zmq_recv does)."""
        pinned = _pin_buffer(buffer, "recv_into's buffer", writable=True)
        if not isinstance(nbytes, int):
            raise TypeError(f"nbytes must be an int, not {type(nbytes).__name__}")
        size = len(pinned)
        if nbytes < 0:
            raise ValueError(f"nbytes must be >= 0, not {nbytes}")
        if nbytes == 0:
            nbytes = size
        elif nbytes > size:
            raise ValueError(f"nbytes={nbytes} is larger than the buffer ({size} bytes)")
        state = self._state
        rc: int = _zc_recv_into(state, pinned, nbytes, flags)
        if rc < 0:
            rc = self._retry(_ZMQ_RCVTIMEO, _zc_recv_into, state, pinned, nbytes, flags)
        return rc


if platform.python_implementation() == "PyPy":
    Socket.send = Socket._send_staged  # type: ignore[method-assign,assignment]

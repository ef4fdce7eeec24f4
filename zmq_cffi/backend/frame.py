"""Frame: one zmq_msg_t, owned by exactly one Python object.

The zmq_msg_t lives in CFFI-allocated memory wrapped by ffi.gc(..., zmq_msg_close): closing is
its only release path, safe from any thread (libzmq reference-counts shared message data), and
the size hint lets PyPy's GC see the message memory. A memoryview from `.buffer` pins that
zmq_msg_t, so the view stays valid after the Frame itself is gone.
"""
from __future__ import annotations

import builtins
import collections
import platform
import threading
import weakref
from typing import TYPE_CHECKING, Any, Callable, Deque, List, Optional, Tuple, Union, overload

from zmq_cffi._ffi import ffi, lib
from zmq_cffi.backend import zerocopy
from zmq_cffi.backend.tracker import MessageTracker, watch_frames
from zmq_cffi.error import ZMQError, _zmq_error

if TYPE_CHECKING:
    from typing import Literal

    from zmq_cffi._typing import SendData

COPY_THRESHOLD = 65536


# The module whose COPY_THRESHOLD programs may change (pyzmq reads zmq.COPY_THRESHOLD at each
# use): zmq_cffi/__init__.py names itself with follow_copy_threshold() when imported.
_settings: Any = None


def follow_copy_threshold(module: Any) -> None:
    """Read the default copy threshold from `module.COPY_THRESHOLD` from now on."""
    global _settings
    _settings = module


def default_copy_threshold() -> int:
    """zmq_cffi.COPY_THRESHOLD as the user last set it."""
    threshold: int = getattr(_settings, "COPY_THRESHOLD", COPY_THRESHOLD)
    return threshold


# recv(copy=False) leaves up to this much received memory (not yet released) unreported to
# PyPy's GC, which has to mark the whole heap in each major collection that reports bring on.
# Between the two bounds the allowance follows the messages received: 256 of the average size
# (see _helpers.c). The bounds' measurements: docs/benchmarks.rst and tests/test_memory.py.
RECV_ALLOWANCE_MIN = 32 << 20
RECV_ALLOWANCE_MAX = 256 << 20


def set_recv_memory_allowance(minimum: int = RECV_ALLOWANCE_MIN, maximum: int = RECV_ALLOWANCE_MAX) -> None:
    """Bound the memory of received, unreleased messages (recv(copy=False)) that PyPy's GC is
    not told about: at least `minimum` and at most `maximum` bytes, 256 messages of the
    average size received in between. Beyond it each message reports its size to the GC,
    which then collects (and frees dropped Frames) sooner. Lower bounds mean less memory
    waiting and more major collections; 0, 0 reports everything. No effect on CPython, which
    frees a message as soon as its Frame is dropped. Applies to every socket at once."""
    for name, value in (("minimum", minimum), ("maximum", maximum)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, not {type(value).__name__}")
        if not 0 <= value < 2**62:
            raise ValueError(f"{name} must be between 0 and 2**62, not {value}")
    if minimum > maximum:
        raise ValueError(f"minimum ({minimum}) is larger than maximum ({maximum})")
    lib.zc_rx_set_allowance(minimum, maximum)


def recv_memory_allowance() -> int:
    """The allowance in bytes right now, for the messages received so far."""
    allowance: int = lib.zc_rx_allowance()
    return allowance


set_recv_memory_allowance()


# -- received messages on PyPy: released when their Frame is seen dropped -----------------------
#
# A Frame's ffi.gc destructor runs only after a major collection, which marks the whole heap:
# with 1 MiB messages at GB/s that was 40-190 us of GC per message, and 256 MiB waiting. But a
# weakref to an object that dies young is cleared by the next minor collection, which only
# walks the nursery. So on PyPy each received message of WATCH_MIN bytes or more is watched
# through a weakref to its Frame (the views of a received Frame keep the Frame too), and
# released (zc_rxshared_release) as soon as a minor collection shows the Frame gone. A loop that
# allocates almost nothing (a benchmark) may not fill the nursery for gigabytes: after
# WATCH_BUDGET bytes received without a minor collection, recv allocates a little garbage to
# bring one about (~0.1 ms). Frames that outlive a minor collection wait for a major one, as
# before, within the allowance above. CPython frees a dropped Frame at once: nothing to watch.
# Not smaller ones: watching 100 KB messages freed them in many small batches, between which
# glibc's heap grew (the loop of tests/test_memory.py settled 100-190 MB higher); their GC cost
# is small, and the allowance bounds their memory.
WATCH_MIN = 512 << 10
WATCH_BUDGET = 32 << 20

# At most this many small objects to bring a minor collection about (~1 ms).
_NUDGE_LIMIT = 200_000
_PYPY = platform.python_implementation() == "PyPy"
_rx_release = lib.zc_rxshared_release
_rx_hold = lib.zc_rxshared_hold
_weakref = weakref.ref
_rx_at = lib.zc_rxshared_at
_rxmsg_free = lib.zc_rxmsg_free


class _Mark:
    """A throwaway object whose weakref tells that a collection happened."""


class _Watch:
    """The received messages of WATCH_MIN bytes or more, each released when its Frame is seen
    gone (PyPy only; see above)."""

    def __init__(self) -> None:
        # (weakref to the Frame, message) received since the last sweep, and older ones
        # whose Frames had outlived a minor collection: only a major one can clear those.
        self.young: Deque[Tuple[Any, Any]] = collections.deque()
        self.old: List[Tuple[Any, Any]] = []
        self.young_bytes = 0
        self.lock = threading.Lock()
        self.minor = self.major = _weakref(_Mark())
        self.held: Optional[_Mark] = None
        self.ballast: Optional[_Mark] = None
        self.top: Any = None

    def new_frame(self, raw: Any, hint: int, size: int, more: bool) -> "Frame":
        """A watched Frame owning `raw` (`size` bytes). Made here, not in the function that
        called sweep(): PyPy kept that function's locals (so this Frame) alive well after it
        returned, past the next minor collection."""
        frame = Frame._from_received(_gc(raw, _rx_release, hint), more)
        _rx_hold(raw)
        self.young.append((_weakref(frame), raw))
        self.young_bytes += size
        return frame

    def sweep(self) -> None:
        """Release the messages of the Frames found dropped; at WATCH_BUDGET bytes received
        without a minor collection, first bring one about."""
        if not self.lock.acquire(False):  # another thread is sweeping
            return
        try:
            minor = self.minor
            if minor() is not None:  # no minor collection since the last sweep
                # Small objects: the JIT dropped large unused allocations (bytes(65536))
                # once warm, but stores these; a 1 MiB nursery fills after ~20,000 (~60 us
                # with the collection).
                for _ in range(_NUDGE_LIMIT):
                    self.ballast = _Mark()
                    if minor() is None:
                        break
                self.ballast = None
            self.young_bytes = 0
            self.minor = _weakref(_Mark())
            young, old = self.young, self.old
            # Of the messages released, the one highest in memory waits for the next sweep:
            # while it lives, malloc cannot give the memory below it back to the system, so
            # the next messages reuse it instead of faulting fresh pages in (20-30 page
            # faults per 1 MiB message without this).
            top, top_at = None, 0
            while young:
                entry = young.popleft()
                if entry[0]() is not None:
                    old.append(entry)
                    continue
                raw = entry[1]
                at = _rx_at(raw)
                if at > top_at:
                    if top is not None:
                        _rx_release(top)
                    top, top_at = raw, at
                else:
                    _rx_release(raw)
            if top is not None:
                if self.top is not None:
                    _rx_release(self.top)
                self.top = top
            if self.major() is None:
                # A major collection happened: the old Frames may be gone too.
                kept = []
                for entry in old:
                    if entry[0]() is None:
                        _rx_release(entry[1])
                    else:
                        kept.append(entry)
                self.old = kept
                # A mark that outlived a minor collection: cleared by the next major one.
                self.major = _weakref(self.held) if self.held is not None else _weakref(_Mark())
                self.held = _Mark()
        finally:
            self.lock.release()


_watch = _Watch()
_watch_new_frame = _watch.new_frame


# recv(copy=False): the message to receive into (NULL when out of memory), and the release of
# one that no Frame took (a failed receive).
rx_new: Callable[[], Any] = lib.zc_rxshared_new if _PYPY else lib.zc_rxmsg_new
rx_free: Callable[[Any], None] = _rx_release if _PYPY else _rxmsg_free


def rx_frame(raw: Any, hint: int, size: int, more: bool) -> "Frame":
    """The Frame owning `raw` (from rx_new, received into), with `hint` bytes for the GC."""
    if not _PYPY:
        return Frame._from_received(_gc(raw, _rxmsg_free, hint), more)
    if size < WATCH_MIN:
        return Frame._from_received(_gc(raw, _rx_release, hint), more)
    # Sweep before this Frame exists: a minor collection now would make it old, and so
    # releasable only by a major collection.
    if _watch.young_bytes >= WATCH_BUDGET or _watch.minor() is None:
        _watch.sweep()
    return _watch_new_frame(raw, hint, size, more)

_new_msg = ffi.new
_gc = ffi.gc
_msg_close = lib.zmq_msg_close


def _owned_msg(size_hint: int = 0) -> Any:
    """A fresh zero-filled zmq_msg_t that is closed when its last reference goes.

    Closing a zero-filled or already closed zmq_msg_t is harmless (libzmq answers EFAULT).
    """
    return _gc(_new_msg("zmq_msg_t*"), _msg_close, size_hint)


def _pinned_view(msg: Any, data: Any, size: int) -> memoryview:
    """A memoryview over `size` bytes at `data` that keeps the zmq_msg_t `msg` alive."""
    keeper = _gc(data, lambda _data, _msg=msg: None)
    return memoryview(ffi.buffer(keeper, size))


def _pin_buffer(data: Any, what: str = "data", writable: bool = False) -> Any:
    """ffi.from_buffer (the buffer stays exported while the result lives), with pyzmq's error
    types: TypeError for what is no buffer at all (str included), BufferError for a buffer
    that cannot be used: not contiguous, or read-only when `writable`."""
    if isinstance(data, str):
        kind = "a writable buffer" if writable else "bytes or another buffer"
        raise TypeError(f"{what} must be {kind}, not {type(data).__name__}")
    need = "a writable, contiguous buffer" if writable else "a contiguous buffer"
    if data.__class__ is memoryview and not data.c_contiguous:
        # PyPy's from_buffer would accept it (through a copy); pyzmq refuses it everywhere.
        raise BufferError(f"{what} must be {need}: this memoryview is not contiguous")
    try:
        return ffi.from_buffer("char[]", data, require_writable=writable)
    except TypeError:
        try:
            view = memoryview(data)
        except TypeError:
            kind = "a writable buffer (bytearray, memoryview, array, ...)" if writable else (
                "bytes or another object supporting the buffer protocol"
            )
            raise TypeError(f"{what} must be {kind}, not {type(data).__name__}") from None
        # A buffer, refused for being read-only (bytes, a view of bytes, ...) or, on PyPy, not
        # contiguous.
        problem = "read-only" if view.readonly else "not contiguous"
        raise BufferError(f"{what} must be {need}: this {type(data).__name__} is {problem}") from None
    except (BufferError, ValueError) as e:
        raise BufferError(f"{what} must be {need}: {e}") from None


def _buffer_base() -> type:
    """The class Frame derives from: on CPython a C type exporting `frame.buffer` through the
    buffer protocol (so memoryview(frame) works before 3.12), elsewhere plain object."""
    address = lib.zc_buffer_base_type()
    if address == ffi.NULL:
        return object
    import ctypes

    base: type = ctypes.cast(int(ffi.cast("intptr_t", address)), ctypes.py_object).value
    # ctypes took its own reference; drop the one zc_buffer_base_type returned.
    ctypes.pythonapi.Py_DecRef(ctypes.py_object(base))
    return base


if TYPE_CHECKING:
    # Type checkers cannot evaluate a computed base; what it adds is the buffer protocol,
    # which Frame declares itself (__buffer__).
    _FrameBase = object
else:
    _FrameBase = _buffer_base()


class Frame(_FrameBase):
    """A message frame wrapping a zmq_msg_t, for zero-copy sends and receives and properties.

    `Frame(data)` copies data below `copy_threshold` bytes and otherwise lends the buffer to
    libzmq; `copy` forces either. With `track=True`, `frame.tracker` tells when libzmq is done.
    """

    more: bool = False
    tracker: Optional[MessageTracker] = None
    tracker_event: Optional[threading.Event] = None
    _msg: Any = None
    _bytes: Optional[bytes] = None
    _buffer: Optional[memoryview] = None
    _data: Any = None

    def __init__(
        self,
        data: Optional[SendData] = None,
        track: bool = False,
        copy: Optional[bool] = None,
        copy_threshold: Optional[int] = None,
        **kwargs: Any,
    ) -> None:
        self.more = False
        if track:
            self.tracker_event = threading.Event()
            self.tracker = MessageTracker(self.tracker_event)
        if data is None:
            self._msg = msg = _owned_msg()
            if lib.zmq_msg_init(msg) < 0:
                raise _zmq_error()
            if self.tracker_event is not None:  # made above iff track
                self.tracker_event.set()
            return
        if isinstance(data, Frame):
            data = data.buffer
        pinned = _pin_buffer(data, "Frame data")
        size = len(pinned)
        if copy is None:
            threshold = default_copy_threshold() if copy_threshold is None else copy_threshold
            copy = size < threshold
        copy = copy or not zerocopy.can_lend(data)
        self._msg = msg = _owned_msg(size)
        if copy:
            if lib.zc_msg_init_copy(msg, pinned, size) < 0:
                raise _zmq_error()
            if self.tracker_event is not None:  # made above iff track
                self.tracker_event.set()
            return
        self._data = data
        token = zerocopy.lend(pinned, self.tracker_event)
        if lib.zc_msg_init_zerocopy(msg, pinned, size, token) < 0:
            err = ffi.errno
            zerocopy.unlend(token)
            raise _zmq_error(err)

    @classmethod
    def _from_received(cls, msg: Any, more: bool) -> "Frame":
        frame = cls.__new__(cls)
        frame._msg = msg
        frame.more = more
        return frame

    # -- contents --------------------------------------------------------------------------

    def __len__(self) -> int:
        size: int = lib.zmq_msg_size(self._msg)
        return size

    @property
    def buffer(self) -> memoryview:
        """A read-only memoryview of the message contents, valid as long as it exists."""
        view = self._buffer
        if view is None:
            msg = self._msg
            data, size = ffi.cast("char *", lib.zmq_msg_data(msg)), lib.zmq_msg_size(msg)
            if self._data is not None:
                # Over an object the program lent (copy=False): the view keeps this Frame, and
                # so the object, alive. Not cached, so no cycle keeps the Frame after its last
                # view is dropped: the object is let go at once, as in pyzmq.
                return _pinned_view((msg, self), data, size)
            # On PyPy the view keeps this Frame too: a received message is released when its
            # Frame is seen gone (rx_frame).
            view = _pinned_view((msg, self) if _PYPY else msg, data, size)
            self._buffer = view
        return view

    @property
    def bytes(self) -> bytes:
        """The contents as bytes, copied once on first access."""
        b = self._bytes
        if b is None:
            msg = self._msg
            size = lib.zmq_msg_size(msg)
            # An empty message may have a NULL data pointer, which ffi.unpack refuses.
            b = self._bytes = ffi.unpack(ffi.cast("char *", lib.zmq_msg_data(msg)), size) if size else b""
        return b

    def __bytes__(self) -> builtins.bytes:
        return self.bytes

    def __buffer__(self, flags: int) -> memoryview:
        # memoryview(frame): honoured by PyPy and by CPython >= 3.12 (PEP 688).
        return self.buffer

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Frame):
            return self.bytes == other.bytes
        if isinstance(other, (bytes, bytearray, memoryview)):
            return self.bytes == other
        return NotImplemented

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        size = len(self)
        module = "zmq_cffi" if self.__class__.__module__.startswith("zmq_cffi") else self.__class__.__module__
        if size <= 16:
            return f"<{module}.{self.__class__.__name__}({self.bytes!r})>"
        head = bytes(self.buffer[:12])
        for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3), ("B", 1)):
            if size >= scale:
                return f"<{module}.{self.__class__.__name__}({head!r}...{size / scale:.0f}{unit})>"
        raise AssertionError("unreachable")

    def __copy__(self) -> "Frame":
        """A new Frame sharing the same message data (libzmq reference-counts it)."""
        new = self.__class__.__new__(self.__class__)
        new._msg = _owned_msg()
        if lib.zmq_msg_init(new._msg) < 0 or lib.zmq_msg_copy(new._msg, self._msg) < 0:
            raise _zmq_error()
        new.more = self.more
        new.tracker = self.tracker
        new.tracker_event = self.tracker_event
        new._bytes = self._bytes
        new._data = self._data  # a copy of a lent message keeps the lent object too
        return new

    fast_copy = __copy__

    # -- options and properties --------------------------------------------------------------

    @overload
    def get(self, option: int) -> int: ...

    # A str option is a metadata property, except these two names of message fields.
    @overload
    def get(self, option: Literal["routing_id"]) -> Optional[int]: ...  # type: ignore[overload-overlap]

    @overload
    def get(self, option: Literal["group"]) -> Optional[str]: ...  # type: ignore[overload-overlap]

    @overload
    def get(self, option: str) -> str: ...

    def get(self, option: Union[int, str]) -> Union[int, str, None]:
        """A message option (an int such as MORE) or metadata property (a str such as "User-Id")."""
        if isinstance(option, str) and option not in ("routing_id", "group"):
            value = lib.zmq_msg_gets(self._msg, option.encode("utf-8"))
            if value == ffi.NULL:
                raise _zmq_error(detail=f"message has no property {option!r}")
            prop: str = ffi.string(value).decode("utf-8")
            return prop
        if option == "routing_id":
            return self.routing_id
        if option == "group":
            return self.group
        rc: int = lib.zmq_msg_get(self._msg, option)
        if rc < 0:
            raise _zmq_error()
        return rc

    def set(self, option: Union[int, str], value: Any) -> None:
        """Set a message option (routing_id and group need libzmq's DRAFT API)."""
        if option == "routing_id":
            self.routing_id = value
            return
        if option == "group":
            self.group = value
            return
        if lib.zmq_msg_set(self._msg, option, value) < 0:
            raise _zmq_error()

    def __getitem__(self, key: str) -> str:
        if not isinstance(key, str):
            raise TypeError(f"Frame properties are looked up by str name, not {type(key).__name__}")
        return self.get(key)

    @property
    def routing_id(self) -> Optional[int]:
        """The CLIENT/SERVER routing id (DRAFT API); None when unset."""
        _require_draft("Frame.routing_id")
        rid = lib.zc_msg_routing_id(self._msg)
        return rid or None

    @routing_id.setter
    def routing_id(self, value: int) -> None:
        _require_draft("Frame.routing_id")
        if lib.zc_msg_set_routing_id(self._msg, value) < 0:
            raise _zmq_error()

    @property
    def group(self) -> Optional[str]:
        """The RADIO/DISH group (DRAFT API); None when unset."""
        _require_draft("Frame.group")
        g = lib.zc_msg_group(self._msg)
        return None if g == ffi.NULL else ffi.string(g).decode("utf-8")

    @group.setter
    def group(self, value: Union[str, builtins.bytes]) -> None:
        _require_draft("Frame.group")
        if isinstance(value, str):
            value = value.encode("utf-8")
        if lib.zc_msg_set_group(self._msg, value) < 0:
            raise _zmq_error()

    def close(self) -> None:
        """Give up this Frame's reference to the message (views keep theirs)."""
        self._msg = _owned_msg()
        lib.zmq_msg_init(self._msg)
        self._bytes = None
        self._buffer = None


Message = Frame
watch_frames(Frame)


def _require_draft(what: str) -> None:
    if not lib.ZC_DRAFT_BUILD:
        # Imported only on the way to raising (backend.functions depends on this module), so
        # that with DRAFT, Frame.routing_id/group (per message of a SERVER, RADIO...) import nothing.
        from zmq_cffi.backend.functions import zmq_version_info

        raise RuntimeError(
            f"{what} needs libzmq built with the DRAFT API; this libzmq "
            f"({'.'.join(map(str, zmq_version_info()))}) was built without it"
        )

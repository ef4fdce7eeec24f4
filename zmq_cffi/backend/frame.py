"""Frame: one zmq_msg_t, owned by exactly one Python object.

The zmq_msg_t lives in CFFI-allocated memory wrapped by ffi.gc(..., zmq_msg_close): closing is
its only release path, safe from any thread (libzmq reference-counts shared message data), and
the size hint lets PyPy's GC see the message memory. A memoryview from `.buffer` pins that
zmq_msg_t, so the view stays valid after the Frame itself is gone.
"""
from __future__ import annotations

import builtins
import threading
from typing import TYPE_CHECKING, Any, Optional, Union, overload

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
            view = _pinned_view(msg, data, size)
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

"""Socket: pyzmq's socket class (serialisation, multipart, options by name) on the backend."""
from __future__ import annotations

import errno
import itertools
import json
import os
import pickle
import random
import warnings
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Sequence, TypeVar, Union, cast, overload

from zmq_cffi import backend, constants
from zmq_cffi._attrsettr import OptionSetter, add_option_properties
from zmq_cffi.backend.frame import Frame
from zmq_cffi.backend.poll import PollItems
from zmq_cffi.error import ZMQBindError, ZMQError

if TYPE_CHECKING:
    from typing import Literal

    from zmq_cffi._typing import SendData, SockOptValue
    from zmq_cffi.tracker import MessageTracker

__all__ = ["Socket"]

T = TypeVar("T", bound="Socket")
#: What a recv_serialized deserializer returns.
R = TypeVar("R")

_SNDMORE = int(constants.SNDMORE)
_backend_send = backend.Socket.send
_backend_recv = backend.Socket.recv
_POLLIN = int(constants.POLLIN)
_SEND_KWARGS = ("copy", "track", "routing_id", "group")
_ENAMETOOLONG = errno.ENAMETOOLONG
# get_monitor_socket's default endpoints are never reused: a reader left connected to one by a
# failed attempt stays pending in libzmq, and a later monitor bound there would pair with that
# dead reader instead of the new one, and block on its first event (disable_monitor hung).
_monitor_serial = itertools.count()


class _EndpointContext:
    """What bind()/connect() return: usable as a context manager that undoes them.

    A bind is undone at the endpoint actually bound (LAST_ENDPOINT): `tcp://127.0.0.1:0` and
    wildcards resolve to a port, which is what unbind needs."""

    __slots__ = ("socket", "kind", "addr")

    def __init__(self, socket: "Socket", kind: str, addr: str) -> None:
        self.socket, self.kind, self.addr = socket, kind, addr

    def __enter__(self) -> "Socket":
        return self.socket

    def __exit__(self, *exc: Any) -> None:
        if self.socket.closed:
            return
        undo = self.socket.unbind if self.kind == "bind" else self.socket.disconnect
        undo(self.addr)

    def __repr__(self) -> str:
        # `bind='tcp://...'`, as pyzmq shows it.
        return f"<EndpointContext({self.kind}={self.addr!r}) on {self.socket!r}>"


def _is_ipc(addr: Union[str, bytes]) -> bool:
    return (addr if isinstance(addr, bytes) else addr.encode("utf-8", "replace")).startswith(b"ipc://")


def _ipc_path_error(e: ZMQError, addr: Union[str, bytes]) -> ZMQError:
    """pyzmq's message for an ipc path over the OS limit, naming zmq.IPC_PATH_MAX_LEN."""
    text = addr if isinstance(addr, str) else addr.decode("utf-8", "replace")
    path = text.split("://", 1)[-1]
    return ZMQError(
        e.errno,
        f"ipc path {path!r} is longer than {backend.IPC_PATH_MAX_LEN} characters "
        "(sizeof(sockaddr_un.sun_path)); zmq.IPC_PATH_MAX_LEN holds the limit "
        f"(addr={text!r})",
    )


def check_frames(msg_parts: Sequence[Any]) -> List[Any]:
    """The frames of a multipart message as a list; TypeError/ValueError for what cannot be sent.

    The one check of every send_multipart (sync, async, ZMQStream's queue)."""
    parts: List[Any] = msg_parts if msg_parts.__class__ is list else list(msg_parts)
    for i, part in enumerate(parts):
        if isinstance(part, (bytes, Frame, bytearray, memoryview)):
            continue
        try:
            memoryview(part)
        except TypeError:
            raise TypeError(f"Frame {i} ({part!r:.32}) does not support the buffer interface.") from None
    if not parts:
        raise ValueError("send_multipart needs at least one frame")
    return parts


class Socket(backend.Socket, OptionSetter):
    """A ZeroMQ socket; create it with `Context.socket(type)`.

    `Socket(ctx, type)`, `Socket(other_socket)` (a shadow of it) or `Socket(shadow=address)`.
    Options are reachable as attributes (`sock.linger = 0`), and the socket closes at the end
    of a `with` block.
    """

    _monitor_socket: Optional["Socket"] = None
    _type_name: str = "UNKNOWN"
    #: The Socket object this one shadows, if made from one (pyzmq's name): kept alive with it.
    _shadow_obj: Optional[backend.Socket] = None

    if TYPE_CHECKING:
        # Every socket option is also a property (`sock.linger`, `sock.LINGER`), added below
        # the class from the SocketOption enum: type checkers see them through this.
        def __getattr__(self, name: str) -> Any: ...

    def __init__(
        self,
        ctx_or_socket: Union[backend.Context, backend.Socket, None] = None,
        socket_type: int = 0,
        *,
        shadow: Union[backend.Socket, int] = 0,
        copy_threshold: Optional[int] = None,
    ) -> None:
        if isinstance(ctx_or_socket, backend.Socket):
            shadow, ctx_or_socket = ctx_or_socket, None
        if isinstance(shadow, backend.Socket):
            object.__setattr__(self, "_shadow_obj", shadow)
            if ctx_or_socket is None:
                ctx_or_socket = shadow.context
            shadow = shadow.underlying
        super().__init__(ctx_or_socket, socket_type, shadow=shadow, copy_threshold=copy_threshold)
        try:
            # Kept for repr, which also shows the type of a closed socket.
            kind = cast(int, self.get(constants.TYPE)) if shadow else socket_type
            name = constants.SocketType(kind).name
        except (ValueError, ZMQError):
            name = "UNKNOWN"
        object.__setattr__(self, "_type_name", name)

    @classmethod
    def shadow(cls: type[T], address: Union[int, backend.Socket]) -> T:
        """A Socket over an existing libzmq socket (given by address, or a Socket object,
        which the shadow then keeps alive); it does not own it."""
        return cls(shadow=address)

    def __del__(self) -> None:
        # pyzmq's ResourceWarning (shown with -W default or python -X dev) for a socket that
        # the garbage collector closes: the owner, dropped open, with no shadow still using it.
        try:
            cell = self._cell
            if cell and not self._shadow and self._pid == os.getpid() and not cell.in_use_by_other_than(self):
                warnings.warn(f"Unclosed socket {self!r}", ResourceWarning, stacklevel=2, source=self)
        except Exception:
            pass  # at interpreter exit modules may be half torn down: the close below matters
        super().__del__()

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __copy__(self: T, memo: Any = None) -> T:
        """A shadow of this socket."""
        return self.__class__.shadow(self.underlying)

    __deepcopy__ = __copy__

    def __repr__(self) -> str:
        cls = self.__class__
        # Public classes show as zmq_cffi.X; subclasses (zmq_cffi.asyncio.X, ...) by module.
        module = "zmq_cffi" if cls.__module__ == "zmq_cffi.socket" else cls.__module__
        closed = " closed" if self.closed else ""
        return f"<{module}.{cls.__name__}(zmq.{self._type_name}) at {hex(id(self))}{closed}>"

    # -- endpoints ---------------------------------------------------------------------------

    def bind(self, addr: Union[str, bytes]) -> _EndpointContext:
        """Bind to an endpoint ('tcp://127.0.0.1:5555', 'ipc:///tmp/x', 'inproc://name').

        The result is a context manager that unbinds the endpoint bound (LAST_ENDPOINT) on exit."""
        try:
            super().bind(addr)
        except ZMQError as e:
            if e.errno == _ENAMETOOLONG and _is_ipc(addr):
                raise _ipc_path_error(e, addr) from None
            raise
        return _EndpointContext(self, "bind", self.get_string(constants.LAST_ENDPOINT))

    def connect(self, addr: Union[str, bytes]) -> _EndpointContext:
        """Connect to an endpoint; the result is a context manager that disconnects on exit."""
        try:
            super().connect(addr)
        except ZMQError as e:
            if e.errno == _ENAMETOOLONG and _is_ipc(addr):
                raise _ipc_path_error(e, addr) from None
            raise
        return _EndpointContext(self, "connect", addr if isinstance(addr, str) else addr.decode("utf-8"))

    def bind_to_random_port(
        self, addr: str, min_port: int = 49152, max_port: int = 65536, max_tries: int = 100
    ) -> int:
        """Bind `addr` (without a port) to a free port and return it.

        With the default range the OS picks the port; otherwise up to `max_tries` random ports
        in [min_port, max_port) are tried, and ZMQBindError is raised if all are taken."""
        if min_port == 49152 and max_port == 65536:
            self.bind(f"{addr}:*")
            endpoint = self.get_string(constants.LAST_ENDPOINT)
            return int(endpoint.rsplit(":", 1)[-1])
        for _ in range(max_tries):
            port = random.randrange(min_port, max_port)
            try:
                self.bind(f"{addr}:{port}")
            except ZMQError as e:
                if e.errno not in (constants.EADDRINUSE, getattr(constants, "EACCES", 13)):
                    raise
            else:
                return port
        raise ZMQBindError("Could not bind socket to random port.")

    # -- options -----------------------------------------------------------------------------

    def set(self, option: int, optval: SockOptValue) -> None:
        """Set a socket option; the value's type follows the option (int or bytes)."""
        if option == constants.HWM and not isinstance(optval, str):
            # A value that is no int fails in set_hwm as it would for SNDHWM.
            self.set_hwm(cast(int, optval))
            return
        super().set(option, optval)

    setsockopt = set

    def get(self, option: int) -> Union[int, bytes]:
        """Get a socket option: int for numeric options, bytes for the others."""
        if option == constants.HWM:
            return self.get_hwm()
        return super().get(option)

    getsockopt = get

    def set_string(self, option: int, optval: str, encoding: str = "utf-8") -> None:
        """Set a string option from a str, encoded with `encoding`."""
        if not isinstance(optval, str):
            raise TypeError(f"set_string takes a str, not {type(optval).__name__}")
        self.set(option, optval.encode(encoding))

    setsockopt_string = setsockopt_unicode = set_string

    def get_string(self, option: int, encoding: str = "utf-8") -> str:
        """Get a string option as str, decoded with `encoding`."""
        if constants.sockopt_types.get(option) is not constants._OptType.bytes:
            raise TypeError(f"option {option} is not a string option")
        # A bytes option (checked above) comes back as bytes.
        return cast(bytes, self.get(option)).decode(encoding)

    getsockopt_string = getsockopt_unicode = get_string

    def get_hwm(self) -> int:
        """The high water mark: SNDHWM (pyzmq's meaning of HWM)."""
        return cast(int, self.get(constants.SNDHWM))

    def set_hwm(self, value: int) -> None:
        """Set both SNDHWM and RCVHWM."""
        self.set(constants.SNDHWM, value)
        self.set(constants.RCVHWM, value)

    hwm = property(get_hwm, set_hwm, None, "Both high water marks (SNDHWM and RCVHWM).")

    @property
    def socket_type(self) -> constants.SocketType:
        """The socket's type as a SocketType."""
        return constants.SocketType(cast(int, self.get(constants.TYPE)))

    type = socket_type

    def __setattr__(self, key: str, value: Any) -> None:
        # `sock.subscribe = topic` sets the option, although subscribe is also a method.
        if key in ("subscribe", "unsubscribe") and key not in self.__dict__:
            getattr(self, key)(value)
            return
        super().__setattr__(key, value)

    def fileno(self) -> int:
        """The socket's edge-triggered notification fd (ZMQ_FD), for event loops."""
        return cast(int, self.get(constants.FD))

    def subscribe(self, topic: Union[str, bytes]) -> None:
        """Subscribe a SUB socket to messages starting with `topic` (str is UTF-8 encoded)."""
        if isinstance(topic, str):
            topic = topic.encode("utf-8")
        self.set(constants.SUBSCRIBE, topic)

    def unsubscribe(self, topic: Union[str, bytes]) -> None:
        """Remove a subscription made with subscribe()."""
        if isinstance(topic, str):
            topic = topic.encode("utf-8")
        self.set(constants.UNSUBSCRIBE, topic)

    # -- multipart and serialisation --------------------------------------------------------

    def send_multipart(
        self, msg_parts: Sequence[SendData], flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any
    ) -> Optional[MessageTracker]:
        """Send a sequence of frames as one message (SNDMORE is added to all but the last)."""
        parts: Sequence[Any] = msg_parts if msg_parts.__class__ is list else list(msg_parts)
        # bytes frames sent by copy go through one C call per four frames, unless a subclass
        # changed send() (pyzmq's send_multipart calls self.send for each frame).
        if parts and not track and not kwargs and type(self).send is _backend_send:
            threshold = self.copy_threshold
            for part in parts:
                if part.__class__ is not bytes or (not copy and len(part) >= threshold):
                    break
            else:
                self._send_multipart_copy(parts, flags)
                return None
        check_frames(parts)
        send = self.send
        more = flags | _SNDMORE
        for part in parts[:-1]:
            send(part, more, copy=copy, track=track)
        # Through **kwargs no single overload of send applies: the result is the general one.
        tracker: Optional[MessageTracker] = send(parts[-1], flags, copy=copy, track=track, **kwargs)
        return tracker

    @overload
    def recv_multipart(self, flags: int = ..., copy: Literal[True] = ..., track: bool = ...) -> List[bytes]: ...

    @overload
    def recv_multipart(self, flags: int, copy: Literal[False], track: bool = ...) -> List[Frame]: ...

    @overload
    def recv_multipart(self, flags: int = ..., *, copy: Literal[False], track: bool = ...) -> List[Frame]: ...

    @overload
    def recv_multipart(
        self, flags: int = ..., copy: bool = ..., track: bool = ...
    ) -> Union[List[bytes], List[Frame]]: ...

    def recv_multipart(self, flags: int = 0, copy: bool = True, track: bool = False) -> List[Any]:
        """Receive every frame of one message: a list of bytes, or of Frames with copy=False."""
        if copy and type(self).recv is _backend_recv:
            return self._recv_multipart_copy(flags)
        recv = self.recv
        parts = [recv(flags, copy, track)]
        info = self._recv_info
        while info.more:
            parts.append(recv(flags, copy, track))
        return parts

    def send_string(
        self, u: str, flags: int = 0, copy: bool = True, encoding: str = "utf-8", **kwargs: Any
    ) -> Optional[MessageTracker]:
        """Send a str, encoded with `encoding`."""
        if not isinstance(u, str):
            raise TypeError(f"send_string takes a str, not {type(u).__name__}")
        tracker: Optional[MessageTracker] = self.send(u.encode(encoding), flags=flags, copy=copy, **kwargs)
        return tracker

    send_unicode = send_string

    def recv_string(self, flags: int = 0, encoding: str = "utf-8") -> str:
        """Receive a message and decode it with `encoding`."""
        return self.recv(flags).decode(encoding)

    recv_unicode = recv_string

    def send_pyobj(
        self, obj: Any, flags: int = 0, protocol: int = pickle.DEFAULT_PROTOCOL, **kwargs: Any
    ) -> Optional[MessageTracker]:
        """Send a Python object pickled with `protocol`."""
        tracker: Optional[MessageTracker] = self.send(pickle.dumps(obj, protocol), flags=flags, **kwargs)
        return tracker

    def recv_pyobj(self, flags: int = 0) -> Any:
        """Receive and unpickle a Python object (only from peers you trust)."""
        return pickle.loads(self.recv(flags))

    def send_json(self, obj: Any, flags: int = 0, **kwargs: Any) -> Optional[MessageTracker]:
        """Send an object as JSON; send options (copy, track, ...) and json.dumps keywords mix."""
        send_kwargs = {k: kwargs.pop(k) for k in _SEND_KWARGS if k in kwargs}
        tracker: Optional[MessageTracker] = self.send(
            json.dumps(obj, **kwargs).encode("utf-8"), flags=flags, **send_kwargs
        )
        return tracker

    def recv_json(self, flags: int = 0, **kwargs: Any) -> Any:
        """Receive a JSON message; keywords go to json.loads."""
        return json.loads(self.recv(flags).decode("utf-8"), **kwargs)

    def send_serialized(
        self, msg: Any, serialize: Callable[[Any], Sequence[SendData]], flags: int = 0, copy: bool = True, **kwargs: Any
    ) -> Optional[MessageTracker]:
        """Send `serialize(msg)`, a list of frames, as one multipart message."""
        return self.send_multipart(serialize(msg), flags=flags, copy=copy, **kwargs)

    def recv_serialized(self, deserialize: Callable[[List[Any]], R], flags: int = 0, copy: bool = True) -> R:
        """Receive a multipart message and return `deserialize(frames)`."""
        return deserialize(self.recv_multipart(flags=flags, copy=copy))

    # -- polling and monitoring -------------------------------------------------------------

    def poll(self, timeout: Optional[int] = None, flags: int = _POLLIN) -> int:
        """Wait up to `timeout` ms (None: forever) for `flags` events; returns those that occurred."""
        if self.closed:
            raise ZMQError(constants.ENOTSOCK, "the socket is closed")
        items = PollItems(((self, flags),))
        items.poll(-1 if timeout is None else timeout)
        return items.revents(0)

    def monitor(self, addr: Optional[Union[str, bytes]], events: int = constants.EVENT_ALL) -> None:
        """Publish this socket's events (Event flags) on a PAIR socket bound at `addr`."""
        super().monitor(addr, events)

    def get_monitor_socket(self, events: Optional[int] = None, addr: Optional[str] = None) -> "Socket":
        """Start monitoring and return a connected PAIR socket that receives the events.

        Read them with zmq_cffi.utils.monitor.recv_monitor_message."""
        if self.closed:
            raise ZMQError(constants.ENOTSOCK, "the socket is closed")
        if self._monitor_socket is not None and not self._monitor_socket.closed:
            return self._monitor_socket
        if events is None:
            events = constants.EVENT_ALL
        elif not isinstance(events, int):
            raise TypeError(f"events must be an int (Event flags), not {type(events).__name__}")
        if addr is None:
            addr = f"inproc://monitor.s-{self.underlying:x}-{next(_monitor_serial)}"
        # The reader first (inproc may connect before the bind): libzmq sends monitor events
        # blocking, so a monitor started without a reader would stall this socket.
        mon: Socket = self.context.socket(constants.PAIR)
        try:
            mon.connect(addr)
            self.monitor(addr, events)
        except BaseException:
            mon.close(linger=0)
            raise
        object.__setattr__(self, "_monitor_socket", mon)
        return mon

    def disable_monitor(self) -> None:
        """Stop monitoring started with get_monitor_socket (the PAIR socket gets MONITOR_STOPPED)."""
        # Stop first, then let go of the reader: libzmq sends MONITOR_STOPPED blocking, and a
        # reader nobody else holds would be closed by the garbage collector before it got there,
        # leaving that send waiting for a peer forever.
        self.monitor(None, 0)
        object.__setattr__(self, "_monitor_socket", None)


add_option_properties(Socket, constants.SocketOption)

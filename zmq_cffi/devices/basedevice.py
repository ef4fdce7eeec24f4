"""Devices that own their sockets: described by socket types, built where they run.

A Device is configured in the calling thread (bind_in, connect_out, setsockopt_in, ...) but
creates and uses its sockets only in the thread or process that runs it, because a zmq socket
must stay with one thread.
"""
from __future__ import annotations

import threading
from multiprocessing import Process
from threading import Thread
from typing import Any, Callable, Dict, List, Optional, Tuple

from zmq_cffi import constants
from zmq_cffi.backend.functions import proxy
from zmq_cffi.context import Context
from zmq_cffi.error import ZMQBindError, ZMQError
from zmq_cffi.socket import Socket

__all__ = ["Device", "ThreadDevice", "ProcessDevice"]

# Errors that mean "the context or the sockets went away": a device ends quietly on them.
_SHUTDOWN_ERRNOS = (int(constants.ETERM), int(constants.ENOTSOCK))


class _SocketPlan:
    """What to do to one of a device's sockets once it exists: options, binds, connects."""

    __slots__ = ("sockopts", "binds", "connects")

    def __init__(self) -> None:
        self.sockopts: List[Tuple[int, Any]] = []
        self.binds: List[str] = []
        self.connects: List[str] = []

    def apply(self, sock: Socket) -> None:
        # Options first: some (ROUTING_ID, CURVE keys, ...) only count before bind/connect.
        for opt, value in self.sockopts:
            sock.setsockopt(opt, value)
        for addr in self.binds:
            sock.bind(addr)
        for addr in self.connects:
            sock.connect(addr)


class Device:
    """A queue between two sockets, given by their types, run by `start()`.

    `Device(device_type, in_type, out_type)`: the sockets are created when the device runs,
    then configured with what was queued by `setsockopt_in/out`, `bind_in/out` and
    `connect_in/out`. An `out_type` below 0 uses the in socket for both sides.

    A plain Device runs in the thread that calls `start()` and returns when its context is
    terminated; ThreadDevice and ProcessDevice run in the background.
    """

    #: Makes the device's context when it starts; Context.instance here (the process-wide
    #: context), a new Context in ProcessDevice. Override it on the class or the instance.
    context_factory: Callable[[], Context] = Context.instance

    device_type: int
    in_type: int
    out_type: int
    #: Whether the background thread or process is a daemon (default True, so a device
    #: blocked in its queue never keeps the program alive).
    daemon: bool
    #: True once the device has stopped running (in the process that ran it).
    done: bool

    def __init__(
        self, device_type: int = constants.QUEUE, in_type: Optional[int] = None, out_type: Optional[int] = None
    ) -> None:
        if in_type is None:
            raise TypeError("in_type must be specified")
        if out_type is None:
            raise TypeError("out_type must be specified")
        self.device_type = device_type
        self.in_type = in_type
        self.out_type = out_type
        self.daemon = True
        self.done = False
        self._plans: Dict[str, _SocketPlan] = {"in": _SocketPlan(), "out": _SocketPlan()}
        self._random_addrs: List[str] = []
        self._sockets: List[Socket] = []
        self._context: Optional[Context] = None
        self._done_event = threading.Event()

    # -- pickling (ProcessDevice under the spawn/forkserver start methods) ------------------

    def __getstate__(self) -> Dict[str, Any]:
        state = self.__dict__.copy()
        # Live objects stay with the process that made them.
        for key in ("launcher", "_done_event", "_context"):
            state.pop(key, None)
        state["_sockets"] = []
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._context = None
        self._done_event = threading.Event()
        if self.done:
            self._done_event.set()

    # -- configuration ----------------------------------------------------------------------

    def _plan(self, role: str) -> _SocketPlan:
        plan = self._plans.get(role)
        if plan is None:
            plan = self._plans[role] = _SocketPlan()
        return plan

    def bind_in(self, addr: str) -> None:
        """Queue a bind of the in socket to `addr`."""
        self._plan("in").binds.append(addr)

    def connect_in(self, addr: str) -> None:
        """Queue a connect of the in socket to `addr`."""
        self._plan("in").connects.append(addr)

    def setsockopt_in(self, opt: int, value: Any) -> None:
        """Queue `setsockopt(opt, value)` on the in socket (applied before binds/connects)."""
        self._plan("in").sockopts.append((opt, value))

    def bind_in_to_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """Pick a free port on `addr` (as Socket.bind_to_random_port), queue a bind of the in
        socket to it and return it."""
        port = self._reserve_random_port(addr, *args, **kwargs)
        self.bind_in(f"{addr}:{port}")
        return port

    def bind_out(self, addr: str) -> None:
        """Queue a bind of the out socket to `addr`."""
        self._plan("out").binds.append(addr)

    def connect_out(self, addr: str) -> None:
        """Queue a connect of the out socket to `addr`."""
        self._plan("out").connects.append(addr)

    def setsockopt_out(self, opt: int, value: Any) -> None:
        """Queue `setsockopt(opt, value)` on the out socket (applied before binds/connects)."""
        self._plan("out").sockopts.append((opt, value))

    def bind_out_to_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """Pick a free port on `addr`, queue a bind of the out socket to it and return it."""
        port = self._reserve_random_port(addr, *args, **kwargs)
        self.bind_out(f"{addr}:{port}")
        return port

    def _reserve_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """A port free now on `addr` and not yet handed out by this device.

        The socket that found it is closed at once, so the device can bind the port later
        (another program could take it in between, as with any such scheme)."""
        with Context() as ctx:
            for _ in range(5):
                with ctx.socket(constants.PUSH) as probe:
                    probe.linger = 0
                    port = probe.bind_to_random_port(addr, *args, **kwargs)
                candidate = f"{addr}:{port}"
                if candidate not in self._random_addrs:
                    self._random_addrs.append(candidate)
                    return port
        raise ZMQBindError("Could not reserve random port.")

    # -- running ----------------------------------------------------------------------------

    def _make_socket(self, role: str, socket_type: int) -> Socket:
        assert self._context is not None
        sock = self._context.socket(socket_type)
        self._sockets.append(sock)
        self._plan(role).apply(sock)
        return sock

    def _setup_sockets(self) -> Tuple[Socket, ...]:
        """Create the context and the in/out sockets, configured as queued."""
        self._context = self.context_factory()
        ins = self._make_socket("in", self.in_type)
        if self.out_type < 0:
            # One socket on both sides (e.g. a ROUTER relaying between its own peers); what
            # was queued for "out" applies to it as well.
            outs = ins
            self._plan("out").apply(outs)
        else:
            outs = self._make_socket("out", self.out_type)
        return ins, outs

    def run_device(self) -> None:
        """Build the sockets and relay between them; subclasses change what is relayed."""
        ins, outs = self._setup_sockets()
        proxy(ins, outs)

    def _close_sockets(self) -> None:
        for sock in self._sockets:
            if not sock.closed:
                sock.close()
        self._sockets = []

    def run(self) -> None:
        """Run the device here and now, until its context is terminated (or it is told to
        stop); then close its sockets. `start()` is the usual entry point."""
        try:
            self.run_device()
        except ZMQError as e:
            if e.errno not in _SHUTDOWN_ERRNOS:
                raise
        finally:
            self.done = True
            self._close_sockets()
            self._done_event.set()

    def start(self) -> None:
        """Run the device; for a plain Device, in this thread (it returns when it ends)."""
        self.run()

    def join(self, timeout: Optional[float] = None) -> None:
        """Wait until the device has ended, or `timeout` seconds have passed."""
        self._done_event.wait(timeout)


class BackgroundDevice(Device):
    """A Device run by a launcher (Thread or Process) that `start()` creates."""

    _launch_class: Any = None
    #: The Thread or Process running the device, once started.
    launcher: Any = None

    def start(self) -> None:
        """Start the device in the background and return at once."""
        launcher = self._launch_class(target=self.run)
        launcher.daemon = self.daemon
        self.launcher = launcher
        launcher.start()

    def join(self, timeout: Optional[float] = None) -> None:
        """Wait for the background thread or process to end, up to `timeout` seconds."""
        if self.launcher is None:
            raise RuntimeError("cannot join a device before it is started")
        self.launcher.join(timeout=timeout)


class ThreadDevice(BackgroundDevice):
    """A Device run in a background thread (daemon by default)."""

    _launch_class = Thread


class ProcessDevice(BackgroundDevice):
    """A Device run in a child process (multiprocessing), with a context of its own."""

    _launch_class = Process
    # A new context: the child must never use a context inherited across fork.
    context_factory: Callable[[], Context] = Context

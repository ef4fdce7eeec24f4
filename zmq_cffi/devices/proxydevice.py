"""Proxy devices: a queue between two sockets that copies all traffic to a third."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Tuple

from zmq_cffi import constants
from zmq_cffi.backend.functions import proxy
from zmq_cffi.devices.basedevice import Device, ProcessDevice, ThreadDevice
from zmq_cffi.socket import Socket

__all__ = ["Proxy", "ThreadProxy", "ProcessProxy"]

if TYPE_CHECKING:
    # A mixin always combined with a Device, whose methods it calls: so it looks to type
    # checkers. At run time it derives from object only, as pyzmq's does.
    _DeviceMixin = Device
else:
    _DeviceMixin = object


class ProxyBase(_DeviceMixin):
    """Adds the monitor socket (`mon_type`, configured by the *_mon methods) to a Device."""

    mon_type: int

    def __init__(self, in_type: int, out_type: int, mon_type: int = constants.PUB) -> None:
        super().__init__(in_type=in_type, out_type=out_type)
        self.mon_type = mon_type

    def bind_mon(self, addr: str) -> None:
        """Queue a bind of the monitor socket to `addr`."""
        self._plan("mon").binds.append(addr)

    def connect_mon(self, addr: str) -> None:
        """Queue a connect of the monitor socket to `addr`."""
        self._plan("mon").connects.append(addr)

    def setsockopt_mon(self, opt: int, value: Any) -> None:
        """Queue `setsockopt(opt, value)` on the monitor socket."""
        self._plan("mon").sockopts.append((opt, value))

    def bind_mon_to_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """Pick a free port on `addr`, queue a bind of the monitor socket to it, return it."""
        port = self._reserve_random_port(addr, *args, **kwargs)
        self.bind_mon(f"{addr}:{port}")
        return port

    def _setup_sockets(self) -> Tuple[Socket, ...]:
        ins, outs = super()._setup_sockets()
        mons = self._make_socket("mon", self.mon_type)
        return ins, outs, mons

    def run_device(self) -> None:
        ins, outs, mons = self._setup_sockets()
        proxy(ins, outs, mons)


class Proxy(ProxyBase, Device):
    """A device running zmq_proxy: in <-> out, with every message also sent to the monitor
    socket (a PUB by default). Runs in the calling thread; see ThreadProxy/ProcessProxy."""


class ThreadProxy(ProxyBase, ThreadDevice):
    """A Proxy in a background thread."""


class ProcessProxy(ProxyBase, ProcessDevice):
    """A Proxy in a child process."""

"""Steerable proxy devices: a Proxy that obeys PAUSE, RESUME and TERMINATE on a control socket."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Tuple

from zmq_cffi import constants
from zmq_cffi.backend.functions import proxy_steerable
from zmq_cffi.devices.proxydevice import ProcessProxy, Proxy, ProxyBase, ThreadProxy
from zmq_cffi.socket import Socket

__all__ = ["ProxySteerable", "ThreadProxySteerable", "ProcessProxySteerable"]

if TYPE_CHECKING:
    # A mixin always combined with a Proxy (see ProxyBase); a plain class at run time.
    _ProxyMixin = ProxyBase
else:
    _ProxyMixin = object


class ProxySteerableBase(_ProxyMixin):
    """Adds the control socket (`ctrl_type`, configured by the *_ctrl methods) to a Proxy."""

    ctrl_type: Optional[int]

    def __init__(
        self, in_type: int, out_type: int, mon_type: int = constants.PUB, ctrl_type: Optional[int] = None
    ) -> None:
        super().__init__(in_type=in_type, out_type=out_type, mon_type=mon_type)
        self.ctrl_type = ctrl_type

    def bind_ctrl(self, addr: str) -> None:
        """Queue a bind of the control socket to `addr`."""
        self._plan("ctrl").binds.append(addr)

    def connect_ctrl(self, addr: str) -> None:
        """Queue a connect of the control socket to `addr`."""
        self._plan("ctrl").connects.append(addr)

    def setsockopt_ctrl(self, opt: int, value: Any) -> None:
        """Queue `setsockopt(opt, value)` on the control socket."""
        self._plan("ctrl").sockopts.append((opt, value))

    def bind_ctrl_to_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """Pick a free port on `addr`, queue a bind of the control socket to it, return it."""
        port = self._reserve_random_port(addr, *args, **kwargs)
        self.bind_ctrl(f"{addr}:{port}")
        return port

    def _setup_sockets(self) -> Tuple[Any, ...]:
        ins, outs, mons = super()._setup_sockets()
        ctrls: Optional[Socket] = None
        if self.ctrl_type is not None:
            ctrls = self._make_socket("ctrl", self.ctrl_type)
        else:
            plan = self._plan("ctrl")
            if plan.binds or plan.connects or plan.sockopts:
                raise ValueError("the control socket was configured but ctrl_type is None")
        return ins, outs, mons, ctrls

    def run_device(self) -> None:
        ins, outs, mons, ctrls = self._setup_sockets()
        # Without a control socket (ctrl_type None) this behaves exactly as a Proxy.
        proxy_steerable(ins, outs, mons, ctrls)


class ProxySteerable(ProxySteerableBase, Proxy):
    """A Proxy controlled through a socket of `ctrl_type` (PAIR is the usual choice).

    The commands are single-frame messages: b"PAUSE" stops relaying, b"RESUME" restarts it,
    b"TERMINATE" ends the device cleanly. libzmq 4.3 aborts the process on any other
    command, so send nothing else. Runs in the calling thread; see the Thread/Process kinds.
    """


class ThreadProxySteerable(ProxySteerableBase, ThreadProxy):
    """A ProxySteerable in a background thread."""


class ProcessProxySteerable(ProxySteerableBase, ProcessProxy):
    """A ProxySteerable in a child process."""

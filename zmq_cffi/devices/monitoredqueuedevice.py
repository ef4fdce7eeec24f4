"""MonitoredQueue devices: monitored_queue run as a Device."""
from __future__ import annotations

from typing import Union

from zmq_cffi import constants
from zmq_cffi.devices.monitoredqueue import monitored_queue
from zmq_cffi.devices.proxydevice import ProcessProxy, Proxy, ProxyBase, ThreadProxy

__all__ = ["MonitoredQueue", "ThreadMonitoredQueue", "ProcessMonitoredQueue"]


class MonitoredQueueBase(ProxyBase):
    """A Proxy whose monitor messages carry a first frame telling their direction."""

    def __init__(
        self,
        in_type: int,
        out_type: int,
        mon_type: int = constants.PUB,
        in_prefix: Union[bytes, str] = b"in",
        out_prefix: Union[bytes, str] = b"out",
    ) -> None:
        super().__init__(in_type=in_type, out_type=out_type, mon_type=mon_type)
        self._in_prefix = in_prefix
        self._out_prefix = out_prefix

    def run_device(self) -> None:
        ins, outs, mons = self._setup_sockets()
        monitored_queue(ins, outs, mons, self._in_prefix, self._out_prefix)


class MonitoredQueue(MonitoredQueueBase, Proxy):
    """A device running monitored_queue: like Proxy, but messages on the monitor socket
    start with `in_prefix` (came in on the in socket) or `out_prefix` (on the out socket),
    and ROUTER on both sides is supported. Runs in the calling thread."""


class ThreadMonitoredQueue(MonitoredQueueBase, ThreadProxy):
    """A MonitoredQueue in a background thread."""


class ProcessMonitoredQueue(MonitoredQueueBase, ProcessProxy):
    """A MonitoredQueue in a child process."""

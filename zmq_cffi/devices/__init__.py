"""Devices run in the background: queues, proxies and monitored queues between sockets that
the device itself creates (from socket types) in its own thread or process."""
from __future__ import annotations

from zmq_cffi.backend.functions import proxy
from zmq_cffi.constants import DeviceType
from zmq_cffi.devices import (
    basedevice,
    monitoredqueue,
    monitoredqueuedevice,
    proxydevice,
    proxysteerabledevice,
)
from zmq_cffi.devices.basedevice import Device, ProcessDevice, ThreadDevice
from zmq_cffi.devices.monitoredqueue import monitored_queue
from zmq_cffi.devices.monitoredqueuedevice import (
    MonitoredQueue,
    ProcessMonitoredQueue,
    ThreadMonitoredQueue,
)
from zmq_cffi.devices.proxydevice import ProcessProxy, Proxy, ThreadProxy
from zmq_cffi.devices.proxysteerabledevice import (
    ProcessProxySteerable,
    ProxySteerable,
    ThreadProxySteerable,
)

# Spelled out so type checkers see the exports (a test keeps it equal to the submodules').
__all__ = [
    "Device", "ThreadDevice", "ProcessDevice",
    "Proxy", "ThreadProxy", "ProcessProxy",
    "ProxySteerable", "ThreadProxySteerable", "ProcessProxySteerable",
    "monitored_queue",
    "MonitoredQueue", "ThreadMonitoredQueue", "ProcessMonitoredQueue",
]

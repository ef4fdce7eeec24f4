"""Cooperative device and proxy for gevent (pyzmq's `zmq.green.device`)."""
from __future__ import annotations

from typing import Any, NoReturn, Optional

from zmq_cffi import constants
from zmq_cffi.green.poll import Poller

__all__ = ["device", "proxy"]

_POLLIN = int(constants.POLLIN)


def device(device_type: int, isocket: Any, osocket: Any) -> NoReturn:
    """zmq.device that lets other greenlets run: forwards messages both ways between the two
    sockets (QUEUE, FORWARDER and STREAMER behave alike, as in libzmq) until a call fails,
    e.g. with ContextTerminated or on a closed socket. `osocket=-1` means isocket."""
    proxy(isocket, isocket if osocket == -1 else osocket)


def proxy(frontend: Any, backend: Any, capture: Optional[Any] = None) -> NoReturn:
    """zmq.proxy that lets other greenlets run: every message that arrives on one socket is
    sent on the other (and on `capture`, if given) until a call fails.

    (pyzmq's zmq.green re-exports the blocking zmq.proxy; this one never blocks the hub.)"""
    poller = Poller()
    poller.register(frontend, _POLLIN)
    if backend is not frontend:
        poller.register(backend, _POLLIN)
    while True:
        for sock, _ in poller.poll():
            other = backend if sock is frontend else frontend
            msg = sock.recv_multipart(constants.NOBLOCK)
            if capture is not None:
                capture.send_multipart(msg)
            other.send_multipart(msg)

"""Local port forwarding over a paramiko SSH transport (what `ssh -L` does).

Needs paramiko at run time only: the transport passed in comes from it.
"""
from __future__ import annotations

import logging
import select
import socketserver
from typing import Any, Tuple

__all__ = ["forward_tunnel"]

log = logging.getLogger("zmq_cffi.ssh")

_CHUNK = 64 * 1024


def _pump(client: Any, channel: Any) -> None:
    """Copy bytes both ways between a local TCP connection and an SSH channel until either
    side closes."""
    ends = [client, channel]
    while True:
        readable, _, _ = select.select(ends, [], [])
        for src in readable:
            dst = channel if src is client else client
            data = src.recv(_CHUNK)
            if not data:
                return
            dst.sendall(data)


class _ForwardHandler(socketserver.BaseRequestHandler):
    # Set on the per-tunnel subclass made by forward_tunnel.
    transport: Any = None
    remote: Tuple[str, int] = ("127.0.0.1", 0)

    def handle(self) -> None:
        try:
            channel = self.transport.open_channel("direct-tcpip", self.remote, self.request.getpeername())
        except Exception as e:
            log.debug("could not open a channel to %s:%d: %r", *self.remote, e)
            return
        if channel is None:
            log.debug("the ssh server refused to forward to %s:%d", *self.remote)
            return
        try:
            _pump(self.request, channel)
        finally:
            channel.close()
            self.request.close()


class _ForwardServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def forward_tunnel(local_port: int, remote_host: str, remote_port: int, transport: Any) -> None:
    """Listen on 127.0.0.1:local_port and relay each connection to remote_host:remote_port
    as seen from the SSH server behind `transport` (a paramiko.Transport). Runs forever."""

    class Handler(_ForwardHandler):
        pass

    Handler.transport = transport
    Handler.remote = (remote_host, remote_port)
    with _ForwardServer(("127.0.0.1", local_port), Handler) as server:
        server.serve_forever()

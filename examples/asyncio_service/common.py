"""What the device, the backend and the frontend share: the message type and CURVE setup."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import zmq

# mode: (frontend socket type, backend socket type) of the device; the backend workers
# connect to the backend port, the frontend clients to the frontend port.
MODES = {
    "queue": (zmq.ROUTER, zmq.DEALER),  # requests in, replies back (clients REQ, workers REP)
    "pub": (zmq.XPUB, zmq.XSUB),  # workers publish, clients subscribe
    "push": (zmq.PUSH, zmq.PULL),  # workers push work, clients pull it
}


@dataclass
class Data:
    """A JSON message with three sections, like zmag.Data."""

    meta: dict[str, Any] = field(default_factory=dict)
    head: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)

    def dumps(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def loads(cls, raw: bytes) -> Data:
        return cls(**json.loads(raw))


def curve_client(socket: zmq.Socket, serverkey: str) -> None:
    """Make `socket` a CURVE client of the server whose public key is `serverkey` (z85)."""
    public, secret = zmq.curve_keypair()  # a throwaway key pair for this client
    socket.curve_publickey = public
    socket.curve_secretkey = secret
    socket.curve_serverkey = serverkey.encode()

"""Just enough ZMTP 3 (RFC 23/37) to write raw, possibly malformed, traffic by hand."""
from __future__ import annotations

import socket
import struct
import time
from typing import List, Tuple


def greeting(mechanism: bytes = b"NULL", as_server: bool = False, major: int = 3, minor: int = 0) -> bytes:
    """The 64-byte greeting: signature, version, mechanism, as-server, filler."""
    return (
        b"\xff" + b"\x00" * 8 + b"\x7f" + bytes([major, minor]) + mechanism.ljust(20, b"\x00")[:20]
        + bytes([1 if as_server else 0]) + b"\x00" * 31
    )


def prop(name: bytes, value: bytes) -> bytes:
    return bytes([len(name)]) + name + struct.pack(">I", len(value)) + value


def command(name: bytes, body: bytes = b"") -> bytes:
    payload = bytes([len(name)]) + name + body
    if len(payload) <= 255:
        return bytes([0x04, len(payload)]) + payload
    return b"\x06" + struct.pack(">Q", len(payload)) + payload


def ready(socket_type: bytes) -> bytes:
    return command(b"READY", prop(b"Socket-Type", socket_type))


def frame(body: bytes, more: bool = False) -> bytes:
    flags = 0x01 if more else 0x00
    if len(body) <= 255:
        return bytes([flags, len(body)]) + body
    return bytes([flags | 0x02]) + struct.pack(">Q", len(body)) + body


def long_frame_header(size: int, more: bool = False) -> bytes:
    """The header of a long frame announcing `size` bytes (that we never send)."""
    return bytes([0x02 | (0x01 if more else 0)]) + struct.pack(">Q", size)


class RawPeer:
    """A TCP connection to a ZMTP server, driven byte by byte."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 5.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)

    def send(self, data: bytes) -> bool:
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False  # the server already closed on us

    def recv_exactly(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError(f"closed after {len(buf)} of {n} bytes")
            buf += chunk
        return buf

    def read_command(self) -> Tuple[bytes, bytes]:
        flags = self.recv_exactly(1)[0]
        assert flags & 0x04, f"expected a command, flags {flags:#x}"
        size = struct.unpack(">Q", self.recv_exactly(8))[0] if flags & 0x02 else self.recv_exactly(1)[0]
        body = self.recv_exactly(size)
        return body[1 : 1 + body[0]], body[1 + body[0] :]

    def read_message(self) -> List[bytes]:
        parts = []
        while True:
            flags = self.recv_exactly(1)[0]
            size = struct.unpack(">Q", self.recv_exactly(8))[0] if flags & 0x02 else self.recv_exactly(1)[0]
            parts.append(self.recv_exactly(size))
            if not flags & 0x01:
                return parts

    def handshake(self, socket_type: bytes = b"DEALER", mechanism: bytes = b"NULL") -> None:
        self.send(greeting(mechanism))
        theirs = self.recv_exactly(64)
        assert theirs[0] == 0xFF and theirs[9] == 0x7F, theirs[:12]
        self.send(ready(socket_type))
        name, _ = self.read_command()
        assert name == b"READY", name

    def closed_by_server(self, within: float = 5.0) -> bool:
        """Whether the server closes the connection within `within` seconds (reads and drops
        whatever it still sends first)."""
        deadline = time.monotonic() + within
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.sock.settimeout(remaining)
            try:
                if not self.sock.recv(65536):
                    return True
            except socket.timeout:
                return False
            except OSError:
                return True  # reset

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

"""A small fault-injecting TCP relay: delays, cuts connections, and can record every byte.

It listens on one address and forwards each accepted connection to a target address, one
thread per direction. Faults:

- `delay_ms=(lo, hi)`: every chunk waits a random time in [lo, hi] ms before it is forwarded
  (a slow link; order within a direction is kept);
- `chunk`: at most this many bytes are read and forwarded at a time (a narrow link);
- `cut_every=K`: every K-th chunk (counted over all connections) is dropped and the whole
  connection is aborted with a reset, so whatever was in flight is lost;
- `cut_all()`: abort every open connection now.

With `capture=True`, the bytes of both directions are kept in `captured` (what a wiretap sees).
Used in-process on loopback, or inside a network namespace by `_peer.py relay`.
"""
from __future__ import annotations

import random
import socket
import struct
import threading
from typing import Dict, List, Tuple

_RST = struct.pack("ii", 1, 0)


class _Pair:
    """One relayed connection: the accepted socket and the one to the target."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client = client
        self.upstream = upstream
        self.lock = threading.Lock()
        self.dead = False
        self.pumps_left = 2

    def abort(self, reset: bool) -> None:
        """Stop both directions; with `reset`, the sockets will close with RST, not FIN."""
        with self.lock:
            if self.dead:
                return
            self.dead = True
        for s in (self.client, self.upstream):
            try:
                if reset:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RST)
                # Wakes the pump blocked in recv() on this socket (close() alone would not).
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def pump_done(self) -> None:
        with self.lock:
            self.pumps_left -= 1
            last = self.pumps_left == 0
        if last:
            for s in (self.client, self.upstream):
                try:
                    s.close()
                except OSError:
                    pass


class FaultRelay:
    def __init__(
        self,
        listen: Tuple[str, int],
        target: Tuple[str, int],
        delay_ms: Tuple[float, float] = (0.0, 0.0),
        chunk: int = 65536,
        cut_every: int = 0,
        capture: bool = False,
        seed: int = 0,
    ) -> None:
        self.target = target
        self.delay_ms = delay_ms
        self.chunk = chunk
        self.cut_every = cut_every
        self.capture = capture
        self.captured = bytearray()
        self.stats: Dict[str, int] = {"connections": 0, "chunks": 0, "cuts": 0, "bytes_up": 0, "bytes_down": 0}
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._pairs: List[_Pair] = []
        self._threads: List[threading.Thread] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(listen)
        self._listener.listen(64)
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, name="relay-accept", daemon=True)

    def start(self) -> "FaultRelay":
        self._acceptor.start()
        return self

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pair = _Pair(client, upstream)
            with self._lock:
                self.stats["connections"] += 1
                self._pairs.append(pair)
            for src, dst, key in ((client, upstream, "bytes_up"), (upstream, client, "bytes_down")):
                t = threading.Thread(target=self._pump, args=(pair, src, dst, key), name="relay-pump", daemon=True)
                self._threads.append(t)
                t.start()

    def _pump(self, pair: _Pair, src: socket.socket, dst: socket.socket, key: str) -> None:
        try:
            while not pair.dead:
                try:
                    data = src.recv(self.chunk)
                except OSError:
                    break
                if not data:
                    break
                with self._lock:
                    self.stats["chunks"] += 1
                    cut = self.cut_every > 0 and self.stats["chunks"] % self.cut_every == 0
                    if cut:
                        self.stats["cuts"] += 1
                    lo, hi = self.delay_ms
                    delay = self._rng.uniform(lo, hi) / 1000.0 if hi > 0 else 0.0
                if cut:
                    break  # the chunk is dropped and the connection reset below
                if delay:
                    # Pacing of a slow link (not synchronisation): this chunk is late.
                    self._stop.wait(delay)
                try:
                    dst.sendall(data)
                except OSError:
                    break
                with self._lock:
                    self.stats[key] += len(data)
                    if self.capture:
                        self.captured += data
            pair.abort(reset=True)
        finally:
            pair.pump_done()

    def cut_all(self) -> int:
        """Abort every open connection (in-flight bytes are lost); returns how many."""
        with self._lock:
            pairs = [p for p in self._pairs if not p.dead]
            self.stats["cuts"] += len(pairs)
        for p in pairs:
            p.abort(reset=True)
        return len(pairs)

    def close(self, timeout: float = 5.0) -> None:
        self._stop.set()
        try:
            self._listener.close()
        except OSError:
            pass
        self._acceptor.join(timeout)
        with self._lock:
            pairs = list(self._pairs)
        for p in pairs:
            p.abort(reset=True)
        for t in self._threads:
            t.join(timeout)

    def __enter__(self) -> "FaultRelay":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def snapshot(self) -> Dict[str, int]:
        with self._lock:
            return dict(self.stats)


def captured_bytes(relay: FaultRelay) -> bytes:
    with relay._lock:
        return bytes(relay.captured)


__all__ = ["FaultRelay", "captured_bytes"]

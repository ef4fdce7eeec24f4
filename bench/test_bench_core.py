"""Per-call costs of the core API, zmq_cffi next to pyzmq.

Each round does N operations; pytest-benchmark reports time per round, so per-call cost is
time / N. Rounds are warmed up first (PyPy's JIT).
"""
from __future__ import annotations

import pytest

from conftest import inproc_pair

N = 2000


@pytest.mark.parametrize("size", [16, 1024])
def test_send_recv_fill_drain(benchmark, zmq_module, ctx, size):
    """Fill an inproc pipe with N sends, then drain it with N recvs: no scheduler noise."""
    push, pull = inproc_pair(zmq_module, ctx, zmq_module.PUSH, zmq_module.PULL, f"fill{size}")
    msg = b"x" * size

    def fill_drain():
        send, recv = push.send, pull.recv
        for _ in range(N):
            send(msg)
        for _ in range(N):
            recv()

    benchmark.pedantic(fill_drain, rounds=30, warmup_rounds=5)


def test_multipart_3_frames(benchmark, zmq_module, ctx):
    push, pull = inproc_pair(zmq_module, ctx, zmq_module.PUSH, zmq_module.PULL, "multi")
    parts = [b"topic", b"h" * 32, b"b" * 512]

    def fill_drain():
        for _ in range(N):
            push.send_multipart(parts)
        for _ in range(N):
            pull.recv_multipart()

    benchmark.pedantic(fill_drain, rounds=30, warmup_rounds=5)


def test_poller_poll0_10_sockets(benchmark, zmq_module, ctx):
    poller = zmq_module.Poller()
    socks = []
    for i in range(5):
        a, b = inproc_pair(zmq_module, ctx, zmq_module.PAIR, zmq_module.PAIR, f"poll{i}")
        socks += [a, b]
    for s in socks:
        poller.register(s, zmq_module.POLLIN)
    socks[0].send(b"ready")

    def poll_many():
        for _ in range(N):
            poller.poll(0)

    benchmark.pedantic(poll_many, rounds=30, warmup_rounds=5)


def test_req_rep_roundtrip_inproc(benchmark, zmq_module, ctx):
    import threading

    rep, req = inproc_pair(zmq_module, ctx, zmq_module.REP, zmq_module.REQ, "rr")
    stop = b"stop"

    def echo():
        while True:
            m = rep.recv()
            rep.send(m)
            if m == stop:
                return

    t = threading.Thread(target=echo, daemon=True)
    t.start()

    def roundtrips():
        for _ in range(200):
            req.send(b"ping")
            req.recv()

    benchmark.pedantic(roundtrips, rounds=20, warmup_rounds=3)
    req.send(stop)
    req.recv()
    t.join(10)


def test_socket_create_close(benchmark, zmq_module, ctx):
    def churn():
        for _ in range(200):
            s = ctx.socket(zmq_module.PUSH)
            s.close()

    benchmark.pedantic(churn, rounds=20, warmup_rounds=3)


def test_zero_copy_1mib_inproc(benchmark, zmq_module, ctx):
    push, pull = inproc_pair(zmq_module, ctx, zmq_module.PUSH, zmq_module.PULL, "zc")
    payload = b"z" * (1 << 20)

    def move():
        for _ in range(50):
            push.send(payload, copy=False)
        for _ in range(50):
            pull.recv(copy=False)

    benchmark.pedantic(move, rounds=20, warmup_rounds=3)

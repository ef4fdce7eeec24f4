"""Load: 100 concurrent clients through a ROUTER/DEALER proxy to 4 workers; 1,000 sockets at once.

Both count this process's file descriptors and threads before and after: whatever zmq_cffi
opened under load must be closed again once the sockets are closed and the context ended.
"""
from __future__ import annotations

import os
import resource
import tempfile
import threading
import time
import uuid
from typing import Dict, List

import pytest

import zmq_cffi as zmq

from ._support import Peers, fd_count, os_thread_count, record

CLIENT_PROCESSES = 2
THREADS_PER_PROCESS = 50
REQUESTS = 1000
WORKERS = 4


@pytest.mark.timeout(300)
def test_hundred_clients_through_proxy_to_four_workers(peers: Peers) -> None:
    fds_before = fd_count()
    threads_before = threading.active_count()
    tasks_before = os_thread_count()

    ctx = zmq.Context()
    frontend = ctx.socket(zmq.ROUTER)
    backend = ctx.socket(zmq.DEALER)
    control, control_peer = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
    for s in (frontend, backend, control, control_peer):
        s.linger = 0
    frontend.sndhwm = frontend.rcvhwm = 0
    backend.sndhwm = backend.rcvhwm = 0
    port = frontend.bind_to_random_port("tcp://127.0.0.1")
    workers_addr = f"inproc://workers-{uuid.uuid4().hex}"
    backend.bind(workers_addr)
    control_addr = f"inproc://control-{uuid.uuid4().hex}"
    control.bind(control_addr)
    control_peer.connect(control_addr)

    proxy_errors: List[BaseException] = []

    def run_proxy() -> None:
        try:
            zmq.proxy_steerable(frontend, backend, None, control_peer)
        except BaseException as e:  # reported by the assertion below
            proxy_errors.append(e)

    stop = threading.Event()
    handled: List[List[bytes]] = [[] for _ in range(WORKERS)]
    worker_errors: List[BaseException] = []

    def worker(k: int) -> None:
        rep = ctx.socket(zmq.REP)
        rep.linger = 0
        rep.sndtimeo = 10_000
        try:
            rep.connect(workers_addr)
            while not stop.is_set():
                if rep.poll(100):
                    request = rep.recv()
                    handled[k].append(request)
                    rep.send(b"ok:" + request)
        except BaseException as e:
            worker_errors.append(e)
        finally:
            rep.close()

    proxy_thread = threading.Thread(target=run_proxy, name="proxy", daemon=True)
    worker_threads = [threading.Thread(target=worker, args=(k,), name=f"worker-{k}", daemon=True) for k in range(WORKERS)]
    proxy_thread.start()
    for t in worker_threads:
        t.start()

    started = time.monotonic()
    clients = [
        peers.start(
            "load_clients", name=f"clients-{i}", endpoint=f"tcp://127.0.0.1:{port}",
            threads=THREADS_PER_PROCESS, requests=REQUESTS, base=i * THREADS_PER_PROCESS, max_s=240,
        )
        for i in range(CLIENT_PROCESSES)
    ]
    try:
        results = [c.expect("summary", timeout=260) for c in clients]
        for c in clients:
            c.wait()
    finally:
        elapsed = time.monotonic() - started
        stop.set()
        for t in worker_threads:
            t.join(10)
        control.send(b"TERMINATE")
        proxy_thread.join(10)
        assert not proxy_thread.is_alive(), "the proxy did not stop on TERMINATE"
        for s in (frontend, backend, control, control_peer):
            s.close()
        ctx.term()

    assert not proxy_errors and not worker_errors, (proxy_errors, worker_errors)
    total = CLIENT_PROCESSES * THREADS_PER_PROCESS * REQUESTS
    for r in results:
        assert r["error_count"] == 0 and r["hung_threads"] == 0, r
        # The client processes closed what they opened, too.
        assert r["fds_after"] == r["fds_before"], r
        assert r["threads_after"] == r["threads_before"], r
    assert sum(r["answered"] for r in results) == total
    # Every request was handled by exactly one worker, exactly once.
    all_handled = [req for h in handled for req in h]
    assert len(all_handled) == total
    assert len(set(all_handled)) == total
    assert all(len(h) > 0 for h in handled)  # the proxy spread the load over all 4 workers

    peers.cleanup()  # closes the pipes to the client processes and joins their reader threads
    assert threading.active_count() == threads_before
    assert os_thread_count() == tasks_before
    assert fd_count() == fds_before
    record(
        "load.proxy",
        f"{total} requests from {CLIENT_PROCESSES * THREADS_PER_PROCESS} concurrent REQ clients through "
        f"proxy_steerable to {WORKERS} workers: all answered exactly once in {elapsed:.1f} s "
        f"({total / elapsed:.0f} req/s), per worker {[len(h) for h in handled]}; fds and threads back "
        f"to their counts before (this process {fds_before} fds)",
    )


def test_thousand_sockets_in_one_context() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 4096
    if soft < need:
        assert hard == resource.RLIM_INFINITY or hard >= need, f"ulimit -n hard limit {hard} < {need}"
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    try:
        _thousand_sockets()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _thousand_sockets() -> None:
    fds_before = fd_count()
    tasks_before = os_thread_count()
    ctx = zmq.Context()
    ctx.max_sockets = 2048
    assert ctx.max_sockets == 2048
    tmp = tempfile.mkdtemp(prefix="zmq-cffi-1k-")
    pairs = []
    plan: Dict[str, int] = {"tcp": 250, "ipc": 125, "inproc": 125}
    started = time.monotonic()
    try:
        for transport, count in plan.items():
            for i in range(count):
                a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
                a.linger = b.linger = 0
                if transport == "tcp":
                    a.bind("tcp://127.0.0.1:*")
                elif transport == "ipc":
                    a.bind(f"ipc://{tmp}/{i}")
                else:
                    a.bind(f"inproc://k-{uuid.uuid4().hex}")
                b.connect(a.get_string(zmq.LAST_ENDPOINT))
                pairs.append((a, b))
        sockets = [s for pair in pairs for s in pair]
        assert len(sockets) == 1000
        peak_fds = fd_count()

        for i, (a, b) in enumerate(pairs):
            b.send(b"ping %d" % i)
        _poll_all([a for a, _ in pairs], lambda i, msg: msg == b"ping %d" % i, reply=True)
        _poll_all([b for _, b in pairs], lambda i, msg: msg == b"pong %d" % i, reply=False)
        elapsed = time.monotonic() - started
    finally:
        for a, b in pairs:
            a.close()
            b.close()
        ctx.term()
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)
    assert fd_count() == fds_before
    assert os_thread_count() == tasks_before
    record(
        "load.thousand_sockets",
        f"1000 sockets (250 tcp, 125 ipc, 125 inproc PAIR pairs) open at once with MAX_SOCKETS=2048: "
        f"{peak_fds - fds_before} fds at the peak, one round trip each through one Poller in "
        f"{elapsed:.2f} s; all fds and threads released",
    )


def _poll_all(socks: List[zmq.Socket], ok, reply: bool) -> None:  # type: ignore[no-untyped-def]
    """Receive one message on every socket, through a Poller over all of them at once."""
    index = {s: i for i, s in enumerate(socks)}
    poller = zmq.Poller()
    for s in socks:
        poller.register(s, zmq.POLLIN)
    pending = set(socks)
    deadline = time.monotonic() + 30
    while pending:
        assert time.monotonic() < deadline, f"{len(pending)} sockets got nothing"
        for s, _ in poller.poll(1000):
            msg = s.recv(zmq.NOBLOCK)
            i = index[s]
            assert ok(i, msg), (i, msg)
            if reply:
                s.send(b"pong %d" % i)
            pending.discard(s)
            poller.unregister(s)

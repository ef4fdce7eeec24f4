"""Single-thread per-call costs of the core API over inproc, zmq_cffi next to pyzmq.

Each round does N operations; the report prints microseconds per operation (median round time
divided by N). Rounds are warmed up first (PyPy's JIT). Scenarios: bench/scenarios.py.
"""
from __future__ import annotations

import pytest

from harness import run_scenario


@pytest.mark.parametrize("size", [16, 1024])
def test_send_recv_fill_drain(benchmark, zmq_module, size):
    """Fill an inproc pipe with N sends, then drain it with N recvs: no scheduler noise."""
    run_scenario(benchmark, zmq_module, "fill_drain", size=size)


@pytest.mark.parametrize("size", [16])
def test_send_inproc(benchmark, zmq_module, size):
    """N sends alone (the pipe is drained untimed): the one-thread send loop."""
    run_scenario(benchmark, zmq_module, "send_inproc", size=size)


@pytest.mark.parametrize("size", [16])
def test_recv_inproc(benchmark, zmq_module, size):
    """N recvs alone (the pipe is filled untimed): the one-thread recv loop."""
    run_scenario(benchmark, zmq_module, "recv_inproc", size=size)


def test_multipart_3_frames(benchmark, zmq_module):
    run_scenario(benchmark, zmq_module, "multipart_3_frames")


def test_poller_poll0_10_sockets(benchmark, zmq_module):
    run_scenario(benchmark, zmq_module, "poller_poll0_10_sockets")


def test_req_rep_roundtrip_inproc(benchmark, zmq_module):
    run_scenario(benchmark, zmq_module, "req_rep_inproc")


def test_socket_create_close(benchmark, zmq_module):
    run_scenario(benchmark, zmq_module, "socket_create_close")


def test_zero_copy_1mib_inproc(benchmark, zmq_module):
    run_scenario(benchmark, zmq_module, "zero_copy_1mib_inproc")
